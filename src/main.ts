// The web process: reads config, connects MongoDB and Redis, starts the Slack app, shuts down
// within SHUTDOWN_TIMEOUT_MS on SIGTERM/SIGINT. It does only what Slack waits for (verify, parse,
// write the record, answer); the Slack effects it records are delivered by the worker, except
// while Redis is unreachable: then it delivers those a person waits for itself.
import type { Config } from './config';
import { connectDatabase, disconnectDatabase, isDatabaseReachable, warmDatabase } from './db/connection';
import { createEffects, type AppEffects } from './composition';
import { createRedisConnection, isRedisReachable, waitUntilReady } from './jobs/redis';
import { logger, setLogLevel } from './logger';
import { createMetrics, serveMetrics, type Metrics } from './observability/metrics';
import { configOrExit, stopOnSignals, withinDeadline } from './processes';
import { createSlackApp } from './slack/app';

export interface RunningWeb {
  port: number;
  /** The port GET /metrics is served on, when METRICS_PORT is set. */
  metricsPort: number | undefined;
  effects: AppEffects;
  stop(): Promise<void>;
}

/** MongoDB connections opened before the web process listens (a burst would open them one per query). */
const WARM_CONNECTIONS = 10;
/** The warm-up is given this long at most; the process listens anyway after it. */
const WARM_UP_MS = 5000;

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
