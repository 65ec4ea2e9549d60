// The worker process: delivers Slack effects (paced, retried, once), runs the request timers, the
// calendar jobs and the maintenance sweeps. Several may run at once against one Redis and one
// MongoDB; each stops within SHUTDOWN_TIMEOUT_MS, whatever is down.
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type { RedisConnection } from './jobs/redis';
import type { Config } from './config';
import { connectDatabase, disconnectDatabase } from './db/connection';
import { DELIVERY_QUEUE, deliveryJobSchema, type Wakeups } from './jobs/deliveryQueue';
import {
  JOB_MONTHLY_BILLING,
  JOB_RESYNC_SLACK,
  JOB_WEEKLY_DIGEST,
  MAINTENANCE_QUEUE,
  queueOptions,
  scheduleCalendarJobs,
  scheduleMaintenance,
} from './jobs/queues';
import { createRedisConnection, isRedisReachable, waitUntilReady } from './jobs/redis';
import { processTimerJob } from './triggers/timers';
import { TIMERS_QUEUE } from './jobs/timerScheduler';
import { logger, setLogLevel } from './logger';
import { createEffects, type AppEffects } from './composition';
import { configOrExit, stopOnSignals, yieldCpu, withinDeadline } from './processes';
import { findEffect, overdueEffects } from './services/outbox';
import { findUnsyncedRequests } from './services/requestMessages';
import { appendMissingChangeEvents } from './services/requestLifecycle';
import { requestsWithStaleTimers } from './services/timers';
import { requestsOwingLinkNotices } from './services/workLinks';
import { runMonthlyBilling, sendWeeklyDigest } from './triggers/calendar';
import { deliverEffect } from './slack/delivery/deliverer';
import { afterSettled, askChangeNotice, askOwedLinkNotices, type Effects } from './slack/requestUpdates';
import { reconcileCounters, DRIFT_GRACE_MS, type CounterRepairs } from './services/counters';
import { settleEstimateDecisions } from './services/estimates';
import { appendIssuedEvent, summariesOwedAfterIssue } from './services/billing';
import { postIssuedToClient } from './slack/issuedSummary';
import { linkPendingEvents } from './services/audit';

export interface RunningWorker {
  effects: AppEffects;
  stop(): Promise<void>;
}

/** How often the worker's chainer links the audit events recorded meanwhile (services/audit.ts). */
export const CHAIN_EVERY_MS = 2_000;

/** Effects whose wake-up call is older than this are woken by the sweep (it was lost: Redis was down). */
export const OVERDUE_AFTER_MS = 30_000;

/**
 * How often the worker checks Redis; while it is unreachable BullMQ runs nothing (not even the
 * sweep's own job), so each check finding it down delivers the effects that are due, directly.
 */
export const SWEEP_WITHOUT_REDIS_EVERY_MS = 5_000;

/**
 * Catches up what the web process could not finish: deliveries whose wake-up was lost, requests
 * changed without an effect recorded (the process died in between), timers not scheduled, budget
 * counters left out of line with their time entries (a crash between a reservation and its write).
 * Oldest first and bounded, so nothing starves; failed effects are not retried here (a manager does).
 */
export async function maintenanceSweep(
  effects: Effects & { wakeups: Wakeups },
  overdueAfterMs = OVERDUE_AFTER_MS,
  driftGraceMs = DRIFT_GRACE_MS,
): Promise<{ woken: number; synced: number; timers: number; settled: number; counters: CounterRepairs; audited: number }> {
  const overdue = await overdueEffects(new Date(Date.now() - overdueAfterMs), 500);
  await effects.wakeups.wake(overdue.map((w) => ({ ...w, dueAt: new Date(0) })));
  let synced = 0;
  // Link changes whose notices a process that stopped did not record, whether or not the request
  // was shown again since.
  for (const request of await requestsOwingLinkNotices(200)) await askOwedLinkNotices(effects, request);
  for (const request of await findUnsyncedRequests(200)) {
    // Recorded once by id: a notice already asked for is not asked twice.
    await askChangeNotice(effects, request);
    const effect = await findEffect(`request|${request.key}`);
    if (effect && effect.state !== 'done') continue; // pending (delivered soon), failed (a manager retries) or dismissed
    await effects.delivery.showRequest(request.key);
    synced++;
  }
  // Estimates whose record fell behind their request's decision (the process died in between).
  const settled = await settleEstimateDecisions();
  await afterSettled(effects, settled);
  const stale = await requestsWithStaleTimers(500);
  for (const key of stale) await effects.timers.sync(key);
  const counters = await reconcileCounters(driftGraceMs);
  // Request changes whose audit event was not appended (the process died in between).
  const audited = await appendMissingChangeEvents(500);
  // Issued summaries whose process died before their audit event or the client's copy was recorded.
  for (const summary of await summariesOwedAfterIssue(new Date(Date.now() - overdueAfterMs), 100)) {
    await appendIssuedEvent(summary);
    if (summary.owedAfterIssue?.clientCopy) await postIssuedToClient(effects, summary);
  }
  return { woken: overdue.length, synced, timers: stale.length, settled: settled.length, counters, audited };
}

/**
 * The sweep while Redis is unreachable: delivers the effects that are due, oldest first, in this
 * process (the leases in MongoDB keep each one to one deliverer), instead of waking them through
 * the queue. Effects that must wait are found again by the next round. Returns how many it tried.
 */
export async function sweepWithoutRedis(effects: AppEffects, limit = 200): Promise<number> {
  const due = await overdueEffects(new Date(), limit);
  await effects.direct.deliverNow(due);
  return due.length;
}

export async function startWorker(config: Config): Promise<RunningWorker> {
  setLogLevel(config.logLevel);
  await connectDatabase(config.mongodbUri);
  // BullMQ's workers block on their connection (and wait for Redis when it is down); the pace,
  // wake-ups and caches use one that fails fast instead.
  const connection = createRedisConnection(config.redis, { forWorker: true });
  const fast = createRedisConnection(config.redis);
  // Failing fast means it cannot queue commands while it connects: a delivery taken before it is
  // ready would pace itself alone (a Cluster client takes a moment to learn the slots). As in the
  // web process, it is given a moment, and the worker starts anyway while Redis is down.
  await waitUntilReady(fast, 3000);
  const effects = createEffects(config, fast);
  const maintenance = new Queue(MAINTENANCE_QUEUE, queueOptions(config, connection));
  maintenance.on('error', (error) => logger.debug({ err: error.message }, 'Maintenance queue connection error'));
  await scheduleMaintenance(maintenance);
  await scheduleCalendarJobs(maintenance, config.defaultTimezone);
  const { deliveryDeps } = effects;

  const workers = [
    new Worker(
      MAINTENANCE_QUEUE,
      async (job: Job) => {
        if (job.name === JOB_RESYNC_SLACK) return maintenanceSweep(effects);
        if (job.name === JOB_WEEKLY_DIGEST) return sendWeeklyDigest(effects);
        if (job.name === JOB_MONTHLY_BILLING) return runMonthlyBilling(effects);
        throw new Error(`Unknown maintenance job ${job.name}`);
      },
      { ...queueOptions(config, connection), concurrency: 1 },
    ),
    new Worker(TIMERS_QUEUE, async (job: Job, token?: string) => processTimerJob(job, token, effects), {
      ...queueOptions(config, connection),
      concurrency: 5,
    }),
    new Worker(
      DELIVERY_QUEUE,
      async (job: Job, token?: string) => {
        const { id } = deliveryJobSchema.parse(job.data);
        const outcome = await deliverEffect(deliveryDeps, id);
        if (outcome.status !== 'later') return outcome.status;
        // The same job wakes up again when the effect is due (Slack's pace, backoff).
        await job.moveToDelayed(outcome.at.getTime(), token);
        throw new DelayedError();
      },
      // Deliveries mostly wait on Slack and on the pace, not on this process.
      { ...queueOptions(config, connection), concurrency: 16 },
    ),
  ];
  for (const worker of workers) {
    worker.on('failed', (job, error) => {
      const final = job ? job.attemptsMade >= (job.opts.attempts ?? 1) : true;
      logger.error(
        { queue: worker.name, job: job?.name, jobId: job?.id, request: (job?.data as { key?: string } | undefined)?.key, final, err: error },
        final ? 'Job failed for good; BullMQ keeps it for inspection' : 'Job failed; it will be retried with backoff',
      );
    });
    worker.on('error', (error) => logger.debug({ queue: worker.name, err: error.message }, 'Worker connection error'));
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  logger.info({ queues: workers.map((w) => w.name) }, 'Worker is taking jobs');
  const chainer = startChainer();
  // A Redis that comes back empty (no persistence, a failover to a replica that had nothing) has
  // lost the job schedulers: they are set again, or no sweep, digest or billing run would follow.
  const restoreSchedules = async () => {
    if (await maintenance.getJobScheduler(JOB_RESYNC_SLACK)) return;
    await scheduleMaintenance(maintenance);
    await scheduleCalendarJobs(maintenance, config.defaultTimezone);
    logger.warn('Redis came back without the job schedulers; they are set again');
  };
  const withoutRedis = startSweepWithoutRedis(effects, fast, restoreSchedules);
  return {
    effects,
    async stop() {
      // close() lets the jobs in hand finish and takes no new ones; with Redis gone it would wait
      // for ever, so it is bounded. Anything unfinished is recorded and taken up by another worker.
      const finished = await withinDeadline(
        (async () => {
          // Deliveries without the queue stop first: with Redis down, closing the workers waits for ever.
          await Promise.all([...workers.map((w) => w.close()), chainer.stop(), effects.direct.close().then(() => withoutRedis.stop())]);
          await Promise.all([maintenance.close(), effects.timers.close(), effects.wakeups.close()]);
        })(),
        config.shutdownTimeoutMs,
      );
      if (!finished) {
        logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'The worker did not stop in time; unfinished jobs are taken up by another worker');
        await Promise.all(workers.map((w) => withinDeadline(w.close(true), 1000)));
      }
      connection.disconnect();
      fast.disconnect();
      await disconnectDatabase();
    },
  };
}

/**
 * Every SWEEP_WITHOUT_REDIS_EVERY_MS: if Redis is unreachable, sweepWithoutRedis, one round at a
 * time; the first round that finds it back runs `whenBack`.
 */
function startSweepWithoutRedis(effects: AppEffects, redis: RedisConnection, whenBack: () => Promise<void>): { stop(): Promise<void> } {
  let round: Promise<unknown> | undefined;
  let wasDown = false;
  const timer = setInterval(() => {
    round ??= (async () => {
      if (await isRedisReachable(redis)) {
        if (wasDown) await whenBack();
        wasDown = false;
        return;
      }
      wasDown = true;
      const tried = await sweepWithoutRedis(effects);
      if (tried > 0) logger.info({ effects: tried }, 'Redis is unreachable; delivered the Slack effects that were due without the queue');
    })()
      .catch((error: unknown) => logger.warn({ err: error }, 'The sweep without Redis failed; the next round tries again'))
      .finally(() => (round = undefined));
  }, SWEEP_WITHOUT_REDIS_EVERY_MS);
  return {
    async stop() {
      clearInterval(timer);
      await round;
    },
  };
}

/** The chainer: links audit events into their chains every CHAIN_EVERY_MS, one round at a time. */
function startChainer(): { stop(): Promise<void> } {
  let round: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    round ??= linkPendingEvents()
      .catch((error: unknown) => logger.warn({ err: error }, 'Linking audit events failed; the next round tries again'))
      .finally(() => (round = undefined));
  }, CHAIN_EVERY_MS);
  return {
    async stop() {
      clearInterval(timer);
      await round;
    },
  };
}

if (require.main === module) {
  const config = configOrExit();
  // Set for the process it runs in: not in startWorker, which tests and the demo run beside a web app.
  yieldCpu(config.workerNice);
  const starting = startWorker(config);
  // Taking jobs before start-up returns: the handler is installed first and waits for the start.
  stopOnSignals('worker', async () => (await starting).stop(), config.shutdownTimeoutMs);
  starting.catch((error: unknown) => {
    logger.fatal({ err: error }, 'The worker could not start');
    process.exit(1);
  });
}
