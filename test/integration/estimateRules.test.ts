// Rules of estimates and top-ups on the real MongoDB-wire server that are not about repeated
// submissions: what may be approved once the request has ended.
import mongoose from 'mongoose';
import { connectDatabase, disconnectDatabase } from '../../src/db/connection';
import { EstimateModel } from '../../src/db/estimate';
import { RequestModel } from '../../src/db/request';
import { UserFacingError } from '../../src/errors';
import { setLogLevel } from '../../src/logger';
import { decideEstimate, postEstimate } from '../../src/services/estimates';
import { applySeed } from '../../src/services/seed';
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
  const number = ++counter;
  const key = `ACME-${number}`;
  await RequestModel.create({
    key,
    clientKey: 'ACME',
    number,
    title: 'Mail server migration',
    category: 'maintenance',
    priority: 'normal',
    state: 'claimed',
    source: 'command',
    requesterId: ACME.member,
    clientChannelId: ACME.channel,
    triageChannelId: 'C0TRIAGE',
    assigneeId: STAFF.engineer,
    createdAt: new Date(),
    claimedAt: new Date(),
  });
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
