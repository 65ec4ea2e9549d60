// Starting and stopping a process, shared by the web process and the worker: the config or a
// readable exit, a bounded wait, and the shutdown on SIGTERM/SIGINT.
import { ConfigError, loadConfig, type Config } from './config';
import { logger } from './logger';

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
