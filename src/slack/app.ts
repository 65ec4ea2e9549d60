// Builds the Bolt app in HTTP mode (POST /slack/events) or Socket Mode, with /healthz and /readyz
// served in both (/metrics is not served here: see observability/metrics.ts).
import type { Server } from 'node:http';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, type CustomRoute, type Logger as BoltLogger } from '@slack/bolt';
import type { Config } from '../config';
import { logger } from '../logger';
import type { Metrics } from '../observability/metrics';
import { registerListeners } from './listeners';
import { createRequestHistory } from '../services/history';
import { AFTER_ACK_CONCURRENCY, ANSWER_CONCURRENCY, createWorkQueue } from './listeners/afterAck';
import { messageForError } from './listeners/replies';
import type { Effects } from './requestUpdates';
import { BOT_SCOPES } from './scopes';
import type { SlackTokens } from './tokens';
import { githubWebhookRoute } from '../triggers/github';

export interface Readiness {
  mongodb(): Promise<boolean>;
  redis(): Promise<boolean>;
}

function healthRoutes(readiness: Readiness): CustomRoute[] {
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  return [
    { path: '/healthz', method: 'GET', handler: (_req, res) => json(res, 200, { ok: true }) },
    {
      path: '/readyz',
      method: 'GET',
      handler: (_req, res) => {
        void Promise.all([readiness.mongodb(), readiness.redis()]).then(([mongodb, redis]) =>
          json(res, mongodb && redis ? 200 : 503, { ok: mongodb && redis, mongodb, redis }),
        );
      },
    },
  ];
}

/** Bolt's own logs go through our JSON logger. */
function boltLogger(): BoltLogger {
  const child = logger.child({ component: 'bolt' });
  return {
    debug: (...msg) => child.debug(msg.join(' ')),
    info: (...msg) => child.info(msg.join(' ')),
    warn: (...msg) => child.warn(msg.join(' ')),
    error: (...msg) => child.error(msg.join(' ')),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}

/**
 * Distributed mode: Bolt serves /slack/install (straight to Slack's consent page) and
 * /slack/oauth_redirect, with single-use states and installations in MongoDB.
 */
function oauthOptions(config: Config, tokens: SlackTokens) {
  const distribution = config.slack.distribution;
  if (!distribution || !tokens.oauth) return undefined;
  return {
    clientId: distribution.clientId,
    clientSecret: distribution.clientSecret,
    stateSecret: distribution.stateSecret,
    scopes: [...BOT_SCOPES],
    installationStore: tokens.oauth.installationStore,
    installerOptions: {
      directInstall: true,
      stateVerification: true,
      stateStore: tokens.oauth.stateStore,
      // oauth.v2.access and auth.test of the install go to SLACK_API_URL too (GovSlack, tests).
      clientOptions: tokens.clientOptions,
    },
  };
}

const SOCKET_CLOSE_WAIT_MS = 2000;

/** Who the warm-up's `/help help` comes from: nobody (well-formed ids, no such person or channel). */
const WARM_UP_USER = 'U0WARMUP0';
const WARM_UP_CHANNEL = 'C0WARMUP0';

/**
 * Resolves once the Socket Mode connection has closed. Bolt's stop() only starts the close
 * handshake; when the peer does not answer it, the client would keep a 30 s timer alive, so after
 * SOCKET_CLOSE_WAIT_MS the connection is dropped.
 */
function socketClosed(client: SocketModeReceiver['client']): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      logger.warn('The Socket Mode close handshake did not finish; dropping the connection');
      void client.disconnect().then(() => resolve());
    }, SOCKET_CLOSE_WAIT_MS);
    timer.unref();
    client.once('disconnected', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export interface SlackApp {
  app: App;
  /**
   * Before the process listens: learns who the bot is (auth.test, which Bolt's first request
   * would otherwise wait for) and sends one `/help help` through Bolt's whole dispatch (answered
   * in its ack: nothing recorded, nothing sent to Slack), so the first person does not pay for it.
   */
  warmUp(): Promise<void>;
  /** Starts listening; resolves with the HTTP port actually bound. */
  start(): Promise<number>;
  stop(): Promise<void>;
}

export function createSlackApp(config: Config, effects: Effects, readiness: Readiness, metrics: Metrics): SlackApp {
  const { tokens } = effects;
  const customRoutes = [...healthRoutes(readiness), githubWebhookRoute(effects)];
  const log = boltLogger();
  const oauth = oauthOptions(config, tokens);
  const receiver = config.slack.socketMode
    ? new SocketModeReceiver({
        appToken: config.slack.appToken ?? '',
        customRoutes,
        ...oauth,
        // The Socket Mode client calls apps.connections.open with these options: without them it
        // would ask slack.com whatever SLACK_API_URL says.
        installerOptions: { clientOptions: tokens.clientOptions, ...oauth?.installerOptions, port: config.port },
        logger: log,
      })
    : new HTTPReceiver({
        signingSecret: config.slack.signingSecret ?? '',
        endpoints: '/slack/events',
        customRoutes,
        ...oauth,
        logger: log,
      });
  const app = new App({
    receiver,
    // With OAuth options Bolt authorizes each request from the installation store itself.
    ...(oauth ? {} : { authorize: tokens.authorize }),
    clientOptions: tokens.clientOptions,
    logger: log,
    // No listener uses context.conversation; Bolt's default in-memory conversation store would
    // still be read and written on every event.
    convoStore: false,
  });
  app.error(async (error) => {
    messageForError(error, { component: 'bolt' });
  });
  // Counts listeners at work, so a shutdown lets them finish (a listener goes on after ack()).
  let inFlight = 0;
  app.use(async ({ next }) => {
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  });
  // The history index is this web process's own, built on the first estimate that needs it.
  registerListeners(app, { ...effects, metrics, history: createRequestHistory(), answers: createWorkQueue(ANSWER_CONCURRENCY), afterAck: createWorkQueue(AFTER_ACK_CONCURRENCY) });

  let server: Server | undefined;
  return {
    app,
    async warmUp() {
      try {
        await tokens.botUserId();
        const teamId = await tokens.homeTeamId();
        await app.processEvent({
          body: {
            command: config.slack.helpCommand,
            text: 'help',
            team_id: teamId,
            channel_id: WARM_UP_CHANNEL,
            user_id: WARM_UP_USER,
            response_url: 'https://hooks.slack.com/commands/warm-up',
            trigger_id: 'warm-up',
          },
          ack: async () => undefined,
        });
      } catch (error) {
        logger.debug({ err: error }, 'Warming up the Slack app failed; the first requests pay for it');
      }
    },
    async start() {
      const started: unknown = await app.start(config.port);
      if (receiver instanceof HTTPReceiver) {
        server = started as Server;
        const address = server.address();
        return typeof address === 'object' && address ? address.port : config.port;
      }
      return config.port;
    },
    async stop() {
      const closed = receiver instanceof SocketModeReceiver ? socketClosed(receiver.client) : Promise.resolve();
      await app.stop();
      await closed;
      const deadline = Date.now() + 10_000;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      if (inFlight > 0) logger.warn({ inFlight }, 'Stopped with listeners still running after 10 s');
    },
  };
}
