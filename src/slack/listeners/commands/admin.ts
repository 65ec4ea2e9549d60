// `/help admin …`: client and staff set-up, for managers only.
import { parseAdminCommand } from '../../../domain/adminCommand';
import { ErrorCode, UserFacingError } from '../../../errors';
import {
  adminConfiguration,
  changeStaffRole,
  ClientSettingsRejected,
  linkChannel,
  requireManager,
  saveClientSettings,
  unlinkChannel,
} from '../../../services/admin';
import {
  adminUsageText,
  renderChannelChange,
  renderClientChange,
  renderClientProblems,
  renderConfiguration,
  renderDismiss,
  renderRetry,
  renderStaffChange,
  renderWorkingHours,
} from '../../views/adminText';
import { dismissFailedEffects, retryFailedEffects } from '../../../services/outbox';
import { setWorkingHours } from '../../../services/assignment';
import { staffHomeViewers } from '../../../services/home';
import { setRota } from '../../../services/onCall';
import { onCallAt } from '../../../domain/onCall';
import type { ListenerContext } from '../context';

export interface AdminInvocation {
  userId: string;
  channelId: string;
  /** The words after `admin`, as Slack delivered them (mentions escaped as <@U…|name>). */
  args: string[];
  /** Everything after `admin`, spacing kept. */
  text: string;
}

export async function adminCommand(ctx: ListenerContext, invocation: AdminInvocation): Promise<string> {
  const actor = { userId: invocation.userId, channelId: invocation.channelId };
  // Before anything else, so someone who is not a manager learns nothing, not even the syntax.
  await requireManager(actor, 'admin');
  const command = parseAdminCommand(invocation.text);
  switch (command.kind) {
    case 'usage':
      return adminUsageText(ctx.config.slack.helpCommand, command.problem);
    case 'show':
      return renderConfiguration(await adminConfiguration(actor));
    case 'client':
      try {
        return renderClientChange(await saveClientSettings(actor, command.key, command.fields));
      } catch (error) {
        if (error instanceof ClientSettingsRejected) {
          throw new UserFacingError(ErrorCode.InvalidInput, renderClientProblems(error.key, error.problems));
        }
        throw error;
      }
    case 'channel':
      return renderChannelChange(
        command.action === 'link'
          ? await linkChannel(actor, command.key, command.channelId)
          : await unlinkChannel(actor, command.key, command.channelId),
      );
    case 'staff':
      return renderStaffChange(await changeStaffRole(actor, command.action, command.role, command.userId));
    case 'hours': {
      const outcome = await setWorkingHours(command.userId, command.hours, actor.userId);
      if (outcome === 'not_engineer') throw new UserFacingError(ErrorCode.InvalidInput, `<@${command.userId}> is not one of our engineers; add them first with \`engineer add\`.`);
      const hours = command.hours ? renderWorkingHours(command.hours) : 'any time';
      return outcome === 'unchanged' ? `Nothing to change: <@${command.userId}> already works ${hours}.` : `<@${command.userId}> now works ${hours}; round robin offers them requests only then.`;
    }
    case 'oncall': {
      const outcome = await setRota(command.rota, actor.userId);
      const now = onCallAt(command.rota, new Date());
      return `${outcome === 'unchanged' ? 'Nothing to change: the' : 'The'} on-call rota is ${command.rota.engineers.map((u) => `<@${u}>`).join(' → ')}, a week each from ${command.rota.startsOn} (${command.rota.timezone}); <@${now ?? ''}> is on call now.`;
    }
    case 'retry': {
      const wakeups = await retryFailedEffects(command.channelId);
      await ctx.delivery.wake(wakeups);
      return renderRetry(wakeups.length, command.channelId);
    }
    case 'dismiss': {
      const dismissed = await dismissFailedEffects(actor.userId, command.channelId);
      // Managers' Homes list failed deliveries: shown again without them.
      if (dismissed > 0) await ctx.delivery.refreshHomes(await staffHomeViewers(), 'interactive');
      return renderDismiss(dismissed, command.channelId);
    }
  }
}
