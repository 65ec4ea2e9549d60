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
  const [, year = '', month = ''] = PERIOD.exec(period) ?? [];
  const index = Number(year) * 12 + Number(month) - 1 + months;
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

/** The month's bounds as UTC instants; `period` must be a valid `YYYY-MM` (see isPeriod). */
export function monthBounds(period: string, zone: string): PeriodBounds {
  const next = nextPeriod(period);
  return {
    start: dayjs.tz(`${period}-01 00:00`, zone).toDate(),
    end: dayjs.tz(`${next}-01 00:00`, zone).toDate(),
    firstDay: `${period}-01`,
    nextFirstDay: `${next}-01`,
  };
}
