// The shared pace lives in Redis (src/slack/delivery/pacer.ts). With Redis unreachable, calls are
// not let through unpaced: each process paces itself alone (localPacer.ts) on its share of Slack's
// limits, one of SLACK_PACE_PROCESSES processes, and a 429's pause is kept in the process.
import { bucketFor } from '../../src/domain/slackDelivery';
import { createRedisConnection, type RedisConnection } from '../../src/jobs/redis';
import { createLocalPacer } from '../../src/slack/delivery/localPacer';
import { PaceLater, createRedisPacer } from '../../src/slack/delivery/pacer';
import { freePort } from '../support/appProcess';

const post = bucketFor('chat.postMessage', { channel: 'C0ACME' }, 'workspace');
if (!post) throw new Error('chat.postMessage has a bucket');

describe('the pace with Redis unreachable', () => {
  let redis: RedisConnection;
  beforeAll(async () => {
    // Nothing listens there: every script fails at once, as when Redis is down.
    redis = createRedisConnection(`redis://127.0.0.1:${await freePort()}`);
  });
  afterAll(async () => {
    redis.disconnect();
    // ioredis closes a socket that never connected after its disconnectTimeout (2 s).
    await new Promise((r) => setTimeout(r, 2100));
  });

  it('paces each bucket in the process, at half of Slack’s rate for two processes', async () => {
    const pacer = createRedisPacer(redis, 'pacetest', createLocalPacer(2));
    const started = Date.now();
    const at: number[] = [];
    for (let i = 0; i < 3; i++) {
      await pacer.take(post, 'interactive');
      at.push(Date.now() - started);
    }
    // Slack's own burst is 3 a channel; one process of two takes one at once, then one per two intervals.
    expect(at[0]).toBeLessThan(200);
    expect((at[1] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(2 * post.intervalMs - 20);
    expect((at[2] ?? 0) - (at[1] ?? 0)).toBeGreaterThanOrEqual(2 * post.intervalMs - 20);
    // Another channel is another bucket: not held up.
    const other = bucketFor('chat.postMessage', { channel: 'C0BETA' }, 'workspace');
    const before = Date.now();
    if (other) await pacer.take(other, 'interactive');
    expect(Date.now() - before).toBeLessThan(200);
  }, 15_000);

  it('keeps a 429’s pause in the process: background work is told to come back later', async () => {
    const pacer = createRedisPacer(redis, 'pacetest', createLocalPacer(2));
    const update = bucketFor('chat.update', {}, 'paused-workspace');
    if (!update) throw new Error('chat.update has a bucket');
    await pacer.pause(update, 5000);
    await expect(pacer.take(update, 'background')).rejects.toBeInstanceOf(PaceLater);
  });
});

describe('the local pace', () => {
  it('takes 1/N of the rate and of the burst, at least one call at once', async () => {
    let now = 1_000_000;
    const pacer = createLocalPacer(3, () => now);
    const bucket = { key: 'b', intervalMs: 1000, burst: 7, reserve: 1 };
    // floor(7 / 3) = 2 at once, then one every 3 s.
    await pacer.take(bucket, 'interactive');
    await pacer.take(bucket, 'interactive');
    await expect(pacer.take(bucket, 'background')).rejects.toMatchObject({ waitMs: 3000 });
    now += 3000;
    await pacer.take(bucket, 'background');
    await expect(pacer.take(bucket, 'background')).rejects.toMatchObject({ waitMs: 3000 });
  });
});
