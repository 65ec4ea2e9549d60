// What the effects collection keeps (#22, point 2): a delivered post keeps its id and where it
// went, not what it said; delivered effects expire 30 days on through a TTL index; failed and
// pending ones do not, until a manager dismisses a failed one; and /metrics counts effects per kind and state without a $group over the
// collection, at most once per EFFECT_COUNTS_MAX_AGE_MS however often it is scraped.
import { DONE_EFFECT_TTL_SECONDS, SlackEffectModel } from '../../src/db/slackEffect';
import {
  EFFECT_COUNTS_MAX_AGE_MS,
  askEffect,
  completeEffect,
  dismissFailedEffects,
  effectCounts,
  failAttempt,
  findEffect,
  leaseEffect,
  recordPost,
  recordPosted,
  retryFailedEffects,
} from '../../src/services/outbox';
import { setLogLevel } from '../../src/logger';
import { useTestDatabase } from '../support/database';

beforeAll(() => {
  setLogLevel(process.env.TEST_LOG_LEVEL ?? 'silent');
});
useTestDatabase();

const CSV = 'request,minutes\nACME-1,90\n';

async function deliver(id: string): Promise<void> {
  const lease = await leaseEffect(id);
  if (!lease) throw new Error(`could not lease ${id}`);
  await recordPosted(lease, 'C0MGRS', '1700000000.000100');
  await completeEffect(lease);
}

describe('a delivered post', () => {
  it('keeps its id, where it was addressed and where it went, and drops what it said (the CSV included)', async () => {
    const id = 'post|billing|ACME|2026-11';
    await recordPost({ id, priority: 'background', payload: { to: { channel: 'C0MGRS' }, text: 'Acme owes £95.00', csv: { filename: 'acme.csv', title: 'Acme', content: CSV } } });
    expect((await findEffect(id))?.payload).toMatchObject({ csv: { content: CSV } });
    await deliver(id);
    const delivered = await findEffect(id);
    expect(delivered).toMatchObject({ state: 'done', postedChannel: 'C0MGRS', postedTs: '1700000000.000100', payload: { to: { channel: 'C0MGRS' }, delivered: true } });
    expect(JSON.stringify(delivered?.payload)).not.toContain('ACME-1,90');
    expect(delivered?.payload).not.toHaveProperty('text');
    expect(delivered?.doneAt).toBeInstanceOf(Date);
    // Its id still dedupes it: recorded again, nothing is owed.
    expect(await recordPost({ id, priority: 'background', payload: { to: { channel: 'C0MGRS' }, text: 'again' } })).toBeUndefined();
    expect(await findEffect(id)).toMatchObject({ state: 'done', payload: { delivered: true } });
  });

  it('keeps its payload while it is failed, until it is retried and delivered', async () => {
    const id = 'post|failed-notice';
    await recordPost({ id, priority: 'interactive', payload: { to: { thread: 'ACME-2' }, text: 'Claimed by Eve' } });
    const lease = await leaseEffect(id);
    await failAttempt(lease!, { error: 'not_in_channel', channel: 'C0ACME', permanent: true });
    const failed = await findEffect(id);
    expect(failed).toMatchObject({ state: 'failed', payload: { text: 'Claimed by Eve' } });
    expect(failed?.doneAt).toBeUndefined();
    await retryFailedEffects('C0ACME');
    await deliver(id);
    expect(await findEffect(id)).toMatchObject({ state: 'done', payload: { delivered: true } });
  });
});

describe('a failed effect dismissed', () => {
  async function failed(id: string, kind: 'post' | 'request', channel: string, payload: Record<string, unknown>): Promise<void> {
    if (kind === 'post') await recordPost({ id, priority: 'background', payload });
    else await askEffect({ id, kind, priority: 'background', payload });
    const lease = await leaseEffect(id);
    await failAttempt(lease!, { error: 'channel_not_found', channel, permanent: true });
  }

  it("is given up with who did it, keeps its last error, drops a post's content and expires like a delivered one; other channels' and other states' are left alone", async () => {
    await SlackEffectModel.deleteMany({});
    await failed('post|billing|BETA|2026-11', 'post', 'C0BETA', { to: { channel: 'C0BETA' }, text: 'Beta owes £95.00', csv: { filename: 'beta.csv', title: 'Beta', content: CSV } });
    await failed('request|BETA-4', 'request', 'C0BETA', { key: 'BETA-4' });
    await failed('post|elsewhere', 'post', 'C0ACME', { to: { channel: 'C0ACME' }, text: 'Kept' });
    await recordPost({ id: 'post|pending', priority: 'background', payload: { to: { channel: 'C0BETA' }, text: 'Owed' } });

    const at = new Date();
    expect(await dismissFailedEffects('U0MANAGER', 'C0BETA', at)).toBe(2);
    const post = await findEffect('post|billing|BETA|2026-11');
    expect(post).toMatchObject({ state: 'dismissed', dismissedBy: 'U0MANAGER', dismissedAt: at, doneAt: at, lastError: 'channel_not_found', errorChannel: 'C0BETA', payload: { to: { channel: 'C0BETA' }, dismissed: true } });
    expect(JSON.stringify(post?.payload)).not.toContain('ACME-1,90');
    // A rendered effect keeps its subject: the request is what it shows.
    expect(await findEffect('request|BETA-4')).toMatchObject({ state: 'dismissed', doneAt: at, payload: { key: 'BETA-4' } });
    expect(await findEffect('post|elsewhere')).toMatchObject({ state: 'failed', payload: { text: 'Kept' } });
    expect(await findEffect('post|pending')).toMatchObject({ state: 'pending', payload: { text: 'Owed' } });

    // Not retried, not dismissed twice; a post recorded again under its id is still not owed.
    expect((await retryFailedEffects('C0BETA')).map((w) => w.id)).toEqual([]);
    expect(await dismissFailedEffects('U0MANAGER', 'C0BETA')).toBe(0);
    expect(await recordPost({ id: 'post|billing|BETA|2026-11', priority: 'background', payload: { to: { channel: 'C0BETA' }, text: 'again' } })).toBeUndefined();
    // Without a channel: every failed one.
    expect(await dismissFailedEffects('U0MANAGER')).toBe(1);
    expect(await findEffect('post|elsewhere')).toMatchObject({ state: 'dismissed' });
  });

  it('is owed again, with a fresh set of attempts and no longer expiring, when its subject changes', async () => {
    const id = 'request|BETA-5';
    await failed(id, 'request', 'C0BETA', { key: 'BETA-5' });
    expect(await dismissFailedEffects('U0MANAGER', 'C0BETA')).toBe(1);
    const wakeup = await askEffect({ id, kind: 'request', priority: 'interactive', payload: { key: 'BETA-5' } });
    expect(wakeup).toMatchObject({ id, priority: 'interactive' });
    const asked = await findEffect(id);
    expect(asked).toMatchObject({ state: 'pending', attempts: 0 });
    expect([asked?.doneAt, asked?.dismissedAt, asked?.dismissedBy, asked?.failedAt]).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('expiry', () => {
  it('has a TTL index on doneAt that removes delivered effects 30 days on', async () => {
    const indexes = await SlackEffectModel.collection.listIndexes().toArray();
    const ttl = indexes.find((index) => JSON.stringify(index.key) === JSON.stringify({ doneAt: 1 }));
    expect(ttl?.expireAfterSeconds).toBe(30 * 24 * 3600);
    expect(DONE_EFFECT_TTL_SECONDS).toBe(30 * 24 * 3600);
  });

  it('dates only done effects: an ask makes a rendered effect owed again and no longer expiring', async () => {
    const id = 'request|ACME-3';
    await askEffect({ id, kind: 'request', priority: 'background', payload: { key: 'ACME-3' } });
    expect((await findEffect(id))?.doneAt).toBeUndefined();
    const lease = await leaseEffect(id);
    await completeEffect(lease!);
    const done = await findEffect(id);
    expect(done?.doneAt).toBeInstanceOf(Date);
    // Rendered from the record: its subject stays.
    expect(done?.payload).toEqual({ key: 'ACME-3' });
    await askEffect({ id, kind: 'request', priority: 'background', payload: { key: 'ACME-3' } });
    expect(await findEffect(id)).toMatchObject({ state: 'pending' });
    expect((await findEffect(id))?.doneAt).toBeUndefined();
  });
});

describe('asking again', () => {
  it('gives a failed effect a fresh set of attempts, due now, in one ask', async () => {
    const id = 'request|ACME-9';
    const failedAt = new Date(Date.now() - 60_000);
    await SlackEffectModel.create({ _id: id, kind: 'request', state: 'failed', priority: 'background', wanted: 1, done: 0, attempts: 6, dueAt: failedAt, failedAt, lastError: 'channel_not_found', payload: { key: 'ACME-9' }, createdAt: failedAt, askedAt: failedAt });
    const before = Date.now();
    const wakeup = await askEffect({ id, kind: 'request', priority: 'interactive', payload: { key: 'ACME-9' } });
    expect(wakeup).toMatchObject({ id, wanted: 2, priority: 'interactive' });
    const asked = await findEffect(id);
    expect(asked).toMatchObject({ state: 'pending', attempts: 0, wanted: 2 });
    expect(asked?.failedAt).toBeUndefined();
    expect(asked?.dueAt.getTime()).toBeGreaterThanOrEqual(before);
  });

  it("leaves a pending effect's attempts and due time alone", async () => {
    const id = 'request|ACME-10';
    const dueAt = new Date(Date.now() + 60_000);
    await SlackEffectModel.create({ _id: id, kind: 'request', state: 'pending', priority: 'background', wanted: 1, done: 0, attempts: 2, dueAt, payload: { key: 'ACME-10' }, createdAt: new Date(), askedAt: new Date() });
    await askEffect({ id, kind: 'request', priority: 'background', payload: { key: 'ACME-10' } });
    expect(await findEffect(id)).toMatchObject({ state: 'pending', attempts: 2, wanted: 2, dueAt });
  });
});

describe('/metrics counts', () => {
  it('counts every kind in every state, zeros included, and reads them at most once per max age', async () => {
    await SlackEffectModel.deleteMany({});
    const at = new Date();
    const effect = (id: string, kind: string, state: string) => ({ _id: id, kind, state, priority: 'background', dueAt: at, payload: {}, createdAt: at, askedAt: new Date(at.getTime() - 5000) });
    await SlackEffectModel.insertMany([effect('a', 'post', 'done'), effect('b', 'post', 'done'), effect('c', 'home', 'failed'), effect('d', 'request', 'pending'), effect('f', 'post', 'dismissed')]);
    const now = Date.now() + 10 * EFFECT_COUNTS_MAX_AGE_MS; // later than any read of the other tests
    const counts = await effectCounts(EFFECT_COUNTS_MAX_AGE_MS, now);
    expect(counts.byKindAndState).toHaveLength(16);
    const count = (kind: string, state: string) => counts.byKindAndState.find((c) => c.kind === kind && c.state === state)?.count;
    expect([count('post', 'done'), count('home', 'failed'), count('request', 'pending'), count('estimate', 'pending'), count('post', 'dismissed')]).toEqual([2, 1, 1, 0, 1]);
    expect(counts.oldestPendingAt?.getTime()).toBe(at.getTime() - 5000);

    // Scraped again within the max age: the same read, however the collection changed.
    await SlackEffectModel.insertMany([effect('e', 'post', 'done')]);
    expect(await effectCounts(EFFECT_COUNTS_MAX_AGE_MS, now + EFFECT_COUNTS_MAX_AGE_MS - 1)).toBe(counts);
    const later = await effectCounts(EFFECT_COUNTS_MAX_AGE_MS, now + EFFECT_COUNTS_MAX_AGE_MS);
    expect(later.byKindAndState.find((c) => c.kind === 'post' && c.state === 'done')?.count).toBe(3);
  });
});
