// Which token acts where. Bolt gets its authorisation (or, distributed, the OAuth stores) here; the
// delivery, the Home tab and the people lookups get a paced WebClient for a team, ours or the
// client side's. Two modes: one workspace (SLACK_BOT_TOKEN, read by config.ts), or distributed,
// where client organisations install the app and their tokens live sealed in MongoDB
// (services/installations.ts stores and opens them).
import { WebClient, LogLevel, type RetryOptions, type WebClientOptions } from '@slack/web-api';
import type { Authorize, AuthorizeResult, Installation, InstallationQuery, InstallationStore, StateStore } from '@slack/bolt';
import type { Config, Distribution } from '../config';
import { createTokenCipher } from '../domain/tokenCipher';
import { logger } from '../logger';
import { createInstallationStore, createStateStore } from '../services/installations';
import type { Pacer } from './delivery/pacer';
import { pacedFetch } from './delivery/pacedFetch';

/**
 * Slack's default retries run for half an hour. One quick retry for a blip; anything longer is
 * the delivery's business (effects are retried with backoff), or the person's, who is waiting.
 */
export const SLACK_RETRY_POLICY: RetryOptions = { retries: 1, factor: 2, minTimeout: 200, maxTimeout: 1000 };

/** What Bolt needs to run the OAuth flow (distributed mode only). */
export interface OAuthStores {
  installationStore: InstallationStore;
  stateStore: StateStore;
}

export interface SlackTokens {
  /** Bolt's authorize function for incoming requests (single workspace; in distributed mode Bolt authorizes from `oauth`). */
  authorize: Authorize<boolean>;
  /** Set in distributed mode. */
  oauth: OAuthStores | undefined;
  /** A client for calling the Web API in a team (ours when omitted); undefined when we are not installed there. */
  clientFor(teamId?: string): Promise<WebClient | undefined>;
  /**
   * A client for a client's side of a request (its channel, thread, requester): the client's own
   * installation when it has one, otherwise ours (posting in a shared channel works with our
   * token; it is also the only one in single-workspace mode).
   */
  clientForClientSide(teamId: string | null | undefined): Promise<WebClient | undefined>;
  /** After app_uninstalled / tokens_revoked: removes the installation and forgets its client. */
  removeInstallation(query: InstallationQuery<boolean>): Promise<void>;
  /** Our own bot's user ID, e.g. to ignore our own messages. */
  botUserId(): Promise<string>;
  /** Our own Slack workspace: whoever is from another one is from a client's (unless from our organisation). */
  homeTeamId(): Promise<string>;
  /**
   * Our Enterprise Grid organisation (auth.test `enterprise_id`), undefined when our workspace is
   * not part of one: people of its sister workspaces are ours too, not the client's.
   */
  homeEnterpriseId(): Promise<string | undefined>;
  /** The options of every WebClient of the app (Bolt's too): paced, and never paused by a 429. */
  clientOptions: WebClientOptions;
}

export function webClientOptions(config: Config, pacer?: Pacer): WebClientOptions {
  return {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: SLACK_RETRY_POLICY,
    logLevel: LogLevel.ERROR,
    // A 429 fails the call at once instead of pausing the client's whole queue (see delivery/pacedFetch.ts).
    rejectRateLimitedCalls: true,
    ...(pacer ? { fetch: pacedFetch(pacer) } : {}),
  };
}

/** What auth.test says about a token: Bolt's authorization, and the organisation it belongs to. */
interface Identity {
  authorization: AuthorizeResult;
  /** Set when the token's workspace is part of an Enterprise Grid organisation. */
  enterpriseId: string | undefined;
}

/** auth.test once per token, retried on the next call after a failure. */
function identityOf(client: WebClient, token: string): () => Promise<Identity> {
  let identity: Promise<Identity> | undefined;
  return () => {
    identity ??= client.auth
      .test()
      .then((r) => ({
        authorization: { botToken: token, botId: r.bot_id, botUserId: r.user_id, teamId: r.team_id },
        enterpriseId: r.enterprise_id || undefined,
      }))
      .catch((error: unknown) => {
        identity = undefined; // try again on the next request instead of caching a failure
        logger.error({ err: error }, 'auth.test failed; the bot token may be wrong. The request will be retried by Slack');
        throw error;
      });
    return identity;
  };
}

export function singleWorkspaceTokens(config: Config, pacer: Pacer): SlackTokens {
  const token = config.slack.botToken ?? '';
  const clientOptions = webClientOptions(config, pacer);
  const client = new WebClient(token, clientOptions);
  const resolveIdentity = identityOf(client, token);

  return {
    authorize: async () => (await resolveIdentity()).authorization,
    oauth: undefined,
    clientFor: async () => client,
    clientForClientSide: async () => client,
    removeInstallation: async (query) => {
      logger.warn({ team: query.teamId }, 'The app was uninstalled or its token revoked; in single-workspace mode calls will fail until SLACK_BOT_TOKEN is replaced');
    },
    botUserId: async () => (await resolveIdentity()).authorization.botUserId ?? '',
    homeTeamId: async () => {
      const teamId = (await resolveIdentity()).authorization.teamId;
      if (!teamId) throw new Error('auth.test did not say which team the bot token belongs to');
      return teamId;
    },
    homeEnterpriseId: async () => (await resolveIdentity()).enterpriseId,
    clientOptions,
  };
}

export function distributedTokens(config: Config, distribution: Distribution, pacer: Pacer): SlackTokens {
  const store = createInstallationStore(createTokenCipher(distribution.encryptionKey));
  const homeTeamId = distribution.homeTeamId;
  const envToken = config.slack.botToken;
  const clientOptions = webClientOptions(config, pacer);
  const envClient = envToken ? new WebClient(envToken, clientOptions) : undefined;
  const envIdentity = envClient && envToken ? identityOf(envClient, envToken) : undefined;
  // One WebClient per team, kept while the team's token stays the same. The token is read from
  // MongoDB on every call so an uninstall seen by another process (web or worker) counts at once.
  const clients = new Map<string, { token: string; client: WebClient }>();

  const tokenFor = async (teamId: string): Promise<string | undefined> => {
    if (teamId === homeTeamId && envToken) return envToken;
    return (await store.botForTeam(teamId))?.token;
  };

  const clientWith = (teamId: string, token: string): WebClient => {
    const cached = clients.get(teamId);
    if (cached?.token === token) return cached.client;
    const client = new WebClient(token, clientOptions);
    clients.set(teamId, { token, client });
    return client;
  };

  const clientFor = async (teamId: string = homeTeamId): Promise<WebClient | undefined> => {
    const token = await tokenFor(teamId);
    if (!token) {
      clients.delete(teamId);
      logger.warn({ team: teamId }, 'The app is not installed in this team; the Slack call is skipped');
      return undefined;
    }
    return clientWith(teamId, token);
  };

  // Our organisation, asked once of auth.test with our own workspace's token (stored or from the env).
  let storedHomeIdentity: { token: string; identity: () => Promise<Identity> } | undefined;
  const homeIdentity = async (): Promise<Identity> => {
    if (envIdentity) return envIdentity();
    const token = await tokenFor(homeTeamId);
    const client = await clientFor(homeTeamId);
    if (!token || !client) throw new Error('The app is not installed in our own workspace, so it cannot tell which organisation is ours');
    if (storedHomeIdentity?.token !== token) storedHomeIdentity = { token, identity: identityOf(client, token) };
    return storedHomeIdentity.identity();
  };

  // Bolt authorizes our own workspace from SLACK_BOT_TOKEN when it is set, everyone else from MongoDB.
  const installationStore: InstallationStore = {
    storeInstallation: (installation, log) => store.storeInstallation(installation, log),
    deleteInstallation: (query, log) => store.deleteInstallation(query, log),
    async fetchInstallation(query, log) {
      if (envIdentity && envToken && query.teamId === homeTeamId && !query.isEnterpriseInstall) {
        const identity = (await envIdentity()).authorization;
        const home: Installation<'v2', false> = {
          team: { id: homeTeamId },
          enterprise: undefined,
          user: { token: undefined, scopes: undefined, id: '' },
          bot: { token: envToken, userId: identity.botUserId ?? '', id: identity.botId ?? '', scopes: [] },
          isEnterpriseInstall: false,
          authVersion: 'v2',
        };
        return home;
      }
      return store.fetchInstallation(query, log);
    },
  };

  return {
    authorize: async () => {
      throw new Error('In distributed mode Bolt authorizes through the installation store');
    },
    oauth: { installationStore, stateStore: createStateStore(distribution.stateSecret) },
    clientFor,
    async clientForClientSide(teamId) {
      if (teamId && teamId !== homeTeamId) {
        const bot = await store.botForTeam(teamId);
        if (bot) return clientWith(teamId, bot.token);
      }
      return clientFor(homeTeamId);
    },
    async removeInstallation(query) {
      await store.deleteInstallation(query);
      if (query.teamId) clients.delete(query.teamId);
      if (query.isEnterpriseInstall) clients.clear();
    },
    botUserId: async () => (envIdentity ? (await envIdentity()).authorization.botUserId : (await store.botForTeam(homeTeamId))?.userId) ?? '',
    homeTeamId: async () => homeTeamId,
    homeEnterpriseId: async () => (await homeIdentity()).enterpriseId,
    clientOptions,
  };
}

/** The token module for the configured mode; main.ts and worker.ts both build it here. */
export function createTokens(config: Config, pacer: Pacer): SlackTokens {
  const distribution = config.slack.distribution;
  return distribution ? distributedTokens(config, distribution, pacer) : singleWorkspaceTokens(config, pacer);
}
