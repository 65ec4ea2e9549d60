// The only module that reads Slack tokens. Everything else asks it for an authorisation (Bolt)
// or a WebClient for a team (sync, jobs), so distributed installs can plug in here alone.
import { WebClient, LogLevel, type RetryOptions } from '@slack/web-api';
import type { Authorize, AuthorizeResult } from '@slack/bolt';
import type { Config } from '../config';
import { logger } from '../logger';

/** Slack's default retries run for half an hour; a user is waiting, so give up within seconds. */
export const SLACK_RETRY_POLICY: RetryOptions = { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000 };

export interface SlackTokens {
  /** Bolt's authorize function for incoming requests. */
  authorize: Authorize<boolean>;
  /** A client for calling the Web API in a team; undefined when we are not installed there. */
  clientFor(teamId?: string): Promise<WebClient | undefined>;
  /** Our own bot's user ID, e.g. to ignore our own messages. */
  botUserId(): Promise<string>;
}

export function webClientOptions(config: Config) {
  return {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: SLACK_RETRY_POLICY,
    logLevel: LogLevel.ERROR,
  };
}

export function singleWorkspaceTokens(config: Config): SlackTokens {
  const token = config.slack.botToken;
  const client = new WebClient(token, webClientOptions(config));
  let identity: Promise<AuthorizeResult> | undefined;

  const resolveIdentity = (): Promise<AuthorizeResult> => {
    identity ??= client.auth
      .test()
      .then((r) => ({
        botToken: token,
        botId: r.bot_id,
        botUserId: r.user_id,
        teamId: r.team_id,
      }))
      .catch((error: unknown) => {
        identity = undefined; // try again on the next request instead of caching a failure
        logger.error({ err: error }, 'auth.test failed; the bot token may be wrong. The request will be retried by Slack');
        throw error;
      });
    return identity;
  };

  return {
    authorize: async () => resolveIdentity(),
    clientFor: async () => client,
    botUserId: async () => (await resolveIdentity()).botUserId ?? '',
  };
}
