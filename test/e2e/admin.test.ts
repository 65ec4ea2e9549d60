// `/help admin …` over signed HTTP: only managers may use it; every change is validated like the
// seed file, written with an audit event (who, what, when, before, after), and shown by `show`.
import { AuditEventModel } from '../../src/db/auditEvent';
import { ClientModel } from '../../src/db/client';
import { StaffModel } from '../../src/db/staff';
import { logger } from '../../src/logger';
import { ACTION } from '../../src/slack/ids';
import { postInThread } from '../../src/slack/requestUpdates';
import { findEffect } from '../../src/services/outbox';
import { bucketFor } from '../../src/domain/slackDelivery';
import { workspaceOf } from '../../src/slack/delivery/pacedFetch';
import { paceKeys, SlotBook } from '../../src/slack/delivery/pacer';
import { monitorRedis } from '../support/redisMonitor';
import { allDelivered, click, clickAndSettle, openByCommand, record } from '../support/flows';
import { ACME, BETA, STAFF, TRIAGE, startTestApp, type TestApp } from '../support/harness';
import { allLinked } from '../support/flows';
import { until } from '../support/until';

const MANAGERS_CHANNEL = 'C0MANAGERS';
const FORBIDDEN = 'Only managers can change the set-up.';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  await t.seed();
});
afterAll(async () => {
  await t.stop();
});

async function admin(text: string, user: string = STAFF.manager, channel: string = MANAGERS_CHANNEL): Promise<string> {
  const res = await t.slack.slashCommand({ text: `admin ${text}`.trim(), user_id: user, channel_id: channel });
  expect(res.status).toBe(200);
  const answer = res.json() as { response_type: string; text: string };
  expect(answer.response_type).toBe('ephemeral');
  return answer.text;
}

/** Everything an admin command could change, without the fields that differ on every write. */
async function snapshot() {
  await allLinked();
  const [clients, staff, audit] = await Promise.all([
    ClientModel.find().sort({ key: 1 }).lean(),
    StaffModel.find().sort({ userId: 1 }).lean(),
    AuditEventModel.find().sort({ _id: 1 }).lean(),
  ]);
  return JSON.parse(JSON.stringify({ clients, staff, audit })) as unknown;
}

async function auditSince(count: number) {
  return AuditEventModel.find().sort({ _id: 1 }).skip(count).lean();
}

describe('authorisation', () => {
  const COMMANDS = [
    '',
    'show',
    'client ACME hourlyRate: 1',
    'client NEWCO name: Sneaky, hourlyRate: 1',
    'client ACME name: [broken',
    'channel link ACME <#C0SNEAK|sneak>',
    'channel unlink ACME <#C0ACME|acme>',
    'engineer add <@U0ACMEDEV|dev>',
    'engineer remove <@U0ENG2|eng2>',
    'manager add <@U0ENG1|eng1>',
    'manager remove <@U0MANAGER|boss>',
  ];
  const OUTSIDERS: Array<[string, string, string]> = [
    ['an engineer', STAFF.engineer, TRIAGE],
    ['a client member', ACME.member, ACME.channel],
    ["a client's approver", ACME.boss, ACME.channel],
    ['a stranger', 'U0STRANGER', 'C0RANDOM'],
  ];

  it.each(OUTSIDERS)('refuses %s every sub-command, changes nothing and logs who and where', async (_who, user, channel) => {
    const before = await snapshot();
    const warn = jest.spyOn(logger, 'warn');
    try {
      for (const command of COMMANDS) {
        expect(await admin(command, user, channel)).toBe(FORBIDDEN);
      }
      expect(warn).toHaveBeenCalledTimes(COMMANDS.length);
      for (const [fields] of warn.mock.calls) {
        expect(fields).toMatchObject({ user, channel });
        // Never the message text.
        expect(JSON.stringify(fields)).not.toMatch(/Sneaky|hourlyRate|C0SNEAK/);
      }
    } finally {
      warn.mockRestore();
    }
    expect(await snapshot()).toEqual(before);
  });

  it('shows the usage to a manager who typed `admin` alone or something malformed', async () => {
    const usage = await admin('');
    expect(usage).toContain('/help admin show');
    expect(usage).toContain('/help admin client ACME');
    expect(usage).toContain('/help admin channel link ACME #channel');
    expect(usage).toContain('/help admin manager remove @person');
    const malformed = await admin('engineer add jane');
    expect(malformed).toMatch(/Mention exactly one person/);
    expect(malformed).toContain('/help admin engineer add @person');
  });
});

describe('clients', () => {
  it('adds a new client with the seed field names, storing money and durations in their units', async () => {
    const auditCount = await AuditEventModel.countDocuments();
    const text = await admin(
      'client newco name: New &amp; Co, hourlyRate: 80.50, billingMode: upfront, channels: [<#C0NEWCO|newco>], ' +
        'approvers: [<@U0NEWBOSS|boss>], monthlyBudgetHours: 10, businessHours: 24x7',
    );
    expect(text).toContain('Added client *NEWCO* (New &amp; Co)');
    expect(text).toContain('£80.50/h');

    const stored = await ClientModel.findOne({ key: 'NEWCO' }).lean();
    expect(stored).toMatchObject({
      name: 'New & Co',
      channels: ['C0NEWCO'],
      hourlyRateMinor: 8050,
      currency: 'GBP',
      billingMode: 'upfront',
      incrementMinutes: 15,
      minimumMinutes: 30,
      approvers: ['U0NEWBOSS'],
      timezone: 'Europe/London',
      monthlyBudgetMinutes: 600,
      slaMinutes: { urgent: 15, high: 60, normal: 240, low: 480 },
      businessHours: { alwaysOpen: true },
    });

    const events = await auditSince(auditCount);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorId: STAFF.manager,
      action: 'client.created',
      entityType: 'client',
      entityId: 'NEWCO',
      clientKey: 'NEWCO',
      after: { hourlyRateMinor: 8050, channels: ['C0NEWCO'] },
    });
    expect(events[0]?.at).toBeInstanceOf(Date);
  });

  it('updates one field, keeps the others, and audits before and after; the same again changes nothing', async () => {
    const auditCount = await AuditEventModel.countDocuments();
    const beforeDoc = await ClientModel.findOne({ key: 'NEWCO' }).lean();
    const text = await admin('client NEWCO hourlyRate: 99');
    expect(text).toContain('Updated client *NEWCO*');
    expect(text).toContain('£99.00/h');

    const after = await ClientModel.findOne({ key: 'NEWCO' }).lean();
    expect(after?.hourlyRateMinor).toBe(9900);
    expect({ ...after, hourlyRateMinor: 0, updatedAt: null }).toEqual({ ...beforeDoc, hourlyRateMinor: 0, updatedAt: null });

    const events = await auditSince(auditCount);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorId: STAFF.manager,
      action: 'client.updated',
      entityId: 'NEWCO',
      before: { hourlyRateMinor: 8050, name: 'New & Co', businessHours: { alwaysOpen: true } },
      after: { hourlyRateMinor: 9900, name: 'New & Co', businessHours: { alwaysOpen: true } },
    });

    const again = await admin('client NEWCO hourlyRate: 99.00');
    expect(again).toContain('Nothing to change');
    expect(await AuditEventModel.countDocuments()).toBe(auditCount + 1);
  });

  it('merges nested maps and can remove the budget', async () => {
    await admin('client NEWCO slaMinutes: {urgent: 10}, monthlyBudgetHours: null, businessHours: {days: [1, 2, 3, 4], start: 08:00, end: 16:00}');
    const stored = await ClientModel.findOne({ key: 'NEWCO' }).lean();
    expect(stored?.slaMinutes).toEqual({ urgent: 10, high: 60, normal: 240, low: 480 });
    expect(stored?.monthlyBudgetMinutes).toBeUndefined();
    expect(stored?.businessHours).toEqual({ alwaysOpen: false, days: [1, 2, 3, 4], start: '08:00', end: '16:00' });
  });

  it('keeps the stored settings of a seeded client when one field changes', async () => {
    await admin('client BETA minimumMinutes: 60');
    expect(await ClientModel.findOne({ key: 'BETA' }).lean()).toMatchObject({
      minimumMinutes: 60,
      hourlyRateMinor: 12050,
      billingMode: 'upfront',
      channels: [BETA.channel],
      businessHours: { alwaysOpen: true },
    });
  });

  it.each<[string, string[]]>([
    ['client ACME hourlyRate: 92.555', ['hourlyRate: must be an amount in GBP such as 95 or 92.50']],
    ['client ACME currency: JPY', ['hourlyRate: must be an amount in JPY such as 95 or 92.50']],
    ['client ACME incrementMinutes: 0, colour: red', ['incrementMinutes: Too small', 'colour: is not a setting we know']],
    ['client ACME channels: [acme], approvers: [boss]', ['channels[0]: must be a Slack channel ID', 'approvers[0]: must be a Slack user ID']],
    ['client ACME businessHours: {start: "18:00"}', ['businessHours.end: end must be after start']],
    ['client ACME timezone: Mars/Olympus', ['timezone: must be an IANA timezone']],
    ['client NOPE channels: [<#C0NOPE|nope>]', ['name: is needed for a new client', 'hourlyRate: is needed for a new client']],
  ])('%j names every bad field and writes nothing', async (command, lines) => {
    const before = await snapshot();
    const text = await admin(command);
    expect(text).toMatch(/Nothing was changed for \*(ACME|NOPE)\*/);
    for (const line of lines) expect(text).toContain(`• ${line}`);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a channel that belongs to another client and writes nothing", async () => {
    const before = await snapshot();
    const text = await admin(`client ACME channels: [<#${ACME.channel}|acme>, <#${BETA.channel}|beta>]`);
    expect(text).toContain(`<#${BETA.channel}> already belongs to BETA`);
    const created = await admin(`client GAMMA name: Gamma, hourlyRate: 50, channels: [<#${ACME.channel}|acme>]`);
    expect(created).toContain(`<#${ACME.channel}> already belongs to ACME`);
    expect(await snapshot()).toEqual(before);
  });

  it('escapes what the manager typed, so a name or a field cannot ping anyone', async () => {
    const named = await admin('client PINGCO name: "<!channel> hi", hourlyRate: 1');
    expect(named).toContain('&lt;!channel&gt; hi');
    expect(named).not.toContain('<!channel>');
    const bad = await admin('client PINGCO <!here>: 1');
    expect(bad).toContain('&lt;!here&gt;: is not a setting we know');
    expect(bad).not.toContain('<!here>');
  });

  it('answers a malformed field list with the usage and writes nothing', async () => {
    const before = await snapshot();
    const text = await admin('client ACME name: [oops');
    expect(text).toContain('The fields could not be read');
    expect(text).toContain('/help admin show');
    expect(await snapshot()).toEqual(before);
  });
});

describe('channels', () => {
  it('links and unlinks a channel, with an audit event each time', async () => {
    const auditCount = await AuditEventModel.countDocuments();
    expect(await admin('channel link ACME <#C0ACME2|acme-two>')).toContain('Linked <#C0ACME2> to *ACME*');
    expect((await ClientModel.findOne({ key: 'ACME' }).lean())?.channels).toEqual([ACME.channel, 'C0ACME2']);

    expect(await admin('channel link acme <#C0ACME2>')).toContain('already belongs to *ACME*; nothing to change');

    expect(await admin('channel unlink ACME <#C0ACME2|acme-two>')).toContain('Unlinked <#C0ACME2> from *ACME*');
    expect((await ClientModel.findOne({ key: 'ACME' }).lean())?.channels).toEqual([ACME.channel]);

    const events = await auditSince(auditCount);
    expect(events.map((e) => [e.action, e.actorId, e.entityId])).toEqual([
      ['client.updated', STAFF.manager, 'ACME'],
      ['client.updated', STAFF.manager, 'ACME'],
    ]);
    expect(events[0]).toMatchObject({ before: { channels: [ACME.channel] }, after: { channels: [ACME.channel, 'C0ACME2'] } });
    expect(events[1]).toMatchObject({ before: { channels: [ACME.channel, 'C0ACME2'] }, after: { channels: [ACME.channel] } });
  });

  it.each<[string, string]>([
    [`channel link ACME <#${BETA.channel}|beta>`, `<#${BETA.channel}> already belongs to BETA`],
    [`channel unlink ACME <#${BETA.channel}|beta>`, `<#${BETA.channel}> is not linked to ACME`],
    ['channel unlink ACME <#C0NEVER|never>', '<#C0NEVER> is not linked to ACME'],
    ['channel link NOPE <#C0NOPE|nope>', 'There is no client NOPE'],
    ['channel link ACME', 'Give exactly one channel'],
  ])('%j is refused clearly and writes nothing', async (command, message) => {
    const before = await snapshot();
    expect(await admin(command)).toContain(message);
    expect(await snapshot()).toEqual(before);
  });
});

describe('staff', () => {
  const JANE = 'U0JANE';

  it('adds and removes engineer and manager roles, keeping the other role, with audit events', async () => {
    const auditCount = await AuditEventModel.countDocuments();
    const roles = async () => (await StaffModel.findOne({ userId: JANE }).lean())?.roles;

    expect(await admin(`engineer add <@${JANE}|jane>`)).toContain(`<@${JANE}> is now an engineer`);
    expect(await roles()).toEqual(['engineer']);
    expect(await admin(`manager add <@${JANE}|jane>`)).toContain(`<@${JANE}> is now a manager`);
    expect(await roles()).toEqual(['engineer', 'manager']);

    // Jane is a manager now, so she may use admin.
    expect(await admin('show', JANE)).toContain('*Clients*');

    expect(await admin(`engineer remove <@${JANE}|jane>`)).toContain(`<@${JANE}> is no longer an engineer`);
    expect(await roles()).toEqual(['manager']);
    expect(await admin(`engineer remove <@${JANE}|jane>`)).toContain(`<@${JANE}> is not an engineer; nothing to change`);
    expect(await admin(`manager add <@${JANE}>`)).toContain('is already a manager; nothing to change');

    expect(await admin(`manager remove <@${JANE}|jane>`)).toContain(`<@${JANE}> is no longer a manager`);
    expect(await roles()).toEqual([]);
    expect(await admin('show', JANE)).toBe(FORBIDDEN);

    const events = await auditSince(auditCount);
    expect(events.map((e) => ({ action: e.action, actorId: e.actorId, entityId: e.entityId, before: e.before, after: e.after }))).toEqual([
      { action: 'staff.roles_set', actorId: STAFF.manager, entityId: JANE, before: { roles: [] }, after: { roles: ['engineer'] } },
      { action: 'staff.roles_set', actorId: STAFF.manager, entityId: JANE, before: { roles: ['engineer'] }, after: { roles: ['engineer', 'manager'] } },
      { action: 'staff.roles_set', actorId: STAFF.manager, entityId: JANE, before: { roles: ['engineer', 'manager'] }, after: { roles: ['manager'] } },
      { action: 'staff.roles_set', actorId: STAFF.manager, entityId: JANE, before: { roles: ['manager'] }, after: { roles: [] } },
    ]);
  });

  it('does not let a manager remove their own manager role', async () => {
    const before = await snapshot();
    expect(await admin(`manager remove <@${STAFF.manager}|boss>`)).toMatch(/cannot remove your own manager role/);
    expect(await snapshot()).toEqual(before);
    expect((await StaffModel.findOne({ userId: STAFF.manager }).lean())?.roles).toEqual(['manager']);
  });
});

describe('show', () => {
  it('lists the clients with their settings and the staff', async () => {
    await admin(
      'client SHOWCO name: Show &amp; Tell, hourlyRate: 1200, currency: JPY, channels: [<#C0SHOW|show>], approvers: [<@U0SHOWBOSS>], ' +
        'monthlyBudgetHours: 7.5, autoApproveMinutes: 30, businessHours: {days: [1, 3, 6, 7], start: "10:00", end: "14:00"}',
    );
    const text = await admin('show');
    expect(text).toMatch(/\*Clients\* \(\d+\)/);
    expect(text).toContain('• *SHOWCO* Show &amp; Tell — <#C0SHOW>');
    expect(text).toContain('¥1,200/h, billed on completion, 15-min increments, 30-min minimum, estimates up to 30m need no approval');
    expect(text).toContain('Approvers: <@U0SHOWBOSS> · Budget: 7h 30m a month');
    expect(text).toContain('Europe/London, Mon, Wed, Sat–Sun 10:00–14:00 · SLA: urgent 15m, high 1h, normal 4h, low 8h');
    expect(text).toContain('• *ACME* Acme Ltd — <#C0ACME>');
    expect(text).toContain('£95.00/h');
    expect(text).toContain('Approvers: <@U0ACMEBOSS> · Budget: none');
    expect(text).toContain('• *BETA* Beta Co — <#C0BETA>');
    expect(text).toContain('£120.50/h, billed upfront on approval');
    expect(text).toContain('24×7');
    expect(text).toContain(`*Managers:* <@${STAFF.manager}>`);
    expect(text).toContain(`*Engineers:* <@${STAFF.engineer}>, <@${STAFF.engineer2}>`);
    expect(text.length).toBeLessThan(40000);
  });
});

describe('a channel moved to another client (#22, point 10)', () => {
  it("gets none of the first client's notices once unlinked from it, while triage still does", async () => {
    const key = await openByCommand(t, 'Printer jammed again', ACME.member, ACME.channel);
    await clickAndSettle(t, { key, user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key });
    await allDelivered();
    try {
      expect(await admin(`channel unlink ACME <#${ACME.channel}|acme>`)).toContain(`Unlinked <#${ACME.channel}> from *ACME*`);
      expect(await admin(`channel link BETA <#${ACME.channel}|acme>`)).toContain(`Linked <#${ACME.channel}> to *BETA*`);
      t.fake.clearCalls();
      // A change shown on both messages with a notice in the client thread, and a notice asked for directly.
      const { revision } = await record(key);
      await click(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.unclaim, value: key });
      await postInThread(t.web.effects, { key, requesterTeamId: undefined }, 'moved-channel', 'A notice for ACME only');
      await t.fake.waitFor('chat.update', (c) => c.args.channel === TRIAGE);
      await allDelivered();
      expect((await record(key)).revision).toBeGreaterThan(revision);
      expect(t.fake.calls.filter((c) => c.args.channel === ACME.channel || c.args.channel_id === ACME.channel)).toEqual([]);
      expect(t.fake.calls.filter((c) => c.args.text === 'A notice for ACME only')).toEqual([]);
    } finally {
      await ClientModel.updateOne({ key: 'BETA' }, { $pull: { channels: ACME.channel } });
      await ClientModel.updateOne({ key: 'ACME' }, { $addToSet: { channels: ACME.channel } });
    }
  });

  it('gets none of a notice asked for before the move and still waiting to be delivered', async () => {
    const key = await openByCommand(t, 'Scanner offline', ACME.member, ACME.channel);
    await allDelivered();
    const text = 'Asked for before the move';
    // Slack answers 500 to it until the channel has moved: it is recorded, tried, and waits for its retry.
    const slackBack = t.fake.failWhen('chat.postMessage', (args) => args.text === text, { status: 500 });
    try {
      await postInThread(t.web.effects, { key, requesterTeamId: undefined }, 'before-move', text);
      // Its attempt is over (failed, to be retried): none is under way while the channel moves.
      const waiting = await until(async () => {
        const effect = await findEffect(`thread|${key}|before-move`);
        return effect && effect.attempts >= 1 && !effect.leaseOwner ? effect : undefined;
      }, 'the first attempt to fail');
      expect([waiting.state, waiting.postedTs]).toEqual(['pending', undefined]);
      expect(await admin(`channel unlink ACME <#${ACME.channel}|acme>`)).toContain(`Unlinked <#${ACME.channel}> from *ACME*`);
      expect(await admin(`channel link BETA <#${ACME.channel}|acme>`)).toContain(`Linked <#${ACME.channel}> to *BETA*`);
      slackBack();
      // Its retry resolves the channel from ACME's channels as they are now: none of them is it.
      await until(async () => (await findEffect(`thread|${key}|before-move`))?.state === 'done', 'the notice to be settled', 15_000);
      expect(t.fake.calls.filter((c) => c.args.text === text && c.status === 200)).toEqual([]);
      expect((await findEffect(`thread|${key}|before-move`))?.postedTs).toBeUndefined();
    } finally {
      slackBack();
      await ClientModel.updateOne({ key: 'BETA' }, { $pull: { channels: ACME.channel } });
      await ClientModel.updateOne({ key: 'ACME' }, { $addToSet: { channels: ACME.channel } });
    }
  }, 30_000);

  it("gets none of a notice whose delivery was waiting for the channel's turn in Slack's pace when it moved", async () => {
    const key = await openByCommand(t, 'Label printer offline', ACME.member, ACME.channel);
    await allDelivered();
    const text = 'Waited for its turn through the move';
    const id = `thread|${key}|waited-turn`;
    // The channel is two messages behind Slack's pace (one a second): a person's notice waits in
    // place for its turn (up to 10 s) rather than being put off.
    const deps = t.worker!.effects.deliveryDeps;
    const token = (await deps.tokens.clientForClientSide(undefined))?.token;
    const bucket = bucketFor('chat.postMessage', { channel: ACME.channel }, workspaceOf(token))!;
    for (let i = 0; i < 2; i += 1) await deps.pacer!.take(bucket, 'interactive', new SlotBook());
    // Every turn taken in the channel's pace meanwhile.
    const monitor = await monitorRedis(t.config.redisUrl);
    try {
      await t.web.effects.delivery.post(id, { to: { thread: key }, workspace: 'client', text }, 'interactive');
      // Its delivery has started (leased) and is waiting for the turn.
      await until(async () => Boolean((await findEffect(id))?.leaseOwner), 'the delivery to start');
      expect(await admin(`channel unlink ACME <#${ACME.channel}|acme>`)).toContain(`Unlinked <#${ACME.channel}> from *ACME*`);
      expect(await admin(`channel link BETA <#${ACME.channel}|acme>`)).toContain(`Linked <#${ACME.channel}> to *BETA*`);
      await until(async () => (await findEffect(id))?.state === 'done', 'the notice to be settled', 20_000);
      expect(t.fake.calls.filter((c) => c.args.text === text)).toEqual([]);
      // One turn, the one it waited for: the WebClient's retry of the refused call is refused
      // without taking another, and the next attempt finds the channel unlinked.
      const turnKey = paceKeys(t.config.queuePrefix, bucket)[0];
      expect(monitor.commands.filter((args) => /^eval(sha)?$/i.test(args[0] ?? '') && args.includes(turnKey))).toHaveLength(1);
    } finally {
      monitor.stop();
      await ClientModel.updateOne({ key: 'BETA' }, { $pull: { channels: ACME.channel } });
      await ClientModel.updateOne({ key: 'ACME' }, { $addToSet: { channels: ACME.channel } });
    }
  }, 30_000);
});
