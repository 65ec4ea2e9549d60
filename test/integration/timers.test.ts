// Request timers on real Redis with real BullMQ workers: the SLA reminder and escalation arrive in
// order, once each; nothing arrives once the request is claimed; a worker restart loses nothing.
import { RequestModel } from '../../src/db/request';
import { ACTION } from '../../src/slack/ids';
import { startWorker, type RunningWorker } from '../../src/worker';
import { clickAndSettle, clickForModal, openByCommand, record, submit, submitAndSettle, timersSettled } from '../support/flows';
import { AuditEventModel } from '../../src/db/auditEvent';
import { startTestApp, type TestApp } from '../support/harness';
import { BETA, STAFF, TRIAGE } from '../support/testEnv';

let t: TestApp;
const workers: RunningWorker[] = [];

// BETA is 24x7 in the standard seed; a 60-minute SLA for urgent makes the arithmetic plain.
const SEED = `
managers: [${STAFF.manager}]
engineers: [${STAFF.engineer}]
clients:
  - key: BETA
    name: Beta Co
    channels: [${BETA.channel}]
    hourlyRate: 100
    businessHours: 24x7
    slaMinutes: { urgent: 60, high: 120, normal: 240, low: 480 }
`;

beforeAll(async () => {
  // The tests start and stop the workers themselves.
  t = await startTestApp({}, undefined, { worker: false });
  await t.seed(SEED);
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await t.stop();
});

async function worker(): Promise<RunningWorker> {
  const w = await startWorker(t.config);
  workers.push(w);
  return w;
}

/**
 * Opens an urgent request (60-minute SLA, reminder at 45 minutes) and moves its creation back in
 * time so the reminder is due in `remindIn` seconds and the escalation 15 minutes later, unless
 * `escalateIn` brings both close (the reminder then already due).
 */
async function urgentRequest(title: string, due: { remindIn: number } | { escalateIn: number }, beforeShift?: () => Promise<void>): Promise<string> {
  if (workers.length === 0) await worker(); // delivers the request's messages
  const key = await openByCommand(t, title, BETA.member, BETA.channel);
  await beforeShift?.();
  const untilBreach = 'remindIn' in due ? 15 * 60 + due.remindIn : due.escalateIn;
  const createdAt = new Date(Date.now() - 60 * 60_000 + untilBreach * 1000);
  await RequestModel.updateOne({ key }, { $set: { createdAt, priority: 'urgent' }, $inc: { revision: 1 } });
  await t.web.effects.timers.sync(key);
  return key;
}

const reminders = (key: string) =>
  t.fake.callsTo('chat.postMessage').filter((c) => String(c.args.text).includes(`*${key}*`) && /first.response/.test(String(c.args.text)));

describe('SLA timers', () => {
  it('remind the triage channel, then escalate to the managers, once each and in order', async () => {
    await worker();
    const key = await urgentRequest('Site down', { escalateIn: 3 });
    const [remind] = await t.fake.waitFor('chat.postMessage', (c) => c.args.channel === TRIAGE && String(c.args.text).includes(`*${key}*`));
    expect(remind?.args.thread_ts).toBe((await record(key)).triageMessageTs);
    const [escalate] = await t.fake.waitFor('chat.postMessage', (c) => c.args.channel === STAFF.manager && String(c.args.text).includes(`*${key}*`), { timeoutMs: 10_000 });
    expect(String(escalate?.args.text)).toMatch(/missed its first-response target of 1h/);
    expect((remind?.at ?? 0) <= (escalate?.at ?? 0)).toBe(true);
    // Both jobs finished for good (no retry of either to come) and nothing left to deliver.
    await timersSettled(t, key);
    expect(reminders(key)).toHaveLength(2);
    const stored = await record(key);
    expect(stored.slaBreachedAt).toBeInstanceOf(Date);
    expect(stored.timersFired).toHaveLength(2);
  });

  it('send nothing when the request is claimed first', async () => {
    const key = await urgentRequest('Claim me quick', { remindIn: 4 });
    const { revision, scheduledTimers } = await record(key);
    expect(scheduledTimers.length).toBeGreaterThan(0);
    // Claimed before the reminder job runs: scheduling again removes the jobs; a job already
    // running re-reads the record and does nothing.
    await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
    expect((await record(key)).revision).toBeGreaterThan(revision);
    // Every job it had is gone (removed by the claim; or, were one left, once it has run) and nothing is left to deliver.
    await timersSettled(t, key, 15_000, scheduledTimers);
    expect(reminders(key)).toHaveLength(0);
    expect((await record(key)).timersFired).toEqual([]);
  });

  it('loses nothing when the worker is stopped and another starts later', async () => {
    const key = await urgentRequest('Worker restart', { escalateIn: 2 }, async () => {
      for (const w of workers.splice(0)) await w.stop();
    });
    // Both timers fall due while no worker runs (the escalation at the 60-minute SLA).
    const escalatesAt = (await record(key)).createdAt.getTime() + 60 * 60_000;
    while (Date.now() <= escalatesAt) await new Promise((r) => setTimeout(r, escalatesAt + 1 - Date.now()));
    expect(reminders(key)).toHaveLength(0);
    await worker();
    await t.fake.waitFor('chat.postMessage', (c) => c.args.channel === STAFF.manager && String(c.args.text).includes(`*${key}*`), { timeoutMs: 10_000 });
    await timersSettled(t, key);
    expect(reminders(key)).toHaveLength(2);
  });
});

describe('auto-close', () => {
  it('closes a request resolved three days ago without an answer, and says so in the thread', async () => {
    if (workers.length === 0) await worker();
    const key = await openByCommand(t, 'Resolve and forget', BETA.member, BETA.channel);
    await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
    const modal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.resolve, value: key });
    await submitAndSettle(key, () => submit(t, STAFF.engineer, modal, { resolution: 'Cleared the cache' }));
    // Resolved three days ago, less two seconds.
    const resolvedAt = new Date(Date.now() - 3 * 24 * 60 * 60_000 + 2000);
    await RequestModel.updateOne({ key }, { $set: { resolvedAt }, $inc: { revision: 1 } });
    await t.web.effects.timers.sync(key);
    const { clientMessageTs } = await record(key);
    await t.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === clientMessageTs && /now closed/.test(String(c.args.text)), { timeoutMs: 10_000 });
    const closed = await record(key);
    expect(closed.state).toBe('closed');
    expect(closed.closedAt).toBeInstanceOf(Date);
    const trail = await AuditEventModel.find({ entityId: key, action: 'request.autoClose' }).lean();
    expect(trail).toHaveLength(1);
    expect(trail[0]?.actorId).toBe('system');
  });
});

describe('waiting on the client', () => {
  /** A claimed BETA request with a question asked `ago` ms before now (BETA is 24x7: a business day is 24 h). */
  async function askedAgo(title: string, ago: number): Promise<string> {
    if (workers.length === 0) await worker();
    const key = await openByCommand(t, title, BETA.member, BETA.channel);
    await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
    const modal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.askClient, value: key });
    await submitAndSettle(key, () => submit(t, STAFF.engineer, modal, { question: 'Which database is it?' }));
    await RequestModel.updateOne({ key }, { $set: { clientWaits: [{ from: new Date(Date.now() - ago) }] }, $inc: { revision: 1 } });
    await t.web.effects.timers.sync(key);
    return key;
  }
  const DAY = 24 * 60 * 60_000;

  it('nudges the client in the thread after a business day, and the answer cancels the rest', async () => {
    const key = await askedAgo('Nudge me', DAY - 2000);
    const { clientMessageTs } = await record(key);
    const [nudge] = await t.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === clientMessageTs && /asked a question above a business day ago/.test(String(c.args.text)), { timeoutMs: 10_000 });
    expect(String(nudge?.args.text)).toContain(`<@${BETA.member}>`);
    // Scheduled as deterministic jobs: the nudge (fired), the second nudge and the give-up.
    expect((await record(key)).scheduledTimers.filter((id) => id.startsWith('client-')).map((id) => id.replace(/-BETA-\d+-\d+$/, ''))).toEqual(['client-nudge', 'client-nudge-again', 'client-give-up']);

    const before = await record(key);
    await t.slack.event({ type: 'message', channel: BETA.channel, channel_type: 'channel', user: BETA.member, text: 'The reporting one', ts: '1950000000.000001', thread_ts: clientMessageTs });
    for (let i = 0; i < 200 && (await record(key)).timersRevision <= before.revision; i++) await new Promise((r) => setTimeout(r, 25));
    const answered = await record(key);
    expect(answered.clientWaits[0]?.to).toBeInstanceOf(Date);
    expect(answered.scheduledTimers.filter((id) => id.startsWith('client-'))).toEqual([]);
  });

  it("resolves the request after the client's business days without an answer, saying why; the client can reopen", async () => {
    const key = await askedAgo('Nobody answers', 5 * DAY - 2000);
    const { clientMessageTs } = await record(key);
    await t.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === clientMessageTs && /is resolved/.test(String(c.args.text)) && /No answer from the client for 5 business days/.test(String(c.args.text)), { timeoutMs: 10_000 });
    const resolved = await record(key);
    expect(resolved.state).toBe('resolved');
    expect(resolved.clientWaits.every((w) => w.to)).toBe(true);
    const trail = await AuditEventModel.find({ entityId: key, action: 'request.resolve' }).lean();
    expect(trail.map((e) => e.actorId)).toEqual(['system']);
    // The nudges that were due before were fired, once each, not skipped.
    const nudges = t.fake.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === clientMessageTs && /:wave:/.test(String(c.args.text)));
    expect(nudges.length).toBeLessThanOrEqual(2);
    await clickAndSettle(t, { user: BETA.member, channel: BETA.channel, actionId: ACTION.reopen, value: key, key });
    expect((await record(key)).state).toBe('in_progress');
  });
});
