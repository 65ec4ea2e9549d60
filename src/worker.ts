// The worker process: runs the BullMQ jobs. Several may run at once against one Redis.
import { Queue, Worker, type Job } from 'bullmq';
import type { Config } from './config';
import { connectDatabase, disconnectDatabase } from './db/connection';
import { JOB_RESYNC_SLACK, MAINTENANCE_QUEUE, queueOptions, scheduleMaintenance } from './jobs/queues';
import { createRedisConnection } from './jobs/redis';
import { logger, setLogLevel } from './logger';
import { configOrExit, stopOnSignals } from './main';
import { resyncStaleRequests } from './slack/resync';
import { singleWorkspaceTokens } from './slack/tokens';

export interface RunningWorker {
  stop(): Promise<void>;
}

export async function startWorker(config: Config): Promise<RunningWorker> {
  setLogLevel(config.logLevel);
  await connectDatabase(config.mongodbUri);
  const tokens = singleWorkspaceTokens(config);
  const connection = createRedisConnection(config.redisUrl, { forWorker: true });
  const queue = new Queue(MAINTENANCE_QUEUE, queueOptions(config, connection));
  await scheduleMaintenance(queue);

  const worker = new Worker(
    MAINTENANCE_QUEUE,
    async (job: Job) => {
      if (job.name === JOB_RESYNC_SLACK) return resyncStaleRequests(tokens);
      throw new Error(`Unknown maintenance job ${job.name}`);
    },
    { ...queueOptions(config, connection), concurrency: 1 },
  );
  worker.on('failed', (job, error) => {
    logger.error({ job: job?.name, jobId: job?.id, err: error }, 'Job failed; BullMQ keeps it for inspection');
  });
  await worker.waitUntilReady();
  logger.info({ queues: [MAINTENANCE_QUEUE] }, 'Worker is taking jobs');
  return {
    async stop() {
      // close() lets the job in hand finish and takes no new ones.
      await worker.close();
      await queue.close();
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
