// When Slack, Redis or MongoDB misbehave: the record stays right, the user gets guidance, and
// Slack is brought up to date once it answers again. MongoDB is the truth; Slack is a view.
import { RequestModel } from '../../src/db/request';
import { createRedisConnection } from '../../src/jobs/redis';
import { createTimerScheduler } from '../../src/jobs/timerScheduler';
import { singleWorkspaceTokens } from '../../src/slack/tokens';
import { maintenanceSweep } from '../../src/worker';
import { startMongoServer, startRedisServer } from '../../scripts/services';
import { startTestApp, type TestApp } from '../support/harness';
import { ACME, BETA, TRIAGE, testDatabaseUri } from '../support/testEnv';
import { record } from '../support/flows';

async function openFast(t: TestApp, text: string, user: string = ACME.member, channel: string = ACME.channel) {
  const res = await t.slack.slashCommand({ text, user_id: user, channel_id: channel });
  const key = /\*([A-Z]+-\d+)\*/.exec((res.json() as { text: string }).text)?.[1];
  return { res, key };
}

async function sweep(t: TestApp) {
  const connection = createRedisConnection(t.config.redisUrl, { forWorker: true });
  const timers = createTimerScheduler(t.config, connection);
  try {
    return await maintenanceSweep({ config: t.config, tokens: singleWorkspaceTokens(t.config), timers });
  } finally {
    await timers.close();
    connection.disconnect();
  }
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 5000) {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('Slack failing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await t.seed();
  });
  afterAll(async () => t.stop());
  beforeEach(() => t.fake.reset());

  it.each([
    ['a 500', { status: 500, times: 10 }],
    ['a 429 with Retry-After', { status: 429, retryAfterSeconds: 1, times: 10 }],
  ])('keeps the request when Slack answers %s, and shows it once Slack is back', async (_label, failure) => {
    t.fake.failNext('chat.postMessage', failure);
    const { res, key } = await openFast(t, 'Slack is flaky today');
    expect(res.status).toBe(200);
    expect(key).toBeDefined();
    const k = key ?? '';
    await until(async () => (await record(k)).timersRevision >= 0, 'the failed sync to finish', 20_000);
    const stored = await record(k);
    expect(stored.state).toBe('open');
    expect(stored.syncedRevision).toBeLessThan(stored.revision);
    expect(stored.clientMessageTs).toBeUndefined();

    t.fake.reset(); // Slack answers again
    const result = await sweep(t);
    expect(result.synced).toBeGreaterThanOrEqual(1);
    const shown = await record(k);
    expect(shown.syncedRevision).toBe(shown.revision);
    expect(shown.clientMessageTs).toBeDefined();
    expect(t.fake.callsTo('chat.postMessage').map((c) => c.args.channel).sort()).toEqual([ACME.channel, TRIAGE].sort());
  }, 30_000);

  it.each(['not_in_channel', 'channel_not_found'] as const)('tells the user what to do when Slack says %s, and keeps the request', async (error) => {
    t.fake.setChannelError(BETA.channel, error);
    const { res, key } = await openFast(t, 'Bot not invited', BETA.member, BETA.channel);
    expect(res.status).toBe(200);
    const [guidance] = await t.fake.waitFor('response_url');
    expect(String(guidance?.args.text)).toMatch(new RegExp(`${key} is saved, but I can't post in this channel yet.*/invite`));
    expect((await record(key ?? '')).state).toBe('open');
    // The triage message went out regardless.
    expect(t.fake.callsTo('chat.postMessage').some((c) => c.args.channel === TRIAGE)).toBe(true);
    t.fake.setChannelError(BETA.channel, undefined);
    await sweep(t);
    expect((await record(key ?? '')).clientMessageTs).toBeDefined();
  });
});

describe('Redis down', () => {
  let t: TestApp;
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  beforeAll(async () => {
    redis = await startRedisServer();
    t = await startTestApp({ REDIS_URL: redis.url });
    await t.seed();
  });
  afterAll(async () => {
    await t.stop();
    await redis.stop();
  });

  it('still opens and works requests; timers are scheduled once Redis is back', async () => {
    await redis.stop();
    const ready = await fetch(`${t.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ redis: false, mongodb: true });

    const { res, key } = await openFast(t, 'Opened while Redis is down');
    expect(res.status).toBe(200);
    expect(res.elapsedMs).toBeLessThan(3000);
    const k = key ?? '';
    await until(async () => Boolean((await record(k)).triageMessageTs), 'the Slack messages');
    const stored = await record(k);
    expect(stored.timersRevision).toBeLessThan(stored.revision);

    redis = await startRedisServer(redis.port);
    await until(async () => (await fetch(`${t.baseUrl}/readyz`)).status === 200, 'readiness', 10_000);
    const result = await sweep(t);
    expect(result.timers).toBeGreaterThanOrEqual(1);
    const scheduled = await record(k);
    expect(scheduled.timersRevision).toBe(scheduled.revision);
    expect(scheduled.scheduledTimers.length).toBe(2); // SLA reminder and escalation
  }, 40_000);
});

describe('MongoDB down', () => {
  let t: TestApp;
  let mongo: Awaited<ReturnType<typeof startMongoServer>>;
  beforeAll(async () => {
    mongo = await startMongoServer();
    const url = new URL(mongo.url);
    url.pathname = new URL(testDatabaseUri()).pathname;
    t = await startTestApp({ MONGODB_URI: url.toString() });
    await t.seed();
  });
  afterAll(async () => {
    await t.stop().catch(() => undefined);
  });

  it('answers "try again" within Slack\'s 3 seconds and /readyz says 503', async () => {
    const before = await RequestModel.countDocuments();
    expect(before).toBe(0);
    await mongo.stop();
    const { res, key } = await openFast(t, 'Opened while MongoDB is down');
    expect(res.status).toBe(200);
    expect(res.elapsedMs).toBeLessThan(3000);
    expect(key).toBeUndefined();
    expect((res.json() as { text: string }).text).toMatch(/try again/i);
    expect(t.fake.callsTo('chat.postMessage')).toHaveLength(0);
    const ready = await fetch(`${t.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ mongodb: false });
  }, 20_000);
});
