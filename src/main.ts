// The web process: reads config, connects MongoDB and Redis, starts the Slack app, shuts down
// within SHUTDOWN_TIMEOUT_MS on SIGTERM/SIGINT. It does only what Slack waits for (verify, parse,
// write the record, answer); the Slack effects it records are delivered by the worker, except
// while Redis is unreachable: then it delivers those a person waits for itself.
import type { Redis } from 'ioredis';
import { ConfigError, loadConfig, type Config } from './config';
import { connectDatabase, disconnectDatabase, isDatabaseReachable, warmDatabase } from './db/connection';
import { createWakeups, type Wakeups } from './jobs/deliveryQueue';
import { createRedisConnection, isRedisReachable, waitUntilReady } from './jobs/redis';
import { createTimerScheduler } from './jobs/timerScheduler';
import { logger, setLogLevel } from './logger';
import { createMetrics, recordDelivered, serveMetrics, type Metrics } from './metrics';
import { setPeopleSource } from './services/people';
import { createSlackApp } from './slack/app';
import { createDelivery } from './slack/delivery';
import type { DeliveryDeps } from './slack/delivery/deliverer';
import { createDirectDelivery, type DirectDelivery } from './slack/delivery/direct';
import { createLocalPacer } from './slack/delivery/localPacer';
import { createRedisPacer, unpaced } from './slack/delivery/pacer';
import { createMembership } from './slack/membership';
import { slackPeopleSource } from './slack/people';
import type { Effects } from './slack/requestUpdates';
import { createTokens } from './slack/tokens';

export interface RunningWeb {
  port: number;
  /** The port GET /metrics is served on, when METRICS_PORT is set. */
  metricsPort: number | undefined;
  effects: AppEffects;
  stop(): Promise<void>;
}

/** Effects, with what delivers them: the wake-ups (queue), delivery without the queue, and the deliverer's needs. */
export type AppEffects = Effects & { wakeups: Wakeups; direct: DirectDelivery; deliveryDeps: DeliveryDeps };

/**
 * What listeners and jobs act through, on one Redis connection that fails fast (a person waits):
 * the paced Slack clients, the durable delivery, the timers and the channel-members cache.
 */
export function createEffects(config: Config, redis: Redis): AppEffects {
  const pacer = config.slack.pace === 'off' ? unpaced : createRedisPacer(redis, config.queuePrefix, createLocalPacer(config.slack.paceProcessesWithoutRedis));
  const queued = createWakeups(config, redis);
  const tokens = createTokens(config, pacer);
  const deliveryDeps: DeliveryDeps = {
    config,
    tokens,
    wake: async (due) => {
      await wakeups.wake(due);
    },
    homeIntervalMs: config.homeRefreshIntervalMs,
    observe: (kind, lagMs) => recordDelivered(redis, config.queuePrefix, kind, lagMs),
  };
  const direct = createDirectDelivery(deliveryDeps, (due) => queued.wake(due));
  // A wake-up that cannot be queued (Redis is unreachable): what a person waits for is delivered
  // by this process at once; the rest by the worker's sweep, which delivers without the queue too.
  const wakeups: Wakeups = {
    async wake(due) {
      const unqueued = await queued.wake(due);
      direct.deliver(unqueued.filter((w) => w.priority === 'interactive'));
      return unqueued;
    },
    async close() {
      await Promise.all([queued.close(), direct.close()]);
    },
  };
  // Permission checks ask Slack which side a person is on through these tokens.
  setPeopleSource(
    slackPeopleSource(
      () => tokens.clientFor(),
      async () => ({ teamId: await tokens.homeTeamId(), enterpriseId: await tokens.homeEnterpriseId() }),
    ),
  );
  return {
    config,
    tokens,
    timers: createTimerScheduler(config, redis),
    delivery: createDelivery(wakeups),
    membership: createMembership(redis, config.queuePrefix),
    wakeups,
    direct,
    deliveryDeps,
  };
}

/** MongoDB connections opened before the web process listens (a burst would open them one per query). */
const WARM_CONNECTIONS = 10;
/** The warm-up is given this long at most; the process listens anyway after it. */
const WARM_UP_MS = 5000;

/** Runs `work`, but gives up waiting for it after `ms` (it may go on in the background). */
export async function withinDeadline(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work.then(() => true), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export async function startWeb(config: Config): Promise<RunningWeb> {
  setLogLevel(config.logLevel);
  await connectDatabase(config.mongodbUri);
  const redis = createRedisConnection(config.redis);
  // Requests can be opened and worked while Redis is down: what a person waits for is delivered
  // by this process, the rest by the worker's sweep; timers are scheduled when it is back.
  await waitUntilReady(redis, 3000);
  const effects = createEffects(config, redis);
  const metrics: Metrics = createMetrics(config, redis);
  const slack = createSlackApp(config, effects, {
    mongodb: isDatabaseReachable,
    redis: () => isRedisReachable(redis),
  }, metrics);
  // Warm before listening (so before /readyz answers): what the first requests would pay for.
  const warmStarted = Date.now();
  const warm = await withinDeadline(Promise.all([warmDatabase(WARM_CONNECTIONS).catch((error: unknown) => logger.debug({ err: error }, 'Warming up MongoDB failed')), slack.warmUp()]), WARM_UP_MS);
  logger.info({ ms: Date.now() - warmStarted, finished: warm }, 'Warmed up');
  const port = await slack.start();
  const metricsServer = config.metrics ? await serveMetrics(metrics, config.metrics.host, config.metrics.port) : undefined;
  logger.info(
    { port, socketMode: config.slack.socketMode, metrics: metricsServer ? `${config.metrics?.host}:${metricsServer.port}` : 'off' },
    'Ad-hoc Help is listening',
  );
  return {
    port,
    metricsPort: metricsServer?.port,
    effects,
    async stop() {
      const finished = await withinDeadline(
        (async () => {
          await metricsServer?.close();
          await slack.stop();
          await Promise.all([effects.timers.close(), effects.wakeups.close(), metrics.close()]);
        })(),
        config.shutdownTimeoutMs,
      );
      if (!finished) logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'The web process did not stop in time; what is left is recorded and picked up by the next process');
      redis.disconnect();
      await disconnectDatabase();
    },
  };
}

/**
 * Runs `stop` once on SIGTERM/SIGINT, then exits. `stop` is bounded by its own deadline; this
 * one is the last resort, should anything still hang (a connection that never answers).
 */
export function stopOnSignals(name: string, stop: () => Promise<void>, timeoutMs: number): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${name} is shutting down; in-flight work finishes first`);
    setTimeout(() => {
      logger.error({ timeoutMs }, `${name} did not stop in time; exiting now`);
      process.exit(1);
    }, timeoutMs + 2000).unref();
    stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, `${name} did not shut down cleanly`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/** Loads the config or prints one line per problem and exits non-zero. */
export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw error;
  }
}

if (require.main === module) {
  const config = configOrExit();
  const starting = startWeb(config);
  // Listening before start-up returns: a SIGTERM from then on must find its handler, so it is
  // installed first and waits for the start to finish.
  stopOnSignals('web', async () => (await starting).stop(), config.shutdownTimeoutMs);
  starting.catch((error: unknown) => {
    logger.fatal({ err: error }, 'The web process could not start');
    process.exit(1);
  });
}
