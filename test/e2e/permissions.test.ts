// Who may press which button on a request, over signed HTTP: every request button against every
// kind of person, each from the channel they would really click in. An allowed click changes the
// record (or opens its modal, whose submission then works); a refused one is told to the clicker
// only, is logged, and leaves the record and its audit trail exactly as they were.
import mongoose from 'mongoose';
import { AuditEventModel } from '../../src/db/auditEvent';
import { EstimateModel } from '../../src/db/estimate';
import { RequestModel, type RequestRecord } from '../../src/db/request';
import { logger } from '../../src/logger';
import { ACTION, VIEW_CANCEL_REQUEST, VIEW_REASSIGN_REQUEST, VIEW_RESOLVE_REQUEST } from '../../src/slack/ids';
import { allLinked, clickAndSettle, clickForModal, openByCommand, record, submit, submitAndSettle, untilSynced } from '../support/flows';
import { declareClientPeople, startTestApp, type TestApp, UNLIMITED_SLACK } from '../support/harness';
import type { RecordedCall } from '../support/slackFake';
import { ACME, BETA, COLLEAGUE, STAFF, STANDARD_SEED, TRIAGE } from '../support/testEnv';

const REQUESTER = 'U0ACMEREQ';
/** A guest account of our workspace, in Acme's channel (Acme's contractor, say). */
const GUEST = 'U0ACMEGUEST';
/** One of our own full members whom Acme's settings name as a member of its side. */
const LISTED = 'U0ACMELISTED';
const STRANGER = { user: 'U0STRANGER', channel: 'C0NOWHERE' } as const;

type Role =
  | 'manager'
  | 'assignee'
  | 'otherEngineer'
  | 'requester'
  | 'approver'
  | 'clientMember'
  | 'guest'
  | 'listedMember'
  | 'colleague'
  | 'otherClient'
  | 'stranger';

/** Each role as a user and the channel they click from. The assignee is always U0ENG1. */
const ROLES: Record<Role, { user: string; channel: string }> = {
  manager: { user: STAFF.manager, channel: TRIAGE },
  assignee: { user: STAFF.engineer, channel: TRIAGE },
  otherEngineer: { user: STAFF.engineer2, channel: TRIAGE },
  requester: { user: REQUESTER, channel: ACME.channel },
  approver: { user: ACME.boss, channel: ACME.channel },
  // From Acme's own organisation, in the Slack Connect channel.
  clientMember: { user: ACME.member, channel: ACME.channel },
  guest: { user: GUEST, channel: ACME.channel },
  listedMember: { user: LISTED, channel: ACME.channel },
  // One of our own full members, not staff (an account manager), in Acme's channel.
  colleague: { user: COLLEAGUE, channel: ACME.channel },
  otherClient: { user: BETA.member, channel: BETA.channel },
  stranger: STRANGER,
};
const ALL_ROLES = Object.keys(ROLES) as Role[];

type ButtonAction = 'claim' | 'unclaim' | 'reassign' | 'cancel' | 'resolve' | 'confirm' | 'reopen' | 'rate';
type Setup = 'open' | 'claimed' | 'resolved' | 'closed';

interface ModalSpec {
  callbackId: string;
  values: Record<string, string>;
  kinds?: Record<string, 'text' | 'select' | 'user'>;
}

interface ActionSpec {
  /** The state an ACME request is put in first, one where the action is valid. */
  from: Setup;
  /** Written from PRODUCT.md, not from src/domain/permissions.ts, so the two check each other. */
  allowed: readonly Role[];
  refusal: RegExp;
  modal?: ModalSpec;
  /** What the clicker is told once the change is made, if anything. */
  toldAfter?: RegExp;
  expectAfter(after: RequestRecord, user: string): void;
}

const CLIENT_PEOPLE: readonly Role[] = ['requester', 'approver', 'clientMember', 'guest', 'listedMember'];
/** What a colleague is told instead of the action's own refusal, for what only the client decides. */
const COLLEAGUE_REFUSAL = /^You're a member of our own workspace, not of ACME's side, so you can read and comment here but not .*admin client ACME members: \[@you\]/;
const CLIENT_DECISIONS: readonly ButtonAction[] = ['cancel', 'confirm', 'reopen', 'rate'];
const refusalFor = (action: ButtonAction, role: Role) => (role === 'colleague' && CLIENT_DECISIONS.includes(action) ? COLLEAGUE_REFUSAL : ACTIONS[action].refusal);
const STARS = 4;

const ACTIONS: Record<ButtonAction, ActionSpec> = {
  claim: {
    from: 'open',
    allowed: ['manager', 'assignee', 'otherEngineer'],
    refusal: /^Only engineers can claim requests\.$/,
    expectAfter: (after, user) => expect(after).toMatchObject({ state: 'claimed', assigneeId: user }),
  },
  unclaim: {
    from: 'claimed',
    allowed: ['assignee', 'manager'],
    refusal: /^Only the assigned engineer or a manager can unclaim/,
    expectAfter: (after) => {
      expect(after.state).toBe('open');
      expect(after.assigneeId).toBeUndefined();
    },
  },
  reassign: {
    from: 'claimed',
    allowed: ['manager'],
    refusal: /^Only managers can reassign/,
    modal: { callbackId: VIEW_REASSIGN_REQUEST, values: { assignee: STAFF.engineer2 }, kinds: { assignee: 'user' } },
    toldAfter: new RegExp(`is now with <@${STAFF.engineer2}>`),
    expectAfter: (after) => expect(after).toMatchObject({ state: 'claimed', assigneeId: STAFF.engineer2 }),
  },
  cancel: {
    from: 'open',
    allowed: ['requester', 'approver', 'manager'],
    refusal: /^Only the person who asked, an approver or a manager can cancel/,
    modal: { callbackId: VIEW_CANCEL_REQUEST, values: { reason: 'No longer needed' } },
    expectAfter: (after) => expect(after).toMatchObject({ state: 'cancelled', cancelReason: 'No longer needed' }),
  },
  resolve: {
    from: 'claimed',
    allowed: ['assignee', 'manager'],
    refusal: /^Only the assigned engineer or a manager can resolve/,
    modal: { callbackId: VIEW_RESOLVE_REQUEST, values: { resolution: 'Rotated the expired certificate' } },
    expectAfter: (after) => expect(after).toMatchObject({ state: 'resolved', resolution: 'Rotated the expired certificate' }),
  },
  confirm: {
    from: 'resolved',
    allowed: CLIENT_PEOPLE,
    refusal: /^Only the client can confirm/,
    expectAfter: (after) => {
      expect(after.state).toBe('closed');
      expect(after.closedAt).toBeInstanceOf(Date);
    },
  },
  reopen: {
    from: 'resolved',
    allowed: CLIENT_PEOPLE,
    refusal: /^Only the client can reopen/,
    expectAfter: (after) => expect(after).toMatchObject({ state: 'in_progress', assigneeId: STAFF.engineer }),
  },
  rate: {
    from: 'closed',
    allowed: CLIENT_PEOPLE,
    refusal: /^Only the client can rate/,
    expectAfter: (after) => expect(after).toMatchObject({ state: 'closed', rating: STARS }),
  },
};

let t: TestApp;
let warn: jest.SpyInstance;

beforeAll(async () => {
  // The matrix opens a dozen requests at once in one channel: far more posts than Slack allows a
  // second. Its subject is who may click what, so Slack's limits are off here.
  t = await startTestApp(UNLIMITED_SLACK, (fake) => declareClientPeople(fake, { fromAcme: [REQUESTER], guests: [GUEST] }));
  await t.seed(STANDARD_SEED.replace(`approvers: [${ACME.boss}]`, `approvers: [${ACME.boss}]\n    members: [${LISTED}]`));
  warn = jest.spyOn(logger, 'warn');
});
afterAll(async () => {
  warn.mockRestore();
  await t.stop();
});
beforeEach(() => {
  t.fake.clearCalls();
  warn.mockClear();
});

// ---- steps -------------------------------------------------------------------------------------

let titles = 0;

/**
 * A new ACME request asked for by REQUESTER, taken through the real buttons to `state` (claimed
 * and resolved by U0ENG1). Safe to run several at once: each step waits on its own request.
 */
async function requestIn(state: Setup): Promise<string> {
  const key = await openByCommand(t, `Permission check ${++titles}`, REQUESTER, ACME.channel);
  if (state === 'open') return key;
  await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
  if (state === 'claimed') return key;
  const trigger = await press('resolve', key, ROLES.assignee);
  const [opened] = await t.fake.waitFor('views.open', (c) => c.args.trigger_id === trigger);
  await submitAndSettle(key, () => submit(t, STAFF.engineer, opened?.args.view as Record<string, unknown>, { resolution: 'Done' }));
  if (state === 'resolved') return key;
  await clickAndSettle(t, { user: REQUESTER, channel: ACME.channel, actionId: ACTION.confirm, value: key, key });
  return key;
}

/**
 * Requests ready in a state, made ahead in parallel or left behind by an allowed click (a confirm
 * leaves a closed request a rate can use). Checked against the record before use.
 */
const ready: Record<Setup, string[]> = { open: [], claimed: [], resolved: [], closed: [] };

async function fitsSetup(key: string, state: Setup): Promise<boolean> {
  const r = await record(key);
  if (r.state !== state) return false;
  if (state === 'claimed' || state === 'resolved') return r.assigneeId === STAFF.engineer;
  if (state === 'closed') return !r.rating;
  return true;
}

async function takeRequestIn(state: Setup): Promise<string> {
  for (let key = ready[state].shift(); key; key = ready[state].shift()) {
    if (await fitsSetup(key, state)) return key;
  }
  return requestIn(state);
}

async function leaveForLater(key: string): Promise<void> {
  const { state } = await record(key);
  if (state in ready && (await fitsSetup(key, state as Setup))) ready[state as Setup].push(key);
}

async function prepare(states: Setup[]): Promise<void> {
  const keys = await Promise.all(states.map((s) => requestIn(s)));
  keys.forEach((key, i) => ready[states[i]!].push(key));
}

/** Refusals change nothing, so all refusals of one action share one request. */
const shared = new Map<ButtonAction, string>();

let triggers = 0;

/** Presses the action's button on `key` as `user` in `channel`; returns the trigger_id sent. */
async function press(action: ButtonAction, key: string, who: { user: string; channel: string }, messageTs = '1.0'): Promise<string> {
  const trigger_id = `perm-trigger-${++triggers}`;
  const res = await t.slack.blockAction({
    user: { id: who.user, team_id: 'T0OURS' },
    channel: { id: who.channel },
    container: { type: 'message', channel_id: who.channel, message_ts: messageTs },
    actions: [
      action === 'rate'
        ? { action_id: `${ACTION.rate}_${STARS}`, value: `${key} ${STARS}` }
        : { action_id: ACTION[action], value: key },
    ],
    trigger_id,
  });
  expect(res.status).toBe(200);
  return trigger_id;
}

async function ephemeralTo(user: string): Promise<RecordedCall> {
  const [call] = await t.fake.waitFor('chat.postEphemeral', (c) => c.args.user === user);
  if (!call) throw new Error('unreachable');
  return call;
}

/** The request exactly as MongoDB stores it, in BSON bytes. */
async function storedBytes(key: string): Promise<Buffer> {
  const raw = await RequestModel.collection.findOne({ key });
  if (!raw) throw new Error(`${key} does not exist`);
  return Buffer.from(mongoose.mongo.BSON.serialize(raw));
}

async function auditOf(key: string) {
  return AuditEventModel.find({ entityId: key }).sort({ at: 1, _id: 1 }).lean();
}

interface Snapshot {
  record: RequestRecord;
  bytes: Buffer;
  audit: Awaited<ReturnType<typeof auditOf>>;
}

async function snapshot(key: string): Promise<Snapshot> {
  await allLinked();
  return { record: await record(key), bytes: await storedBytes(key), audit: await auditOf(key) };
}

async function expectUnchanged(key: string, before: Snapshot): Promise<void> {
  expect(await record(key)).toEqual(before.record);
  expect((await storedBytes(key)).equals(before.bytes)).toBe(true);
  await allLinked();
  expect(await auditOf(key)).toEqual(before.audit);
}

function expectRefusalLogged(key: string, who: { user: string; channel: string }, permission: string): void {
  expect(warn).toHaveBeenCalledWith(
    expect.objectContaining({ request: key, user: who.user, channel: who.channel, permission }),
    expect.stringMatching(/^Refused/),
  );
}

/** What came first after a click: the modal for that click, or an ephemeral to the clicker. */
async function modalOrRefusal(triggerId: string, user: string): Promise<{ view: Record<string, unknown> } | { refused: string }> {
  return Promise.race([
    t.fake.waitFor('views.open', (c) => c.args.trigger_id === triggerId).then(([c]) => ({ view: c?.args.view as Record<string, unknown> })),
    ephemeralTo(user).then((c) => ({ refused: String(c.args.text) })),
  ]);
}

/** What came first after a click: the request changed, or the clicker was told something. */
function changeOrMessage(key: string, revision: number, user: string): Promise<{ record: RequestRecord } | { refused: string }> {
  return Promise.race([
    untilSynced(key, revision).then((r) => ({ record: r as RequestRecord })),
    ephemeralTo(user).then((c) => ({ refused: String(c.args.text) })),
  ]);
}

/** Waits for the change a click should make, or fails at once with the refusal it got instead. */
async function changeOrRefusal(key: string, revision: number, user: string): Promise<RequestRecord> {
  const outcome = await changeOrMessage(key, revision, user);
  if ('refused' in outcome) throw new Error(`expected the click to be allowed, but was told: ${outcome.refused}`);
  return outcome.record;
}

// ---- the matrix --------------------------------------------------------------------------------

interface Cell {
  action: ButtonAction;
  role: Role;
  allowed: boolean;
}

const cells: Cell[] = (Object.keys(ACTIONS) as ButtonAction[]).flatMap((action) =>
  ALL_ROLES.map((role) => ({ action, role, allowed: ACTIONS[action].allowed.includes(role) })),
);

it('covers every button and every role, with both outcomes for every button', () => {
  expect(cells).toHaveLength(8 * 11);
  for (const action of Object.keys(ACTIONS) as ButtonAction[]) {
    const row = cells.filter((c) => c.action === action);
    expect(row.some((c) => c.allowed)).toBe(true);
    expect(row.some((c) => !c.allowed)).toBe(true);
  }
  // Not staff, not other clients, for what only the client may do.
  for (const action of ['confirm', 'reopen', 'rate'] as const) {
    for (const outsider of ['manager', 'assignee', 'otherEngineer', 'colleague', 'otherClient', 'stranger'] as const) {
      expect(ACTIONS[action].allowed).not.toContain(outsider);
    }
  }
  // Nobody outside our staff and Acme's people may do anything to an Acme request.
  expect(cells.filter((c) => c.allowed && (c.role === 'otherClient' || c.role === 'stranger'))).toEqual([]);
});

// Refusals run first: they share requests and must not see the echoes of allowed clicks.
describe('refused clicks: told privately, logged, nothing changed', () => {
  beforeAll(async () => {
    const actions = Object.keys(ACTIONS) as ButtonAction[];
    const keys = await Promise.all(actions.map((a) => requestIn(ACTIONS[a].from)));
    actions.forEach((a, i) => shared.set(a, keys[i]!));
  });

  it.each(cells.filter((c) => !c.allowed).map((c) => [c.action, c.role] as const))('%s by %s', async (action, role) => {
    const who = ROLES[role];
    const key = shared.get(action);
    if (!key) throw new Error(`no request was prepared for ${action}`);
    const before = await snapshot(key);

    const triggerId = await press(action, key, who);
    const told = await ephemeralTo(who.user);

    expect(told.args.channel).toBe(who.channel);
    expect(String(told.args.text)).toMatch(refusalFor(action, role));
    expect(t.fake.callsTo('views.open').filter((c) => c.args.trigger_id === triggerId)).toEqual([]);
    expectRefusalLogged(key, who, action);
    await expectUnchanged(key, before);
  });
});

describe('allowed clicks change the request', () => {
  // Made ahead in parallel; requests left by earlier allowed clicks cover the rest (unclaim leaves
  // two open, resolve two resolved, confirm three closed for rate).
  beforeAll(() => prepare([...Array<Setup>(4).fill('open'), ...Array<Setup>(4).fill('claimed'), ...Array<Setup>(4).fill('resolved')]));

  it.each(cells.filter((c) => c.allowed).map((c) => [c.action, c.role] as const))('%s by %s', async (action, role) => {
    const who = ROLES[role];
    const spec = ACTIONS[action];
    const key = await takeRequestIn(spec.from);
    const before = await snapshot(key);

    const triggerId = await press(action, key, who);
    let after: RequestRecord;
    if (spec.modal) {
      const outcome = await modalOrRefusal(triggerId, who.user);
      if ('refused' in outcome) throw new Error(`expected a modal, but ${who.user} was told: ${outcome.refused}`);
      expect(outcome.view.callback_id).toBe(spec.modal.callbackId);
      // Opening the modal changes nothing yet.
      await expectUnchanged(key, before);
      const modal = spec.modal;
      after = await submitAndSettle(key, () => submit(t, who.user, outcome.view, modal.values, modal.kinds));
    } else {
      after = await changeOrRefusal(key, before.record.revision, who.user);
    }

    spec.expectAfter(after, who.user);
    const toldAfter = spec.toldAfter;
    if (toldAfter) await t.fake.waitFor('chat.postEphemeral', (c) => c.args.user === who.user && toldAfter.test(String(c.args.text)));
    const trail = await auditOf(key);
    expect(trail).toHaveLength(before.audit.length + 1);
    expect(trail[trail.length - 1]).toMatchObject({ action: `request.${action}`, actorId: who.user, entityType: 'request', clientKey: 'ACME' });
    await leaveForLater(key);
  });
});

// ---- forgeries ---------------------------------------------------------------------------------

describe('a button forged from another client\'s channel', () => {
  it.each([
    ['confirm', 'resolved'],
    ['reopen', 'resolved'],
    ['cancel', 'open'],
  ] as const)('%s on an ACME request from C0BETA is refused and logged, while the same click on a BETA request works', async (action, state) => {
    // A real BETA request and its message: the forger copies that button and edits its value.
    const betaKey = await openByCommand(t, `Beta ${action} control`, BETA.member, BETA.channel);
    await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: betaKey, key: betaKey });
    if (state === 'resolved') {
      const modal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.resolve, value: betaKey });
      await submitAndSettle(betaKey, () => submit(t, STAFF.engineer, modal, { resolution: 'Done' }));
    }
    const betaMessageTs = (await record(betaKey)).clientMessageTs ?? undefined;
    const acmeKey = await requestIn(state);
    const before = await snapshot(acmeKey);
    t.fake.clearCalls();

    const forger = { user: BETA.member, channel: BETA.channel };
    await press(action, acmeKey, forger, betaMessageTs);
    const told = await ephemeralTo(BETA.member);
    expect(told.args.channel).toBe(BETA.channel);
    expect(String(told.args.text)).toMatch(ACTIONS[action].refusal);
    // Nothing about Acme's request is shown to Beta.
    expect(String(told.args.text)).not.toContain('Permission check');
    expectRefusalLogged(acmeKey, forger, action);
    await expectUnchanged(acmeKey, before);

    // Control: the same person and button on their own client's request goes through.
    t.fake.clearCalls();
    const { revision } = await record(betaKey);
    const trigger = await press(action, betaKey, forger, betaMessageTs);
    if (action === 'cancel') {
      expect(await modalOrRefusal(trigger, BETA.member)).toEqual({ view: expect.objectContaining({ callback_id: VIEW_CANCEL_REQUEST }) });
    } else {
      const after = await changeOrRefusal(betaKey, revision, BETA.member);
      expect(after.state).toBe(action === 'confirm' ? 'closed' : 'in_progress');
    }
  });
});

describe('a forged view submission', () => {
  /** Two claimed ACME requests whose keys differ in their last character only. */
  async function neighbours(): Promise<[string, string]> {
    for (;;) {
      const first = await requestIn('claimed');
      if (first.endsWith('9')) continue;
      const second = await requestIn('claimed');
      return [first, second];
    }
  }

  it('is refused with a field error when one character of the private_metadata is changed', async () => {
    const [target, other] = await neighbours();
    const modal = await clickForModal(t, { user: STAFF.manager, channel: TRIAGE, actionId: ACTION.resolve, value: other });
    const metadata = String(modal.private_metadata);
    expect(metadata).toContain(`"key":"${other}"`);
    const beforeTarget = await snapshot(target);
    const beforeOther = await snapshot(other);

    const dot = metadata.indexOf('.');
    const flip = (c: string) => (c === 'A' ? 'B' : 'A');
    const forgeries = {
      // Point the signed form at another request by editing the key.
      'the key': metadata.replace(`"key":"${other}"`, `"key":"${target}"`),
      // Keep the body, touch the signature.
      'the signature': flip(metadata[0] ?? '') + metadata.slice(1),
      'the last character of the signature': metadata.slice(0, dot - 1) + flip(metadata[dot - 1] ?? '') + metadata.slice(dot),
    };
    for (const [what, forged] of Object.entries(forgeries)) {
      expect([what, [...forged].filter((c, i) => c !== metadata[i]).length, forged.length]).toEqual([what, 1, metadata.length]);
      const res = await submit(t, STAFF.manager, { ...modal, private_metadata: forged }, { resolution: 'Forged fix' });
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({ response_action: 'errors', errors: { resolution: expect.stringMatching(/out of date or was changed/) } });
    }
    await expectUnchanged(target, beforeTarget);
    await expectUnchanged(other, beforeOther);

    // Control: the untouched form goes through, so the refusals above were about the edits.
    const resolved = await submitAndSettle(other, () => submit(t, STAFF.manager, modal, { resolution: 'Genuine fix' }));
    expect(resolved).toMatchObject({ state: 'resolved', resolution: 'Genuine fix' });
    await expectUnchanged(target, beforeTarget);
  });

  it('is authorised again on submission: an engineer reassigned away meanwhile cannot resolve', async () => {
    const key = await requestIn('claimed');
    const resolveModal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.resolve, value: key });
    const reassign = await clickForModal(t, { user: STAFF.manager, channel: TRIAGE, actionId: ACTION.reassign, value: key });
    await submitAndSettle(key, () => submit(t, STAFF.manager, reassign, { assignee: STAFF.engineer2 }, { assignee: 'user' }));
    const before = await snapshot(key);

    const res = await submit(t, STAFF.engineer, resolveModal, { resolution: 'Too late' });
    expect(res.json()).toEqual({ response_action: 'errors', errors: { resolution: expect.stringMatching(ACTIONS.resolve.refusal) } });
    await expectUnchanged(key, before);
  });
});

// ---- staff acting inside the client's channel --------------------------------------------------

describe('staff clicking in the client\'s own channel are still staff, not the client', () => {
  // Engineers talk to clients in the client thread, so they see the client's buttons there. Being
  // in the channel must not make them the client: they would close and rate their own work.
  it.each([
    ['the assignee confirms his own fix', 'confirm', 'resolved', { user: STAFF.engineer, channel: ACME.channel }],
    ['the manager confirms a fix', 'confirm', 'resolved', { user: STAFF.manager, channel: ACME.channel }],
    ['another engineer reopens a request', 'reopen', 'resolved', { user: STAFF.engineer2, channel: ACME.channel }],
    ['the assignee rates his own work', 'rate', 'closed', { user: STAFF.engineer, channel: ACME.channel }],
  ] as const)('refused in C0ACME: %s', async (_label, action, state, who) => {
    const key = await requestIn(state);
    const before = await snapshot(key);
    await press(action, key, who);
    const outcome = await changeOrMessage(key, before.record.revision, who.user);
    expect(outcome).toEqual({ refused: expect.stringMatching(ACTIONS[action].refusal) });
    await expectUnchanged(key, before);
  });

  it('refused in C0BETA: an engineer approves his own estimate for a client that lists no approvers', async () => {
    const key = await openByCommand(t, 'Beta wants an estimate', BETA.member, BETA.channel);
    await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
    const { revision } = await record(key);
    const posted = await t.slack.slashCommand({ text: `estimate ${key} 3h`, user_id: STAFF.engineer, channel_id: TRIAGE });
    expect(String((posted.json() as { text?: string }).text)).toMatch(/waiting for the client's approval/);
    await untilSynced(key, revision);
    const estimate = await EstimateModel.findOne({ requestKey: key }).lean();
    if (!estimate) throw new Error('no estimate was stored');
    const before = await snapshot(key);
    t.fake.clearCalls();

    const approve = (user: string) =>
      t.slack.blockAction({
        user: { id: user, team_id: 'T0OURS' },
        channel: { id: BETA.channel },
        container: { type: 'message', channel_id: BETA.channel, message_ts: '1.0' },
        actions: [{ action_id: ACTION.approveEstimate, value: estimate._id.toHexString() }],
      });
    await approve(STAFF.engineer);
    const outcome = await changeOrMessage(key, before.record.revision, STAFF.engineer);
    expect(outcome).toEqual({ refused: expect.stringMatching(/Only the client's approvers can approve/) });
    await expectUnchanged(key, before);
    expect((await EstimateModel.findById(estimate._id).lean())?.decision).toBe('pending');

    // Control: Beta's own member, in Beta's channel, may approve (no approvers are listed).
    await approve(BETA.member);
    expect(await changeOrRefusal(key, before.record.revision, BETA.member)).toMatchObject({ state: 'approved' });
  });
});
