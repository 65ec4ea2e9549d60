// The app as deployed at scale, over signed requests (#22, point 11): a web process and a worker
// on a Redis Cluster whose URL names a node that does not serve the queue prefix's slot, and on a
// Sentinel-watched master that dies and is replaced by its replica. The front door works and
// Slack is brought up to date on each; timers, which only go through Redis, prove that Redis
// (not the direct delivery of an outage) carried them.
import { Redis } from 'ioredis';
import { ACTION } from '../../src/slack/ids';
import { clickAndSettle, openByCommand, untilSynced } from '../support/flows';
import { startTestApp, type TestApp } from '../support/harness';
import { clusterSlot, startRedisCluster, startRedisReplica, startRedisSentinel, type RunningCluster, type RunningRedis } from '../support/redisTopologies';
import { ACME, STAFF, TRIAGE, uniqueName } from '../support/testEnv';
import { monitorRedis } from '../support/redisMonitor';
import { until } from '../support/until';
import { startRedisServer } from '../../scripts/services';

async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  return redis.keys(`${prefix}:*`);
}

describe('on a Redis Cluster (redis+cluster://)', () => {
  let cluster: RunningCluster;
  let t: TestApp | undefined;
  let prefix: string;
  let servingPort: number;
  let otherPort: number;

  beforeAll(async () => {
    cluster = await startRedisCluster(2);
    prefix = `{${uniqueName('c')}}`;
    servingPort = cluster.portServing(clusterSlot(prefix));
    otherPort = cluster.ports.find((p) => p !== servingPort)!;
    // The URL names the node that does not serve the prefix's slot: the Cluster client must find the other.
    t = await startTestApp({ REDIS_URL: `redis+cluster://127.0.0.1:${otherPort}`, QUEUE_PREFIX: prefix });
    await t.seed();
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
  });

  it('opens, shows and claims a request, its timers scheduled, every key on the node that serves the prefix', async () => {
    const app = t!;
    // Every command each node runs meanwhile (pace keys expire within seconds, so they are watched, not looked for).
    const [onServing, onOther] = await Promise.all([monitorRedis(`redis://127.0.0.1:${servingPort}`), monitorRedis(`redis://127.0.0.1:${otherPort}`)]);
    const key = await openByCommand(app, 'The invoice PDF is blank', ACME.member, ACME.channel);
    const shown = await untilSynced(key, -1, 15_000);
    expect(shown.clientMessageTs).toBeTruthy();
    expect(shown.triageMessageTs).toBeTruthy();
    await clickAndSettle(app, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
    expect((await untilSynced(key, shown.revision, 15_000)).assigneeId).toBe(STAFF.engineer);
    expect(app.fake.callsTo('chat.update').some((c) => c.args.channel === TRIAGE && (c.response as { ok?: boolean }).ok)).toBe(true);

    onServing.stop();
    onOther.stop();
    const touched = (commands: string[][]) => commands.flatMap((args) => args.slice(1)).filter((arg) => arg.startsWith(`${prefix}:`));
    // The queues, the timers' delayed jobs and Slack's pace ran on the node that serves the prefix.
    const served = touched(onServing.commands);
    expect(['slack-effects', 'request-timers', 'pace'].filter((part) => !served.some((k) => k.startsWith(`${prefix}:${part}:`)))).toEqual([]);
    // The node the URL named was asked for the cluster's map, never for a key of the app.
    expect(touched(onOther.commands)).toEqual([]);
    const serving = new Redis(servingPort, '127.0.0.1', { maxRetriesPerRequest: 1 });
    const other = new Redis(otherPort, '127.0.0.1', { maxRetriesPerRequest: 1 });
    try {
      expect((await keysUnder(serving, prefix)).some((k) => k.startsWith(`${prefix}:request-timers:`))).toBe(true);
      expect(await keysUnder(other, prefix)).toEqual([]);
    } finally {
      serving.disconnect();
      other.disconnect();
    }
  }, 40_000);
});

describe('through Sentinel, across a failover', () => {
  const MASTER = 'adhoc-failover';
  let master: Awaited<ReturnType<typeof startRedisServer>>;
  let replica: RunningRedis;
  let sentinel: RunningRedis;
  let t: TestApp | undefined;

  beforeAll(async () => {
    master = await startRedisServer();
    replica = await startRedisReplica(master.port);
    // The master is failed over 1 s after it stops answering (30 s by default).
    sentinel = await startRedisSentinel(master.port, MASTER, { downAfterMs: 1000, replicas: 1 });
    t = await startTestApp({ REDIS_URL: `redis+sentinel://127.0.0.1:${sentinel.port}/${MASTER}` });
    await t.seed();
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await sentinel?.stop();
    await replica?.stop();
    await master?.stop();
  });

  it('keeps the front door and the queues working when the master dies: the replica the sentinel promotes takes over', async () => {
    const app = t!;
    const first = await openByCommand(app, 'Before the failover', ACME.member, ACME.channel);
    await untilSynced(first, -1, 15_000);

    await master.stop();
    const probe = new Redis(sentinel.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    try {
      await until(
        async () => {
          const address = (await probe.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER)) as string[];
          return Number(address[1]) === replica.port;
        },
        'the sentinel to promote the replica',
        30_000,
        100,
      );
    } finally {
      probe.disconnect();
    }
    // The web process finds the new master through the sentinel: ready again.
    await until(async () => (await fetch(`${app.baseUrl}/readyz`)).status === 200, 'the web process to reach the new master', 20_000, 100);

    const second = await openByCommand(app, 'After the failover', ACME.member, ACME.channel);
    // Shown, and its timers scheduled: through BullMQ on the new master.
    const shown = await untilSynced(second, -1, 20_000);
    expect(shown.timersRevision).toBeGreaterThanOrEqual(shown.revision);
    const promoted = new Redis(replica.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    try {
      expect(String(await promoted.call('ROLE'))).toMatch(/^master/);
      const jobs = await keysUnder(promoted, app.config.queuePrefix);
      expect(jobs.some((k) => k.startsWith(`${app.config.queuePrefix}:request-timers:`))).toBe(true);
    } finally {
      promoted.disconnect();
    }
  }, 90_000);
});
