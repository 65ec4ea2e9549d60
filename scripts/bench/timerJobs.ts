// Section 2: scheduling and cancelling reminder jobs. Two ways: BullMQ's Queue directly, with the
// app's job options and deterministic IDs (the cost of BullMQ and Redis alone), and the app's own
// createTimerScheduler().sync() over open requests and then over the same requests cancelled (the
// full path: read the record, plan, add or remove the jobs, record what is scheduled).
import { Queue } from 'bullmq';
import mongoose from 'mongoose';
import { connectDatabase, disconnectDatabase } from '../../src/db/connection';
import { RequestModel } from '../../src/db/request';
import { timerId, type TimerJob } from '../../src/domain/timers';
import { queueOptions } from '../../src/jobs/queues';
import { createRedisConnection, waitUntilReady } from '../../src/jobs/redis';
import { TIMER_JOB_OPTIONS, TIMERS_QUEUE, createTimerScheduler } from '../../src/jobs/timerScheduler';
import { applySeed } from '../../src/services/seed';
import { TRIAGE_CHANNEL, benchConfig, databaseUri, uniqueName } from './environment';
import { cpuSince, cpuSnapshot, waitForQuiet, type CpuUse } from './cpu';
import { runPool } from './stats';

export interface JobsMeasurement {
  operation: string;
  jobs: number;
  inFlight: number;
  seconds: number;
  jobsPerSecond: number;
  /** Delayed jobs in the queue afterwards (jobs after adding, 0 after removing). */
  delayedAfter: number;
  cpu: CpuUse;
}

export interface TimerJobsResult {
  measurements: JobsMeasurement[];
}

const CLIENT_KEY = 'JOBS';
const SEED = `
clients:
  - key: ${CLIENT_KEY}
    name: Jobs Ltd
    channels: [C0JOBS]
    hourlyRate: 95
    businessHours: 24x7
`;
const IN_FLIGHT = 16;
/** Before each measurement, wait this long at most for other processes to leave the machine alone. */
const QUIET_WAIT_MS = 10_000;
const HOUR = 60 * 60 * 1000;

async function timed(operation: string, jobs: number, inFlight: number, run: () => Promise<void>, delayed: () => Promise<number>): Promise<JobsMeasurement> {
  await waitForQuiet(QUIET_WAIT_MS);
  const before = cpuSnapshot();
  const started = performance.now();
  await run();
  const ms = performance.now() - started;
  const cpu = cpuSince(before);
  return {
    cpu,
    operation,
    jobs,
    inFlight,
    seconds: Math.round(ms) / 1000,
    jobsPerSecond: Math.round((jobs / ms) * 1000),
    delayedAfter: await delayed(),
  };
}

/** Open requests, inserted directly: each plans two SLA timers (reminder and escalation). */
function openRequests(count: number, now: Date) {
  return Array.from({ length: count }, (_, i) => ({
    key: `${CLIENT_KEY}-${i + 1}`,
    clientKey: CLIENT_KEY,
    number: i + 1,
    title: `Timer bench request ${i + 1}`,
    details: '',
    category: 'maintenance',
    priority: 'normal',
    state: 'open',
    source: 'command',
    requesterId: 'U0JOBSDEV',
    clientChannelId: 'C0JOBS',
    triageChannelId: TRIAGE_CHANNEL,
    createdAt: now,
    clientWaits: [],
    timersFired: [],
    scheduledTimers: [],
    timersRevision: -1,
    billableMinutesLogged: 0,
    revision: 0,
    syncedRevision: 0,
    updatedAt: now,
  }));
}

export async function measureTimerJobs(input: {
  mongodbUri: string;
  redisUrl: string;
  apiUrl: string;
  jobs: number;
  log: (line: string) => void;
}): Promise<TimerJobsResult> {
  const { jobs, log } = input;
  const redis = createRedisConnection(input.redisUrl);
  if (!(await waitUntilReady(redis, 5000))) throw new Error('Redis is not reachable for the timer jobs bench');
  const measurements: JobsMeasurement[] = [];
  const queues: Queue[] = [];
  try {
    // --- BullMQ directly ----------------------------------------------------------------------
    const direct = benchConfig({ apiUrl: input.apiUrl, mongodbUri: input.mongodbUri, redisUrl: input.redisUrl, queuePrefix: uniqueName('bench-jobs-') });
    const queue = new Queue<TimerJob>(TIMERS_QUEUE, { ...queueOptions(direct, redis), defaultJobOptions: TIMER_JOB_OPTIONS });
    queues.push(queue);
    const anchor = new Date();
    const now = Date.now();
    const job = (i: number): TimerJob => {
      const key = `${CLIENT_KEY}-${i + 1}`;
      return { key, id: timerId('sla-remind', key, anchor), kind: 'sla-remind', dueAt: now + HOUR + i };
    };
    const add = (i: number) => {
      const data = job(i);
      return queue.add(data.kind, data, { jobId: data.id, delay: data.dueAt - Date.now() }).then(() => undefined);
    };
    const remove = (i: number) => queue.remove(job(i).id).then(() => undefined);
    const delayed = async () => (await queue.getJobCounts('delayed')).delayed ?? 0;

    for (const inFlight of [1, IN_FLIGHT]) {
      log(`timer jobs: Queue.add ×${jobs}, ${inFlight} in flight`);
      measurements.push(await timed('BullMQ Queue.add (TIMER_JOB_OPTIONS, delayed, deterministic jobId)', jobs, inFlight, () => runPool(jobs, inFlight, add), delayed));
      log(`timer jobs: Queue.remove ×${jobs}, ${inFlight} in flight`);
      measurements.push(await timed('BullMQ Queue.remove(jobId)', jobs, inFlight, () => runPool(jobs, inFlight, remove), delayed));
    }

    // --- the app's scheduler ------------------------------------------------------------------
    const requests = Math.ceil(jobs / 2);
    const config = benchConfig({
      apiUrl: input.apiUrl,
      mongodbUri: databaseUri(input.mongodbUri, uniqueName('bench_jobs_')),
      redisUrl: input.redisUrl,
      queuePrefix: uniqueName('bench-sched-'),
    });
    await connectDatabase(config.mongodbUri);
    try {
      await applySeed(SEED);
      const documents = openRequests(requests, new Date());
      for (let i = 0; i < documents.length; i += 5000) {
        await RequestModel.collection.insertMany(documents.slice(i, i + 5000), { ordered: false });
      }
      const scheduler = createTimerScheduler(config, redis);
      const schedulerQueue = new Queue(TIMERS_QUEUE, queueOptions(config, redis));
      queues.push(schedulerQueue);
      const schedulerDelayed = async () => (await schedulerQueue.getJobCounts('delayed')).delayed ?? 0;
      const sync = (i: number) => scheduler.sync(`${CLIENT_KEY}-${i + 1}`);
      try {
        log(`timer jobs: createTimerScheduler().sync() over ${requests} open requests (2 timers each), ${IN_FLIGHT} in flight`);
        measurements.push(
          await timed(`createTimerScheduler().sync(): schedule (${requests} open requests × 2 SLA timers)`, requests * 2, IN_FLIGHT, () => runPool(requests, IN_FLIGHT, sync), schedulerDelayed),
        );
        await RequestModel.updateMany({ clientKey: CLIENT_KEY }, { $set: { state: 'cancelled', cancelledAt: new Date() }, $inc: { revision: 1 } });
        log(`timer jobs: createTimerScheduler().sync() over the same requests, cancelled`);
        measurements.push(
          await timed(`createTimerScheduler().sync(): cancel (same requests, now cancelled)`, requests * 2, IN_FLIGHT, () => runPool(requests, IN_FLIGHT, sync), schedulerDelayed),
        );
      } finally {
        await scheduler.close();
      }
    } finally {
      await mongoose.connection.db?.dropDatabase().catch(() => undefined);
      await disconnectDatabase();
    }
    return { measurements };
  } finally {
    for (const q of queues) {
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close().catch(() => undefined);
    }
    redis.disconnect();
  }
}
