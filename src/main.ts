// The web process: reads config, connects MongoDB and Redis, starts the Slack app, shuts down
// cleanly on SIGTERM/SIGINT.
import { ConfigError, loadConfig, type Config } from './config';
import { connectDatabase, disconnectDatabase, isDatabaseReachable } from './db/connection';
import { createRedisConnection, isRedisReachable, waitUntilReady } from './jobs/redis';
import { createTimerScheduler, type TimerScheduler } from './jobs/timerScheduler';
import { logger, setLogLevel } from './logger';
import { createSlackApp } from './slack/app';
import { createTokens } from './slack/tokens';

export interface RunningWeb {
  port: number;
  timers: TimerScheduler;
  stop(): Promise<void>;
}

export async function startWeb(config: Config): Promise<RunningWeb> {
  setLogLevel(config.logLevel);
  await connectDatabase(config.mongodbUri);
  const redis = createRedisConnection(config.redisUrl);
  // Requests can be opened and worked while Redis is down; timers are scheduled when it is back.
  await waitUntilReady(redis, 3000);
  const tokens = createTokens(config);
  const timers = createTimerScheduler(config, redis);
  const slack = createSlackApp(config, { config, tokens, timers }, {
    mongodb: isDatabaseReachable,
    redis: () => isRedisReachable(redis),
  });
  const port = await slack.start();
  logger.info({ port, socketMode: config.slack.socketMode }, 'Ad-hoc Help is listening');
  return {
    port,
    timers,
    async stop() {
      await slack.stop();
      await timers.close();
      redis.disconnect();
      await disconnectDatabase();
    },
  };
}

/** Runs `stop` once on SIGTERM/SIGINT, then exits. */
export function stopOnSignals(name: string, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${name} is shutting down; in-flight work finishes first`);
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
  startWeb(config)
    .then((web) => stopOnSignals('web', web.stop))
    .catch((error: unknown) => {
      logger.fatal({ err: error }, 'The web process could not start');
      process.exit(1);
    });
}
