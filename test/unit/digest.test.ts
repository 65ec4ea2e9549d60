// The weekly digest's numbers against a fixture whose answers are worked out by hand below.
import { computeDigest, median, type DigestRequest, type DigestTime } from '../../src/domain/digest';
import { previousWeek } from '../../src/services/digest';
import { renderDigest } from '../../src/slack/views/digest';
import { billingOverviewModal } from '../../src/slack/views/homeModals';

const at = (iso: string) => new Date(iso);
// The week: Monday 2026-11-16 00:00 GMT to Monday 2026-11-23 00:00 GMT.
const from = at('2026-11-16T00:00:00Z');
const to = at('2026-11-23T00:00:00Z');

const base = { approvedMinutes: 0, billableMinutesLogged: 0 };
const requests: DigestRequest[] = [
  // A: opened this week, first response after 30 min, resolved after 240 min, closed, rated 5,
  //    approved 180 min and used 150 → 83.33…%.
  { ...base, key: 'ACME-1', clientKey: 'ACME', state: 'closed', createdAt: at('2026-11-16T10:00:00Z'), firstResponseAt: at('2026-11-16T10:30:00Z'), resolvedAt: at('2026-11-16T14:00:00Z'), closedAt: at('2026-11-17T09:00:00Z'), rating: 5, ratedAt: at('2026-11-17T09:05:00Z'), approvedMinutes: 180, billableMinutesLogged: 150 },
  // B: opened this week, first response after 90 min, SLA breached, still open at the end → age
  //    from 2026-11-20T12:00Z to 2026-11-23T00:00Z = 2 days 12 h → "1–3 days".
  { ...base, key: 'ACME-2', clientKey: 'ACME', state: 'in_progress', createdAt: at('2026-11-20T12:00:00Z'), firstResponseAt: at('2026-11-20T13:30:00Z'), slaBreachedAt: at('2026-11-20T13:00:00Z') },
  // C: opened last week (not counted as opened), resolved this week 2 days (2880 min) after
  //    opening, closed this week, rated 3, approved 60 and used 75 (a top-up was approved) → 125%.
  { ...base, key: 'BETA-7', clientKey: 'BETA', state: 'closed', createdAt: at('2026-11-14T09:00:00Z'), firstResponseAt: at('2026-11-14T09:10:00Z'), resolvedAt: at('2026-11-16T09:00:00Z'), closedAt: at('2026-11-19T09:00:00Z'), rating: 3, ratedAt: at('2026-11-19T10:00:00Z'), approvedMinutes: 60, billableMinutesLogged: 75 },
  // D: opened this week, no response yet, open 12 h before the end → "under one day".
  { ...base, key: 'BETA-8', clientKey: 'BETA', state: 'open', createdAt: at('2026-11-22T12:00:00Z') },
  // E: opened three weeks ago, still open → "over seven days".
  { ...base, key: 'ACME-0', clientKey: 'ACME', state: 'claimed', createdAt: at('2026-11-01T08:00:00Z'), firstResponseAt: at('2026-11-01T09:00:00Z') },
  // F: cancelled this week: opened (counted) but not in the backlog.
  { ...base, key: 'ACME-3', clientKey: 'ACME', state: 'cancelled', createdAt: at('2026-11-18T08:00:00Z') },
  // G: opened after the week: ignored everywhere.
  { ...base, key: 'ACME-4', clientKey: 'ACME', state: 'open', createdAt: at('2026-11-23T08:00:00Z') },
];

const time: DigestTime[] = [
  { clientKey: 'ACME', minutes: 90, billable: true },
  { clientKey: 'ACME', minutes: 60, billable: true },
  { clientKey: 'ACME', minutes: 20, billable: false },
  { clientKey: 'BETA', minutes: 75, billable: true },
];
const clients = [
  { key: 'ACME', name: 'Acme Ltd', hourlyRateMinor: 9500, currency: 'GBP' },
  { key: 'BETA', name: 'Beta Co', hourlyRateMinor: 12050, currency: 'GBP' },
  { key: 'IDLE', name: 'Idle Inc', hourlyRateMinor: 10000, currency: 'GBP' },
];

describe('weekly digest numbers', () => {
  const d = computeDigest(from, to, requests, time, clients);

  it('counts opened (A, B, D, F) and closed (A, C)', () => {
    expect(d.opened).toBe(4);
    expect(d.closed).toBe(2);
  });

  it('takes medians of first response (A 30, B 90 → 60) and resolution (A 240, C 2880 → 1560)', () => {
    expect(d.medianFirstResponseMinutes).toBe(60);
    expect(d.medianResolutionMinutes).toBe(1560);
  });

  it('lists SLA breaches of the week', () => {
    expect(d.slaBreaches).toEqual(['ACME-2']);
  });

  it('adds hours and amounts by client: ACME 150 billable min at £95/h = £237.50; BETA 75 min at £120.50/h = £150.625 → £150.63', () => {
    expect(d.byClient).toEqual([
      { clientKey: 'ACME', name: 'Acme Ltd', minutes: 170, billableMinutes: 150, amountMinor: 23750, currency: 'GBP' },
      { clientKey: 'BETA', name: 'Beta Co', minutes: 75, billableMinutes: 75, amountMinor: 15063, currency: 'GBP' },
    ]);
  });

  it("says its amounts are minutes at today's rate, not the bill (#14, defect 8)", () => {
    const digest = JSON.stringify(renderDigest(d, 'Europe/London').blocks);
    expect(digest).toContain("*Hours and amounts by client* (minutes at today's rate, not the bill)");
    expect(digest).toContain('Acme Ltd: 2h 50m logged, 2h 30m billable, £237.50');
    const overview = JSON.stringify(billingOverviewModal(d, '/help').blocks);
    expect(overview).toContain("Amounts are the minutes at today's rate, not the bill");
  });

  it('measures estimate accuracy over closed requests with an estimate: (83.33… + 125) / 2 = 104.2%', () => {
    expect(d.estimateAccuracy).toEqual({ requests: 2, averagePercent: 104.2 });
  });

  it('buckets the backlog by age at the end of the week: D <1d, B 1–3d, E >7d', () => {
    expect(d.backlog).toEqual({ underOneDay: 1, oneToThreeDays: 1, threeToSevenDays: 0, overSevenDays: 1 });
  });

  it('averages satisfaction of ratings given this week: (5 + 3) / 2 = 4', () => {
    expect(d.satisfaction).toEqual({ ratings: 2, average: 4 });
  });

  it('has nothing to average in an empty week', () => {
    const empty = computeDigest(from, to, [], [], clients);
    expect(empty).toMatchObject({ opened: 0, closed: 0, medianFirstResponseMinutes: null, medianResolutionMinutes: null, byClient: [], estimateAccuracy: { requests: 0, averagePercent: null }, satisfaction: { ratings: 0, average: null } });
  });
});

describe('median', () => {
  it.each([
    [[], null],
    [[5], 5],
    [[9, 1, 5], 5],
    [[1, 2], 2], // 1.5 rounds half up
    [[10, 20, 30, 40], 25],
  ])('%j → %j', (values, expected) => expect(median(values)).toBe(expected));
});

describe('the digest week', () => {
  it.each([
    // Monday 09:00 GMT: the week before is 16–23 November.
    ['2026-11-23T09:00:00Z', 'Europe/London', '2026-11-16T00:00:00.000Z', '2026-11-23T00:00:00.000Z'],
    // Monday 09:00 BST just after the clocks went back: 19 Oct 00:00 BST (= 18 Oct 23:00Z) to 26 Oct 00:00 GMT.
    ['2026-10-26T09:00:00Z', 'Europe/London', '2026-10-18T23:00:00.000Z', '2026-10-26T00:00:00.000Z'],
    // Monday 30 March, the day after the clocks went forward: 23 Mar 00:00 GMT to 30 Mar 00:00 BST.
    ['2026-03-30T08:00:00Z', 'Europe/London', '2026-03-23T00:00:00.000Z', '2026-03-29T23:00:00.000Z'],
    // Sunday: the week that ended last Monday.
    ['2026-11-22T20:00:00Z', 'Europe/London', '2026-11-09T00:00:00.000Z', '2026-11-16T00:00:00.000Z'],
    ['2026-11-23T14:00:00Z', 'America/New_York', '2026-11-16T05:00:00.000Z', '2026-11-23T05:00:00.000Z'],
  ])('%s in %s → [%s, %s)', (now, zone, expectedFrom, expectedTo) => {
    const week = previousWeek(at(now), zone);
    expect([week.from.toISOString(), week.to.toISOString()]).toEqual([expectedFrom, expectedTo]);
  });
});

// #14, defect 8: a digest of the week in progress aged its backlog to the week's end, so a
// 4-hour-old request was filed under "3–7 days".
describe('the backlog of a week in progress', () => {
  const from = new Date('2026-11-30T00:00:00Z');
  const to = new Date('2026-12-07T00:00:00Z');
  const now = new Date('2026-12-01T12:00:00Z');
  const fourHoursOld: DigestRequest = {
    key: 'ACME-1',
    clientKey: 'ACME',
    state: 'open',
    createdAt: new Date(now.getTime() - 4 * 3600_000),
    approvedMinutes: 0,
  } as DigestRequest;

  it('ages requests to now while the week is not over', () => {
    expect(computeDigest(from, to, [fourHoursOld], [], [], now).backlog).toEqual({ underOneDay: 1, oneToThreeDays: 0, threeToSevenDays: 0, overSevenDays: 0 });
  });

  it('ages them to the end of the week once it is over', () => {
    expect(computeDigest(from, to, [fourHoursOld], [], [], new Date('2026-12-09T00:00:00Z')).backlog).toEqual({ underOneDay: 0, oneToThreeDays: 0, threeToSevenDays: 1, overSevenDays: 0 });
  });
});
