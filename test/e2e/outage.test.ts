// Slack down for two minutes (every call answered 503) while an estimate is posted, an SLA
// reminder falls due and the monthly billing run posts its drafts, one of them to a destination
// that refuses it for good. Nothing is lost and nothing is doubled: once Slack answers again the
// estimate with its Approve button, the reminder and each billing draft appear exactly once; the
// draft Slack keeps refusing is kept as failed, shown to the managers, left alone by the sweep and
// delivered once when a manager retries it.
//
// Played at a tenth of the time by default: a 12 s outage against the retry back-off scaled alike
// (0.1 s doubling to 6 s instead of 1 s to 1 min), so the deliveries fail as many times, in the same
// rhythm, as in two minutes at the default back-off. TEST_OUTAGE_MS=120000 plays it at full length.
import { EstimateModel } from '../../src/db/estimate';
import { RequestModel } from '../../src/db/request';
import { findEffect } from '../../src/services/outbox';
import { runMonthlyBilling } from '../../src/triggers/calendar';
import { ACTION } from '../../src/slack/ids';
import { maintenanceSweep } from '../../src/worker';
import { allDelivered, clickAndSettle, clickForModal, openByCommand, record, submit, timersSettled } from '../support/flows';
import { startTestApp, type TestApp } from '../support/harness';
import type { RecordedCall } from '../support/slackFake';
import { ACME, BETA, STAFF, TRIAGE } from '../support/testEnv';
import { until } from '../support/until';

const OUTAGE_MS = Number(process.env.TEST_OUTAGE_MS ?? 12_000);
/** The outage's length against two minutes: the back-off and the reminder's due time are scaled alike. */
const SCALE = OUTAGE_MS / 120_000;
const BACKOFF = { SLACK_RETRY_FIRST_MS: String(Math.round(1000 * SCALE)), SLACK_RETRY_LONGEST_MS: String(Math.round(60_000 * SCALE)) };
/** Once Slack is back, every delivery is tried again within the longest back-off; the rest is margin. */
const AFTER_OUTAGE_MS = 60_000 * SCALE + 30_000;

const SEED = `
managers: [${STAFF.manager}]
engineers: [${STAFF.engineer}]
clients:
  - key: ACME
    name: Acme Ltd
    channels: [${ACME.channel}]
    hourlyRate: 95
    approvers: [${ACME.boss}]
    businessHours: 24x7
  - key: BETA
    name: Beta Co
    channels: [${BETA.channel}]
    hourlyRate: 120
    approvers: [U0BETABOSS]
    businessHours: 24x7
    slaMinutes: { urgent: 60, high: 120, normal: 240, low: 480 }
`;

let t: TestApp;

const ok = (c: RecordedCall) => c.status === 200 && (c.response as { ok?: boolean }).ok === true;
const posted = (predicate: (c: RecordedCall) => boolean) => t.fake.callsTo('chat.postMessage').filter((c) => ok(c) && predicate(c));
const text = (c: RecordedCall) => `${String(c.args.text)} ${JSON.stringify(c.args.blocks ?? [])}`;

/** Billing material for the current month: a request estimated, approved and worked. */
async function workedRequest(client: { channel: string; member: string }, approver: string): Promise<string> {
  const key = await openByCommand(t, 'Work to bill this month', client.member, client.channel);
  await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
  const say = (line: string) => t.slack.slashCommand({ text: line, user_id: STAFF.engineer, channel_id: TRIAGE });
  await say(`estimate ${key} 1h`);
  const [estimate] = await t.fake.waitFor('chat.postMessage', (c) => String(c.args.text).includes(`v1 for ${key}`));
  const id = /"action_id":"estimate_approve","value":"([0-9a-f]{24})"/.exec(JSON.stringify(estimate?.args.blocks))?.[1] ?? '';
  await clickAndSettle(t, { user: approver, channel: client.channel, actionId: ACTION.approveEstimate, value: id, key });
  await say(`log 30m ${key} done`);
  return key;
}

describe(`Slack answering 503 for ${OUTAGE_MS / 1000} s (two minutes, scaled)`, () => {
  let estimated: string;
  let reminded: string;
  let estimateAckMs: number;
  let billingRun: Awaited<ReturnType<typeof runMonthlyBilling>>;
  let outageStartedAt: number;
  let restoreBeta: () => void;
  const firstOfNextMonth = (() => {
    const now = new Date();
    return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1, 8, 0));
  })();

  beforeAll(async () => {
    t = await startTestApp(BACKOFF);
    await t.seed(SEED);
    await workedRequest({ channel: ACME.channel, member: ACME.member }, ACME.boss);
    await workedRequest({ channel: BETA.channel, member: BETA.member }, 'U0BETABOSS');
    // Beta's billing draft is refused for good by its destination; everything else only suffers the outage.
    restoreBeta = t.fake.failWhen('chat.postMessage', (args) => String(args.text).startsWith('Billing: Beta Co'), { error: 'not_in_channel' });

    // A claimed request whose estimate modal the engineer has open when Slack goes down.
    estimated = await openByCommand(t, 'Estimate me during the outage', ACME.member, ACME.channel);
    await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: estimated, key: estimated });
    const modal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.estimate, value: estimated });

    // An urgent request nobody claims.
    reminded = await openByCommand(t, 'Remind me during the outage', BETA.member, BETA.channel);

    await allDelivered(20_000);
    t.fake.setOutage({ status: 503 });
    outageStartedAt = Date.now();

    // Its SLA reminder (at 45 of its 60 minutes) falls due a sixth of the way into the outage (20 s of two minutes).
    const createdAt = new Date(Date.now() - 45 * 60_000 + OUTAGE_MS / 6);
    await RequestModel.updateOne({ key: reminded }, { $set: { createdAt, priority: 'urgent' }, $inc: { revision: 1 } });
    await t.web.effects.timers.sync(reminded);

    const answer = await submit(t, STAFF.engineer, modal, { amount: '2h', assumptions: 'Posted while Slack is down' });
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('');
    estimateAckMs = answer.elapsedMs;
    billingRun = await runMonthlyBilling(t.web.effects, firstOfNextMonth);

    await new Promise((r) => setTimeout(r, outageStartedAt + OUTAGE_MS - Date.now()));
    t.fake.setOutage(undefined);
  }, OUTAGE_MS + 90_000);
  afterAll(async () => t.stop());

  it('really was down: every call during the outage was answered 503', () => {
    const during = t.fake.calls.filter((c) => c.at >= outageStartedAt && c.at < outageStartedAt + OUTAGE_MS);
    expect(during.length).toBeGreaterThan(3);
    expect(during.every((c) => c.status === 503)).toBe(true);
  });

  it('acknowledged the estimate modal at once and recorded it', async () => {
    expect(estimateAckMs).toBeLessThan(3000);
    expect(await EstimateModel.countDocuments({ requestKey: estimated })).toBe(1);
    expect((await record(estimated)).state).toBe('awaiting_approval');
  });

  it('posts the estimate with its Approve button exactly once after Slack is back', async () => {
    const approveMessages = () => posted((c) => String(c.args.text).includes(`for ${estimated}`) && text(c).includes('estimate_approve'));
    await until(() => approveMessages().length > 0, 'the estimate message', AFTER_OUTAGE_MS);
    await until(async () => (await record(estimated)).syncedRevision >= (await record(estimated)).revision, 'the request messages', AFTER_OUTAGE_MS);
    expect(approveMessages()).toHaveLength(1);
    const [message] = approveMessages();
    expect(message?.args.thread_ts).toBe((await record(estimated)).clientMessageTs);
  }, 2 * AFTER_OUTAGE_MS + 10_000);

  it('posts the SLA reminder that fell due during the outage, exactly once', async () => {
    const reminders = () => posted((c) => String(c.args.text).includes(`*${reminded}*`) && /no first response yet/.test(String(c.args.text)));
    await until(() => reminders().length > 0, 'the reminder', AFTER_OUTAGE_MS);
    // It was tried during the outage and refused.
    expect(t.fake.calls.some((c) => c.status === 503 && String(c.args.text).includes(`*${reminded}*`))).toBe(true);
    // Its timer job has finished for good (no retry of it to come) and nothing is left to deliver.
    await timersSettled(t, reminded, AFTER_OUTAGE_MS);
    expect(reminders()).toHaveLength(1);
  }, 2 * AFTER_OUTAGE_MS + 10_000);

  it('posts each client’s billing draft once; the one Slack refuses is kept, shown to managers and retried only when asked', async () => {
    const period = billingRun.posted[0]?.period ?? '';
    expect(billingRun.posted).toEqual(expect.arrayContaining([{ client: 'ACME', period }, { client: 'BETA', period }]));
    expect(await runMonthlyBilling(t.web.effects, firstOfNextMonth)).toEqual({ posted: [] });
    const drafts = (client: string) => posted((c) => String(c.args.text).startsWith(`Billing: ${client}`));
    await until(() => drafts('Acme Ltd').length > 0 && t.fake.uploadedFiles().some((f) => f.completed && f.content.includes('ACME-')), 'Acme’s draft and CSV', AFTER_OUTAGE_MS);
    const betaId = `billing-run|BETA|${period}|${STAFF.manager}`;
    await until(async () => (await findEffect(betaId))?.state === 'failed', 'Beta’s draft to be kept as failed', AFTER_OUTAGE_MS);
    expect(drafts('Acme Ltd')).toHaveLength(1);
    expect(await findEffect(betaId)).toMatchObject({ state: 'failed', lastError: 'not_in_channel' });

    // The sweep (every minute) leaves it alone.
    const attempts = t.fake.callsTo('chat.postMessage').filter((c) => String(c.args.text).startsWith('Billing: Beta Co')).length;
    expect((await maintenanceSweep(t.web.effects, 0)).woken).toBe(0);
    // Woken, it would be pending again until delivered (and tried once more).
    await allDelivered(AFTER_OUTAGE_MS);
    expect(await findEffect(betaId)).toMatchObject({ state: 'failed' });
    expect(t.fake.callsTo('chat.postMessage').filter((c) => String(c.args.text).startsWith('Billing: Beta Co'))).toHaveLength(attempts);

    // The managers see it on their Home, with what to do.
    await t.slack.event({ type: 'app_home_opened', user: STAFF.manager, channel: `D${STAFF.manager}`, tab: 'home', event_ts: String(Date.now() / 1000) });
    await until(() => JSON.stringify(t.fake.homeView(STAFF.manager) ?? {}).includes('not_in_channel') || JSON.stringify(t.fake.homeView(STAFF.manager) ?? {}).includes('Invite the app'), 'the manager’s Home to list the failure', 15_000);

    // Fixed, and retried by a manager: delivered once.
    restoreBeta();
    const answer = await t.slack.slashCommand({ text: 'admin retry', user_id: STAFF.manager, channel_id: TRIAGE });
    expect((answer.json() as { text: string }).text).toMatch(/Trying 1 failed delivery/);
    await until(() => drafts('Beta Co').length > 0, 'Beta’s draft after the retry', 20_000);
    await until(async () => (await findEffect(betaId))?.state === 'done', 'Beta’s draft and CSV', 20_000);
    expect(drafts('Beta Co')).toHaveLength(1);
  }, 3 * AFTER_OUTAGE_MS + 30_000);
});
