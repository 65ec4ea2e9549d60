// Billing periods: calendar months in a client's timezone, as `YYYY-MM`. Pure. Every bound is
// built from its own wall-clock midnight (dayjs.tz of a string), never by adding a month to a
// zoned value, which keeps the old UTC offset across a clock change.
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';

dayjs.extend(utc);
dayjs.extend(timezone);

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isPeriod(text: string): boolean {
  return PERIOD.test(text);
}

/** The month `months` after (or before, when negative) `period`. */
function shiftPeriod(period: string, months: number): string {
  const match = PERIOD.exec(period);
  if (!match) throw new RangeError(`${JSON.stringify(period)} is not a billing period (YYYY-MM)`);
  const index = Number(match[1]) * 12 + Number(match[2]) - 1 + months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

export function nextPeriod(period: string): string {
  return shiftPeriod(period, 1);
}

export function previousPeriodOf(period: string): string {
  return shiftPeriod(period, -1);
}

/** The month an instant falls in, in `zone`. */
export function periodOf(at: Date, zone: string): string {
  return dayjs(at).tz(zone).format('YYYY-MM');
}

/** "November 2026". */
export function periodLabel(period: string): string {
  return dayjs(`${period}-01`).format('MMMM YYYY');
}

export interface PeriodBounds {
  /** First instant of the month in the client's timezone, inclusive. */
  start: Date;
  /** First instant of the next month, exclusive. */
  end: Date;
  /** Work dates (YYYY-MM-DD, client timezone) from firstDay inclusive to nextFirstDay exclusive. */
  firstDay: string;
  nextFirstDay: string;
}

/**
 * The first instant of a local day, `day` as YYYY-MM-DD. Where midnight happens twice (Havana,
 * 1 Nov 2026: at 01:00 the clocks go back to 00:00) it is the first of the two; where it does not
 * happen at all (Asunción, 1 Oct 2017: at 00:00 the clocks go forward to 01:00) it is the instant
 * the clocks changed, when the day began. dayjs.tz alone picks the later midnight.
 */
export function startOfLocalDay(day: string, zone: string): Date {
  const wall = Date.parse(`${day}T00:00:00Z`);
  const offsetAt = (t: number) => dayjs(t).tz(zone).utcOffset() * 60_000;
  const before = offsetAt(wall - 2 * 86_400_000);
  const after = offsetAt(wall + 2 * 86_400_000);
  if (before === after) return new Date(wall - before);
  // A clock change near the day's start: find the instant it happened (offsets change on whole minutes).
  let lo = wall - 2 * 86_400_000;
  let hi = wall + 2 * 86_400_000;
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (offsetAt(mid) === before) lo = mid;
    else hi = mid;
  }
  const change = hi;
  const candidates = [wall - before, wall - after].filter((t) => (t < change ? before : after) === wall - t);
  // Midnight skipped: the day starts when the clocks jump past it.
  return new Date(candidates.length > 0 ? Math.min(...candidates) : change);
}

/** The month's bounds as UTC instants; `period` must be a valid `YYYY-MM` (see isPeriod). */
export function monthBounds(period: string, zone: string): PeriodBounds {
  const next = nextPeriod(period);
  return {
    start: startOfLocalDay(`${period}-01`, zone),
    end: startOfLocalDay(`${next}-01`, zone),
    firstDay: `${period}-01`,
    nextFirstDay: `${next}-01`,
  };
}

/** Where an issued month began and ended, as it was issued. */
export interface IssuedBounds {
  start: Date;
  end: Date;
}

/**
 * A month's bounds, contiguous with the months issued around it whatever the client's timezone
 * did in between: it starts at the instant the issued month before it ended (not at its own
 * midnight in today's timezone, which after a change of timezone would bill some hours twice or
 * never), and ends where an issued month after it began. Otherwise a bound is the local midnight
 * in `zone`. Work dates (firstDay, nextFirstDay) are calendar days and need no such care.
 */
export function contiguousBounds(period: string, zone: string, issued: { previous?: IssuedBounds | undefined; next?: IssuedBounds | undefined } = {}): PeriodBounds {
  const own = monthBounds(period, zone);
  const start = issued.previous?.end ?? own.start;
  const end = issued.next?.start ?? own.end;
  // A timezone moved by more than the month itself cannot happen (offsets differ by under 27 h).
  if (end.getTime() < start.getTime()) throw new RangeError(`contiguousBounds: ${period} would end before it starts`);
  return { ...own, start, end };
}
