// When Slack, Redis or MongoDB misbehave: the record stays right, the user gets guidance, and
// Slack is brought up to date once it answers again. MongoDB is the truth; Slack is a view.
import { EstimateModel } from '../../src/db/estimate';
import { RequestModel } from '../../src/db/request';
import { TimeEntryModel } from '../../src/db/timeEntry';
import { ACTION } from '../../src/slack/ids';
import { transitionRequest } from '../../src/services/requestLifecycle';
import { findEffect } from '../../src/services/outbox';
import { maintenanceSweep } from '../../src/worker';
import { startMongoServer, startRedisServer } from '../../scripts/services';
import { startTestApp, type TestApp } from '../support/harness';
import { ACME, BETA, STAFF, TRIAGE, testDatabaseUri } from '../support/testEnv';
import { allDelivered, clickAndSettle, clickForModal, openByCommand, record, submit } from '../support/flows';
import { until } from '../support/until';

async function openFast(t: TestApp, text: string, user: string = ACME.member, channel: string = ACME.channel) {
  const res = await t.slack.slashCommand({ text, user_id: user, channel_id: channel });
  const key = /\*([A-Z]+-\d+)\*/.exec((res.json() as { text: string }).text)?.[1];
  return { res, key };
}

/** The worker's sweep, now, treating every pending effect as overdue (its wake-up was lost). */
async function sweep(t: TestApp) {
  return maintenanceSweep(t.web.effects, 0);
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
    ['a 500', { status: 500, times: 4 }],
    ['a 429 with Retry-After', { status: 429, retryAfterSeconds: 1, times: 3 }],
  ])('keeps the request when Slack answers %s, and the worker shows it once Slack is back', async (_label, failure) => {
    t.fake.failNext('chat.postMessage', failure);
    const { res, key } = await openFast(t, 'Slack is flaky today');
    expect(res.status).toBe(200);
    expect(key).toBeDefined();
    const k = key ?? '';
    expect((await record(k)).state).toBe('open');
    // Retried with backoff (a 429 waits its Retry-After), without a sweep or anyone acting.
    await until(async () => (await record(k)).syncedRevision >= (await record(k)).revision && Boolean((await record(k)).clientMessageTs), 'the retried delivery', 20_000);
    const posted = t.fake.callsTo('chat.postMessage').filter((c) => c.status === 200 && (c.response as { ok?: boolean }).ok);
    // Exactly one root message and one triage message, however many attempts it took.
    expect(posted.map((c) => c.args.channel).sort()).toEqual([ACME.channel, TRIAGE].sort());
  }, 30_000);

  it.each([
    ['through the click’s response_url, sparing chat.update', false],
    ['with chat.update when Slack refuses the response_url', true],
  ])('updates the triage message a claim was clicked on %s', async (_label, refused) => {
    const key = await openByCommand(t, 'Claimed from its triage message', ACME.member, ACME.channel);
    const { triageMessageTs, revision } = await record(key);
    if (refused) t.fake.failNext('response_url', { status: 404, error: 'expired_url' });
    const before = t.fake.calls.length;
    await t.slack.blockAction({
      user: { id: STAFF.engineer, team_id: 'T0OURS' },
      channel: { id: TRIAGE },
      container: { type: 'message', channel_id: TRIAGE, message_ts: triageMessageTs ?? '' },
      actions: [{ action_id: ACTION.claim, value: key, type: 'button' }],
    });
    await until(async () => (await record(key)).revision > revision && (await record(key)).syncedRevision >= (await record(key)).revision, 'the claim to be shown', 10_000);
    const after = t.fake.calls.slice(before);
    const triageUpdates = after.filter((c) => c.method === 'chat.update' && c.args.channel === TRIAGE);
    expect(after.filter((c) => c.method === 'response_url')).toHaveLength(1);
    expect(triageUpdates).toHaveLength(refused ? 1 : 0);
    // Either way the triage message and the client's show the engineer.
    const stored = await record(key);
    expect(JSON.stringify(t.fake.message(TRIAGE, triageMessageTs ?? '')?.blocks)).toContain(`Engineer: <@${STAFF.engineer}>`);
    expect(JSON.stringify(t.fake.message(ACME.channel, stored.clientMessageTs ?? '')?.blocks)).toContain(`Engineer: <@${STAFF.engineer}>`);
    expect(after.filter((c) => c.method === 'chat.update' && c.args.channel === ACME.channel)).toHaveLength(1);
  });

  it('posts the notice of a change whose process died before recording it, from the sweep, once', async () => {
    const key = await openByCommand(t, 'The process died mid-change', ACME.member, ACME.channel);
    // The transition's write only: the process died before asking for its messages and notice.
    await transitionRequest({ key, action: 'claim', actor: { userId: STAFF.engineer, channelId: TRIAGE } });
    const { clientMessageTs } = await record(key);
    // In this request's thread (other requests' notices of earlier tests may still be on their way).
    const notices = () => t.fake.callsTo('chat.postMessage').filter((c) => c.status === 200 && c.args.channel === ACME.channel && c.args.thread_ts === clientMessageTs && String(c.args.text).includes('is on it'));
    expect(await findEffect(`thread|${key}|r${(await record(key)).revision}`)).toBeNull();
    await sweep(t);
    await sweep(t);
    await until(async () => notices().length > 0 && (await record(key)).syncedRevision >= (await record(key)).revision, 'the notice and the claimed messages', 10_000);
    await sweep(t);
    // A second notice asked for by the last sweep would be pending until delivered.
    await allDelivered();
    expect(notices()).toHaveLength(1);
    expect(String(notices()[0]?.args.text)).toContain(`<@${STAFF.engineer}> is on it`);
  });

  it('acknowledges the estimate and log-time modals within 3 s while Slack throttles every call, and records a resubmission once', async () => {
    const key = await openByCommand(t, 'Throttled modals', ACME.member, ACME.channel);
    await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
    const estimateModal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.estimate, value: key });
    const logModal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.logTime, value: key });
    // Every call is answered 429 from now on: the app's Slack work cannot go.
    t.fake.setOutage({ status: 429, retryAfterSeconds: 2 });
    const submissions = [
      () => submit(t, STAFF.engineer, { ...estimateModal, id: 'V0THROTTLEDEST' }, { amount: '2h', assumptions: '' }),
      () => submit(t, STAFF.engineer, { ...logModal, id: 'V0THROTTLEDLOG' }, { duration: '30m', note: 'Looked into it' }),
    ];
    for (const send of submissions) {
      // Slack shows the engineer an error when the ack is late, and they submit again: same view.id.
      for (const answer of [await send(), await send()]) {
        expect(answer.status).toBe(200);
        expect(answer.body).toBe('');
        expect(answer.elapsedMs).toBeLessThan(3000);
      }
    }
    expect(t.fake.calls.filter((c) => c.status === 429).length).toBeGreaterThan(0);
    expect(await EstimateModel.countDocuments({ requestKey: key })).toBe(1);
    expect(await TimeEntryModel.countDocuments({ requestKey: key })).toBe(1);
    // Once Slack takes calls again, the one estimate is posted once.
    t.fake.setOutage(undefined);
    await until(async () => t.fake.callsTo('chat.postMessage').some((c) => c.status === 200 && String(c.args.text).includes(`v1 for ${key}`)), 'the estimate message', 20_000);
    await allDelivered(20_000);
    expect(t.fake.callsTo('chat.postMessage').filter((c) => c.status === 200 && String(c.args.text).includes(`v1 for ${key}`))).toHaveLength(1);
  }, 40_000);

  it.each(['not_in_channel', 'channel_not_found'] as const)('tells the requester what to do when Slack says %s, keeps the request, and a manager retries', async (error) => {
    t.fake.setChannelError(BETA.channel, error);
    const { res, key } = await openFast(t, 'Bot not invited', BETA.member, BETA.channel);
    expect(res.status).toBe(200);
    const [guidance] = await t.fake.waitFor('chat.postMessage', (c) => c.args.channel === BETA.member);
    expect(String(guidance?.args.text)).toMatch(new RegExp(`${key} is saved, but I can't post in its channel yet.*/invite`));
    expect((await record(key ?? '')).state).toBe('open');
    // The triage message went out regardless.
    expect(t.fake.callsTo('chat.postMessage').some((c) => c.args.channel === TRIAGE)).toBe(true);
    // Kept as failed with Slack's error: not retried every minute.
    const effect = await findEffect(`request|${key}`);
    expect(effect).toMatchObject({ state: 'failed', lastError: error, errorChannel: BETA.channel });
    expect((await sweep(t)).synced).toBe(0);
    t.fake.setChannelError(BETA.channel, undefined);
    const answer = await t.slack.slashCommand({ text: `admin retry <#${BETA.channel}>`, user_id: 'U0MANAGER', channel_id: TRIAGE });
    expect((answer.json() as { text: string }).text).toMatch(/Trying 1 failed delivery/);
    await until(async () => Boolean((await record(key ?? '')).clientMessageTs), 'the retried delivery');
  });

  it("lets a manager dismiss what Slack will not take: not tried again, gone from the managers' Home, posted only once the request changes", async () => {
    const homeText = () => JSON.stringify(t.fake.homeView(STAFF.manager) ?? {});
    t.fake.setChannelError(BETA.channel, 'channel_not_found');
    const { key } = await openFast(t, 'Posted to a channel that is gone', BETA.member, BETA.channel);
    const k = key ?? '';
    const id = `request|${k}`;
    await until(async () => (await findEffect(id))?.state === 'failed', 'the root message to be kept as failed');
    await t.slack.event({ type: 'app_home_opened', user: STAFF.manager, channel: `D${STAFF.manager}`, tab: 'home', event_ts: String(Date.now() / 1000) });
    await until(() => homeText().includes('Slack deliveries that failed'), "the manager's Home to list the failure", 10_000);

    // Only managers may; to anyone else it is not even a command they can see.
    const refused = await t.slack.slashCommand({ text: `admin dismiss <#${BETA.channel}>`, user_id: STAFF.engineer, channel_id: TRIAGE });
    expect((refused.json() as { text: string }).text).not.toMatch(/Dismissed/);
    expect(await findEffect(id)).toMatchObject({ state: 'failed' });

    const answer = await t.slack.slashCommand({ text: `admin dismiss <#${BETA.channel}>`, user_id: STAFF.manager, channel_id: TRIAGE });
    expect((answer.json() as { text: string }).text).toMatch(new RegExp(`Dismissed 1 failed delivery for <#${BETA.channel}>`));
    expect(await findEffect(id)).toMatchObject({ state: 'dismissed', dismissedBy: STAFF.manager, lastError: 'channel_not_found' });
    // The managers' Home is shown again without it.
    await until(() => !homeText().includes('Slack deliveries that failed'), "the manager's Home to drop the failure", 10_000);
    const again = await t.slack.slashCommand({ text: 'admin dismiss', user_id: STAFF.manager, channel_id: TRIAGE });
    expect((again.json() as { text: string }).text).toBe('No failed deliveries to dismiss.');
    // A reply in its thread (a reminder) does not wait for a root that will not come: it fails
    // with the root's error, for a manager to retry or dismiss.
    const replyId = `reminder-test|${k}`;
    await t.web.effects.delivery.post(replyId, { to: { thread: k }, text: 'A reminder in its thread' }, 'interactive');
    await until(async () => (await findEffect(replyId))?.state === 'failed', 'the thread reply to fail with its root', 10_000);
    expect(await findEffect(replyId)).toMatchObject({ lastError: 'channel_not_found', errorChannel: BETA.channel });
    expect(await t.slack.slashCommand({ text: 'admin dismiss', user_id: STAFF.manager, channel_id: TRIAGE }).then((r) => (r.json() as { text: string }).text)).toMatch(/Dismissed 1 failed delivery:/);

    // The channel works again: the sweep does not bring it back, nor does a retry.
    t.fake.setChannelError(BETA.channel, undefined);
    expect((await sweep(t)).synced).toBe(0);
    const retried = await t.slack.slashCommand({ text: `admin retry <#${BETA.channel}>`, user_id: STAFF.manager, channel_id: TRIAGE });
    expect((retried.json() as { text: string }).text).toMatch(/No failed deliveries/);
    await allDelivered();
    const posted = () => t.fake.callsTo('chat.postMessage').filter((c) => (c.response as { ok?: boolean }).ok && c.args.channel === BETA.channel && String(c.args.text).includes(k));
    expect(posted()).toEqual([]);
    expect((await record(k)).clientMessageTs).toBeFalsy();

    // The request changes (claimed): its messages are owed again, and posted.
    await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: k, key: k });
    await until(async () => Boolean((await record(k)).clientMessageTs), 'the root message, once the request changed');
    expect(posted()).toHaveLength(1);
    await until(async () => (await findEffect(id))?.state === 'done', 'the root message to be delivered');
  }, 30_000);
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
    const stored = await record(k);
    expect(stored.timersRevision).toBeLessThan(stored.revision);
    // The Slack messages are recorded as owed (just after the acknowledgement); their wake-up call
    // could not be scheduled, so the web process delivers them itself (test/e2e/redisOutage.test.ts).
    await until(async () => Boolean(await findEffect(`request|${k}`)), 'the Slack messages to be recorded as owed', 5_000);
    await until(async () => Boolean((await record(k)).triageMessageTs), 'the Slack messages, while Redis is down', 10_000);

    redis = await startRedisServer(redis.port);
    await until(async () => (await fetch(`${t.baseUrl}/readyz`)).status === 200, 'readiness', 10_000);
    const result = await sweep(t);
    expect(result.timers).toBeGreaterThanOrEqual(1);
    // Delivered already: nothing was left for the sweep to wake.
    expect(result.woken).toBe(0);
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
