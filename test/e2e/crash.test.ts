// The process killed (SIGKILL, no shutdown) between the two halves of an estimate's change
// (#14, defect 10). A decision is one atomic change: the request's state and the decision it holds
// are one update; the estimate's own record follows. Killed after that update, nothing is lost:
// the client's second click, or the worker's sweep, puts the decision on the estimate, audits it
// once and tells the thread once. Killed after a re-estimate is recorded but before the request
// waits on it, the pending estimate before it still stands and the orphan is retired by the sweep.
// The killed process is the real web process (src/main.ts) with CRASH_AT set; the recovery runs
// in the test's own web process and worker, on the same database.
// Killed between reserving logged time and writing its entry (#21, defect 4), the budget counters
// are left too high; the worker's sweep repairs them and audits the repair.
import { AuditEventModel } from '../../src/db/auditEvent';
import { ClientModel } from '../../src/db/client';
import { EstimateModel } from '../../src/db/estimate';
import { MonthlyUsageModel } from '../../src/db/monthlyUsage';
import { RequestModel } from '../../src/db/request';
import { TimeEntryModel } from '../../src/db/timeEntry';
import { settleEstimateDecisions } from '../../src/services/estimates';
import { ACTION } from '../../src/slack/ids';
import { workDateFor } from '../../src/services/timeEntries';
import { OVERDUE_AFTER_MS, maintenanceSweep } from '../../src/worker';
import { appEnv, freePort, startAppProcess, type AppProcess } from '../support/appProcess';
import { allDelivered, click, clickAndSettle, openByCommand, waitForEphemeral } from '../support/flows';
import { startTestApp, type TestApp } from '../support/harness';
import { SlackClientSimulator } from '../support/slackRequests';
import { ACME, SIGNING_SECRET, STAFF, TRIAGE, testRedisUrl } from '../support/testEnv';

let t: TestApp;
let doomed: AppProcess | undefined;

beforeAll(async () => {
  t = await startTestApp();
  await t.seed();
});
afterAll(async () => {
  doomed?.child.kill('SIGKILL');
  await t.stop();
});

/** A web process of its own on the test's database that kills itself at `crashAt`. */
async function startDoomedWeb(crashAt: string): Promise<SlackClientSimulator> {
  const port = await freePort();
  doomed = await startAppProcess('doomed web', 'main.ts', appEnv(t.fake.url, t.config.mongodbUri, testRedisUrl(), { PORT: String(port), CRASH_AT: crashAt, QUEUE_PREFIX: t.config.queuePrefix }));
  return new SlackClientSimulator({ baseUrl: `http://127.0.0.1:${port}`, signingSecret: SIGNING_SECRET, responseUrlBase: t.fake.baseUrl });
}

async function killedBy(send: () => Promise<unknown>): Promise<void> {
  // The process may die before it answers: the request then fails, as it would for Slack.
  await send().catch(() => undefined);
  await doomed?.exited;
  expect(doomed?.child.signalCode).toBe('SIGKILL');
  expect(doomed?.output.join('\n')).toContain('CRASH_AT reached');
}

/** A claimed request with estimate v1 posted and waiting for the client; returns its key and v1's id. */
async function estimated(title: string): Promise<{ key: string; estimateId: string }> {
  const key = await openByCommand(t, title, ACME.member, ACME.channel);
  await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
  await t.slack.slashCommand({ text: `estimate ${key} 2h`, user_id: STAFF.engineer, channel_id: TRIAGE });
  const [message] = await t.fake.waitFor('chat.postMessage', (c) => String(c.args.text).includes(`v1 for ${key}`));
  const estimateId = /"action_id":"estimate_approve","value":"([0-9a-f]{24})"/.exec(JSON.stringify(message?.args.blocks))?.[1] ?? '';
  expect(estimateId).not.toBe('');
  return { key, estimateId };
}

const approveClick = (estimateId: string) => ({
  user: { id: ACME.boss, team_id: 'T0OURS' },
  channel: { id: ACME.channel },
  container: { type: 'message', channel_id: ACME.channel, message_ts: '1.0' },
  actions: [{ action_id: ACTION.approveEstimate, value: estimateId, type: 'button' as const }],
  trigger_id: 'trigger-doomed',
});

async function killedAfterTheRequestApproved(title: string): Promise<{ key: string; estimateId: string }> {
  const { key, estimateId } = await estimated(title);
  const doomedSlack = await startDoomedWeb('estimate.decided');
  await killedBy(() => doomedSlack.blockAction(approveClick(estimateId)));
  // Half done: the request holds the approval, the estimate's record does not show it yet.
  const request = await RequestModel.findOne({ key }).lean();
  expect(request).toMatchObject({ state: 'approved', currentEstimate: { version: 1, decision: 'approved', decidedBy: ACME.boss } });
  expect(request?.currentEstimate?.terms).toMatchObject({ billingMode: 'on_completion' });
  expect((await EstimateModel.findById(estimateId).lean())?.decision).toBe('pending');
  expect(await AuditEventModel.countDocuments({ action: 'estimate.approved', entityId: `${key}/v1` })).toBe(0);
  return { key, estimateId };
}

async function expectSettled(key: string, estimateId: string): Promise<void> {
  expect(await EstimateModel.findById(estimateId).lean()).toMatchObject({ decision: 'approved', decidedBy: ACME.boss, terms: { billingMode: 'on_completion' } });
  expect(await AuditEventModel.countDocuments({ action: 'estimate.approved', entityId: `${key}/v1` })).toBe(1);
  // The thread is told once, and the estimate message loses its buttons.
  await allDelivered();
  const threadTs = (await RequestModel.findOne({ key }).lean())?.clientMessageTs;
  const notices = t.fake.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === threadTs && String(c.args.text).includes('approved the estimate (v1, 2h)'));
  expect(notices).toHaveLength(1);
  const updates = t.fake.callsTo('chat.update').filter((c) => JSON.stringify(c.args.blocks ?? []).includes('Approved by'));
  expect(updates.some((c) => !JSON.stringify(c.args.blocks).includes(estimateId))).toBe(true);
}

describe('killed after the request took the approval, before the estimate did', () => {
  it("is settled by the client's second click, which is told it was already approved", async () => {
    const { key, estimateId } = await killedAfterTheRequestApproved('Crash while approving, click again');
    await click(t, { user: ACME.boss, channel: ACME.channel, actionId: ACTION.approveEstimate, value: estimateId });
    await waitForEphemeral(t, ACME.boss, /already approved by <@U0ACMEBOSS>/);
    await expectSettled(key, estimateId);
  }, 90_000);

  it("is settled by the worker's sweep, once however often it runs", async () => {
    const { key, estimateId } = await killedAfterTheRequestApproved('Crash while approving, sweep');
    const first = await maintenanceSweep(t.worker!.effects);
    expect(first.settled).toBeGreaterThanOrEqual(1);
    await expectSettled(key, estimateId);
    expect((await maintenanceSweep(t.worker!.effects)).settled).toBe(0);
    await expectSettled(key, estimateId);
  }, 90_000);
});

describe('killed after a re-estimate was recorded, before the request waited on it', () => {
  it('leaves the estimate before it pending and decidable, and the sweep retires the orphan', async () => {
    const { key, estimateId } = await estimated('Crash while re-estimating');
    const doomedSlack = await startDoomedWeb('estimate.created');
    await killedBy(() => doomedSlack.slashCommand({ text: `estimate ${key} 3h`, user_id: STAFF.engineer, channel_id: TRIAGE }));
    const v2 = await EstimateModel.findOne({ requestKey: key, version: 2 }).lean();
    expect(v2?.decision).toBe('pending');
    expect(await RequestModel.findOne({ key }).lean()).toMatchObject({ state: 'awaiting_approval', currentEstimate: { version: 1, decision: 'pending' } });
    expect((await EstimateModel.findById(estimateId).lean())?.decision).toBe('pending');

    // The orphan is retired (here without waiting ORPHAN_AFTER_MS); v1 is untouched and the client
    // can still approve it.
    const retired = await settleEstimateDecisions(200, 0);
    expect(retired.map((e) => [e.version, e.decision])).toEqual([[2, 'superseded']]);
    expect((await EstimateModel.findById(estimateId).lean())?.decision).toBe('pending');
    await clickAndSettle(t, { user: ACME.boss, channel: ACME.channel, actionId: ACTION.approveEstimate, value: estimateId, key });
    expect(await EstimateModel.findById(estimateId).lean()).toMatchObject({ decision: 'approved', decidedBy: ACME.boss });
    expect(await RequestModel.findOne({ key }).lean()).toMatchObject({ state: 'approved', currentEstimate: { version: 1, decision: 'approved' } });
  }, 90_000);
});

describe('killed between reserving logged time and writing its entry', () => {
  it("leaves the counters too high until the worker's sweep repairs them, once, and audits it", async () => {
    const { key, estimateId } = await estimated('Crash while logging time');
    await clickAndSettle(t, { user: ACME.boss, channel: ACME.channel, actionId: ACTION.approveEstimate, value: estimateId, key });
    const zone = (await ClientModel.findOne({ key: 'ACME' }).lean())?.timezone ?? '';
    const month = workDateFor(new Date(), zone).slice(0, 7);
    const counters = async () => ({
      request: (await RequestModel.findOne({ key }).lean())?.billableMinutesLogged,
      month: (await MonthlyUsageModel.findOne({ clientKey: 'ACME', month }).lean())?.billableMinutes ?? 0,
    });
    const before = await counters();
    expect(before.request).toBe(0);

    const doomedSlack = await startDoomedWeb('time.reserved');
    await killedBy(() => doomedSlack.slashCommand({ text: `log ${key} 30m fixed the cache`, user_id: STAFF.engineer, channel_id: TRIAGE }));
    // Reserved on both counters, no entry written.
    expect(await TimeEntryModel.countDocuments({ requestKey: key })).toBe(0);
    expect(await counters()).toEqual({ request: 30, month: before.month + 30 });

    // The first sweep notices the disagreement, the next one (here without waiting the grace period) repairs it.
    await maintenanceSweep(t.worker!.effects, OVERDUE_AFTER_MS, 0);
    await maintenanceSweep(t.worker!.effects, OVERDUE_AFTER_MS, 0);
    expect(await counters()).toEqual(before);
    expect(await AuditEventModel.findOne({ action: 'counters.repaired', entityType: 'request', entityId: key }).lean()).toMatchObject({
      actorId: 'system',
      before: { billableMinutesLogged: 30 },
      after: { billableMinutesLogged: 0 },
    });
    expect(await AuditEventModel.findOne({ action: 'counters.repaired', entityType: 'client', entityId: 'ACME' }).lean()).toMatchObject({
      before: { month, billableMinutes: before.month + 30 },
      after: { month, billableMinutes: before.month },
    });
    // Once: later sweeps find nothing to repair.
    await maintenanceSweep(t.worker!.effects, OVERDUE_AFTER_MS, 0);
    expect(await AuditEventModel.countDocuments({ action: 'counters.repaired', entityId: { $in: [key, 'ACME'] } })).toBe(2);

    // The engineer logs it again and it counts once.
    await t.slack.slashCommand({ text: `log ${key} 30m fixed the cache`, user_id: STAFF.engineer, channel_id: TRIAGE });
    expect(await counters()).toEqual({ request: 30, month: before.month + 30 });
  }, 90_000);
});
