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
import { OPEN_STATES } from '../domain/lifecycle';

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

/** What computeDigest reads of a request; the rest of the document stays on the server. */
const DIGEST_FIELDS = {
  key: 1,
  clientKey: 1,
  state: 1,
  createdAt: 1,
  firstResponseAt: 1,
  resolvedAt: 1,
  closedAt: 1,
  slaBreachedAt: 1,
  rating: 1,
  ratedAt: 1,
  billableMinutesLogged: 1,
} as const;

/**
 * Every request the week's numbers depend on, as separate queries so each is served by its own
 * index (src/db/request.ts) rather than one `$or` the planner may answer with a scan: requests
 * still open (the backlog), and requests opened in the week or with a first response, resolution,
 * SLA breach, rating or closing in it. A request found twice is read once.
 */
async function requestsOfWeek(from: Date, to: Date) {
  const inWeek = { $gte: from, $lt: to };
  const before = { $lt: to };
  const batches = await Promise.all([
    RequestModel.find({ state: { $in: [...OPEN_STATES] }, createdAt: before }, DIGEST_FIELDS).lean(),
    RequestModel.find({ createdAt: inWeek }, DIGEST_FIELDS).lean(),
    RequestModel.find({ firstResponseAt: inWeek, createdAt: before }, DIGEST_FIELDS).lean(),
    RequestModel.find({ resolvedAt: inWeek, createdAt: before }, DIGEST_FIELDS).lean(),
    RequestModel.find({ slaBreachedAt: inWeek, createdAt: before }, DIGEST_FIELDS).lean(),
    RequestModel.find({ ratedAt: inWeek, createdAt: before }, DIGEST_FIELDS).lean(),
    RequestModel.find({ closedAt: inWeek, createdAt: before }, DIGEST_FIELDS).lean(),
  ]);
  const byKey = new Map<string, (typeof batches)[number][number]>();
  for (const batch of batches) for (const request of batch) byKey.set(request.key, request);
  return [...byKey.values()];
}

export async function digestFor(from: Date, to: Date, zone: string): Promise<DigestNumbers> {
  const fromDate = dayjs(from).tz(zone).format('YYYY-MM-DD');
  const toDate = dayjs(to).tz(zone).format('YYYY-MM-DD');
  const [requests, time, clients] = await Promise.all([
    requestsOfWeek(from, to),
    TimeEntryModel.find({ workDate: { $gte: fromDate, $lt: toDate }, deletedAt: { $exists: false } }, { clientKey: 1, minutes: 1, billable: 1 }).lean(),
    ClientModel.find({}, { key: 1, name: 1, hourlyRateMinor: 1, currency: 1 }).sort({ key: 1 }).lean(),
  ]);
  // Approved minutes only matter for the estimate accuracy of requests closed in the week.
  const closedInWeek = requests.filter((r) => r.closedAt && r.closedAt >= from && r.closedAt < to).map((r) => r.key);
  const estimates = closedInWeek.length > 0 ? await EstimateModel.find({ requestKey: { $in: closedInWeek } }).lean() : [];
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
    new Date(),
  );
}

