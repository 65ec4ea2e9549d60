// The whole path of a request over signed HTTP: open → claim → resolve → confirm → rate, plus
// cancel and reopen, checking the record, the audit trail and what Slack was asked to show.
import { AuditEventModel } from '../../src/db/auditEvent';
import { ACTION, VIEW_CANCEL_REQUEST, VIEW_RESOLVE_REQUEST } from '../../src/slack/ids';
import { startTestApp, type TestApp, UNLIMITED_SLACK } from '../support/harness';
import { ACME, STAFF, TRIAGE } from '../support/testEnv';
import { blocksOf, click, clickAndSettle, clickForModal, openByCommand, record, submit, submitAndSettle, untilSynced, waitForEphemeral } from '../support/flows';

let t: TestApp;

beforeAll(async () => {
  // Whole lifecycles back to back in one channel, faster than slack's one post a second: the subject is money and state, so Slack's limits are off here.
  t = await startTestApp(UNLIMITED_SLACK);
  await t.seed();
});
afterAll(async () => {
  await t.stop();
});

function lastUpdateOf(channel: string, ts: string | null | undefined) {
  const updates = t.fake.callsTo('chat.update').filter((c) => c.args.channel === channel && c.args.ts === ts);
  return updates[updates.length - 1];
}

describe('a request from open to rated', () => {
  it('is claimed, resolved, confirmed and rated, re-rendered in place each time', async () => {
    const key = await openByCommand(t, 'Checkout returns 500', ACME.member, ACME.channel);
    const opened = await record(key);

    const claimed = await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
    expect(claimed).toMatchObject({ state: 'claimed', assigneeId: STAFF.engineer });
    expect(claimed.claimedAt).toBeInstanceOf(Date);
    expect(claimed.firstResponseAt).toEqual(claimed.claimedAt);
    // Both messages updated in place (same ts), triage buttons now fit the claimed state.
    const triage = lastUpdateOf(TRIAGE, opened.triageMessageTs);
    expect(blocksOf(triage)).not.toContain(ACTION.claim);
    expect(blocksOf(triage)).toContain(ACTION.resolve);
    expect(blocksOf(lastUpdateOf(ACME.channel, opened.clientMessageTs))).toContain(`<@${STAFF.engineer}>`);
    await t.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === opened.clientMessageTs && /is on it/.test(String(c.args.text)));

    const modal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.resolve, value: key });
    expect(modal.callback_id).toBe(VIEW_RESOLVE_REQUEST);
    const emptySummary = await submit(t, STAFF.engineer, modal, { resolution: '   ' });
    expect(emptySummary.json()).toEqual({ response_action: 'errors', errors: { resolution: 'Please say what was done.' } });
    const { revision: beforeResolve } = await record(key);
    expect((await record(key)).state).toBe('claimed');
    const done = await submit(t, STAFF.engineer, modal, { resolution: 'Restarted the payment worker; added an alert.' });
    expect(done.status).toBe(200);
    expect(done.body).toBe('');
    const resolved = await untilSynced(key, beforeResolve);
    expect(resolved).toMatchObject({ state: 'resolved', resolution: 'Restarted the payment worker; added an alert.' });
    const clientView = blocksOf(lastUpdateOf(ACME.channel, opened.clientMessageTs));
    expect(clientView).toContain(ACTION.confirm);
    expect(clientView).toContain(ACTION.reopen);
    await t.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === opened.clientMessageTs && String(c.args.text).includes(`<@${ACME.member}>`));

    const closed = await clickAndSettle(t, { user: ACME.member, channel: ACME.channel, actionId: ACTION.confirm, value: key, key });
    expect(closed.state).toBe('closed');
    expect(closed.closedAt).toBeInstanceOf(Date);
    expect(blocksOf(lastUpdateOf(ACME.channel, opened.clientMessageTs))).toContain(ACTION.rate);

    const rated = await clickAndSettle(t, { user: ACME.member, channel: ACME.channel, actionId: `${ACTION.rate}_5`, value: `${key} 5`, key });
    expect(rated.rating).toBe(5);
    expect(blocksOf(lastUpdateOf(ACME.channel, opened.clientMessageTs))).not.toContain(ACTION.rate);

    await click(t, { user: ACME.member, channel: ACME.channel, actionId: `${ACTION.rate}_1`, value: `${key} 1` });
    await waitForEphemeral(t, ACME.member, /already been rated/);
    expect((await record(key)).rating).toBe(5);

    const trail = await AuditEventModel.find({ entityId: key }).sort({ at: 1, _id: 1 }).lean();
    expect(trail.map((e) => e.action)).toEqual([
      'request.opened',
      'request.claim',
      'request.resolve',
      'request.confirm',
      'request.rate',
    ]);
    expect(trail[1]).toMatchObject({ actorId: STAFF.engineer, before: { state: 'open' }, after: { state: 'claimed', assigneeId: STAFF.engineer } });
  });

  it('can be reopened by the client after resolution', async () => {
    const key = await openByCommand(t, 'Emails bounce', ACME.member, ACME.channel);
    await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
    const modal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.resolve, value: key });
    await submitAndSettle(key, () => submit(t, STAFF.engineer, modal, { resolution: 'Fixed SPF record' }));
    const reopened = await clickAndSettle(t, { user: ACME.boss, channel: ACME.channel, actionId: ACTION.reopen, value: key, key });
    expect(reopened).toMatchObject({ state: 'in_progress', assigneeId: STAFF.engineer });
    expect(reopened.resolvedAt).toBeUndefined();
  });

  it('can be cancelled by the requester with a reason, before work is approved', async () => {
    const key = await openByCommand(t, 'Never mind soon', ACME.member, ACME.channel);
    const modal = await clickForModal(t, { user: ACME.member, channel: ACME.channel, actionId: ACTION.cancel, value: key });
    expect(modal.callback_id).toBe(VIEW_CANCEL_REQUEST);
    const cancelled = await submitAndSettle(key, () => submit(t, ACME.member, modal, { reason: 'Found the answer in the docs' }));
    expect(cancelled).toMatchObject({ state: 'cancelled', cancelReason: 'Found the answer in the docs' });
    expect(cancelled.cancelledAt).toBeInstanceOf(Date);
  });
});

describe('claiming', () => {
  it('gives exactly one winner when two engineers click Claim at once; the other is told politely', async () => {
    const key = await openByCommand(t, 'Race me', ACME.member, ACME.channel);
    const { revision } = await record(key);
    const [a, b] = await Promise.all([
      click(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key }),
      click(t, { user: STAFF.engineer2, channel: TRIAGE, actionId: ACTION.claim, value: key }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const claimed = await untilSynced(key, revision);
    expect([STAFF.engineer, STAFF.engineer2]).toContain(claimed.assigneeId);
    const loser = claimed.assigneeId === STAFF.engineer ? STAFF.engineer2 : STAFF.engineer;
    const told = await waitForEphemeral(t, loser, /Too late/);
    expect(String(told.args.text)).toContain(`<@${claimed.assigneeId}>`);
    expect(await AuditEventModel.countDocuments({ entityId: key, action: 'request.claim' })).toBe(1);
  });

  it('takes the first :eyes: reaction of an engineer on the triage message, exactly like the button', async () => {
    const key = await openByCommand(t, 'Look at me', ACME.member, ACME.channel);
    const { triageMessageTs, revision } = await record(key);
    const react = (user: string) =>
      t.slack.event({ type: 'reaction_added', user, reaction: 'eyes', item: { type: 'message', channel: TRIAGE, ts: triageMessageTs }, event_ts: '1.1' });
    await react(ACME.member); // not an engineer: ignored
    await react(STAFF.engineer2);
    const claimed = await untilSynced(key, revision);
    expect(claimed).toMatchObject({ state: 'claimed', assigneeId: STAFF.engineer2 });
    await react(STAFF.engineer);
    await waitForEphemeral(t, STAFF.engineer, /Too late/);
    expect((await record(key)).assigneeId).toBe(STAFF.engineer2);
  });

  it('can be undone by the assignee, and reassigned by a manager to another engineer', async () => {
    const key = await openByCommand(t, 'Hand me around', ACME.member, ACME.channel);
    await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
    const modal = await clickForModal(t, { user: STAFF.manager, channel: TRIAGE, actionId: ACTION.reassign, value: key });
    const notAnEngineer = await submit(t, STAFF.manager, modal, { assignee: ACME.member }, { assignee: 'user' });
    expect(notAnEngineer.json()).toEqual({ response_action: 'errors', errors: { assignee: 'Pick one of our engineers.' } });
    expect(await submitAndSettle(key, () => submit(t, STAFF.manager, modal, { assignee: STAFF.engineer2 }, { assignee: 'user' }))).toMatchObject({ state: 'claimed', assigneeId: STAFF.engineer2 });
    const unclaimed = await clickAndSettle(t, { user: STAFF.engineer2, channel: TRIAGE, actionId: ACTION.unclaim, value: key, key });
    expect(unclaimed.state).toBe('open');
    expect(unclaimed.assigneeId).toBeUndefined();
  });
});

describe('first response', () => {
  it('is recorded by the first engineer reply in the thread, not by the client', async () => {
    const key = await openByCommand(t, 'Slow dashboard', ACME.member, ACME.channel);
    const { clientMessageTs } = await record(key);
    const reply = (user: string, ts: string) =>
      t.slack.event({ type: 'message', channel: ACME.channel, channel_type: 'channel', user, text: 'Any news?', ts, thread_ts: clientMessageTs });
    await reply(ACME.member, '2000000000.000001');
    expect((await record(key)).firstResponseAt).toBeUndefined();
    await reply(STAFF.engineer, '2000000000.000002');
    for (let i = 0; i < 100 && !(await record(key)).firstResponseAt; i++) await new Promise((r) => setTimeout(r, 20));
    const responded = await record(key);
    expect(responded.firstResponseAt).toBeInstanceOf(Date);
    expect(responded.state).toBe('open');
    // Audited for the client, so a per-client export has it (#14, defect 11).
    expect(await AuditEventModel.findOne({ action: 'request.first_response', entityId: key }).lean()).toMatchObject({ clientKey: 'ACME', actorId: STAFF.engineer });
  });
});

describe('asking the client', () => {
  it('waits on the client (the SLA clock stops) until the client answers in the thread', async () => {
    const key = await openByCommand(t, 'Which server?', ACME.member, ACME.channel);
    await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
    const modal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.askClient, value: key });
    const asked = await submitAndSettle(key, () => submit(t, STAFF.engineer, modal, { question: 'Is it prod or staging?' }));
    expect(asked.clientWaits).toHaveLength(1);
    expect(asked.clientWaits[0]?.to).toBeUndefined();
    await t.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === asked.clientMessageTs && /asks: Is it prod or staging\?/.test(String(c.args.text)));
    // An engineer's reply does not end the wait; the client's does.
    const reply = (user: string, ts: string) =>
      t.slack.event({ type: 'message', channel: ACME.channel, channel_type: 'channel', user, text: 'prod', ts, thread_ts: asked.clientMessageTs });
    await reply(STAFF.engineer2, '2000000001.000001');
    await new Promise((r) => setTimeout(r, 200));
    expect((await record(key)).clientWaits[0]?.to).toBeUndefined();
    await reply(ACME.member, '2000000001.000002');
    const answered = await untilSynced(key, asked.revision);
    expect(answered.clientWaits[0]?.to).toBeInstanceOf(Date);
    const trail = await AuditEventModel.find({ entityId: key }).sort({ at: 1, _id: 1 }).lean();
    expect(trail.map((e) => e.action)).toEqual(['request.opened', 'request.claim', 'request.question_asked', 'request.client_answered']);
  });
});

describe('invalid transitions', () => {
  it.each([
    ['resolve an unclaimed request', ACTION.resolve, STAFF.manager, TRIAGE, /open, so it cannot be resolved/],
    ['confirm an open request', ACTION.confirm, ACME.member, ACME.channel, /open, so it cannot be confirmed/],
    ['reopen an open request', ACTION.reopen, ACME.member, ACME.channel, /open, so it cannot be reopened/],
    ['unclaim an unclaimed request', ACTION.unclaim, STAFF.manager, TRIAGE, /open, so it cannot be unclaimed/],
  ])('refuses to %s with a clear message and changes nothing', async (_label, actionId, user, channel, message) => {
    const key = await openByCommand(t, `Invalid ${actionId}`, ACME.member, ACME.channel);
    const before = await record(key);
    await click(t, { user, channel, actionId, value: key });
    await waitForEphemeral(t, user, message);
    const after = await record(key);
    expect(after).toEqual(before);
    expect(await AuditEventModel.countDocuments({ entityId: key })).toBe(1);
  });
});
