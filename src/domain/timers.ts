// Which timers a request should have right now, and when each is due. Pure: the scheduler turns
// the plan into BullMQ jobs, and a processor re-plans before acting, so a stale job does nothing.
import { z } from 'zod';
import { addBusinessMinutes, dueAt, type WorkingCalendar } from './businessTime';
import { TRANSITIONS, isFinished, type Priority, type RequestState } from './lifecycle';
import { ON_CALL_ESCALATE_SHARE } from './onCall';

export const TIMER_KINDS = [
  'sla-remind',
  'sla-escalate',
  'approval-remind',
  'approval-escalate',
  'estimate-nudge',
  'idle-nudge',
  'auto-close',
  /** Waiting on the client's answer to a question: nudged after one, then three business days… */
  'client-nudge',
  'client-nudge-again',
  /** …and resolved after the client's `waitingOnClientDays`. */
  'client-give-up',
  /** A round-robin offer not declined in time: the request becomes the offered engineer's. */
  'offer-expire',
  /** An out-of-hours page not answered by the urgent target's reminder point: the next person. */
  'oncall-escalate',
] as const;
export type TimerKind = (typeof TIMER_KINDS)[number];

/** A timer job's data: only a wake-up call for the request; the timer trigger re-plans before acting. */
export const timerJobSchema = z.object({ key: z.string().min(1), id: z.string().min(1), kind: z.enum(TIMER_KINDS), dueAt: z.number() });
export type TimerJob = z.infer<typeof timerJobSchema>;

/** Business minutes, except auto-close which counts calendar time. */
export const TIMER_RULES = {
  slaRemindShare: 0.75,
  approvalRemindBusinessDays: 1,
  approvalEscalateBusinessDays: 3,
  estimateNudgeBusinessMinutes: 4 * 60,
  idleNudgeBusinessDays: 2,
  autoCloseDays: 3,
  clientNudgeBusinessDays: 1,
  clientNudgeAgainBusinessDays: 3,
} as const;

/** The default of a client's `waitingOnClientDays`. */
export const DEFAULT_WAITING_ON_CLIENT_DAYS = 5;

export interface TimerFacts {
  key: string;
  state: RequestState;
  priority: Priority;
  createdAt: Date;
  firstResponseAt?: Date | null | undefined;
  claimedAt?: Date | null | undefined;
  estimatedAt?: Date | null | undefined;
  approvedAt?: Date | null | undefined;
  resolvedAt?: Date | null | undefined;
  /** Intervals in which the request waited on the client; the SLA clock stops in them. */
  clientWaits: Array<{ from: Date; to?: Date | null | undefined }>;
  /** IDs of timers that already fired (each fires once). */
  timersFired: string[];
  /** A round-robin offer waiting for the engineer's answer. */
  offer?: { to: string; at: Date; expiresAt: Date } | null | undefined;
  /** An out-of-hours page (services/onCall.ts). */
  page?: { to: string; at: Date; step: number } | null | undefined;
}

export interface TimerPolicy {
  calendar: WorkingCalendar;
  slaMinutes: Record<Priority, number>;
  /** Business days without the client's answer to a question before the request is resolved. */
  waitingOnClientDays?: number | undefined;
}

/** Where a question to the client can wait for its answer: states the request can be resolved from. */
const ASKING_STATES: readonly RequestState[] = TRANSITIONS.resolve.from;

export interface PlannedTimer {
  kind: TimerKind;
  /** Deterministic, ':'-free: kind, request and the instant that started the clock. */
  id: string;
  dueAt: Date;
}

export function timerId(kind: TimerKind, key: string, anchor: Date): string {
  return `${kind}-${key}-${anchor.getTime()}`;
}

/** Business minutes in one working day of the calendar (a full day for 24x7). */
export function businessDayMinutes(calendar: WorkingCalendar): number {
  if (calendar.hours.alwaysOpen) return 24 * 60;
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  return minutes(calendar.hours.end) - minutes(calendar.hours.start);
}

export function planTimers(facts: TimerFacts, policy: TimerPolicy): PlannedTimer[] {
  const plan: PlannedTimer[] = [];
  const add = (kind: TimerKind, anchor: Date | null | undefined, due: Date | undefined) => {
    if (!anchor || !due) return;
    const id = timerId(kind, facts.key, anchor);
    if (!facts.timersFired.includes(id)) plan.push({ kind, id, dueAt: due });
  };
  const waits = facts.clientWaits.map((w) => ({ from: w.from, to: w.to ?? undefined }));
  const cal = policy.calendar;
  const day = businessDayMinutes(cal);

  const finished = isFinished(facts.state);
  if (!facts.firstResponseAt && !finished) {
    const target = policy.slaMinutes[facts.priority];
    add('sla-remind', facts.createdAt, dueAt(facts.createdAt, Math.ceil(target * TIMER_RULES.slaRemindShare), waits, cal));
    add('sla-escalate', facts.createdAt, dueAt(facts.createdAt, target, waits, cal));
  }
  if (facts.state === 'awaiting_approval' && facts.estimatedAt) {
    add('approval-remind', facts.estimatedAt, addBusinessMinutes(facts.estimatedAt, TIMER_RULES.approvalRemindBusinessDays * day, cal));
    add('approval-escalate', facts.estimatedAt, addBusinessMinutes(facts.estimatedAt, TIMER_RULES.approvalEscalateBusinessDays * day, cal));
  }
  if (facts.state === 'claimed' && facts.claimedAt) {
    add('estimate-nudge', facts.claimedAt, addBusinessMinutes(facts.claimedAt, TIMER_RULES.estimateNudgeBusinessMinutes, cal));
  }
  if (facts.state === 'approved' && facts.approvedAt) {
    add('idle-nudge', facts.approvedAt, addBusinessMinutes(facts.approvedAt, TIMER_RULES.idleNudgeBusinessDays * day, cal));
  }
  if (facts.state === 'resolved' && facts.resolvedAt) {
    add('auto-close', facts.resolvedAt, new Date(facts.resolvedAt.getTime() + TIMER_RULES.autoCloseDays * 24 * 60 * 60 * 1000));
  }
  if (facts.state === 'open' && facts.offer) add('offer-expire', facts.offer.at, facts.offer.expiresAt);
  // On call counts wall-clock time: it is outside working hours by definition.
  if (facts.state === 'open' && facts.page && facts.page.step < 2) {
    add('oncall-escalate', facts.page.at, new Date(facts.page.at.getTime() + Math.ceil(policy.slaMinutes.urgent * ON_CALL_ESCALATE_SHARE) * 60_000));
  }
  // A question to the client still unanswered (an estimate's wait has its own reminders).
  const question = facts.clientWaits.find((w) => !w.to);
  if (question && ASKING_STATES.includes(facts.state)) {
    const after = (days: number) => addBusinessMinutes(question.from, days * day, cal);
    add('client-nudge', question.from, after(TIMER_RULES.clientNudgeBusinessDays));
    add('client-nudge-again', question.from, after(TIMER_RULES.clientNudgeAgainBusinessDays));
    add('client-give-up', question.from, after(policy.waitingOnClientDays ?? DEFAULT_WAITING_ON_CLIENT_DAYS));
  }
  return plan;
}
