// Starting and stopping a process, shared by the web process and the worker: the config or a
// readable exit, a bounded wait, the shutdown on SIGTERM/SIGINT, and the worker's lower CPU priority.
import os from 'node:os';
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

/**
 * Lowers this process's CPU priority to `nice` (0 leaves it): the worker yields the CPU to the
 * web processes on a shared host. Raising one's own nice value needs no privilege; where the
 * system refuses anyway, the process runs as it was started and says so.
 */
export function yieldCpu(nice: number): void {
  if (nice === 0) return;
  try {
    os.setPriority(nice);
    logger.info({ nice }, 'Running at a lower CPU priority than the web processes');
  } catch (error) {
    logger.warn({ err: error, nice }, 'Could not lower the CPU priority; running at the priority it was started with');
  }
}
