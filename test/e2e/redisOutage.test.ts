// Redis stopped (#22, point 1): no wake-up can be queued, BullMQ runs nothing and the shared pace
// is gone. The front door still works: `/help` opened while Redis is down shows its triage message
// and its root message within 5 s (the web process delivers what a person waits for itself), a
// claim and an estimate posted during the outage appear too, and the rest (Home tabs) is delivered
// by the worker's sweep without the queue, paced by each process alone (no 429 from Slack). Once
// Redis is back, the wake-ups queued for those effects and the sweep find them done: every message
// exists exactly once.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startRedisServer } from '../../scripts/services';
import { DELIVERY_QUEUE } from '../../src/jobs/deliveryQueue';
import { JOB_MONTHLY_BILLING, JOB_RESYNC_SLACK, JOB_WEEKLY_DIGEST, MAINTENANCE_QUEUE } from '../../src/jobs/queues';
import { SlackEffectModel } from '../../src/db/slackEffect';
import { ACTION } from '../../src/slack/ids';
import { maintenanceSweep } from '../../src/worker';
import { allDelivered, click, record } from '../support/flows';
import { startTestApp, type TestApp } from '../support/harness';
import type { RecordedCall } from '../support/slackFake';
import { ACME, STAFF, TRIAGE } from '../support/testEnv';
import { until } from '../support/until';

let t: TestApp;
let redis: Awaited<ReturnType<typeof startRedisServer>>;

const ok = (c: RecordedCall) => c.status === 200 && (c.response as { ok?: boolean }).ok === true;
const posts = (predicate: (c: RecordedCall) => boolean) => t.fake.callsTo('chat.postMessage').filter((c) => ok(c) && predicate(c));
const textOf = (c: RecordedCall) => `${String(c.args.text)} ${JSON.stringify(c.args.blocks ?? [])}`;

beforeAll(async () => {
  redis = await startRedisServer();
  // Paced (SLACK_PACE=published) against a fake that enforces Slack's limits.
  t = await startTestApp({ REDIS_URL: redis.url });
  await t.seed();
  // An engineer who has opened their Home tab: it is refreshed (a background effect) when a request opens.
  await t.slack.event({ type: 'app_home_opened', user: STAFF.engineer2, channel: `D${STAFF.engineer2}`, tab: 'home', event_ts: String(Date.now() / 1000) });
  await t.fake.waitFor('views.publish', (c) => c.args.user_id === STAFF.engineer2);
  await allDelivered();
});
afterAll(async () => {
  await t.stop();
  await redis.stop();
});

describe('Redis down', () => {
  let key = '';
  let estimateId = '';
  let outageStartedAt = 0;

  it('shows a request opened while Redis is down in triage and in the client channel within 5 s', async () => {
    await redis.stop();
    outageStartedAt = Date.now();
    await until(async () => (await fetch(`${t.baseUrl}/readyz`)).status === 503, 'readiness to see Redis down', 10_000);

    const sent = Date.now();
    const res = await t.slack.slashCommand({ text: 'Opened while Redis is down', user_id: ACME.member, channel_id: ACME.channel });
    expect(res.status).toBe(200);
    expect(res.elapsedMs).toBeLessThan(3000);
    key = /\*([A-Z]+-\d+)\*/.exec((res.json() as { text: string }).text)?.[1] ?? '';
    expect(key).toMatch(/^ACME-\d+$/);

    const root = () => posts((c) => c.args.channel === ACME.channel && c.args.thread_ts === undefined && textOf(c).includes(key));
    const triage = () => posts((c) => c.args.channel === TRIAGE && c.args.thread_ts === undefined && textOf(c).includes(key));
    await until(() => root().length > 0 && triage().length > 0, 'the root and triage messages', 5000);
    expect(Date.now() - sent).toBeLessThan(5000);
    // The deliverer records a message's ts once Slack has answered the post: a moment after it shows.
    const stored = await until(async () => {
      const r = await record(key);
      return r.clientMessageTs && r.triageMessageTs ? r : undefined;
    }, 'the messages to be recorded', 2000);
    expect(stored.clientMessageTs).toBe((root()[0]?.response as { ts?: string }).ts);
    expect(stored.triageMessageTs).toBe((triage()[0]?.response as { ts?: string }).ts);
  }, 30_000);

  it('shows a claim and posts an estimate with its Approve button during the outage', async () => {
    const { revision } = await record(key);
    await click(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key });
    await until(async () => {
      const r = await record(key);
      return r.revision > revision && r.assigneeId === STAFF.engineer && r.syncedRevision >= r.revision;
    }, 'the claim to be shown', 10_000);

    const answer = await t.slack.slashCommand({ text: `estimate ${key} 2h`, user_id: STAFF.engineer, channel_id: TRIAGE });
    expect(answer.status).toBe(200);
    const approve = () => posts((c) => String(c.args.text).includes(`v1 for ${key}`) && textOf(c).includes('estimate_approve'));
    await until(() => approve().length > 0, 'the estimate message', 10_000);
    const [message] = approve();
    expect(message?.args.channel).toBe(ACME.channel);
    expect(message?.args.thread_ts).toBe((await record(key)).clientMessageTs);
    estimateId = /"action_id":"estimate_approve","value":"([0-9a-f]{24})"/.exec(JSON.stringify(message?.args.blocks))?.[1] ?? '';
    expect(estimateId).not.toBe('');
  }, 30_000);

  it('delivers the rest (Home tabs) through the worker sweep while Redis is still down, paced, with no 429', async () => {
    // Nothing is left pending: what the web process did not deliver itself, the worker's sweep did.
    await allDelivered(30_000);
    expect(await SlackEffectModel.countDocuments({ state: { $ne: 'done' } })).toBe(0);
    const published = t.fake.callsTo('views.publish').filter((c) => ok(c) && c.at >= outageStartedAt && c.args.user_id === STAFF.engineer2);
    expect(published.length).toBeGreaterThan(0);
    const home = await SlackEffectModel.findById(`home|${STAFF.engineer2}`).lean();
    expect(home?.deliveredAt?.getTime()).toBeGreaterThan(outageStartedAt);
    expect(t.fake.calls.filter((c) => c.at >= outageStartedAt && c.status === 429)).toEqual([]);
    // Redis really was down all along.
    expect((await fetch(`${t.baseUrl}/readyz`)).status).toBe(503);
  }, 40_000);

  it('doubles nothing once Redis is back: queued wake-ups and the sweep find every effect done', async () => {
    redis = await startRedisServer(redis.port);
    await until(async () => (await fetch(`${t.baseUrl}/readyz`)).status === 200, 'readiness to see Redis back', 15_000);
    const effectIds = [`request|${key}`, `estimate|${estimateId}`];
    // Wake-ups queued before the outage come back as jobs for effects already delivered; the
    // restarted Redis kept nothing, so they are queued again here.
    const unqueued = await t.web.effects.wakeups.wake(effectIds.map((id) => ({ id, wanted: 1, dueAt: new Date(), priority: 'interactive' as const })));
    expect(unqueued).toEqual([]);
    const swept = await maintenanceSweep(t.web.effects, 0);
    expect(swept.woken).toBe(0);

    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(DELIVERY_QUEUE, { connection, prefix: t.config.queuePrefix });
    try {
      await until(async () => {
        const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized', 'failed');
        return Object.values(counts).every((n) => n === 0);
      }, 'the delivery jobs to run', 15_000);
    } finally {
      await queue.close();
      connection.disconnect();
    }
    await new Promise((r) => setTimeout(r, 1500));
    await allDelivered(10_000);

    expect(posts((c) => c.args.channel === ACME.channel && c.args.thread_ts === undefined && textOf(c).includes(key))).toHaveLength(1);
    expect(posts((c) => c.args.channel === TRIAGE && c.args.thread_ts === undefined && textOf(c).includes(key))).toHaveLength(1);
    expect(posts((c) => String(c.args.text).includes(`v1 for ${key}`))).toHaveLength(1);
    for (const id of effectIds) expect(await SlackEffectModel.findById(id).lean()).toMatchObject({ state: 'done' });
  }, 40_000);

  it('sets the job schedulers again when Redis comes back without them', async () => {
    // The restarted Redis is empty: without this, no sweep, digest or billing run would follow.
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const maintenance = new Queue(MAINTENANCE_QUEUE, { connection, prefix: t.config.queuePrefix });
    try {
      await until(async () => (await maintenance.getJobScheduler(JOB_RESYNC_SLACK)) !== undefined, 'the sweep to be scheduled again', 15_000);
      expect(await maintenance.getJobScheduler(JOB_WEEKLY_DIGEST)).toBeDefined();
      expect(await maintenance.getJobScheduler(JOB_MONTHLY_BILLING)).toBeDefined();
      // As the harness does: no billing run at the top of the hour in the middle of a test.
      await maintenance.removeJobScheduler(JOB_MONTHLY_BILLING);
    } finally {
      await maintenance.close();
      connection.disconnect();
    }
  }, 30_000);
});
