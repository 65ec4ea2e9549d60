// The worker process: runs the BullMQ jobs (request timers, maintenance sweeps). Several may run
// at once against one Redis and one MongoDB.
import { Queue, Worker, type Job } from 'bullmq';
import type { Config } from './config';
import { connectDatabase, disconnectDatabase } from './db/connection';
import {
  JOB_MONTHLY_BILLING,
  JOB_RESYNC_SLACK,
  JOB_WEEKLY_DIGEST,
  MAINTENANCE_QUEUE,
  queueOptions,
  scheduleCalendarJobs,
  scheduleMaintenance,
} from './jobs/queues';
import { createRedisConnection } from './jobs/redis';
import { processTimerJob } from './jobs/timerProcessor';
import { createTimerScheduler, TIMERS_QUEUE } from './jobs/timerScheduler';
import { logger, setLogLevel } from './logger';
import { configOrExit, stopOnSignals } from './main';
import { requestsWithStaleTimers } from './services/timers';
import type { Effects } from './slack/requestUpdates';
import { runMonthlyBilling } from './slack/billingRun';
import { sendWeeklyDigest } from './slack/digest';
import { resyncStaleRequests } from './slack/resync';
import { createTokens } from './slack/tokens';

export interface RunningWorker {
  stop(): Promise<void>;
}

/** Re-renders Slack messages that fell behind and schedules timers the web process could not. */
export async function maintenanceSweep(effects: Effects): Promise<{ synced: number; timers: number }> {
  const { synced } = await resyncStaleRequests(effects.tokens);
  const stale = await requestsWithStaleTimers(500);
  for (const key of stale) await effects.timers.sync(key);
  return { synced, timers: stale.length };
}

export async function startWorker(config: Config): Promise<RunningWorker> {
  setLogLevel(config.logLevel);
  await connectDatabase(config.mongodbUri);
  const connection = createRedisConnection(config.redisUrl, { forWorker: true });
  const effects: Effects = { config, tokens: createTokens(config), timers: createTimerScheduler(config, connection) };
  const maintenance = new Queue(MAINTENANCE_QUEUE, queueOptions(config, connection));
  await scheduleMaintenance(maintenance);
  await scheduleCalendarJobs(maintenance, config.defaultTimezone);

  const workers = [
    new Worker(
      MAINTENANCE_QUEUE,
      async (job: Job) => {
        if (job.name === JOB_RESYNC_SLACK) return maintenanceSweep(effects);
        if (job.name === JOB_WEEKLY_DIGEST) return sendWeeklyDigest(effects.tokens, config);
        if (job.name === JOB_MONTHLY_BILLING) return runMonthlyBilling(effects.tokens, config);
        throw new Error(`Unknown maintenance job ${job.name}`);
      },
      { ...queueOptions(config, connection), concurrency: 1 },
    ),
    new Worker(TIMERS_QUEUE, async (job: Job, token?: string) => processTimerJob(job, token, effects, config), {
      ...queueOptions(config, connection),
      concurrency: 5,
    }),
  ];
  for (const worker of workers) {
    worker.on('failed', (job, error) => {
      const final = job ? job.attemptsMade >= (job.opts.attempts ?? 1) : true;
      logger.error(
        { queue: worker.name, job: job?.name, jobId: job?.id, request: (job?.data as { key?: string } | undefined)?.key, final, err: error },
        final ? 'Job failed for good; BullMQ keeps it for inspection' : 'Job failed; it will be retried with backoff',
      );
    });
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  logger.info({ queues: workers.map((w) => w.name) }, 'Worker is taking jobs');
  return {
    async stop() {
      // close() lets the jobs in hand finish and takes no new ones.
      await Promise.all(workers.map((w) => w.close()));
      await maintenance.close();
      await effects.timers.close();
      connection.disconnect();
      await disconnectDatabase();
    },
  };
}

if (require.main === module) {
  const config = configOrExit();
  startWorker(config)
    .then((running) => stopOnSignals('worker', running.stop))
    .catch((error: unknown) => {
      logger.fatal({ err: error }, 'The worker could not start');
      process.exit(1);
    });
}
