// The on-call rota: a list of engineers, one per week, handing over at local midnight on the
// weekday of `startsOn` in the rota's timezone. Pure.
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';

dayjs.extend(utc);
dayjs.extend(timezone);

export interface Rota {
  engineers: string[];
  /** YYYY-MM-DD: the first week's first day, the first engineer's. */
  startsOn: string;
  timezone: string;
}

/** Share of the urgent first-response target after which an unclaimed page goes to the next person. */
export const ON_CALL_ESCALATE_SHARE = 0.75;

/** Whole calendar days from `startsOn` to the local date of `now` (negative before it). */
function daysSince(startsOn: string, now: Date, zone: string): number {
  const today = dayjs(now).tz(zone).format('YYYY-MM-DD');
  // Both are plain dates: count them as UTC midnights, so a clock change in between is no hour short.
  return Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${startsOn}T00:00:00Z`)) / 86_400_000);
}

/** Whose week it is at `now`; undefined for an empty rota. */
export function onCallAt(rota: Rota, now: Date): string | undefined {
  const n = rota.engineers.length;
  if (n === 0) return undefined;
  const week = Math.floor(Math.max(0, daysSince(rota.startsOn, now, rota.timezone)) / 7);
  return rota.engineers[week % n];
}

/** The person after `userId` on the rota (wrapping), for an unclaimed page; undefined if none other. */
export function nextOnRota(rota: Rota, userId: string): string | undefined {
  const i = rota.engineers.indexOf(userId);
  const next = rota.engineers[(i + 1) % rota.engineers.length];
  return next !== undefined && next !== userId ? next : undefined;
}
