// Round-robin assignment (#13), over signed HTTP with real BullMQ timers: a round-robin client's
// new request is offered by DM to the next engineer in turn who is available, working now and
// under the load limit; Take it assigns it, Decline offers it to the next one, and an offer not
// declined in time assigns it. Every offer, acceptance and skip is audited.
import { AuditEventModel } from '../../src/db/auditEvent';
import { RequestModel } from '../../src/db/request';
import { StaffModel } from '../../src/db/staff';
import { setStaffRoles } from '../../src/services/clients';
import { ACTION } from '../../src/slack/ids';
import { click, openByCommand, record, untilSynced } from '../support/flows';
import { startTestApp, type TestApp } from '../support/harness';
import { ACME, STAFF, TRIAGE } from '../support/testEnv';

const ENG1 = STAFF.engineer; // U0ENG1
const ENG2 = STAFF.engineer2; // U0ENG2
const ENG3 = 'U0ENG3'; // works on no day that is today (UTC)
const ENG4 = 'U0ENG4';
const today = new Date().getUTCDay() === 0 ? 7 : new Date().getUTCDay();
const otherDays = [1, 2, 3, 4, 5, 6, 7].filter((d) => d !== today);

const SEED = `
managers: [${STAFF.manager}]
engineers: [${ENG1}, ${ENG2}, ${ENG3}, ${ENG4}]
staffHours:
  ${ENG3}: { timezone: UTC, days: [${otherDays.join(', ')}], start: "00:00", end: "23:59" }
clients:
  - key: ACME
    name: Acme Ltd
    channels: [${ACME.channel}]
    hourlyRate: 95
    approvers: [${ACME.boss}]
    assignment: round_robin
    maxOpenPerEngineer: 2
    businessHours: 24x7
`;

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  await t.seed(SEED);
});
afterAll(async () => t.stop());

// A DM is posted to the user's ID (Slack opens the conversation).
const offerDm = (user: string, key: string) =>
  t.fake.waitFor('chat.postMessage', (c) => c.args.channel === user && String(c.args.text).includes(`It's your turn: *${key}*`));

async function offeredTo(key: string): Promise<string | undefined> {
  for (let i = 0; i < 200; i++) {
    const r = await record(key);
    if (r.offer?.to) return r.offer.to;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return undefined;
}

const audit = (key: string) => AuditEventModel.find({ entityId: key, action: /^request\.(offer|claim)/ }).sort({ at: 1, _id: 1 }).lean();

describe('round robin', () => {
  let first: string;

  it('offers a new request by DM to the first engineer in turn, with Take it and Decline, and schedules the expiry', async () => {
    first = await openByCommand(t, 'Disk almost full', ACME.member, ACME.channel);
    expect(await offeredTo(first)).toBe(ENG1);
    const [dm] = await offerDm(ENG1, first);
    expect(JSON.stringify(dm?.args.blocks)).toContain(`"action_id":"${ACTION.acceptOffer}","value":"${first}"`);
    expect(JSON.stringify(dm?.args.blocks)).toContain(`"action_id":"${ACTION.declineOffer}","value":"${first}"`);
    const r = await untilSynced(first);
    expect(r.scheduledTimers.some((id) => id.startsWith(`offer-expire-${first}-`))).toBe(true);
    expect((await audit(first)).map((e) => [e.action, (e.after as { to?: string }).to])).toEqual([['request.offered', ENG1]]);
  });

  it('offers it to the next engineer in turn when declined', async () => {
    await click(t, { user: ENG1, channel: `D${ENG1}`, actionId: ACTION.declineOffer, value: first });
    await offerDm(ENG2, first);
    expect(await offeredTo(first)).toBe(ENG2);
    const events = await audit(first);
    expect(events.map((e) => e.action)).toEqual(['request.offered', 'request.offer_declined', 'request.offered']);
    expect(events[1]?.actorId).toBe(ENG1);
  });

  it('is theirs when they take it', async () => {
    const { revision } = await record(first);
    await click(t, { user: ENG2, channel: `D${ENG2}`, actionId: ACTION.acceptOffer, value: first });
    const taken = await untilSynced(first, revision);
    expect(taken).toMatchObject({ state: 'claimed', assigneeId: ENG2 });
    expect(taken.offer).toBeUndefined();
    expect((await audit(first)).pop()).toMatchObject({ action: 'request.claim', actorId: ENG2 });
  });

  let second: string;

  it('goes on in turn with the next request, skipping the engineer off hours and saying so', async () => {
    second = await openByCommand(t, 'Backups failing', ACME.member, ACME.channel);
    // After ENG2 comes ENG3, who works on no day that is today: ENG4 is next.
    expect(await offeredTo(second)).toBe(ENG4);
    const [offered] = await audit(second);
    expect(offered?.after).toMatchObject({ to: ENG4, passedOver: [{ userId: ENG3, reason: 'off_hours' }] });
  });

  it('assigns the request when the offer is not declined in time', async () => {
    const third = await openByCommand(t, 'Certificate expires soon', ACME.member, ACME.channel);
    const to = await offeredTo(third);
    expect(to).toBe(ENG1);
    const r = await record(third);
    // The offer runs out in a second and a half.
    await RequestModel.updateOne({ key: third }, { $set: { 'offer.expiresAt': new Date(Date.now() + 1500) }, $inc: { revision: 1 } });
    await t.web.effects.timers.sync(third);
    await t.fake.waitFor('chat.postMessage', (c) => c.args.channel === ENG1 && String(c.args.text).includes(`*${third}* is now yours`), { timeoutMs: 10_000 });
    const assigned = await untilSynced(third, r.revision);
    expect(assigned).toMatchObject({ state: 'claimed', assigneeId: ENG1 });
    expect((await audit(third)).map((e) => [e.action, e.actorId])).toEqual([
      ['request.offered', 'system'],
      ['request.claim', 'system'],
      ['request.offer_expired', 'system'],
    ]);
  });

  it('passes over an engineer who set themselves away on their Home tab, and one at the load limit', async () => {
    await click(t, { user: ENG4, channel: `D${ENG4}`, actionId: ACTION.availability, value: 'away' });
    for (let i = 0; i < 200 && (await StaffModel.findOne({ userId: ENG4 }).lean())?.available !== false; i++) await new Promise((r) => setTimeout(r, 25));
    const [home] = await t.fake.waitFor('views.publish', (c) => c.args.user_id === ENG4 && JSON.stringify(c.args.view).includes('*Away*'));
    expect(JSON.stringify(home?.args.view)).toContain(`"value":"available"`);
    // After ENG1 (the last offered) come ENG2 with two open requests (the limit), ENG3 off hours
    // and ENG4 away: round robin comes back to ENG1, who has one.
    await RequestModel.updateOne({ key: second }, { $set: { assigneeId: ENG2, state: 'claimed' }, $unset: { offer: '' } });
    const fourth = await openByCommand(t, 'Queue stuck', ACME.member, ACME.channel);
    expect(await offeredTo(fourth)).toBe(ENG1);
    const [offered] = await audit(fourth);
    expect((offered?.after as { passedOver: unknown[] }).passedOver).toEqual([
      { userId: ENG2, reason: 'at_capacity' },
      { userId: ENG3, reason: 'off_hours' },
      { userId: ENG4, reason: 'away' },
    ]);
  });

  it("lets a manager set an engineer's working hours with /help admin", async () => {
    const res = await t.slack.slashCommand({ text: `admin engineer hours <@${ENG2}|two> timezone: Europe/Berlin, days: [1, 2, 3, 4, 5], start: "08:00", end: "16:00"`, user_id: STAFF.manager, channel_id: TRIAGE });
    expect((res.json() as { text: string }).text).toBe(`<@${ENG2}> now works Mon–Fri 08:00–16:00 (Europe/Berlin); round robin offers them requests only then.`);
    expect((await StaffModel.findOne({ userId: ENG2 }).lean())?.hours).toEqual({ timezone: 'Europe/Berlin', days: [1, 2, 3, 4, 5], start: '08:00', end: '16:00' });
    const show = ((await t.slack.slashCommand({ text: 'admin show', user_id: STAFF.manager, channel_id: TRIAGE })).json() as { text: string }).text;
    expect(show).toContain(`<@${ENG2}>: works Mon–Fri 08:00–16:00 (Europe/Berlin)`);
    expect(show).toContain(`<@${ENG4}>: any time, away now`);
    const bad = await t.slack.slashCommand({ text: `admin engineer hours <@${ENG2}|two> timezone: Mars/Base, days: [1], start: "18:00", end: "08:00"`, user_id: STAFF.manager, channel_id: TRIAGE });
    expect((bad.json() as { text: string }).text).toMatch(/timezone: must be an IANA timezone.*end: end must be after start/);
  });

  it('leaves a request nobody fits in the triage queue, and offers it when someone becomes available', async () => {
    await StaffModel.updateMany({}, { $set: { available: false } });
    const waiting = await openByCommand(t, 'Nobody around', ACME.member, ACME.channel);
    expect((await record(waiting)).offer).toBeUndefined();
    expect(await AuditEventModel.countDocuments({ entityId: waiting, action: 'request.offer_none' })).toBe(1);
    await click(t, { user: ENG4, channel: `D${ENG4}`, actionId: ACTION.availability, value: 'available' });
    expect(await offeredTo(waiting)).toBe(ENG4);
    await offerDm(ENG4, waiting);
  });

  describe('an offer that runs out', () => {
    /** Makes the offer of `key` run out in a second and a half, as its timer would after five minutes. */
    async function runOut(key: string): Promise<void> {
      await RequestModel.updateOne({ key }, { $set: { 'offer.expiresAt': new Date(Date.now() + 1500) }, $inc: { revision: 1 } });
      await t.web.effects.timers.sync(key);
    }

    /** Until `action` is audited `times` times for `key` (the worker's timer did its work); the last one. */
    async function untilAudited(key: string, action: string, times = 1) {
      for (let i = 0; i < 400; i++) {
        const found = await AuditEventModel.find({ entityId: key, action }).sort({ at: 1, _id: 1 }).lean();
        if (found.length >= times) return found[found.length - 1]!;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`${action} was not audited for ${key}`);
    }

    it('goes to the next engineer in turn when the one offered has set themselves away since', async () => {
      await StaffModel.updateMany({ userId: { $in: [ENG1, ENG2] } }, { $set: { available: true } });
      await StaffModel.updateOne({ userId: ENG2 }, { $unset: { hours: '' } });
      const key = await openByCommand(t, 'Disk almost full', ACME.member, ACME.channel);
      const first = await offeredTo(key);
      expect(first).toBeDefined();
      await click(t, { user: first!, channel: `D${first}`, actionId: ACTION.availability, value: 'away' });
      for (let i = 0; i < 200 && (await StaffModel.findOne({ userId: first }).lean())?.available !== false; i++) await new Promise((r) => setTimeout(r, 25));

      await runOut(key);
      const withdrawn = await untilAudited(key, 'request.offer_withdrawn');
      expect(withdrawn.after).toEqual({ from: first, reason: 'away' });
      const offeredAgain = await untilAudited(key, 'request.offered', 2);
      const next = (offeredAgain.after as { to: string }).to;
      expect(next).not.toBe(first);
      await offerDm(next, key);
      const now = await record(key);
      expect(now).toMatchObject({ state: 'open', offer: { to: next } });
      expect(now.assigneeId).toBeUndefined();
    });

    it('waits in triage when the one offered is no longer an engineer and nobody else can take it', async () => {
      await StaffModel.updateMany({ userId: { $ne: ENG1 } }, { $set: { available: false } });
      await StaffModel.updateOne({ userId: ENG1 }, { $set: { available: true } });
      const key = await openByCommand(t, 'Mail bouncing', ACME.member, ACME.channel);
      expect(await offeredTo(key)).toBe(ENG1);
      await setStaffRoles(ENG1, [], STAFF.manager); // ENG1 left the support team

      await runOut(key);
      expect((await untilAudited(key, 'request.offer_withdrawn')).after).toEqual({ from: ENG1, reason: 'not_an_engineer' });
      await untilAudited(key, 'request.offer_none');
      const now = await record(key);
      expect(now.state).toBe('open');
      expect(now.assigneeId).toBeUndefined();
      expect(now.offer).toBeUndefined();
      expect(await AuditEventModel.countDocuments({ entityId: key, action: 'request.claim' })).toBe(0);
    });
  });
});
