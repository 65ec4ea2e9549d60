// Rules of estimates and top-ups on the real MongoDB-wire server that are not about repeated
// submissions: what may be approved once the request has ended, which month a top-up raises, and
// what the losing click of a double click is told.
import { EstimateModel } from '../../src/db/estimate';
import { RequestModel } from '../../src/db/request';
import { UserFacingError } from '../../src/errors';
import { setLogLevel } from '../../src/logger';
import { decideEstimate, postEstimate } from '../../src/services/estimates';
import { deleteTimeEntry, editTimeEntry, logTime } from '../../src/services/timeEntries';
import { MonthlyUsageModel } from '../../src/db/monthlyUsage';
import { TimeEntryModel } from '../../src/db/timeEntry';
import { applySeed } from '../../src/services/seed';
import { useTestDatabase } from '../support/database';
import { createClaimedRequest } from '../support/records';
import { ACME, STAFF } from '../support/testEnv';

const SEED = `
managers: [${STAFF.manager}]
engineers: [${STAFF.engineer}, ${STAFF.engineer2}]
clients:
  - key: ACME
    name: Acme Ltd
    channels: [${ACME.channel}]
    hourlyRate: 95
    approvers: [${ACME.boss}]
    monthlyBudgetHours: 100
  - key: CAP
    name: Capped Ltd
    channels: [C0CAP]
    hourlyRate: 95
    approvers: [U0CAPBOSS]
    monthlyBudgetHours: 1
    timezone: Europe/London
  - key: EIGHT
    name: Eight Hours Ltd
    channels: [C0EIGHT]
    hourlyRate: 95
    approvers: [U0EIGHTBOSS]
    monthlyBudgetHours: 8
    timezone: Europe/London
`;

beforeAll(() => {
  setLogLevel(process.env.TEST_LOG_LEVEL ?? 'silent');
});
useTestDatabase(() => applySeed(SEED));

let counter = 0;

/** A request with an approved 2 h estimate and a pending 1 h top-up, then moved to `state`. */
async function withPendingTopUp(state: 'closed' | 'cancelled' | 'in_progress'): Promise<string> {
  const key = await createClaimedRequest('ACME', ++counter);
  const engineer = { userId: STAFF.engineer };
  const base = await postEstimate({ key, actor: engineer, lowMinutes: 120, highMinutes: 120, assumptions: '' });
  await decideEstimate({ estimateId: base.estimate._id.toHexString(), actor: { userId: ACME.boss }, approve: true });
  await postEstimate({ key, actor: engineer, lowMinutes: 60, highMinutes: 60, assumptions: '', topUp: true });
  await RequestModel.updateOne({ key }, { $set: { state } });
  return key;
}

const topUpOf = async (key: string) => (await EstimateModel.findOne({ requestKey: key, kind: 'topup' }).lean())!;

describe('a top-up', () => {
  // #14, defect 11: a top-up could be approved after its request was closed or cancelled, and
  // then still raised the client's monthly cap.
  it.each(['closed', 'cancelled'] as const)('cannot be approved once the request is %s, and stays pending to be declined', async (state) => {
    const key = await withPendingTopUp(state);
    const topUp = await topUpOf(key);
    const refused = await decideEstimate({ estimateId: topUp._id.toHexString(), actor: { userId: ACME.boss }, approve: true }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UserFacingError);
    expect((refused as Error).message).toBe(`${key} is ${state}, so its top-up can't be approved any more. Decline it, or open a new request for more work.`);
    expect((await topUpOf(key)).decision).toBe('pending');
    await decideEstimate({ estimateId: topUp._id.toHexString(), actor: { userId: ACME.boss }, approve: false, reason: 'Too late' });
    expect((await topUpOf(key)).decision).toBe('declined');
  });

  it('can be approved while the work goes on', async () => {
    const key = await withPendingTopUp('in_progress');
    const topUp = await topUpOf(key);
    await decideEstimate({ estimateId: topUp._id.toHexString(), actor: { userId: ACME.boss }, approve: true });
    expect((await topUpOf(key)).decision).toBe('approved');
  });
});

describe('a double click on Approve', () => {
  it('answers the losing click of a double click on Approve with the approval that won, whichever step it loses at', async () => {
    for (let round = 0; round < 25; round++) {
      const key = await createClaimedRequest('ACME', ++counter);
      const { estimate } = await postEstimate({ key, actor: { userId: STAFF.engineer }, lowMinutes: 60, highMinutes: 120, assumptions: '' });
      const click = () => decideEstimate({ estimateId: estimate._id.toHexString(), actor: { userId: ACME.boss }, approve: true });
      // The second click comes a few database round trips after the first (0 to 12, one more each
      // round), so that it loses at each step of the decision in turn, as clicks over HTTP do.
      const late = async () => {
        for (let i = 0; i < round % 13; i++) await RequestModel.exists({ key });
        return click();
      };
      const clicks = await Promise.allSettled([click(), late()]);
      expect(clicks.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
      const lost = clicks.find((c): c is PromiseRejectedResult => c.status === 'rejected');
      expect({ round, answer: (lost?.reason as Error).message }).toEqual({ round, answer: `This estimate was already approved by <@${ACME.boss}>.` });
      expect((await RequestModel.findOne({ key }).lean())?.state).toBe('approved');
    }
  });
});

describe('the monthly cap around clock changes (Europe/London)', () => {
  // #14, defect 7: the top-up window was start.add(1, 'month') of a zoned value, which keeps the
  // month's first UTC offset: a top-up approved 23:00-24:00 on 31 October counted in no month,
  // one approved 00:00-01:00 on 1 April in March and April both.
  async function cappedRequest(number: number): Promise<string> {
    const at = new Date('2026-01-05T10:00:00Z');
    const key = await createClaimedRequest('CAP', number, { title: 'Monthly work', requesterId: 'U0CAPDEV', clientChannelId: 'C0CAP', createdAt: at, claimedAt: at });
    const base = await postEstimate({ key, actor: { userId: STAFF.engineer }, lowMinutes: 600, highMinutes: 600, assumptions: '' });
    await decideEstimate({ estimateId: base.estimate._id.toHexString(), actor: { userId: 'U0CAPBOSS' }, approve: true });
    return key;
  }

  async function topUpApprovedAt(key: string, decidedAt: string) {
    await EstimateModel.create({
      requestKey: key,
      clientKey: 'CAP',
      version: 2,
      kind: 'topup',
      lowMinutes: 60,
      highMinutes: 60,
      hourlyRateMinor: 9500,
      currency: 'GBP',
      amountMinor: 9500,
      authorId: STAFF.engineer,
      createdAt: new Date(decidedAt),
      decision: 'approved',
      decidedBy: 'U0CAPBOSS',
      decidedAt: new Date(decidedAt),
    });
  }

  const log90 = (key: string, at: string) => logTime({ key, actor: { userId: STAFF.engineer }, minutes: 90, note: 'Work', billable: true, at: new Date(at) });

  it('counts a top-up approved at 23:30 on 31 October (GMT) in October', async () => {
    const key = await cappedRequest(1);
    await topUpApprovedAt(key, '2026-10-31T23:30:00Z');
    // The cap is 1 h plus the 1 h top-up: 90 minutes of October work fit.
    const logged = await log90(key, '2026-10-20T12:00:00Z');
    expect(logged.monthly).toMatchObject({ month: '2026-10', capMinutes: 120, usedMinutes: 90 });
  });

  it('counts a top-up approved at 00:30 on 1 April (BST) in April only', async () => {
    const key = await cappedRequest(2);
    await topUpApprovedAt(key, '2026-03-31T23:30:00Z');
    const march = await log90(key, '2026-03-20T12:00:00Z').catch((e: unknown) => e);
    expect(march).toBeInstanceOf(UserFacingError);
    expect((march as Error).message).toMatch(/monthly/i);
    const april = await log90(key, '2026-04-20T12:00:00Z');
    expect(april.monthly).toMatchObject({ month: '2026-04', capMinutes: 120, usedMinutes: 90 });
  });
});

describe('the monthly cap under concurrency and edits', () => {
  // #14, defect 3: the cap was check-then-write (cap 8 h, 7 h used, two engineers each logging
  // 1 h at once → 9 h), and editing an entry never checked it (15 m edited to 5 h).
  let number = 0;
  async function eightHourRequest(): Promise<string> {
    const key = await createClaimedRequest('EIGHT', ++number, { requesterId: 'U0EIGHTDEV', clientChannelId: 'C0EIGHT' });
    const base = await postEstimate({ key, actor: { userId: STAFF.engineer }, lowMinutes: 600, highMinutes: 600, assumptions: '' });
    await decideEstimate({ estimateId: base.estimate._id.toHexString(), actor: { userId: 'U0EIGHTBOSS' }, approve: true });
    return key;
  }
  const log = (key: string, minutes: number, at: string, engineer: string = STAFF.engineer) =>
    logTime({ key, actor: { userId: engineer }, minutes, note: 'Work', billable: true, at: new Date(at) });
  const billableIn = async (month: string) =>
    (await TimeEntryModel.find({ clientKey: 'EIGHT', billable: true, deletedAt: { $exists: false }, workDate: { $regex: `^${month}` } }).lean()).reduce((sum, e) => sum + e.minutes, 0);

  it('lets only what fits through when engineers log at once, and the counter matches the entries', async () => {
    const first = await eightHourRequest();
    const second = await eightHourRequest();
    await log(first, 420, '2026-06-02T12:00:00Z');
    // Eight 1 h entries at once, from two engineers on two requests: only one fits.
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => log(i % 2 ? first : second, 60, '2026-06-03T12:00:00Z', i % 2 ? STAFF.engineer : STAFF.engineer2)),
    );
    const refused = attempts.filter((a) => a.status === 'rejected');
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    // Each refusal is one of the two budgets (a request's counter can be full for a moment with
    // reservations the month then refuses and gives back).
    for (const r of refused) expect(((r as PromiseRejectedResult).reason as Error).message).toMatch(/past (its monthly budget|what the client approved)/);
    expect(refused.some((r) => /past its monthly budget \(8h of 8h used in 2026-06\)/.test(((r as PromiseRejectedResult).reason as Error).message))).toBe(true);
    expect(await billableIn('2026-06')).toBe(480);
    expect((await MonthlyUsageModel.findOne({ clientKey: 'EIGHT', month: '2026-06' }).lean())?.billableMinutes).toBe(480);
    // Each request's own counter gave back what the month refused.
    const requests = await RequestModel.find({ key: { $in: [first, second] } }).lean();
    const entries = await TimeEntryModel.find({ requestKey: { $in: [first, second] }, billable: true }).lean();
    for (const r of requests) expect(r.billableMinutesLogged).toBe(entries.filter((e) => e.requestKey === r.key).reduce((sum, e) => sum + e.minutes, 0));
  });

  it('checks the cap when an entry is edited to more time, and gives time back when it shrinks or goes', async () => {
    const key = await eightHourRequest();
    await log(key, 420, '2026-07-02T12:00:00Z');
    const small = await log(key, 15, '2026-07-03T12:00:00Z');
    const id = small.entry._id.toHexString();
    // 15 m → 1 h 30 m fits the request's 10 h but not the month's 8 h.
    const refused = await editTimeEntry(id, { userId: STAFF.engineer }, { minutes: 90 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UserFacingError);
    expect((refused as Error).message).toMatch(/past its monthly budget \(7h 15m of 8h used in 2026-07\)/);
    expect((await TimeEntryModel.findById(id).lean())?.minutes).toBe(15);
    expect((await RequestModel.findOne({ key }).lean())?.billableMinutesLogged).toBe(435);
    // Within the cap it is accepted; shrinking and deleting give the minutes back to the month.
    await editTimeEntry(id, { userId: STAFF.engineer }, { minutes: 60 });
    expect((await MonthlyUsageModel.findOne({ clientKey: 'EIGHT', month: '2026-07' }).lean())?.billableMinutes).toBe(480);
    await editTimeEntry(id, { userId: STAFF.engineer }, { billable: false });
    expect((await MonthlyUsageModel.findOne({ clientKey: 'EIGHT', month: '2026-07' }).lean())?.billableMinutes).toBe(420);
    const other = await log(key, 45, '2026-07-04T12:00:00Z');
    await deleteTimeEntry(other.entry._id.toHexString(), { userId: STAFF.engineer });
    expect((await MonthlyUsageModel.findOne({ clientKey: 'EIGHT', month: '2026-07' }).lean())?.billableMinutes).toBe(420);
    expect(await billableIn('2026-07')).toBe(420);
  });

  it('starts a month counter from time logged before counters existed', async () => {
    const key = await eightHourRequest();
    await TimeEntryModel.create({ requestKey: key, clientKey: 'EIGHT', engineerId: STAFF.engineer, minutes: 450, workDate: '2026-08-05', billable: true, createdAt: new Date() });
    await RequestModel.updateOne({ key }, { $inc: { billableMinutesLogged: 450 } });
    const refused = await log(key, 60, '2026-08-06T12:00:00Z').catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/7h 30m of 8h used in 2026-08/);
    const fits = await log(key, 30, '2026-08-06T12:00:00Z');
    expect(fits.monthly).toMatchObject({ month: '2026-08', capMinutes: 480, usedMinutes: 480 });
  });
});
