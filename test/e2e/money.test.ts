// Estimates, approval, time and the budget guard over signed HTTP: no billable work without the
// client's agreement to the cost, and every minute recorded.
import { AuditEventModel } from '../../src/db/auditEvent';
import { EstimateModel } from '../../src/db/estimate';
import { TimeEntryModel } from '../../src/db/timeEntry';
import { ACTION, VIEW_ESTIMATE, VIEW_LOG_TIME } from '../../src/slack/ids';
import { startTestApp, type TestApp, UNLIMITED_SLACK } from '../support/harness';
import { ACME, BETA, STAFF, TRIAGE } from '../support/testEnv';
import { click, clickAndSettle, clickForModal, openByCommand, record, submit, untilSynced, waitForEphemeral } from '../support/flows';

let t: TestApp;

beforeAll(async () => {
  // Estimates, top-ups and time entries back to back in one channel, faster than slack's limits allow: the subject is money and state, so Slack's limits are off here.
  t = await startTestApp(UNLIMITED_SLACK);
  await t.seed();
});
afterAll(async () => {
  await t.stop();
});

async function claimed(text: string, channel: string = ACME.channel, member: string = ACME.member): Promise<string> {
  const key = await openByCommand(t, text, member, channel);
  await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
  return key;
}

function command(text: string, user = STAFF.engineer, channel = TRIAGE) {
  return t.slack.slashCommand({ text, user_id: user, channel_id: channel }).then((r) => (r.json() as { text: string; blocks?: unknown[] }));
}

async function estimateMessage(key: string, version: number) {
  const [post] = await t.fake.waitFor('chat.postMessage', (c) => String(c.args.text).includes(`v${version} for ${key}`));
  return post;
}

function estimateButton(post: Awaited<ReturnType<typeof estimateMessage>>, actionId: string): string {
  const match = new RegExp(`"action_id":"${actionId}","value":"([0-9a-f]{24})"`).exec(JSON.stringify(post?.args.blocks));
  if (!match?.[1]) throw new Error(`no ${actionId} button`);
  return match[1];
}

describe('estimate → approval → time → budget guard', () => {
  it('goes the whole way, with refusals where the rules say', async () => {
    const key = await claimed('Migrate the mail server');
    // Billable time before an approved estimate is refused; non-billable is fine and visible.
    expect((await command(`log 30m ${key} investigating`)).text).toMatch(/no approved estimate yet/);
    expect((await command(`log 20m ${key} non-billable reading the docs`)).text).toMatch(/Logged 20m \(non-billable\)/);

    const posted = await command(`estimate ${key} 3h Includes DNS cut-over; excludes data clean-up`);
    expect(posted.text).toMatch(/Estimate v1 .*3h.*£285\.00.*waiting for the client's approval/);
    expect((await record(key)).state).toBe('awaiting_approval');
    const message = await estimateMessage(key, 1);
    expect(String(message?.args.text)).toContain(`<@${ACME.boss}> please review`);
    expect(message?.args.thread_ts).toBe((await record(key)).clientMessageTs);
    const estimateId = estimateButton(message, ACTION.approveEstimate);

    // Someone who is not an approver of Acme cannot decide; nothing changes.
    await click(t, { user: ACME.member, channel: ACME.channel, actionId: ACTION.approveEstimate, value: estimateId });
    await waitForEphemeral(t, ACME.member, /Only the client's approvers can approve/);
    await click(t, { user: STAFF.engineer, channel: ACME.channel, actionId: ACTION.approveEstimate, value: estimateId });
    await waitForEphemeral(t, STAFF.engineer, /Only the client's approvers/);
    expect((await EstimateModel.findById(estimateId).lean())?.decision).toBe('pending');
    expect((await record(key)).state).toBe('awaiting_approval');

    // The approver double-clicks: one approval.
    const { revision } = await record(key);
    await Promise.all([
      click(t, { user: ACME.boss, channel: ACME.channel, actionId: ACTION.approveEstimate, value: estimateId }),
      click(t, { user: ACME.boss, channel: ACME.channel, actionId: ACTION.approveEstimate, value: estimateId }),
    ]);
    const approved = await untilSynced(key, revision);
    expect(approved.state).toBe('approved');
    await waitForEphemeral(t, ACME.boss, /already approved/);
    expect(await AuditEventModel.countDocuments({ action: 'estimate.approved', entityId: `${key}/v1` })).toBe(1);
    const decided = await EstimateModel.findById(estimateId).lean();
    expect(decided).toMatchObject({ decision: 'approved', decidedBy: ACME.boss, highMinutes: 180, hourlyRateMinor: 9500, amountMinor: 28500 });
    // The estimate message was updated in place: no buttons any more.
    const [update] = await t.fake.waitFor('chat.update', (c) => c.args.ts === decided?.messageTs);
    expect(JSON.stringify(update?.args.blocks)).not.toContain(ACTION.approveEstimate);

    const first = await command(`log 2h ${key} DNS and MX records`);
    expect(first.text).toMatch(/Logged 2h \(billable\).*Budget: 2h of 3h used, 1h left/s);
    expect((await record(key)).state).toBe('in_progress');
    expect(JSON.stringify(first.blocks)).toContain(ACTION.editTime);

    // 1h30m would overrun the 3h: refused until a top-up is approved.
    const blocked = await command(`log 1h30m ${key} mailbox moves`);
    expect(blocked.text).toMatch(/would go past what the client approved.*2h of 3h used, 1h left.*top-up/s);
    expect(await TimeEntryModel.countDocuments({ requestKey: key, billable: true })).toBe(1);

    expect((await command(`estimate ${key} +1h Mailbox moves took longer`)).text).toMatch(/Top-up request v2 .*1h.*£95\.00/);
    expect((await record(key)).state).toBe('in_progress');
    const topUp = await estimateMessage(key, 2);
    const topUpId = estimateButton(topUp, ACTION.approveEstimate);
    expect((await command(`log 1h30m ${key} mailbox moves`)).text).toMatch(/would go past/);
    await click(t, { user: ACME.boss, channel: ACME.channel, actionId: ACTION.approveEstimate, value: topUpId });
    await t.fake.waitFor('chat.postMessage', (c) => /approved the top-up/.test(String(c.args.text)));
    expect((await command(`log 1h30m ${key} mailbox moves`)).text).toMatch(/Budget: 3h 30m of 4h used, 30m left/);

    const trail = (await AuditEventModel.find({ clientKey: 'ACME' }).sort({ at: 1, _id: 1 }).lean()).filter(
      (e) => e.entityId.startsWith(`${key}/`) || (e.entityType === 'time_entry' && (e.after as { requestKey?: string } | null)?.requestKey === key),
    );
    expect(trail.map((e) => e.action)).toEqual([
      'time.logged',
      'estimate.posted',
      'estimate.approved',
      'time.logged',
      'estimate.topup_requested',
      'estimate.approved',
      'time.logged',
    ]);
  });

  it('supersedes a pending estimate with a re-estimate whose old buttons stop working', async () => {
    const key = await claimed('Rebuild CI');
    await command(`estimate ${key} 2-4h`);
    const v1 = estimateButton(await estimateMessage(key, 1), ACTION.approveEstimate);
    expect((await command(`estimate ${key} 5h needs a new runner`)).text).toMatch(/Estimate v2/);
    expect((await EstimateModel.findById(v1).lean())?.decision).toBe('superseded');
    await click(t, { user: ACME.boss, channel: ACME.channel, actionId: ACTION.approveEstimate, value: v1 });
    await waitForEphemeral(t, ACME.boss, /replaced by v2/);
    expect((await record(key)).state).toBe('awaiting_approval');
    const v2 = estimateButton(await estimateMessage(key, 2), ACTION.approveEstimate);
    await click(t, { user: ACME.boss, channel: ACME.channel, actionId: ACTION.approveEstimate, value: v2 });
    await t.fake.waitFor('chat.postMessage', (c) => /approved the estimate \(v2, 5h\)/.test(String(c.args.text)));
    expect((await record(key)).state).toBe('approved');
  });

  it('takes a reason for a decline, then accepts a new estimate', async () => {
    const key = await claimed('Add SSO');
    await command(`estimate ${key} 8h`);
    const id = estimateButton(await estimateMessage(key, 1), ACTION.declineEstimate);
    const modal = await clickForModal(t, { user: ACME.boss, channel: ACME.channel, actionId: ACTION.declineEstimate, value: id });
    const empty = await submit(t, ACME.boss, modal, { reason: '' });
    expect(empty.json()).toMatchObject({ response_action: 'errors', errors: { reason: expect.stringMatching(/say why/) } });
    expect((await submit(t, ACME.boss, modal, { reason: 'Too much for now; do Google only' })).body).toBe('');
    await t.fake.waitFor('chat.postMessage', (c) => /declined estimate v1: Too much for now/.test(String(c.args.text)));
    expect((await record(key)).state).toBe('declined');
    expect((await EstimateModel.findById(id).lean())).toMatchObject({ decision: 'declined', declineReason: 'Too much for now; do Google only' });
    expect((await command(`estimate ${key} 3h Google only`)).text).toMatch(/Estimate v2/);
    expect((await record(key)).state).toBe('awaiting_approval');
  });

  it('approves automatically at or under the auto-approve limit, recorded as such', async () => {
    await t.seed(`
clients:
  - key: BETA
    name: Beta Co
    channels: [${BETA.channel}]
    hourlyRate: 120.50
    billingMode: upfront
    businessHours: 24x7
    autoApproveMinutes: 60
`);
    const key = await claimed('Tiny fix', BETA.channel, BETA.member);
    expect((await command(`estimate ${key} 45m`)).text).toMatch(/within the client's auto-approve limit/);
    expect((await record(key)).state).toBe('approved');
    expect(await EstimateModel.findOne({ requestKey: key }).lean()).toMatchObject({ decision: 'approved', autoApproved: true, decidedBy: 'system', amountMinor: 9038 });
    expect(await AuditEventModel.countDocuments({ action: 'estimate.auto_approved', entityId: `${key}/v1` })).toBe(1);
    expect((await command(`estimate ${key.replace(/\d+$/, '')}${Number(key.split('-')[1])} 2h`)).text).toMatch(/waiting for the client's approval/);
  });

  it('uses the estimate and log-time modals from the triage buttons, with field errors for bad input', async () => {
    const key = await claimed('Modal path');
    const estimateModal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.estimate, value: key });
    expect(estimateModal.callback_id).toBe(VIEW_ESTIMATE);
    for (const [amount, error] of [['abc', /not a duration/], ['-1h', /./], ['999h', /200h/], ['4-2h', /go up/]] as const) {
      const res = await submit(t, STAFF.engineer, estimateModal, { amount, assumptions: '' });
      expect(res.json()).toMatchObject({ response_action: 'errors', errors: { amount: expect.stringMatching(error) } });
    }
    expect(await EstimateModel.countDocuments({ requestKey: key })).toBe(0);
    expect((await submit(t, STAFF.engineer, estimateModal, { amount: '1h30m', assumptions: 'Just the config' })).body).toBe('');
    await waitForEphemeral(t, STAFF.engineer, new RegExp(`Estimate v1 for ${key}`));

    const logModal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.logTime, value: key });
    expect(logModal.callback_id).toBe(VIEW_LOG_TIME);
    const billable = await submit(t, STAFF.engineer, logModal, { duration: '30m', note: 'x' });
    // Checkbox unticked: non-billable; awaiting approval so billable would be refused anyway.
    expect(billable.body).toBe('');
    const entry = await TimeEntryModel.findOne({ requestKey: key }).lean();
    expect(entry).toMatchObject({ minutes: 30, billable: false, engineerId: STAFF.engineer });
    const bad = await submit(t, STAFF.engineer, logModal, { duration: '0m', note: '' });
    expect(bad.json()).toMatchObject({ response_action: 'errors', errors: { duration: expect.any(String) } });
  });
});

describe('monthly budget', () => {
  it("stops billable time past the client's monthly budget until a top-up is approved", async () => {
    await t.seed(`
clients:
  - key: CAPD
    name: Capped Ltd
    channels: [C0CAPD]
    hourlyRate: 100
    monthlyBudgetHours: 1
    approvers: [U0CAPDBOSS]
    businessHours: 24x7
`);
    const first = await claimed('First capped job', 'C0CAPD', 'U0CAPDDEV');
    const second = await claimed('Second capped job', 'C0CAPD', 'U0CAPDDEV');
    for (const key of [first, second]) {
      await command(`estimate ${key} 2h`);
      const id = estimateButton(await estimateMessage(key, 1), ACTION.approveEstimate);
      await click(t, { user: 'U0CAPDBOSS', channel: 'C0CAPD', actionId: ACTION.approveEstimate, value: id });
      await t.fake.waitFor('chat.postMessage', (c) => String(c.args.text).includes('approved the estimate (v1, 2h)') && c.args.channel === 'C0CAPD', { count: key === first ? 1 : 2 });
      for (let i = 0; i < 100 && (await record(key)).state !== 'approved'; i++) await new Promise((r) => setTimeout(r, 20));
    }
    // 45m on the first request, then 30m on the second would make 75m of a 60m month.
    expect((await command(`log 45m ${first} part one`)).text).toMatch(/Monthly budget: 45m of 1h used/);
    expect((await command(`log 30m ${second} part two`)).text).toMatch(/past its monthly budget \(45m of 1h used.*top-up \(`estimate .* \+30m`\)/s);
    expect(await TimeEntryModel.countDocuments({ requestKey: second })).toBe(0);
    // A top-up approved this month raises the month's budget by its minutes.
    await command(`estimate ${second} +30m`);
    const topUp = estimateButton(await estimateMessage(second, 2), ACTION.approveEstimate);
    await click(t, { user: 'U0CAPDBOSS', channel: 'C0CAPD', actionId: ACTION.approveEstimate, value: topUp });
    const thread = (await record(second)).clientMessageTs;
    await t.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === thread && /approved the top-up \(v2, 30m\)/.test(String(c.args.text)));
    expect((await command(`log 30m ${second} part two`)).text).toMatch(/Monthly budget: 1h 15m of 1h 30m used/);
  });
});

describe('time entries', () => {
  it('can be edited and deleted by their author or a manager, each change audited, never silently', async () => {
    const key = await claimed('Edit my time');
    await command(`log 40m ${key} non-billable first pass`);
    const entry = await TimeEntryModel.findOne({ requestKey: key }).lean();
    const id = entry?._id.toHexString() ?? '';
    await click(t, { user: STAFF.engineer2, channel: TRIAGE, actionId: ACTION.deleteTime, value: id });
    await waitForEphemeral(t, STAFF.engineer2, /Only the engineer who logged this time, or a manager/);
    const editModal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.editTime, value: id });
    await submit(t, STAFF.engineer, editModal, { duration: '50m', note: 'first pass, longer' });
    await waitForEphemeral(t, STAFF.engineer, /Updated the entry/);
    expect(await TimeEntryModel.findById(id).lean()).toMatchObject({ minutes: 50, note: 'first pass, longer', billable: false });
    await click(t, { user: STAFF.manager, channel: TRIAGE, actionId: ACTION.deleteTime, value: id });
    await waitForEphemeral(t, STAFF.manager, /Deleted 50m/);
    const deleted = await TimeEntryModel.findById(id).lean();
    expect(deleted?.deletedAt).toBeInstanceOf(Date);
    expect(deleted?.deletedBy).toBe(STAFF.manager);
    const trail = await AuditEventModel.find({ entityType: 'time_entry', entityId: id }).sort({ at: 1, _id: 1 }).lean();
    expect(trail.map((e) => [e.action, e.actorId])).toEqual([
      ['time.logged', STAFF.engineer],
      ['time.edited', STAFF.engineer],
      ['time.deleted', STAFF.manager],
    ]);
    expect(trail[1]).toMatchObject({ before: { minutes: 40 }, after: { minutes: 50 } });
  });

  // #21, defect 4: an edit form opened before someone else's edit silently overwrote it.
  it('refuses an edit from a form opened before someone else changed the entry, saying what it is now', async () => {
    const key = await claimed('Two edits at once');
    await command(`log 40m ${key} non-billable first pass`);
    const id = (await TimeEntryModel.findOne({ requestKey: key }).lean())?._id.toHexString() ?? '';
    const engineersForm = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.editTime, value: id });
    const managersForm = await clickForModal(t, { user: STAFF.manager, channel: TRIAGE, actionId: ACTION.editTime, value: id });
    await submit(t, STAFF.manager, managersForm, { duration: '55m', note: 'checked by the manager' });
    await waitForEphemeral(t, STAFF.manager, /Updated the entry/);
    const stale = await submit(t, STAFF.engineer, engineersForm, { duration: '45m', note: 'first pass' });
    expect(stale.json()).toMatchObject({
      response_action: 'errors',
      errors: { duration: 'That entry changed while you were editing it: it is now 55m (non-billable). Open Edit again to change it.' },
    });
    expect(await TimeEntryModel.findById(id).lean()).toMatchObject({ minutes: 55, note: 'checked by the manager', revision: 1 });
    // A form opened now edits it.
    const fresh = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.editTime, value: id });
    await submit(t, STAFF.engineer, fresh, { duration: '45m', note: 'first pass' });
    await waitForEphemeral(t, STAFF.engineer, /Updated the entry on .*: 45m/);
    expect(await TimeEntryModel.findById(id).lean()).toMatchObject({ minutes: 45, revision: 2 });
  });
});
