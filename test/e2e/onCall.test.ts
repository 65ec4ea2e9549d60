// On call (#13), over signed HTTP with real BullMQ timers: an urgent request that arrives outside
// its client's working hours is paged by DM (with Claim) to whoever is on call this week; if it is
// still unclaimed at the urgent target's reminder point it goes to the next person on the rota,
// then to the managers. Normal requests, and urgent ones in working hours, are not paged.
import { AuditEventModel } from '../../src/db/auditEvent';
import { RequestModel } from '../../src/db/request';
import { ACTION } from '../../src/slack/ids';
import { allDelivered, click, openByCommand, record, submit, untilSynced } from '../support/flows';
import { startTestApp, type TestApp } from '../support/harness';
import { ACME, BETA, STAFF, TRIAGE } from '../support/testEnv';

const ENG1 = STAFF.engineer;
const ENG2 = STAFF.engineer2;
const todayUtc = new Date().toISOString().slice(0, 10);
const weekday = new Date().getUTCDay() === 0 ? 7 : new Date().getUTCDay();
const otherDays = [1, 2, 3, 4, 5, 6, 7].filter((d) => d !== weekday);

// ACME works on every day but today (so now is out of hours); BETA is 24x7 (always in hours).
const SEED = `
managers: [${STAFF.manager}]
engineers: [${ENG1}, ${ENG2}]
onCall: { rota: [${ENG1}, ${ENG2}], startsOn: ${todayUtc}, timezone: UTC }
clients:
  - key: ACME
    name: Acme Ltd
    channels: [${ACME.channel}]
    hourlyRate: 95
    timezone: UTC
    businessHours: { days: [${otherDays.join(', ')}], start: "00:00", end: "23:59" }
    slaMinutes: { urgent: 20, high: 60, normal: 240, low: 480 }
  - key: BETA
    name: Beta Co
    channels: [${BETA.channel}]
    hourlyRate: 100
    businessHours: 24x7
`;

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  await t.seed(SEED);
});
afterAll(async () => t.stop());

async function urgent(title: string, user: string, channel: string): Promise<string> {
  const res = await t.slack.slashCommand({ text: '', user_id: user, channel_id: channel, trigger_id: `trig-${title}` });
  expect(res.status).toBe(200);
  const [open] = await t.fake.waitFor('views.open', (c) => c.args.trigger_id === `trig-${title}`);
  const submitted = await submit(t, user, open?.args.view as Record<string, unknown>, { title, category: 'incident', priority: 'urgent' }, { category: 'select', priority: 'select' });
  expect(submitted.body).toBe('');
  for (let i = 0; i < 200; i++) {
    const created = await RequestModel.findOne({ title }).lean();
    if (created) return (await untilSynced(created.key)).key;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${title} was not opened`);
}

const pagedDm = (to: string, key: string) =>
  t.fake.waitFor('chat.postMessage', (c) => c.args.channel === to && String(c.args.text).includes(`Urgent *${key}*`), { timeoutMs: 10_000 });

/** Moves the current page back so its escalation is due in a second and a half. */
async function pageRunsOut(key: string): Promise<void> {
  const r = await record(key);
  await RequestModel.updateOne({ key }, { $set: { 'page.at': new Date(r.page!.at.getTime() - 15 * 60_000 + 1500) }, $inc: { revision: 1 } });
  await t.web.effects.timers.sync(key);
}

describe('on call', () => {
  it('pages whoever is on call about an urgent request out of hours, with a Claim button', async () => {
    const key = await urgent('Site down at night', ACME.member, ACME.channel);
    const [dm] = await pagedDm(ENG1, key);
    expect(String(dm?.args.text)).toContain("Paged because you're on call");
    expect(JSON.stringify(dm?.args.blocks)).toContain(`"action_id":"${ACTION.claim}","value":"${key}"`);
    expect((await record(key)).page).toMatchObject({ to: ENG1, step: 0 });
    const { revision } = await record(key);
    await click(t, { user: ENG1, channel: `D${ENG1}`, actionId: ACTION.claim, value: key });
    expect(await untilSynced(key, revision)).toMatchObject({ state: 'claimed', assigneeId: ENG1 });
  });

  it('goes to the next person on the rota, then to the managers, while nobody claims it', async () => {
    const key = await urgent('Payments failing at night', ACME.member, ACME.channel);
    await pagedDm(ENG1, key);
    // The urgent target is 20 minutes: the reminder point is 15 minutes after the page.
    expect((await record(key)).scheduledTimers.some((id) => id.startsWith(`oncall-escalate-${key}-`))).toBe(true);
    await pageRunsOut(key);
    const [second] = await pagedDm(ENG2, key);
    expect(String(second?.args.text)).toContain("you're next on the on-call rota");
    await pageRunsOut(key);
    const [managers] = await pagedDm(STAFF.manager, key);
    expect(String(managers?.args.text)).toContain('nobody on call has claimed it');
    const trail = await AuditEventModel.find({ entityId: key, action: /^request\.page/ }).sort({ at: 1, _id: 1 }).lean();
    expect(trail.map((e) => [e.action, (e.after as { to: string }).to])).toEqual([
      ['request.paged', ENG1],
      ['request.page_escalated', ENG2],
      ['request.page_escalated', 'managers'],
    ]);
  });

  it('pages nobody for a normal request out of hours, or an urgent one in working hours', async () => {
    const normal = await openByCommand(t, 'Printer jammed at night', ACME.member, ACME.channel);
    const inHours = await urgent('Beta urgent in hours', BETA.member, BETA.channel);
    // A page would be recorded with the request's messages and leave a DM to deliver.
    await allDelivered();
    expect((await record(normal)).page).toBeUndefined();
    expect((await record(inHours)).page).toBeUndefined();
    expect(await AuditEventModel.countDocuments({ entityId: { $in: [normal, inHours] }, action: 'request.paged' })).toBe(0);
  });

  it('lets a manager set the rota with /help admin oncall', async () => {
    const res = await t.slack.slashCommand({ text: `admin oncall rota: [<@${ENG2}|two>, <@${ENG1}|one>], startsOn: ${todayUtc}, timezone: UTC`, user_id: STAFF.manager, channel_id: TRIAGE });
    expect((res.json() as { text: string }).text).toBe(`The on-call rota is <@${ENG2}> → <@${ENG1}>, a week each from ${todayUtc} (UTC); <@${ENG2}> is on call now.`);
    const show = await t.slack.slashCommand({ text: 'admin show', user_id: STAFF.manager, channel_id: TRIAGE });
    expect((show.json() as { text: string }).text).toContain(`*On call:* <@${ENG2}> now (rota <@${ENG2}> → <@${ENG1}>, a week each from ${todayUtc})`);
    const bad = await t.slack.slashCommand({ text: `admin oncall rota: [<@U0NOTSTAFF|x>], startsOn: ${todayUtc}`, user_id: STAFF.manager, channel_id: TRIAGE });
    expect((bad.json() as { text: string }).text).toBe('<@U0NOTSTAFF> is not one of our engineers; add them first with `engineer add`.');
  });
});

