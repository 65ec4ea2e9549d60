// Turns a request's timer plan into delayed BullMQ jobs: creates the missing, moves those whose
// due time changed (an SLA pause), removes those no longer planned. Job IDs are the plan's
// deterministic IDs, so scheduling twice, from any process, creates nothing twice.
import { Queue, type ConnectionOptions } from 'bullmq';
import type { Config } from '../config';
import { logger } from '../logger';
import { recordTimersScheduled, timerPlanFor, type TimerScheduler } from '../services/timers';
import type { TimerJob } from '../domain/timers';
import { queueOptions } from './queues';

export const TIMERS_QUEUE = 'request-timers';

/** Retries with backoff; a job that fails for good is kept (removeOnFail false) for inspection. */
export const TIMER_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: true,
  removeOnFail: false,
} as const;

export function createTimerScheduler(config: Config, connection: ConnectionOptions): TimerScheduler {
  const queue = new Queue<TimerJob>(TIMERS_QUEUE, { ...queueOptions(config, connection), defaultJobOptions: TIMER_JOB_OPTIONS });
  // Connection errors also surface as failed calls to sync(), which are handled there.
  queue.on('error', (error) => logger.debug({ err: error.message }, 'Timer queue connection error'));
  return {
    async sync(key, loaded) {
      const current = await timerPlanFor(key, loaded);
      if (!current) return;
      const now = Date.now();
      for (const timer of current.plan) {
        const due = timer.dueAt.getTime();
        const data: TimerJob = { key, id: timer.id, kind: timer.kind, dueAt: due };
        const existing = await queue.getJob(timer.id);
        if (existing && existing.data.dueAt !== due && (await existing.getState()) === 'delayed') {
          await existing.updateData(data);
          await existing.changeDelay(Math.max(0, due - now));
        } else if (existing && (await existing.getState()) === 'failed') {
          continue; // kept for inspection; the reconciliation sweep does not resurrect it
        } else if (!existing) {
          await queue.add(timer.kind, data, { jobId: timer.id, delay: Math.max(0, due - now) });
        }
      }
      const planned = new Set(current.plan.map((t) => t.id));
      for (const id of current.scheduled.filter((s) => !planned.has(s))) {
        const job = await queue.getJob(id);
        if (job && (await job.getState()) === 'delayed') await job.remove().catch(() => undefined);
      }
      await recordTimersScheduled(key, [...planned], current.revision);
    },
    async close() {
      await queue.close();
    },
  };
}
