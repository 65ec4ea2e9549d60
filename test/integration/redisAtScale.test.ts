// Redis at scale, on real servers: a Redis Cluster (one node serving every slot, so Cluster's rules
// are enforced: a script or transaction whose keys are in different slots is refused with
// CROSSSLOT) and a Sentinel. The worker runs on both as it would in production.
import { Queue, Worker } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config';
import { bucketFor } from '../../src/domain/slackDelivery';
import { DELIVERY_LAG_HASH, recordDelivered } from '../../src/observability/metrics';
import { createRedisConnection, isRedisReachable, waitUntilReady } from '../../src/jobs/redis';
import { JOB_MONTHLY_BILLING, JOB_RESYNC_SLACK, JOB_WEEKLY_DIGEST, MAINTENANCE_QUEUE, queueOptions } from '../../src/jobs/queues';
import { createRedisPacer, PaceLater, paceKeys, RATE_LIMITED_HASH, type Pacer } from '../../src/slack/delivery/pacer';
import { startWorker } from '../../src/worker';
import { startRedisServer, type LocalServer } from '../../scripts/services';
import { clusterSlot, startRedisCluster, startRedisSentinel, type RunningCluster, type RunningRedis } from '../support/redisTopologies';
import { BOT_TOKEN, SIGNING_SECRET, TRIAGE, testDatabaseUri, uniqueName } from '../support/testEnv';
import { until } from '../support/until';

function appConfig(redisUrl: string, queuePrefix: string): Config {
  return loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: 'http://127.0.0.1:9/api/',
    MONGODB_URI: testDatabaseUri(),
    REDIS_URL: redisUrl,
    TRIAGE_CHANNEL_ID: TRIAGE,
    QUEUE_PREFIX: queuePrefix,
    LOG_LEVEL: 'silent',
  });
}

async function allKeys(redis: Redis): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, page] = await redis.scan(cursor, 'COUNT', 1000);
    keys.push(...page);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

const postToChannel = bucketFor('chat.postMessage', { channel: 'C0ACME' }, 'T0OURS')!;
const tierMethod = bucketFor('chat.update', {}, 'T0OURS')!;
/** The pacer falls back to this when its script fails (Redis unreachable): here, a CROSSSLOT refusal must not hide behind it. */
const noFallback: Pacer = {
  take: () => Promise.reject(new Error('the Redis pacer fell back to pacing in the process')),
  pause: () => Promise.reject(new Error('the Redis pacer fell back to pacing in the process')),
  countRateLimited: async () => undefined,
};

/** Background work leaves one call of the burst to people: the others go at once, then it is told to come back. */
async function expectDrained(pacer: Pacer, bucket: typeof postToChannel): Promise<void> {
  const outcomes: string[] = [];
  for (let i = 0; i < bucket.burst + 1; i++) {
    outcomes.push(await pacer.take(bucket, 'background').then(() => 'sent', (error: unknown) => (error instanceof PaceLater ? 'later' : String(error))));
  }
  expect(outcomes).toEqual([...Array.from({ length: bucket.burst - bucket.reserve }, () => 'sent'), ...Array.from({ length: bucket.reserve + 1 }, () => 'later')]);
}

/** Keys of every kind the app shares in Redis under the {adhoc} prefix, once a probe job `jobId` ran. */
function sharedKeys(jobId: string): string[] {
  return [
    `{adhoc}:${MAINTENANCE_QUEUE}:completed`,
    `{adhoc}:probe:${jobId}`,
    paceKeys('{adhoc}', postToChannel)[0],
    paceKeys('{adhoc}', tierMethod)[1],
    `{adhoc}:${RATE_LIMITED_HASH}`,
    `{adhoc}:${DELIVERY_LAG_HASH}`,
  ];
}

describe('the Redis Cluster slot of a key', () => {
  it('is CRC16/XMODEM of its first non-empty {hash tag}, else of the key, modulo 16384', () => {
    // Redis's cluster specification: CRC16 of "123456789" is 0x31C3.
    expect(clusterSlot('123456789')).toBe(0x31c3 % 16384);
    expect(clusterSlot('{user1000}.following')).toBe(clusterSlot('{user1000}.followers'));
    expect(clusterSlot('foo{}{bar}')).not.toBe(clusterSlot('bar')); // an empty first tag: the whole key
    expect(clusterSlot('foo{{bar}}zap')).toBe(clusterSlot('{bar'));
  });
});

describe('the pace of a bucket', () => {
  it.each([
    ['adhoc', postToChannel],
    ['adhoc', tierMethod],
    ['{adhoc}', postToChannel],
    ['prod-{adhoc}', tierMethod],
  ])('keeps its two keys in one Redis Cluster slot under the prefix %s', (prefix, bucket) => {
    const [turn, pause] = paceKeys(prefix, bucket);
    expect(turn).not.toBe(pause);
    expect(clusterSlot(turn)).toBe(clusterSlot(pause));
  });

  it("falls in the {adhoc} prefix's slot, BullMQ's, when the prefix has a hash tag", () => {
    for (const key of paceKeys('{adhoc}', postToChannel)) expect(clusterSlot(key)).toBe(clusterSlot('{adhoc}:slack-effects:wait'));
  });
});

describe('on a Redis Cluster', () => {
  let cluster: RunningRedis;
  let redis: Redis;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    redis = new Redis(cluster.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    redis?.disconnect();
    await cluster?.stop();
  });

  it('computes the slots as the cluster does', async () => {
    for (const key of [...paceKeys('adhoc', postToChannel), ...paceKeys('{adhoc}', tierMethod), '123456789', 'foo{}{bar}']) {
      expect(await redis.call('CLUSTER', 'KEYSLOT', key)).toBe(clusterSlot(key));
    }
  });

  it('paces: the pacer script runs (no CROSSSLOT), a drained bucket says later and a 429 pauses it', async () => {
    const prefix = uniqueName('p');
    const pacer = createRedisPacer(redis, prefix, noFallback);
    // Refilled once a minute, so a slow machine cannot refill it between two takes.
    const drained = { ...postToChannel, intervalMs: 60_000 };
    await expectDrained(pacer, drained);

    await pacer.pause(tierMethod, 30_000);
    const paused = await pacer.take(tierMethod, 'background').catch((error: unknown) => error);
    expect(paused).toBeInstanceOf(PaceLater);
    expect((paused as PaceLater).waitMs).toBeGreaterThan(25_000);

    const keys = (await allKeys(redis)).filter((k) => k.startsWith(`${prefix}:`));
    expect(keys).toEqual([...paceKeys(prefix, tierMethod).slice(1), paceKeys(prefix, postToChannel)[0]].sort());
  });

  it('refuses BullMQ under a prefix without a hash tag: CROSSSLOT, which is why {adhoc}', async () => {
    const queue = new Queue('probe', { connection: redis, prefix: uniqueName('plain') });
    try {
      await expect(queue.add('job', {})).rejects.toThrow(/CROSSSLOT/);
    } finally {
      await queue.close();
    }
  });

  it('runs the worker and its jobs under the {adhoc} prefix, every key in that one slot', async () => {
    await redis.flushall(); // what the tests above left under their own prefixes
    const config = appConfig(`redis://127.0.0.1:${cluster.port}`, '{adhoc}');
    const worker = await startWorker(config);
    const connection = createRedisConnection(config.redis, { forWorker: true });
    const maintenance = new Queue(MAINTENANCE_QUEUE, queueOptions(config, connection));
    const probe = new Queue<{ n: number }>('probe', queueOptions(config, connection));
    const probeWorker = new Worker<{ n: number }>('probe', async (job) => `done ${job.data.n}`, queueOptions(config, connection));
    try {
      const schedulers = await maintenance.getJobSchedulers();
      expect(schedulers.map((s) => s.key).sort()).toEqual([JOB_MONTHLY_BILLING, JOB_RESYNC_SLACK, JOB_WEEKLY_DIGEST].sort());
      // The app's own maintenance sweep runs through its worker, on the cluster.
      await until(async () => (await maintenance.getCompletedCount()) > 0, 'the maintenance sweep to run', 15_000);
      const job = await probe.add('probe', { n: 7 });
      await until(async () => (await job.isCompleted()) === true, 'the probe job to complete', 15_000);
      expect((await probe.getJob(job.id!))?.returnvalue).toBe('done 7');
      // And the app's other shared keys: the pace, the 429 and delivery counters.
      const pacer = createRedisPacer(redis, config.queuePrefix, noFallback);
      await pacer.take(postToChannel, 'interactive');
      await pacer.pause(tierMethod, 1000);
      await pacer.countRateLimited('chat.update');
      await recordDelivered(redis, config.queuePrefix, 'post', 120);

      const keys = await allKeys(redis);
      expect(keys.filter((k) => !k.startsWith('{adhoc}:'))).toEqual([]);
      expect(keys).toEqual(
        expect.arrayContaining(sharedKeys(job.id!)),
      );
      const slots = new Set(await Promise.all(keys.map(async (k) => Number(await redis.call('CLUSTER', 'KEYSLOT', k)))));
      expect([...slots]).toEqual([clusterSlot('{adhoc}')]);
    } finally {
      await probeWorker.close();
      await Promise.all([probe.close(), maintenance.close()]);
      connection.disconnect();
      await worker.stop();
    }
  });
});

describe('through a Redis Cluster client (redis+cluster://)', () => {
  // Two masters, each serving half the slots: the node given in the URL does not serve the
  // {adhoc} slot, so every command of the app must be sent to the other, as ioredis's Cluster
  // client does from the cluster's own slot map (a plain client is answered MOVED).
  let cluster: RunningCluster;
  let seedPort: number;
  let servingPort: number;

  beforeAll(async () => {
    cluster = await startRedisCluster(2);
    servingPort = cluster.portServing(clusterSlot('{adhoc}'));
    seedPort = cluster.ports.find((p) => p !== servingPort)!;
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs the worker, its jobs and the pace on the node that serves {adhoc}, from a URL naming another node', async () => {
    const plain = new Redis(seedPort, '127.0.0.1', { maxRetriesPerRequest: 1 });
    const serving = new Redis(servingPort, '127.0.0.1', { maxRetriesPerRequest: 1 });
    const config = appConfig(`redis+cluster://127.0.0.1:${seedPort}`, '{adhoc}');
    const worker = await startWorker(config);
    const connection = createRedisConnection(config.redis, { forWorker: true });
    const fast = createRedisConnection(config.redis);
    const probe = new Queue<{ n: number }>('probe', queueOptions(config, connection));
    const probeWorker = new Worker<{ n: number }>('probe', async (job) => `done ${job.data.n}`, queueOptions(config, connection));
    try {
      await expect(plain.set('{adhoc}:hello', 'x')).rejects.toThrow(/MOVED/);
      expect(fast).toBeInstanceOf(Cluster);
      expect(await waitUntilReady(fast, 5000)).toBe(true);
      expect(await isRedisReachable(fast)).toBe(true);

      const maintenance = new Queue(MAINTENANCE_QUEUE, queueOptions(config, connection));
      try {
        expect((await maintenance.getJobSchedulers()).map((s) => s.key).sort()).toEqual([JOB_MONTHLY_BILLING, JOB_RESYNC_SLACK, JOB_WEEKLY_DIGEST].sort());
        await until(async () => (await maintenance.getCompletedCount()) > 0, 'the maintenance sweep to run', 15_000);
      } finally {
        await maintenance.close();
      }
      const job = await probe.add('probe', { n: 7 });
      await until(async () => (await job.isCompleted()) === true, 'the probe job to complete', 15_000);

      // The pace's script, the 429 pause and the counters, through the Cluster client.
      const pacer = createRedisPacer(fast, config.queuePrefix, noFallback);
      const drained = { ...postToChannel, intervalMs: 60_000 };
      await expectDrained(pacer, drained);
      await pacer.pause(tierMethod, 1000);
      await pacer.countRateLimited('chat.update');
      await recordDelivered(fast, config.queuePrefix, 'post', 120);

      // All of it on the node that serves {adhoc}; nothing on the node the URL named.
      const keys = await allKeys(serving);
      expect(keys).toEqual(
        expect.arrayContaining(sharedKeys(job.id!)),
      );
      expect(await allKeys(plain)).toEqual([]);
    } finally {
      await probeWorker.close();
      await probe.close();
      connection.disconnect();
      fast.disconnect();
      plain.disconnect();
      serving.disconnect();
      await worker.stop();
    }
  });
});

describe('through Redis Sentinel', () => {
  const MASTER = 'adhoc-master';
  let server: LocalServer & { port: number };
  let sentinel: RunningRedis;

  beforeAll(async () => {
    server = await startRedisServer();
    sentinel = await startRedisSentinel(server.port, MASTER);
  });

  afterAll(async () => {
    await sentinel?.stop();
    await server?.stop();
  });

  it('finds the master the sentinel names and runs the worker there, in the database the URL gives', async () => {
    const prefix = uniqueName('s');
    const config = appConfig(`redis+sentinel://127.0.0.1:${sentinel.port}/${MASTER}/3`, prefix);
    const worker = await startWorker(config);
    const direct = new Redis(server.port, '127.0.0.1', { db: 3, maxRetriesPerRequest: 1 });
    const viaSentinel = createRedisConnection(config.redis);
    try {
      expect(await waitUntilReady(viaSentinel, 5000)).toBe(true);
      await viaSentinel.set(`${prefix}:hello`, 'from sentinel');
      expect(await direct.get(`${prefix}:hello`)).toBe('from sentinel');
      const maintenance = new Queue(MAINTENANCE_QUEUE, queueOptions(config, viaSentinel));
      try {
        expect((await maintenance.getJobSchedulers()).map((s) => s.key).sort()).toEqual([JOB_MONTHLY_BILLING, JOB_RESYNC_SLACK, JOB_WEEKLY_DIGEST].sort());
      } finally {
        await maintenance.close();
      }
      // The worker's BullMQ keys are in database 3 of the master, not in database 0.
      expect((await direct.keys(`${prefix}:${MAINTENANCE_QUEUE}:*`)).length).toBeGreaterThan(0);
      await direct.select(0);
      expect(await direct.keys(`${prefix}:*`)).toEqual([]);
    } finally {
      direct.disconnect();
      viaSentinel.disconnect();
      await worker.stop();
    }
  });
});
