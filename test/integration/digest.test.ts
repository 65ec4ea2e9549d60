// The weekly digest's gathering on the real MongoDB-wire server: digestFor reads only the requests
// the week's numbers depend on, through one indexed query per milestone, and must come to the
// same numbers as computeDigest over every record. The numbers are also worked out by hand,
// including the two a single `$or` used to miss: a first response and an SLA breach in the week
// on requests cancelled since.
import mongoose from 'mongoose';
import { connectDatabase, disconnectDatabase } from '../../src/db/connection';
import { ClientModel } from '../../src/db/client';
import { EstimateModel } from '../../src/db/estimate';
import { RequestModel } from '../../src/db/request';
import { TimeEntryModel } from '../../src/db/timeEntry';
import { computeDigest } from '../../src/domain/digest';
import type { RequestState } from '../../src/domain/lifecycle';
import { setLogLevel } from '../../src/logger';
import { digestFor } from '../../src/services/digest';
import { budgetFrom } from '../../src/services/estimates';
import { testDatabaseUri } from '../support/testEnv';

const ZONE = 'Europe/London';
// Monday 16 to Monday 23 November 2026; London is on GMT, so these are also the UTC instants.
const FROM = new Date('2026-11-16T00:00:00Z');
const TO = new Date('2026-11-23T00:00:00Z');
const at = (iso: string) => new Date(iso);

type Milestones = Partial<Record<'firstResponseAt' | 'resolvedAt' | 'closedAt' | 'cancelledAt' | 'slaBreachedAt' | 'ratedAt', string>>;

async function request(key: string, state: RequestState, createdAt: string, milestones: Milestones = {}, extra: { rating?: number; billableMinutesLogged?: number } = {}) {
  const [clientKey = '', number = '0'] = key.split('-');
  await RequestModel.create({
    key,
    clientKey,
    number: Number(number),
    title: `Request ${key}`,
    category: 'maintenance',
    priority: 'normal',
    state,
    source: 'command',
    requesterId: 'U0REQ',
    clientChannelId: `C0${clientKey}`,
    triageChannelId: 'C0TRIAGE',
    createdAt: at(createdAt),
    ...Object.fromEntries(Object.entries(milestones).map(([field, iso]) => [field, at(iso)])),
    ...extra,
  });
}

async function logged(requestKey: string, minutes: number, workDate: string, extra: { billable?: boolean; deleted?: boolean } = {}) {
  await TimeEntryModel.create({
    requestKey,
    clientKey: requestKey.split('-')[0],
    engineerId: 'U0ENG',
    minutes,
    workDate,
    billable: extra.billable ?? true,
    createdAt: at(`${workDate}T12:00:00Z`),
    ...(extra.deleted ? { deletedAt: at(`${workDate}T13:00:00Z`), deletedBy: 'U0ENG' } : {}),
  });
}

beforeAll(async () => {
  setLogLevel(process.env.TEST_LOG_LEVEL ?? 'silent');
  await connectDatabase(testDatabaseUri());
  const defaults = {
    currency: 'GBP',
    timezone: ZONE,
    billingMode: 'on_completion' as const,
    incrementMinutes: 15,
    minimumMinutes: 0,
    slaMinutes: { urgent: 15, high: 60, normal: 240, low: 480 },
    businessHours: { alwaysOpen: true },
  };
  await ClientModel.create([
    { ...defaults, key: 'ACME', name: 'Acme Ltd', channels: ['C0ACME'], hourlyRateMinor: 10000 },
    { ...defaults, key: 'BETA', name: 'Beta Co', channels: ['C0BETA'], hourlyRateMinor: 12000 },
  ]);

  // Opened in the week and still open: opened, backlog 3–7 days (5 d 14 h old at the week's end).
  await request('ACME-1', 'open', '2026-11-17T10:00:00Z');
  // Opened two weeks before and still being worked: backlog over 7 days.
  await request('ACME-2', 'in_progress', '2026-11-02T09:00:00Z', { firstResponseAt: '2026-11-02T09:30:00Z' });
  // Resolved and closed in the week, 90 billable minutes on a 120-minute estimate: 75 % accurate;
  // resolution 8 d 3 h = 11,700 minutes.
  await request(
    'ACME-3',
    'closed',
    '2026-11-10T09:00:00Z',
    { firstResponseAt: '2026-11-10T09:20:00Z', resolvedAt: '2026-11-18T12:00:00Z', closedAt: '2026-11-19T12:00:00Z' },
    { billableMinutesLogged: 90 },
  );
  await EstimateModel.create({
    requestKey: 'ACME-3',
    clientKey: 'ACME',
    version: 1,
    kind: 'estimate',
    lowMinutes: 90,
    highMinutes: 120,
    hourlyRateMinor: 10000,
    currency: 'GBP',
    amountMinor: 20000,
    authorId: 'U0ENG',
    createdAt: at('2026-11-10T10:00:00Z'),
    decision: 'approved',
    decidedBy: 'U0BOSS',
    decidedAt: at('2026-11-10T11:00:00Z'),
  });
  // Closed only after the week: in no number (the backlog is what is still open).
  await request('ACME-4', 'closed', '2026-11-12T09:00:00Z', {
    firstResponseAt: '2026-11-12T10:00:00Z',
    resolvedAt: '2026-11-24T09:00:00Z',
    closedAt: '2026-11-25T09:00:00Z',
  });
  // First response in the week (4,320 minutes after opening), cancelled since.
  await request('ACME-5', 'cancelled', '2026-11-13T09:00:00Z', { firstResponseAt: '2026-11-16T09:00:00Z', cancelledAt: '2026-11-17T09:00:00Z' });
  // SLA breached in the week, cancelled before anyone answered.
  await request('ACME-6', 'cancelled', '2026-11-15T20:00:00Z', { slaBreachedAt: '2026-11-16T08:00:00Z', cancelledAt: '2026-11-16T12:00:00Z' });
  // Closed in October, rated in the week.
  await request('ACME-7', 'closed', '2026-10-01T09:00:00Z', { firstResponseAt: '2026-10-01T09:05:00Z', closedAt: '2026-10-03T09:00:00Z', ratedAt: '2026-11-18T09:00:00Z' }, { rating: 4 });
  // Everything before the week: counts for nothing.
  await request('ACME-9', 'closed', '2026-10-01T09:00:00Z', { firstResponseAt: '2026-10-01T09:01:00Z', closedAt: '2026-10-02T09:00:00Z', ratedAt: '2026-10-02T10:00:00Z', slaBreachedAt: '2026-10-01T09:00:00Z' }, { rating: 1 });
  // Opened after the week: counts for nothing.
  await request('ACME-10', 'open', '2026-11-24T09:00:00Z');
  // Opened in the week, answered in 10 minutes: opened, backlog 1–3 days (2 d 15 h).
  await request('BETA-1', 'claimed', '2026-11-20T09:00:00Z', { firstResponseAt: '2026-11-20T09:10:00Z' });

  // ACME's week: 60 billable + 30 not billable; a deleted entry and one after the week count not.
  await logged('ACME-1', 60, '2026-11-17');
  await logged('ACME-2', 30, '2026-11-18', { billable: false });
  await logged('ACME-2', 45, '2026-11-19', { deleted: true });
  await logged('ACME-2', 120, '2026-11-23');
});

afterAll(async () => {
  await mongoose.connection.db?.dropDatabase();
  await disconnectDatabase();
});

it('comes to the numbers worked out by hand', async () => {
  const digest = await digestFor(FROM, TO, ZONE);
  expect(digest).toEqual({
    from: FROM,
    to: TO,
    opened: 2,
    closed: 1,
    // ACME-5 (4,320) and BETA-1 (10): the median of two is their mean.
    medianFirstResponseMinutes: 2165,
    medianResolutionMinutes: 11_700,
    slaBreaches: ['ACME-6'],
    byClient: [{ clientKey: 'ACME', name: 'Acme Ltd', minutes: 90, billableMinutes: 60, amountMinor: 10_000, currency: 'GBP' }],
    estimateAccuracy: { requests: 1, averagePercent: 75 },
    backlog: { underOneDay: 0, oneToThreeDays: 1, threeToSevenDays: 1, overSevenDays: 1 },
    satisfaction: { ratings: 1, average: 4 },
  });
});

it('agrees with computeDigest over every record, for this week and the weeks around it', async () => {
  const [requests, estimates, entries, clients] = await Promise.all([
    RequestModel.find().lean(),
    EstimateModel.find().lean(),
    TimeEntryModel.find({ deletedAt: { $exists: false } }).lean(),
    ClientModel.find().sort({ key: 1 }).lean(),
  ]);
  const everything = requests.map((r) => ({ ...r, approvedMinutes: budgetFrom(estimates.filter((e) => e.requestKey === r.key), 0).approvedMinutes }));
  const week = 7 * 24 * 60 * 60 * 1000;
  for (const shift of [-2, -1, 0, 1]) {
    const from = new Date(FROM.getTime() + shift * week);
    const to = new Date(TO.getTime() + shift * week);
    const days = (d: Date) => d.toISOString().slice(0, 10);
    const time = entries.filter((e) => e.workDate >= days(from) && e.workDate < days(to));
    expect(await digestFor(from, to, ZONE)).toEqual(computeDigest(from, to, everything, time, clients));
  }
});
