// Rules of estimates and top-ups on the real MongoDB-wire server that are not about repeated
// submissions: what may be approved once the request has ended, and which month a top-up raises.
import mongoose from 'mongoose';
import { connectDatabase, disconnectDatabase } from '../../src/db/connection';
import { EstimateModel } from '../../src/db/estimate';
import { RequestModel } from '../../src/db/request';
import { UserFacingError } from '../../src/errors';
import { setLogLevel } from '../../src/logger';
import { decideEstimate, postEstimate } from '../../src/services/estimates';
import { logTime } from '../../src/services/timeEntries';
import { applySeed } from '../../src/services/seed';
import { createClaimedRequest } from '../support/records';
import { ACME, STAFF, testDatabaseUri } from '../support/testEnv';

const SEED = `
managers: [${STAFF.manager}]
engineers: [${STAFF.engineer}]
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
`;

beforeAll(async () => {
  setLogLevel(process.env.TEST_LOG_LEVEL ?? 'silent');
  await connectDatabase(testDatabaseUri());
  await applySeed(SEED);
});
afterAll(async () => {
  await mongoose.connection.db?.dropDatabase();
  await disconnectDatabase();
});

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
