// The queues, their job names and the job schedulers. Job IDs are deterministic and contain no
// ':' (BullMQ reserves it), so a job is never scheduled twice.
import { Queue, type ConnectionOptions } from 'bullmq';
import type { Config } from '../config';

export const MAINTENANCE_QUEUE = 'maintenance';
export const JOB_RESYNC_SLACK = 'resync-slack';
export const JOB_WEEKLY_DIGEST = 'weekly-digest';
/** Monday 09:00 in DEFAULT_TIMEZONE. */
export const WEEKLY_DIGEST_PATTERN = '0 9 * * 1';
export const JOB_MONTHLY_BILLING = 'monthly-billing';
/**
 * Every hour, on the hour: each client's month is run once it has ended in the client's own
 * timezone (triggers/calendar.ts), so within the hour after its midnight.
 */
export const MONTHLY_BILLING_PATTERN = '0 * * * *';

/** How often the worker re-renders requests whose Slack messages fell behind the record. */
export const RESYNC_EVERY_MS = 60_000;

export function queueOptions(config: Config, connection: ConnectionOptions) {
  return { connection, prefix: config.queuePrefix };
}

export async function scheduleMaintenance(queue: Queue): Promise<void> {
  // A job scheduler, not one job per worker: N workers still produce one sweep per interval.
  await queue.upsertJobScheduler(JOB_RESYNC_SLACK, { every: RESYNC_EVERY_MS }, { name: JOB_RESYNC_SLACK });
}

/** The calendar jobs; upserting a scheduler is idempotent, so every worker may do it. */
export async function scheduleCalendarJobs(queue: Queue, timezone: string): Promise<void> {
  await queue.upsertJobScheduler(JOB_WEEKLY_DIGEST, { pattern: WEEKLY_DIGEST_PATTERN, tz: timezone }, { name: JOB_WEEKLY_DIGEST });
  await queue.upsertJobScheduler(JOB_MONTHLY_BILLING, { pattern: MONTHLY_BILLING_PATTERN, tz: timezone }, { name: JOB_MONTHLY_BILLING });
}
