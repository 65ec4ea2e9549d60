// The weekly digest for managers: gathers the week's records and computes the numbers
// (domain/digest.ts). A digest is sent once per week, however many workers run.
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import { ClientModel } from '../db/client';
import { EstimateModel } from '../db/estimate';
import { RequestModel } from '../db/request';
import { TimeEntryModel } from '../db/timeEntry';
import { computeDigest, type DigestNumbers } from '../domain/digest';
import { claimScheduledRun } from './scheduledRuns';
import { budgetFrom } from './estimates';

dayjs.extend(utc);
dayjs.extend(timezone);

/** The week before `now`: Monday 00:00 to Monday 00:00 in `zone`, as UTC instants. */
export function previousWeek(now: Date, zone: string): { from: Date; to: Date } {
  const local = dayjs(now).tz(zone);
  const daysSinceMonday = (local.day() + 6) % 7;
  const monday = local.subtract(daysSinceMonday, 'day').format('YYYY-MM-DD');
  const to = dayjs.tz(`${monday} 00:00`, zone);
  const lastMonday = dayjs(`${monday}T12:00:00Z`).subtract(7, 'day').format('YYYY-MM-DD');
  return { from: dayjs.tz(`${lastMonday} 00:00`, zone).toDate(), to: to.toDate() };
}

export async function digestFor(from: Date, to: Date, zone: string): Promise<DigestNumbers> {
  const requests = await RequestModel.find({
    createdAt: { $lt: to },
    $or: [{ state: { $nin: ['closed', 'cancelled'] } }, { closedAt: { $gte: from } }, { ratedAt: { $gte: from } }, { resolvedAt: { $gte: from } }, { createdAt: { $gte: from } }],
  }).lean();
  const keys = requests.map((r) => r.key);
  const estimates = await EstimateModel.find({ requestKey: { $in: keys } }).lean();
  const fromDate = dayjs(from).tz(zone).format('YYYY-MM-DD');
  const toDate = dayjs(to).tz(zone).format('YYYY-MM-DD');
  const time = await TimeEntryModel.find({ workDate: { $gte: fromDate, $lt: toDate }, deletedAt: { $exists: false } }, { clientKey: 1, minutes: 1, billable: 1 }).lean();
  const clients = await ClientModel.find({}, { key: 1, name: 1, hourlyRateMinor: 1, currency: 1 }).sort({ key: 1 }).lean();
  const estimatesOf = new Map<string, typeof estimates>();
  for (const e of estimates) estimatesOf.set(e.requestKey, [...(estimatesOf.get(e.requestKey) ?? []), e]);
  return computeDigest(
    from,
    to,
    requests.map((r) => ({
      ...r,
      approvedMinutes: budgetFrom(estimatesOf.get(r.key) ?? [], 0).approvedMinutes,
    })),
    time,
    clients,
  );
}

/** Claims the right to send the digest of the week starting `from`; false if already sent. */
export async function claimDigestRun(from: Date): Promise<boolean> {
  return claimScheduledRun('weekly-digest', from.toISOString().slice(0, 10));
}
