// The weekly digest's numbers, from plain records. Pure, so the figures can be checked against a
// hand-computed fixture.
import { amountForMinutes } from './billing';

export interface DigestRequest {
  key: string;
  clientKey: string;
  state: string;
  createdAt: Date;
  firstResponseAt?: Date | null | undefined;
  resolvedAt?: Date | null | undefined;
  closedAt?: Date | null | undefined;
  slaBreachedAt?: Date | null | undefined;
  rating?: number | null | undefined;
  ratedAt?: Date | null | undefined;
  /** Minutes the client approved (estimates + top-ups); 0 when none. */
  approvedMinutes: number;
  billableMinutesLogged: number;
}

export interface DigestTime {
  clientKey: string;
  minutes: number;
  billable: boolean;
}

export interface DigestClient {
  key: string;
  name: string;
  hourlyRateMinor: number;
  currency: string;
}

export interface DigestNumbers {
  from: Date;
  to: Date;
  opened: number;
  closed: number;
  medianFirstResponseMinutes: number | null;
  medianResolutionMinutes: number | null;
  slaBreaches: string[];
  byClient: Array<{ clientKey: string; name: string; minutes: number; billableMinutes: number; amountMinor: number; currency: string }>;
  /** Logged billable minutes over approved minutes, per closed request with an estimate, as a percentage. */
  estimateAccuracy: { requests: number; averagePercent: number | null };
  backlog: { underOneDay: number; oneToThreeDays: number; threeToSevenDays: number; overSevenDays: number };
  satisfaction: { ratings: number; average: number | null };
}

const within = (at: Date | null | undefined, from: Date, to: Date): at is Date =>
  at instanceof Date && at.getTime() >= from.getTime() && at.getTime() < to.getTime();

const minutesBetween = (a: Date, b: Date) => Math.round((b.getTime() - a.getTime()) / 60_000);

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? null) : Math.round(((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2);
}

/** Rounded half up to one decimal place. */
const oneDecimal = (n: number) => Math.round(n * 10) / 10;

/**
 * The numbers of the period [from, to). `now` matters only for a period still in progress: the
 * backlog is aged to the earlier of now and the period's end, so a digest of this week does not
 * file a 4-hour-old request under "3–7 days".
 */
export function computeDigest(from: Date, to: Date, requests: DigestRequest[], time: DigestTime[], clients: DigestClient[], now: Date = new Date()): DigestNumbers {
  const agedTo = now.getTime() < to.getTime() ? now : to;
  const day = 24 * 60;
  const backlog = { underOneDay: 0, oneToThreeDays: 0, threeToSevenDays: 0, overSevenDays: 0 };
  for (const r of requests) {
    const finishedBefore = (r.closedAt && r.closedAt <= to) || r.state === 'cancelled' || r.state === 'merged';
    if (r.createdAt >= to || finishedBefore || r.state === 'closed') continue;
    const age = minutesBetween(r.createdAt, agedTo);
    if (age < day) backlog.underOneDay++;
    else if (age < 3 * day) backlog.oneToThreeDays++;
    else if (age < 7 * day) backlog.threeToSevenDays++;
    else backlog.overSevenDays++;
  }
  const accuracy = requests
    .filter((r) => within(r.closedAt, from, to) && r.approvedMinutes > 0)
    .map((r) => (100 * r.billableMinutesLogged) / r.approvedMinutes);
  const ratings = requests.filter((r) => within(r.ratedAt, from, to) && r.rating).map((r) => r.rating ?? 0);
  const byClient = clients
    .map((c) => {
      const entries = time.filter((e) => e.clientKey === c.key);
      const billableMinutes = entries.filter((e) => e.billable).reduce((s, e) => s + e.minutes, 0);
      return {
        clientKey: c.key,
        name: c.name,
        minutes: entries.reduce((s, e) => s + e.minutes, 0),
        billableMinutes,
        amountMinor: amountForMinutes(billableMinutes, c.hourlyRateMinor),
        currency: c.currency,
      };
    })
    .filter((c) => c.minutes > 0);
  return {
    from,
    to,
    opened: requests.filter((r) => within(r.createdAt, from, to)).length,
    closed: requests.filter((r) => within(r.closedAt, from, to)).length,
    medianFirstResponseMinutes: median(
      requests.filter((r) => within(r.firstResponseAt, from, to)).map((r) => minutesBetween(r.createdAt, r.firstResponseAt as Date)),
    ),
    medianResolutionMinutes: median(requests.filter((r) => within(r.resolvedAt, from, to)).map((r) => minutesBetween(r.createdAt, r.resolvedAt as Date))),
    slaBreaches: requests.filter((r) => within(r.slaBreachedAt, from, to)).map((r) => r.key).sort(),
    byClient,
    estimateAccuracy: {
      requests: accuracy.length,
      averagePercent: accuracy.length ? oneDecimal(accuracy.reduce((s, v) => s + v, 0) / accuracy.length) : null,
    },
    backlog,
    satisfaction: { ratings: ratings.length, average: ratings.length ? oneDecimal(ratings.reduce((s, v) => s + v, 0) / ratings.length) : null },
  };
}
