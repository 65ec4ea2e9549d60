// The timers of a request as the record says they should be, and the bookkeeping that makes each
// fire once: a job is only a wake-up call; before acting, the plan is recomputed from the record.
import { RequestModel } from '../db/request';
import { logger } from '../logger';
import { PRIORITIES, type Priority } from '../domain/lifecycle';
import { planTimers, type PlannedTimer, type TimerFacts, type TimerPolicy } from '../domain/timers';
import { findClientByKey } from './directory';
import { findRequest, loadRequestWithClient, type LoadedRequest } from './requestQueries';

export interface TimerPlan {
  key: string;
  revision: number;
  plan: PlannedTimer[];
  scheduled: string[];
}

function policyOf(client: NonNullable<Awaited<ReturnType<typeof findClientByKey>>>): TimerPolicy {
  return {
    calendar: { timezone: client.timezone, hours: client.businessHours },
    slaMinutes: Object.fromEntries(PRIORITIES.map((p) => [p, Number(client.slaMinutes[p])])) as Record<Priority, number>,
    waitingOnClientDays: client.waitingOnClientDays ?? undefined,
  };
}

/**
 * What schedules a request's timers (jobs/timerScheduler.ts, on BullMQ): declared here, with the
 * plan it follows, so that what follows a change asks for it without reaching into the queues.
 */
export interface TimerScheduler {
  /** Brings the request's jobs in line with its plan; throws when Redis is unreachable. */
  sync(key: string, loaded?: LoadedRequest): Promise<void>;
  close(): Promise<void>;
}

/** For processes that must not fail because Redis is down: the worker's sweep catches up. */
export async function syncTimersQuietly(scheduler: TimerScheduler, key: string, loaded?: LoadedRequest): Promise<void> {
  try {
    await scheduler.sync(key, loaded);
  } catch (error) {
    logger.warn({ request: key, err: error }, 'Could not schedule the request timers; the worker will schedule them when Redis is back');
  }
}

/** `loaded`: the request and client when the caller has just read them (saves two reads). */
export async function timerPlanFor(key: string, loaded?: LoadedRequest): Promise<TimerPlan | undefined> {
  const found = loaded ?? (await loadRequestWithClient(key));
  if (!found) return undefined;
  const { request, client } = found;
  const facts: TimerFacts = { ...request, timersFired: request.timersFired ?? [] };
  return { key, revision: request.revision, plan: planTimers(facts, policyOf(client)), scheduled: request.scheduledTimers ?? [] };
}

export async function recordTimersScheduled(key: string, ids: string[], revision: number): Promise<void> {
  await RequestModel.updateOne({ key, timersRevision: { $lt: revision } }, { $set: { scheduledTimers: ids, timersRevision: revision } });
}

/** Marks a timer as fired; false if it had fired already (another worker, a retry). */
export async function markTimerFired(key: string, id: string, breach: boolean): Promise<boolean> {
  const result = await RequestModel.updateOne(
    { key, timersFired: { $ne: id } },
    { $addToSet: { timersFired: id }, ...(breach ? { $set: { slaBreachedAt: new Date() } } : {}) },
  );
  return result.modifiedCount === 1;
}

/** Requests whose timers were not scheduled for their latest revision (e.g. Redis was down). */
export async function requestsWithStaleTimers(limit: number): Promise<string[]> {
  const stale = await RequestModel.find({ $expr: { $lt: ['$timersRevision', '$revision'] } }, { key: 1 }).limit(limit).lean();
  return stale.map((r) => r.key);
}

export type TimerDecision =
  | { act: true; timer: PlannedTimer }
  | { act: false; reason: 'gone' | 'fired' | 'not_planned' }
  | { act: false; reason: 'early'; dueAt: Date };

/** Whether the timer `id` should act now, from the record as it is now. */
export async function decideTimer(key: string, id: string, now: Date): Promise<TimerDecision> {
  const current = await timerPlanFor(key);
  if (!current) return { act: false, reason: 'gone' };
  const request = await findRequest(key);
  if (request?.timersFired?.includes(id)) return { act: false, reason: 'fired' };
  const timer = current.plan.find((t) => t.id === id);
  if (!timer) return { act: false, reason: 'not_planned' };
  // A pause on the SLA clock can move the due time later than the job's delay.
  if (timer.dueAt.getTime() > now.getTime() + 1000) return { act: false, reason: 'early', dueAt: timer.dueAt };
  return { act: true, timer };
}
