// Round-robin assignment: who is offered a client's next request. Pure: the engineers as they are
// now in, the pick (and why the others were passed over) out.
import { isWorkingTime } from './businessTime';

/** How long an engineer has to decline an offer before the request is theirs. */
export const OFFER_MINUTES = 5;

/** The default of a client's `maxOpenPerEngineer`. */
export const DEFAULT_MAX_OPEN_PER_ENGINEER = 5;

export interface WorkingHours {
  timezone: string;
  /** 1 = Monday … 7 = Sunday. */
  days: number[];
  /** HH:mm, local. */
  start: string;
  end: string;
}

export interface Engineer {
  userId: string;
  available: boolean;
  /** Absent: works any time. */
  hours?: WorkingHours | undefined;
  /** Open requests assigned to them now. */
  openAssigned: number;
}

export type PassedOver = { userId: string; reason: 'away' | 'off_hours' | 'at_capacity' | 'declined' };

/** Whether `now` falls in the working hours, by the same calendar rules as clients' business hours. */
export function isWorkingAt(hours: WorkingHours | undefined, now: Date): boolean {
  if (!hours) return true;
  const { timezone, ...week } = hours;
  return isWorkingTime(now, { timezone, hours: { alwaysOpen: false, ...week } });
}

/**
 * Why an engineer cannot take a request now (away, or outside their working hours), or undefined
 * when they can: checked when they are picked, and again when their offer runs out.
 */
export function notWorkingNow(engineer: Pick<Engineer, 'available' | 'hours'>, now: Date): 'away' | 'off_hours' | undefined {
  if (!engineer.available) return 'away';
  if (!isWorkingAt(engineer.hours, now)) return 'off_hours';
  return undefined;
}

/**
 * The next engineer in turn after `last` (engineers in user ID order, wrapping round) who is
 * available, working now, under `maxOpen` open requests and has not declined this request.
 */
export function nextEngineer(engineers: readonly Engineer[], last: string | undefined, declined: readonly string[], maxOpen: number, now: Date): { pick: string | undefined; passedOver: PassedOver[] } {
  const order = [...engineers].sort((a, b) => a.userId.localeCompare(b.userId));
  const after = last === undefined ? -1 : order.findIndex((e) => e.userId > last) - 1;
  const start = after < -1 ? order.length - 1 : after; // everyone sorts before `last`: wrap to the first
  const passedOver: PassedOver[] = [];
  for (let i = 1; i <= order.length; i++) {
    const engineer = order[(start + i + order.length) % order.length];
    if (!engineer) continue;
    const reason = declined.includes(engineer.userId)
      ? 'declined'
      : (notWorkingNow(engineer, now) ?? (engineer.openAssigned >= maxOpen ? 'at_capacity' : undefined));
    if (!reason) return { pick: engineer.userId, passedOver };
    passedOver.push({ userId: engineer.userId, reason });
  }
  return { pick: undefined, passedOver };
}
