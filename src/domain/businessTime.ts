// Business hours and SLA clocks: which instants are working time for a client, and how many
// working minutes lie between two instants. Pure: no I/O, no clock.
//
// Rules (each one has a test in test/unit/businessTime.test.ts):
// - A working day's window runs from the first instant the client's clock reads `start` on that
//   calendar date to the first instant it reads `end`, and business time is the real time elapsed
//   in it. A 09:00–17:30 day is 8h30 even on a DST-change day; a Sunday 00:00–04:00 window in
//   London is 3h on the spring-forward Sunday and 5h on the fall-back one.
// - A wall-clock time skipped by a spring-forward maps to the instant the clock jumps (the first
//   real instant after the gap); a time that happens twice maps to its first occurrence.
// - Reaching the target exactly at closing gives the closing instant (Wed 17:00 + 30 min is
//   Wed 17:30), not the next opening; only 0 minutes from outside hours moves to the next opening.
// - Intervals are half-open, [from, to). Pauses are clipped to the clock's span and overlapping
//   ones count once; a target reached exactly as a pause begins is due then, not after it.
// - 24x7 is plain UTC arithmetic (days/start/end are ignored). Anything that would need more
//   than ten years of days throws a RangeError, as do malformed business hours.
//
// Arithmetic is done on epoch milliseconds only: dayjs's timezone plugin gets DST wrong when it
// adds to a zoned value, so it is used solely to build a wall-clock time and to read one.
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';

dayjs.extend(utc);
dayjs.extend(timezone);

export type BusinessHours = {
  /** 24x7: every minute counts. */
  alwaysOpen: boolean;
  /** ISO weekdays: 1 = Monday … 7 = Sunday. */
  days: number[];
  /** 'HH:mm' wall-clock times in the calendar's timezone; start < end. */
  start: string;
  end: string;
};

export interface WorkingCalendar {
  /** IANA timezone of the client, such as Europe/London. */
  timezone: string;
  hours: BusinessHours;
}

/** A span in which an SLA clock stood still; `to` undefined means it still does. */
export interface ClockPause {
  from: Date;
  to?: Date | undefined;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Ten years of calendar days: a calendar that needs more to answer is broken, not slow. */
const MAX_DAYS = 3653;
const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** [open, close) in epoch ms. A working window is empty when it fell wholly into a skipped hour. */
interface Span {
  open: number;
  close: number;
}

export function isWorkingTime(at: Date, cal: WorkingCalendar): boolean {
  const t = epochMs(at, 'at');
  if (cal.hours.alwaysOpen) return true;
  checkHours(cal.hours);
  // Windows of different days never overlap, so at most one of these can hold `t`.
  const yesterday = firstCandidateDate(t);
  return [yesterday, nextDate(yesterday), nextDate(nextDate(yesterday))].some((date) => {
    const window = windowOn(date, cal);
    return window !== undefined && window.open <= t && t < window.close;
  });
}

/** The instant N business minutes after `from` (N ≥ 0). From outside hours, counting starts at the next opening. N = 0 returns `from` if in hours, else the next opening. */
export function addBusinessMinutes(from: Date, minutes: number, cal: WorkingCalendar): Date {
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`business minutes must be a number ≥ 0, not ${minutes}`);
  return new Date(addBusinessMs(epochMs(from, 'from'), Math.round(minutes * MINUTE), cal));
}

/** Business minutes in [from, to) (0 when to ≤ from), whole minutes (floor). */
export function businessMinutesBetween(from: Date, to: Date, cal: WorkingCalendar): number {
  return Math.floor(businessMsBetween(epochMs(from, 'from'), epochMs(to, 'to'), cal) / MINUTE);
}

/** The next instant ≥ at that is working time. */
export function nextOpening(at: Date, cal: WorkingCalendar): Date {
  return new Date(addBusinessMs(epochMs(at, 'at'), 0, cal));
}

/** SLA clock with pauses: business minutes elapsed in [start, now) minus those inside the given paused intervals (intervals may be open-ended: `to` undefined = still paused at now; may overlap; clip them). */
export function elapsedBusinessMinutes(start: Date, now: Date, pauses: ClockPause[], cal: WorkingCalendar): number {
  const from = epochMs(start, 'start');
  const to = epochMs(now, 'now');
  if (to <= from) return 0;
  const paused = mergePauses(pauses, from, to).reduce((sum, p) => sum + businessMsBetween(p.open, p.close, cal), 0);
  return Math.floor((businessMsBetween(from, to, cal) - paused) / MINUTE);
}

/** When a target of `targetMinutes` business minutes will be reached given past pauses (all closed) — i.e. the due instant; if currently paused (an open pause), returns undefined. */
export function dueAt(start: Date, targetMinutes: number, pauses: ClockPause[], cal: WorkingCalendar): Date | undefined {
  if (pauses.some((p) => p.to === undefined)) return undefined;
  if (!Number.isFinite(targetMinutes) || targetMinutes < 0) throw new RangeError(`target must be a number ≥ 0, not ${targetMinutes}`);
  let cursor = epochMs(start, 'start');
  let remaining = Math.round(targetMinutes * MINUTE);
  for (const pause of mergePauses(pauses, cursor, Infinity)) {
    const due = addBusinessMs(cursor, remaining, cal);
    // Due as the pause begins counts as reached before it: the clock ran out, then stopped.
    if (due <= pause.open) return new Date(due);
    remaining -= businessMsBetween(cursor, pause.open, cal);
    cursor = pause.close;
  }
  return new Date(addBusinessMs(cursor, remaining, cal));
}

function addBusinessMs(from: number, ms: number, cal: WorkingCalendar): number {
  if (cal.hours.alwaysOpen) return from + ms;
  checkHours(cal.hours);
  // Even working round the clock, this much business time lies beyond ten years: refuse now.
  if (ms > MAX_DAYS * DAY) throw tooFar(from);
  let remaining = ms;
  for (let date = firstCandidateDate(from), day = 0; ; date = nextDate(date), day++) {
    if (day > MAX_DAYS) throw tooFar(from);
    const window = windowOn(date, cal);
    if (window === undefined) continue;
    const begin = Math.max(window.open, from);
    if (begin >= window.close) continue;
    if (remaining <= window.close - begin) return begin + remaining;
    remaining -= window.close - begin;
  }
}

function businessMsBetween(from: number, to: number, cal: WorkingCalendar): number {
  if (to <= from) return 0;
  if (cal.hours.alwaysOpen) return to - from;
  checkHours(cal.hours);
  if (to - from > MAX_DAYS * DAY) throw tooFar(from);
  let total = 0;
  // A valid calendar opens at least weekly, so a window opening at or after `to` ends the loop.
  for (let date = firstCandidateDate(from); ; date = nextDate(date)) {
    const window = windowOn(date, cal);
    if (window === undefined) continue;
    if (window.open >= to) return total;
    total += Math.max(0, Math.min(window.close, to) - Math.max(window.open, from));
  }
}

/** Pauses clipped to [from, to), sorted, overlaps merged; an open pause runs to `to`. */
function mergePauses(pauses: ClockPause[], from: number, to: number): Span[] {
  const clipped = pauses
    .map((p) => ({
      open: Math.max(epochMs(p.from, 'pause.from'), from),
      close: Math.min(p.to === undefined ? to : epochMs(p.to, 'pause.to'), to),
    }))
    .filter((p) => p.open < p.close)
    .sort((a, b) => a.open - b.open);
  const merged: Span[] = [];
  for (const p of clipped) {
    const last = merged[merged.length - 1];
    if (last !== undefined && p.open <= last.close) last.close = Math.max(last.close, p.close);
    else merged.push({ ...p });
  }
  return merged;
}

// Building a window costs a few zone conversions (~0.1 ms each); requests ask for the same
// days over and over, so windows are remembered. Bounded, and invisible to callers.
const windowCache = new Map<string, Span>();
const WINDOW_CACHE_SIZE = 20_000;

function windowOn(date: string, cal: WorkingCalendar): Span | undefined {
  const { days, start, end } = cal.hours;
  if (!days.includes(isoWeekday(date))) return undefined;
  const key = `${cal.timezone} ${date} ${start} ${end}`;
  let window = windowCache.get(key);
  if (window === undefined) {
    window = { open: instantOfWallClock(date, start, cal.timezone), close: instantOfWallClock(date, end, cal.timezone) };
    if (windowCache.size >= WINDOW_CACHE_SIZE) windowCache.clear();
    windowCache.set(key, window);
  }
  return window;
}

/**
 * The first instant at which the zone's clock reads `date time` or later. dayjs.tz builds the
 * candidate; but for a time that happens twice it may pick either occurrence, and for a skipped
 * time it moves forward by the length of the gap, so both cases are corrected here.
 */
function instantOfWallClock(date: string, time: string, zone: string): number {
  const wall = `${date} ${time}`;
  const guess = dayjs.tz(wall, zone).valueOf();
  if (wallClock(guess, zone) === wall) {
    const fallBack = utcOffsetMinutes(guess - 6 * HOUR, zone) - utcOffsetMinutes(guess, zone);
    const earlier = guess - fallBack * MINUTE;
    return fallBack > 0 && wallClock(earlier, zone) === wall ? earlier : guess;
  }
  // Skipped time: binary-search the minute at which the clock jumps past it.
  let before = Math.floor(guess / MINUTE) - 6 * 60;
  let after = before + 12 * 60;
  while (after - before > 1) {
    const mid = Math.floor((before + after) / 2);
    if (wallClock(mid * MINUTE, zone) >= wall) after = mid;
    else before = mid;
  }
  return after * MINUTE;
}

/** 'YYYY-MM-DD HH:mm' as the zone's clock shows it at instant `t` (fixed width: compares as text). */
function wallClock(t: number, zone: string): string {
  return dayjs(t).tz(zone).format('YYYY-MM-DD HH:mm');
}

/**
 * The day before `t`'s UTC date. Every zone's date is within a day of UTC's, so no window of an
 * earlier date reaches `t`; starting here saves a zone conversion (~0.15 ms) on every call.
 */
function firstCandidateDate(t: number): string {
  return new Date(t - DAY).toISOString().slice(0, 10);
}

function utcOffsetMinutes(t: number, zone: string): number {
  return dayjs(t).tz(zone).utcOffset();
}

// Calendar dates are plain dates: stepping them in UTC never meets a clock change.
function nextDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
}

function isoWeekday(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay() || 7;
}

function epochMs(date: Date, name: string): number {
  const t = date.getTime();
  if (Number.isNaN(t)) throw new RangeError(`${name} is not a valid date`);
  return t;
}

function checkHours(hours: BusinessHours): void {
  const { days, start, end } = hours;
  if (days.length === 0 || days.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) {
    throw new RangeError(`business days must be 1 (Monday) … 7 (Sunday), at least one: [${days.join(', ')}]`);
  }
  if (!CLOCK_TIME.test(start) || !CLOCK_TIME.test(end) || start >= end) {
    throw new RangeError(`business hours must be HH:mm with start before end: ${start}–${end}`);
  }
}

function tooFar(from: number): RangeError {
  return new RangeError(`business time from ${new Date(from).toISOString()} needs more than ten years of days; check the business hours`);
}
