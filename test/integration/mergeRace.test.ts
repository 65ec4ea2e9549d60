// Two merges at once on the real MongoDB-wire server (#22, point 9): A into B while B goes into A,
// and A into B while B goes into C. Exactly one merge wins each time, the other is told why, and
// no request is left pointing at a finished one or held by a merge.
import { RequestModel } from '../../src/db/request';
import { MERGE_HOLD_MS } from '../../src/domain/lifecycle';
import { UserFacingError } from '../../src/errors';
import { setLogLevel } from '../../src/logger';
import { mergeRequest } from '../../src/services/merge';
import { transitionRequest } from '../../src/services/requestLifecycle';
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
`;

const ROUNDS = 25;

beforeAll(() => {
  setLogLevel(process.env.TEST_LOG_LEVEL ?? 'silent');
});
useTestDatabase(() => applySeed(SEED));

let counter = 0;
const claimed = () => createClaimedRequest('ACME', ++counter);

const merge = (key: string, into: string, userId: string) => mergeRequest({ key, into, actor: { userId } });

async function states(keys: string[]) {
  const found = await RequestModel.find({ key: { $in: keys } }, { key: 1, state: 1, mergedInto: 1, mergeHold: 1 }).lean();
  return Object.fromEntries(found.map((r) => [r.key, r]));
}

/** The loser's words: a UserFacingError that says what happened, never a crash. */
function loserMessage(results: PromiseSettledResult<unknown>[]): string {
  const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  expect(lost?.reason).toBeInstanceOf(UserFacingError);
  return (lost!.reason as UserFacingError).message;
}

it('A into B while B goes into A: exactly one wins, every time, and the other is told they are one now', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const a = await claimed();
    const b = await claimed();
    const results = await Promise.allSettled([merge(a, b, STAFF.engineer), merge(b, a, STAFF.engineer2)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const now = await states([a, b]);
    const [winner, other] = results[0]!.status === 'fulfilled' ? [a, b] : [b, a];
    expect(now[winner]).toMatchObject({ state: 'merged', mergedInto: other });
    expect(now[other]).toMatchObject({ state: 'claimed' });
    expect(now[other]?.mergedInto).toBeUndefined();
    expect(loserMessage(results)).toBe(`${winner} was just merged into ${other}; they are one request now.`);
    expect([now[a]?.mergeHold, now[b]?.mergeHold]).toEqual([undefined, undefined]);
  }
});

it('A into B while B goes into C: exactly one wins, every time, and A never points at a finished request', async () => {
  const wins = { aIntoB: 0, bIntoC: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const a = await claimed();
    const b = await claimed();
    const c = await claimed();
    const results = await Promise.allSettled([merge(a, b, STAFF.engineer), merge(b, c, STAFF.engineer2)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const now = await states([a, b, c]);
    if (results[0]!.status === 'fulfilled') {
      wins.aIntoB++;
      expect(now[a]).toMatchObject({ state: 'merged', mergedInto: b });
      expect(now[b]).toMatchObject({ state: 'claimed' });
      expect(loserMessage(results)).toBe(`${a} was merged into ${b}, so ${b} stays open; merge ${c} into ${b} instead.`);
    } else {
      wins.bIntoC++;
      expect(now[b]).toMatchObject({ state: 'merged', mergedInto: c });
      expect(now[a]).toMatchObject({ state: 'claimed' });
      expect(loserMessage(results)).toBe(`${b} was itself merged into ${c}; merge ${a} into ${c} instead.`);
    }
    expect(now[c]).toMatchObject({ state: 'claimed' });
    expect([now[a]?.mergeHold, now[b]?.mergeHold, now[c]?.mergeHold]).toEqual([undefined, undefined, undefined]);
  }
  expect(wins.aIntoB + wins.bIntoC).toBe(ROUNDS);
});

it('two duplicates merged into one request at once both go in', async () => {
  const target = await claimed();
  const first = await claimed();
  const second = await claimed();
  const results = await Promise.allSettled([merge(first, target, STAFF.engineer), merge(second, target, STAFF.engineer2)]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
  const now = await states([target, first, second]);
  expect([now[first]?.mergedInto, now[second]?.mergedInto, now[target]?.state]).toEqual([target, target, 'claimed']);
});

it("a request held by a merge cannot be cancelled meanwhile; a crashed merge's hold stops nothing once stale", async () => {
  const key = await claimed();
  const other = await claimed();
  await RequestModel.updateOne({ key }, { $set: { mergeHold: { id: 'live', at: new Date() } } });
  await expect(transitionRequest({ key, action: 'cancel', actor: { userId: STAFF.manager }, set: { cancelReason: 'no longer needed' } })).rejects.toThrow(
    `${key} is being merged right now; nothing was changed. Try again in a moment.`,
  );
  expect((await states([key]))[key]).toMatchObject({ state: 'claimed' });

  await RequestModel.updateOne({ key }, { $set: { mergeHold: { id: 'crashed', at: new Date(Date.now() - MERGE_HOLD_MS - 1000) } } });
  await merge(other, key, STAFF.engineer);
  await transitionRequest({ key, action: 'cancel', actor: { userId: STAFF.manager }, set: { cancelReason: 'no longer needed' } });
  expect((await states([key, other]))).toMatchObject({ [key]: { state: 'cancelled' }, [other]: { state: 'merged', mergedInto: key } });
});
