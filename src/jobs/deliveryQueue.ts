// Wake-up calls for Slack effects: one BullMQ job per ask, with a deterministic id, so a worker
// delivers the effect soon (people waiting first). The job carries only the effect's id: the
// record in MongoDB is the truth. If Redis is down, wake() says which wake-ups it could not queue:
// the process delivers those a person waits for itself (slack/delivery/direct.ts), the worker's
// sweep the rest.
import { Queue, type ConnectionOptions } from 'bullmq';
import { z } from 'zod';
import type { Config } from '../config';
import { logger } from '../logger';
import type { Wakeup } from '../services/outbox';
import { queueOptions } from './queues';

export const DELIVERY_QUEUE = 'slack-effects';
export const JOB_DELIVER = 'deliver';

export const deliveryJobSchema = z.object({ id: z.string().min(1) });
export type DeliveryJob = z.infer<typeof deliveryJobSchema>;

/** BullMQ: a lower number goes first. */
export const JOB_PRIORITY = { interactive: 1, background: 10 } as const;

export interface Wakeups {
  /**
   * Schedules the wake-ups; never throws. Returns those it could not queue (Redis is unreachable),
   * for the caller to deliver some other way; a lost wake-up is found by the worker's sweep.
   */
  wake(wakeups: Array<Wakeup | undefined>): Promise<Wakeup[]>;
  close(): Promise<void>;
}

/** BullMQ job ids may not contain ':'. */
export function wakeupJobId(wakeup: Wakeup, suffix = ''): string {
  return `${wakeup.id}|${wakeup.wanted}|${wakeup.dueAt.getTime()}${suffix}`.replace(/:/g, '_');
}

export function createWakeups(config: Config, connection: ConnectionOptions): Wakeups {
  const queue = new Queue<DeliveryJob>(DELIVERY_QUEUE, {
    ...queueOptions(config, connection),
    defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000 },
  });
  queue.on('error', (error) => logger.debug({ err: error.message }, 'Delivery queue connection error'));
  return {
    async wake(wakeups) {
      const due = wakeups.filter((w): w is Wakeup => w !== undefined);
      if (due.length === 0) return [];
      const now = Date.now();
      try {
        await queue.addBulk(
          due.map((w) => ({
            name: JOB_DELIVER,
            data: { id: w.id },
            opts: { jobId: wakeupJobId(w), delay: Math.max(0, w.dueAt.getTime() - now), priority: JOB_PRIORITY[w.priority] },
          })),
        );
        return [];
      } catch (error) {
        logger.warn({ err: error, effects: due.length }, 'Could not schedule Slack deliveries (Redis is unreachable); they are delivered without the queue');
        return due;
      }
    },
    async close() {
      await queue.close();
    },
  };
}
