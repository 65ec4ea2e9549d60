// app_uninstalled and tokens_revoked: the installation of that team (or organisation) goes, so
// later calls for it are skipped and logged instead of failing with a dead token. Bolt delivers
// these two events without authorizing them (the token is already gone).
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { logger } from '../../../logger';
import type { ListenerContext } from '../context';

const envelopeSchema = z.object({
  team_id: z.string().optional(),
  enterprise_id: z.string().optional(),
  is_enterprise_install: z.boolean().optional(),
  authorizations: z.array(z.object({ is_enterprise_install: z.boolean().optional() })).optional(),
});

function installationOf(body: unknown) {
  const envelope = envelopeSchema.parse(body);
  return {
    teamId: envelope.team_id,
    enterpriseId: envelope.enterprise_id,
    isEnterpriseInstall: envelope.is_enterprise_install ?? envelope.authorizations?.[0]?.is_enterprise_install ?? false,
  };
}

export function appUninstalled(ctx: ListenerContext) {
  return async ({ body }: SlackEventMiddlewareArgs<'app_uninstalled'> & AllMiddlewareArgs): Promise<void> => {
    const query = installationOf(body);
    logger.info({ team: query.teamId, enterprise: query.enterpriseId }, 'The app was uninstalled; removing the installation');
    await ctx.tokens.removeInstallation(query);
  };
}

export function tokensRevoked(ctx: ListenerContext) {
  return async ({ body, event }: SlackEventMiddlewareArgs<'tokens_revoked'> & AllMiddlewareArgs): Promise<void> => {
    const query = installationOf(body);
    // The app asks for no user scopes, so only a revoked bot token matters.
    if ((event.tokens.bot ?? []).length === 0) {
      logger.info({ team: query.teamId }, 'User tokens were revoked; the app holds none, nothing to do');
      return;
    }
    logger.info({ team: query.teamId, enterprise: query.enterpriseId }, 'The bot token was revoked; removing the installation');
    await ctx.tokens.removeInstallation(query);
  };
}
