// Hostile input on every surface, over signed HTTP: command arguments, button values, modal
// fields, forged private_metadata, events, and Mongo operators inside the payload JSON. A refusal
// must be a clear answer in plain words with the database unchanged (the requests, estimates,
// time entries, clients, staff and audit events, deep-equal before and after); an acceptance must
// store exactly what was meant and never echo a mention unescaped.
//
// Cases are batched (one snapshot around a batch of refusals, acceptances run in parallel on
// requests of their own) so that the few hundred cases share one app and stay fast. A failing
// batch names every case that failed.
import mongoose from 'mongoose';
import { AuditEventModel } from '../../src/db/auditEvent';
import { ClientModel } from '../../src/db/client';
import { EstimateModel } from '../../src/db/estimate';
import { RequestModel } from '../../src/db/request';
import { SlackEventModel } from '../../src/db/slackEvent';
import { StaffModel } from '../../src/db/staff';
import { TimeEntryModel } from '../../src/db/timeEntry';
import {
  ACTION,
  SHORTCUT_CREATE_REQUEST,
  VIEW_ASK_QUESTION,
  VIEW_CANCEL_REQUEST,
  VIEW_DECLINE_ESTIMATE,
  VIEW_EDIT_TIME,
  VIEW_ESTIMATE,
  VIEW_LOG_TIME,
  VIEW_NEW_REQUEST,
  VIEW_REASSIGN_REQUEST,
  VIEW_RESOLVE_REQUEST,
} from '../../src/slack/ids';
import { sealMetadata } from '../../src/slack/metadata';
import { allDelivered, allLinked, clickAndSettle, openByCommand, record, untilSynced } from '../support/flows';
import { startTestApp, type TestApp, UNLIMITED_SLACK } from '../support/harness';
import { BOT_USER_ID } from '../support/slackFake';
import { ACME, BETA, STAFF, TRIAGE } from '../support/testEnv';
import { until } from '../support/until';

let t: TestApp;

// ---------------------------------------------------------------------------------------------
// The hostile values
// ---------------------------------------------------------------------------------------------

const HUGE = 'x'.repeat(40000);
const H = {
  empty: '',
  blank: '   ',
  huge: HUGE,
  control: '\u0000\u0007\u001b[31m',
  emojiRtl: '🔥💥🚒 \u202Eمرحبا\u202C',
  channel: '<!channel>',
  user: `<@${STAFF.manager}>`,
  mongo: '{"$gt": ""}',
  where: '$where',
  surrogate: '\ud800',
} as const;
type HostileName = keyof typeof H;
const HOSTILE = Object.entries(H) as Array<[HostileName, string]>;
const except = (...names: HostileName[]) => HOSTILE.filter(([name]) => !names.includes(name));
/** A Mongo operator where a string belongs, inside the payload JSON itself. */
const OPERATOR = { $gt: '' };
const NO_SUCH_OBJECT_ID = '0123456789abcdef01234567';

const STALE_BUTTON = /doesn't work any more/;
const STALE_FORM = /out of date or was changed on the way/;
const NOT_A_CLIENT = /isn't linked to a client/;
const DURATION = /duration|Try /;

/** What a string becomes once stored: control characters gone, trimmed, lone surrogates replaced (UTF-8). */
function cleaned(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '') // eslint-disable-line no-control-regex
    .trim()
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** What someone meant when Slack delivered escaped text: `<!channel>` is "@channel", `<@U1>` is "@U1". */
function meantFromSlack(text: string): string {
  return cleaned(
    text
      .replace(/<!(channel|here|everyone)>/g, '@$1')
      .replace(/<@([UW][A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => `@${name || id}`),
  );
}

// ---------------------------------------------------------------------------------------------
// The database, before and after
// ---------------------------------------------------------------------------------------------

const WATCHED = [RequestModel, EstimateModel, TimeEntryModel, ClientModel, StaffModel, AuditEventModel];

interface Snapshot {
  counts: Record<string, number>;
  docs: Record<string, unknown[]>;
  /** All of it as text: comparing this is fast; the deep diff is only for a failure message. */
  text: string;
}

async function snapshot(): Promise<Snapshot> {
  // Deliveries of earlier steps write what Slack answered (message ts); let them land first.
  await allDelivered();
  // And the worker's chainer has linked every event, so it changes none afterwards.
  await allLinked();
  const db = mongoose.connection.db;
  if (!db) throw new Error('not connected');
  const entries = await Promise.all(
    WATCHED.map(async (model) => {
      const name = model.collection.collectionName;
      return [name, await db.collection(name).find({}).sort({ _id: 1 }).toArray()] as const;
    }),
  );
  const docs = Object.fromEntries(entries);
  return { counts: Object.fromEntries(entries.map(([name, list]) => [name, list.length])), docs, text: JSON.stringify(docs) };
}

async function expectUnchanged(before: Snapshot): Promise<void> {
  const after = await snapshot();
  expect(after.counts).toEqual(before.counts);
  if (after.text !== before.text) expect(after.docs).toEqual(before.docs);
}

// ---------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------

const INTERNALS = /\bat \/|\.ts:\d+|Error:|TypeError|ZodError|\[object Object\]|\bundefined\b/;

/** Words for a person: not empty, no stack trace or internal error, no apology for their own input, not a wall of text. */
function expectClearAnswer(answer: string | undefined, pattern: RegExp, opts: { zodWordsAllowed?: boolean } = {}): void {
  expect(typeof answer).toBe('string');
  const text = String(answer);
  expect(text.trim().length).toBeGreaterThan(0);
  expect(text).toMatch(pattern);
  expect(text).not.toMatch(INTERNALS);
  if (!opts.zodWordsAllowed) expect(text).not.toMatch(/Invalid input|expected string|received object/);
  expect(text).not.toMatch(/something went wrong on our side/);
  expect(text.length).toBeLessThanOrEqual(3000);
}

/** Whatever the app said, no stack trace or internal error in it. */
function expectNoInternals(said: string): void {
  expect(said).not.toMatch(/\bat \/|\.ts:\d+|TypeError|ZodError|\[object Object\]/);
}

const PINGS = ['<!channel>', '<!here>', '<!everyone>', `<@${STAFF.manager}>`];

/** No call the app made to Slack since the calls were cleared (nor `extra`) carries a hostile mention unescaped. */
function expectNoUnescapedEcho(extra: string[] = []): void {
  const said = [...t.fake.calls.map((c) => JSON.stringify(c.args)), ...extra].join('\n');
  for (const ping of PINGS) expect(said).not.toContain(ping);
}

function firstLines(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').split('\n').filter((l) => l.trim()).slice(0, 4).join(' | ').slice(0, 400);
}

interface Case {
  label: string;
  run: () => Promise<void>;
}

/**
 * Runs cases one after another; every failing case is named. With `unchanged`, the database must
 * be the same after the whole batch as before it.
 */
async function runCases(cases: Case[], opts: { unchanged: boolean }): Promise<void> {
  const before = opts.unchanged ? await snapshot() : undefined;
  const failures: string[] = [];
  for (const c of cases) {
    t.fake.clearCalls();
    try {
      await c.run();
    } catch (error) {
      failures.push(`${c.label}: ${firstLines(error)}`);
    }
  }
  expect(failures).toEqual([]);
  if (before) await expectUnchanged(before);
}

/** A case that must be refused: a clear answer matching `pattern`, nothing echoed unescaped. */
function refusal(label: string, send: () => Promise<string>, pattern: RegExp, opts: { zodWordsAllowed?: boolean } = {}): Case {
  return {
    label,
    run: async () => {
      const answer = await send();
      expectClearAnswer(answer, pattern, opts);
      expectNoUnescapedEcho([answer]);
    },
  };
}

/** Acceptances run side by side; every failing one is named. */
async function allAccepted<T>(items: T[], label: (item: T) => string, run: (item: T) => Promise<void>): Promise<void> {
  t.fake.clearCalls();
  const results = await Promise.allSettled(items.map(run));
  const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`${label(items[i] as T)}: ${firstLines(r.reason)}`] : []));
  expect(failures).toEqual([]);
  expectNoUnescapedEcho();
}

// ---------------------------------------------------------------------------------------------
// Sending things
// ---------------------------------------------------------------------------------------------

async function command(text: string, user: string, channel: string): Promise<string> {
  const res = await t.slack.slashCommand({ text, user_id: user, channel_id: channel });
  expect(res.status).toBe(200);
  return res.body === '' ? '' : String((res.json() as { text?: unknown }).text ?? '');
}

let triggers = 0;

function clickRaw(user: string, channel: string, actionId: string, value: unknown, extra: { messageTs?: string; userId?: unknown; trigger?: string } = {}) {
  const payload = t.slack.buildBlockAction({
    user: { id: user, team_id: 'T0OURS' },
    channel: { id: channel },
    container: { type: 'message', channel_id: channel, message_ts: extra.messageTs ?? '1.0' },
    ...(extra.messageTs ? { message: { ts: extra.messageTs } } : {}),
    actions: [{ action_id: actionId, type: 'button' }],
    trigger_id: extra.trigger ?? `hostile-${++triggers}`,
  });
  const actions = payload.actions as Array<Record<string, unknown>>;
  if (actions[0] && value !== undefined) actions[0].value = value;
  if (extra.userId !== undefined) (payload.user as Record<string, unknown>).id = extra.userId;
  return t.slack.interaction(payload);
}

/** Clicks and returns what the clicker was told (calls are cleared when each case begins). */
async function clickAnswer(user: string, channel: string, actionId: string, value: unknown): Promise<string> {
  const res = await clickRaw(user, channel, actionId, value);
  expect(res.status).toBe(200);
  const [told] = await t.fake.waitFor('chat.postEphemeral', (c) => c.args.user === user);
  return String(told?.args.text);
}

/** Clicks a button that opens a modal and returns that modal; safe to run side by side. */
async function openModal(user: string, channel: string, actionId: string, value: string): Promise<Record<string, unknown>> {
  const trigger = `hostile-modal-${++triggers}`;
  await clickRaw(user, channel, actionId, value, { trigger });
  const [open] = await t.fake.waitFor('views.open', (c) => c.args.trigger_id === trigger);
  const view = open?.args.view as Record<string, unknown> | undefined;
  if (!view) throw new Error(`no modal for ${actionId} ${value}`);
  return view;
}

type Element = Record<string, unknown>;
const textEl = (value: unknown): Element => ({ value: { type: 'plain_text_input', value } });
const selectEl = (value: unknown): Element => ({ value: { type: 'static_select', selected_option: { value } } });
const userEl = (value: unknown): Element => ({ value: { type: 'users_select', selected_user: value } });

/** Submits a modal; the field errors when refused, undefined when accepted. */
async function submitAnswer(user: unknown, callbackId: string, metadata: string, values: Record<string, Element>): Promise<Record<string, string> | undefined> {
  const payload = t.slack.buildViewSubmission({ user: { id: String(user), team_id: 'T0OURS' }, view: { callback_id: callbackId, private_metadata: metadata, state: { values } } });
  if (typeof user !== 'string') (payload.user as Record<string, unknown>).id = user;
  const res = await t.slack.interaction(payload);
  expect(res.status).toBe(200);
  if (res.body === '') return undefined;
  const body = res.json() as { response_action?: string; errors?: Record<string, string> };
  expect(body.response_action).toBe('errors');
  return body.errors ?? {};
}

const meta = (view: Record<string, unknown> | undefined) => String(view?.private_metadata ?? '');

let tsCounter = 0;
const nextTs = () => `1900000000.${String(++tsCounter).padStart(6, '0')}`;
const mentionText = (value: string) => `<@${BOT_USER_ID}> ${value}`;

function mention(text: unknown, extra: Record<string, unknown> = {}, opts: Parameters<TestApp['slack']['event']>[1] = {}) {
  const ts = nextTs();
  return t.slack.event({ type: 'app_mention', user: ACME.member, text, channel: ACME.channel, ts, event_ts: ts, ...extra }, opts);
}

// ---------------------------------------------------------------------------------------------
// Fixtures: requests in the states the buttons and modals need, and the real modals
// ---------------------------------------------------------------------------------------------

interface Fixtures {
  open: string; // ACME, open: the target of key buttons
  work: string; // ACME, claimed by engineer 1: resolve, reassign, estimate and log-time modals
  est: string; // ACME, claimed, with a pending estimate
  estimateId: string;
  entryId: string; // a non-billable entry of engineer 1 on `work`
  cmd: string; // ACME, claimed: the target of `/help estimate` and `/help log`
  views: Record<string, Record<string, unknown>>;
}
const fx = {} as Fixtures;

async function claimed(title: string): Promise<string> {
  const key = await openByCommand(t, title, ACME.member, ACME.channel);
  await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
  return key;
}

async function pendingEstimate(key: string, amount = '1h'): Promise<string> {
  const answer = await command(`estimate ${key} ${amount}`, STAFF.engineer, TRIAGE);
  expect(answer).toMatch(/waiting for the client's approval/);
  const estimate = await EstimateModel.findOne({ requestKey: key }).sort({ version: -1 }).lean();
  if (!estimate) throw new Error('no estimate');
  return estimate._id.toHexString();
}

beforeAll(async () => {
  // Hundreds of hostile payloads in seconds, far past Slack's limits; the subject is what is
  // written and echoed, so Slack's limits are off here.
  t = await startTestApp(UNLIMITED_SLACK);
  await t.seed();
  // Everyone these tests tell something in a client channel is a member of it (the DM intake reads members).
  t.fake.setChannelMembers(ACME.channel, [ACME.member, ACME.boss, ...Object.values(STAFF)]);
  t.fake.setChannelMembers(BETA.channel, [BETA.member, ...Object.values(STAFF)]);
  fx.open = await openByCommand(t, 'Hostile target, open', ACME.member, ACME.channel);
  [fx.work, fx.est, fx.cmd] = await Promise.all([claimed('Hostile target, claimed'), claimed('Hostile target, estimated'), claimed('Hostile target of commands')]);
  fx.estimateId = await pendingEstimate(fx.est, '2h');
  expect(await command(`log 30m ${fx.work} non-billable first pass`, STAFF.engineer, TRIAGE)).toMatch(/Logged 30m/);
  fx.entryId = (await TimeEntryModel.findOne({ requestKey: fx.work }).lean())?._id.toHexString() ?? '';

  t.fake.clearCalls();
  await t.slack.slashCommand({ text: '', user_id: ACME.member, channel_id: ACME.channel });
  const [newRequest] = await t.fake.waitFor('views.open');
  const engineer = [STAFF.engineer, TRIAGE] as const;
  const [resolve, cancel, reassign, estimate, logTime, editTime, decline, question] = await Promise.all([
    openModal(...engineer, ACTION.resolve, fx.work),
    openModal(ACME.member, ACME.channel, ACTION.cancel, fx.open),
    openModal(STAFF.manager, TRIAGE, ACTION.reassign, fx.work),
    openModal(...engineer, ACTION.estimate, fx.work),
    openModal(...engineer, ACTION.logTime, fx.work),
    openModal(...engineer, ACTION.editTime, fx.entryId),
    openModal(ACME.boss, ACME.channel, ACTION.declineEstimate, fx.estimateId),
    openModal(ACME.member, ACME.channel, ACTION.askQuestion, fx.estimateId),
  ]);
  fx.views = {
    [VIEW_NEW_REQUEST]: newRequest?.args.view as Record<string, unknown>,
    [VIEW_RESOLVE_REQUEST]: resolve,
    [VIEW_CANCEL_REQUEST]: cancel,
    [VIEW_REASSIGN_REQUEST]: reassign,
    [VIEW_ESTIMATE]: estimate,
    [VIEW_LOG_TIME]: logTime,
    [VIEW_EDIT_TIME]: editTime,
    [VIEW_DECLINE_ESTIMATE]: decline,
    [VIEW_ASK_QUESTION]: question,
  };
  for (const [callbackId, view] of Object.entries(fx.views)) {
    expect(view.callback_id).toBe(callbackId);
    expect(meta(view)).toMatch(/^[\w-]+\.\{/);
  }
}, 30000);

afterAll(async () => {
  await t.stop();
});

// ---------------------------------------------------------------------------------------------
// Slash command arguments
// ---------------------------------------------------------------------------------------------

describe('/help <text>, the fast path', () => {
  it('refuses 40,000 characters, opens the form for empty text, and refuses anything in a channel of no client', async () => {
    await runCases(
      [
        refusal('40,000 characters', () => command(HUGE, ACME.member, ACME.channel), /too long: keep them to 3000 characters/),
        ...(['empty', 'blank'] as const).map((name) => ({
          label: `${name} opens the form`,
          run: async () => {
            expect(await command(H[name], ACME.member, ACME.channel)).toBe('');
            const [open] = await t.fake.waitFor('views.open');
            expect((open?.args.view as { callback_id: string }).callback_id).toBe(VIEW_NEW_REQUEST);
          },
        })),
        ...except('empty', 'blank').map(([name, value]) => refusal(`${name} from a channel of no client`, () => command(value, 'U0STRANGER', 'C0RANDOM'), /isn't linked to a client|too long/)),
      ],
      { unchanged: true },
    );
  });

  it('opens a request from any other hostile text, storing what was meant and echoing it escaped', async () => {
    await allAccepted(except('empty', 'blank', 'huge'), ([name]) => name, async ([, value]) => {
      const answer = await command(value, ACME.member, ACME.channel);
      expectClearAnswer(answer, /Opened \*ACME-\d+\*/);
      const stored = await untilSynced(/\*(ACME-\d+)\*/.exec(answer)?.[1] ?? '');
      // A command's text travels as a form, where a lone surrogate cannot be encoded: it arrives as U+FFFD.
      expect(stored.title).toBe(meantFromSlack(value));
    });
  });
});

describe('/help estimate KEY <amount> <assumptions>', () => {
  it('refuses every hostile amount, key and over-long assumptions, writing nothing', async () => {
    await runCases(
      [
        // Not shaped like an estimate: the fast path, which cannot open a request in the triage channel.
        ...HOSTILE.map(([name, value]) => refusal(`amount ${name}`, () => command(`estimate ${fx.cmd} ${value} assumptions`, STAFF.engineer, TRIAGE), /isn't linked to a client|too long|duration|Try /)),
        // Starts like a duration (`1<!channel>q`), so it reaches the duration parser.
        ...HOSTILE.map(([name, value]) => refusal(`amount 1${name}q`, () => command(`estimate ${fx.cmd} 1${value.replace(/\s/g, '')}q assumptions`, STAFF.engineer, TRIAGE), DURATION)),
        refusal('a nonexistent request', () => command('estimate ACME-999999 2h', STAFF.engineer, TRIAGE), /couldn't find a request called ACME-999999/),
        refusal('a request of an unknown client', () => command('estimate ZZZZ-1 2h', STAFF.engineer, TRIAGE), /couldn't find a request called ZZZZ-1/),
        refusal("another client's request, by another client's member (answered as a missing one)", () => command(`estimate ${fx.cmd} 2h`, BETA.member, BETA.channel), /couldn't find a request called/),
        refusal('40,000 characters of assumptions', () => command(`estimate ${fx.cmd} 1h ${HUGE}`, STAFF.engineer, TRIAGE), /Keep the assumptions to 3000 characters/),
      ],
      { unchanged: true },
    );
  });

  it('stores any other hostile assumptions as meant, shown escaped', async () => {
    // One request, so one after another (each estimate supersedes the last).
    await runCases(
      except('huge').map(([name, value]) => ({
        label: name,
        run: async () => {
          const answer = await command(`estimate ${fx.cmd} 1h ${value}`, STAFF.engineer, TRIAGE);
          expectClearAnswer(answer, /Estimate v\d+ for ACME-\d+/);
          expectNoUnescapedEcho([answer]);
          const estimate = await EstimateModel.findOne({ requestKey: fx.cmd }).sort({ version: -1 }).lean();
          // Slack escapes command text (`should_escape`): `@channel` arrives as `<!channel>`, and is meant as "@channel".
          expect(estimate?.assumptions ?? '').toBe(meantFromSlack(value));
        },
      })),
      { unchanged: false },
    );
  });
});

describe('/help log <duration> KEY <note>', () => {
  it('refuses every hostile duration, key and an over-long note, writing nothing', async () => {
    await runCases(
      [
        ...HOSTILE.map(([name, value]) => refusal(`duration ${name}`, () => command(`log ${value} ${fx.cmd} nb note`, STAFF.engineer, TRIAGE), /isn't linked to a client|too long|duration|Try |Say how long/)),
        ...HOSTILE.map(([name, value]) => refusal(`duration 1${name}q`, () => command(`log 1${value.replace(/\s/g, '')}q ${fx.cmd} nb note`, STAFF.engineer, TRIAGE), DURATION)),
        refusal('a nonexistent request', () => command('log 15m ACME-999999 nb note', STAFF.engineer, TRIAGE), /couldn't find a request called ACME-999999/),
        refusal("another client's request, by another client's member (answered as a missing one)", () => command(`log 15m ${fx.cmd} nb note`, BETA.member, BETA.channel), /couldn't find a request called/),
        refusal('a note of 40,000 characters', () => command(`log 15m ${fx.cmd} nb ${HUGE}`, STAFF.engineer, TRIAGE), /Keep the note to 500 characters/),
      ],
      { unchanged: true },
    );
  });

  it('stores any other hostile note as meant', async () => {
    await runCases(
      except('huge').map(([name, value]) => ({
        label: name,
        run: async () => {
          const answer = await command(`log 15m ${fx.cmd} nb ${value}`, STAFF.engineer, TRIAGE);
          expectClearAnswer(answer, /Logged 15m \(non-billable\)/);
          expectNoUnescapedEcho([answer]);
          const entry = await TimeEntryModel.findOne({ requestKey: fx.cmd }).sort({ _id: -1 }).lean();
          expect(entry?.note ?? '').toBe(meantFromSlack(value));
        },
      })),
      { unchanged: false },
    );
  });
});

describe('/help billing <KEY> <month>', () => {
  it('refuses hostile client keys and months, and other clients, writing nothing', async () => {
    await runCases(
      [
        ...HOSTILE.map(([name, value]) => refusal(`key ${name}`, () => command(`billing ${value}`, STAFF.manager, TRIAGE), /tell me which one|isn't linked to a client|too long|don't know a client/)),
        refusal('an unknown client', () => command('billing ZZZZ', STAFF.manager, TRIAGE), /don't know a client called ZZZZ/),
        refusal('a month that has not started', () => command('billing ACME 9999-12', STAFF.manager, TRIAGE), /hasn't started yet/),
        // Answered as the billing command it is (it used to try to open a request titled with it).
        refusal('a month that does not exist', () => command('billing ACME 2026-13', STAFF.manager, TRIAGE), /^2026-13 is not a month: give it as YYYY-MM/),
        refusal("another client's summary, asked by an approver", () => command('billing BETA', ACME.boss, ACME.channel), /Only managers, and a client's approvers/),
        refusal('a summary asked by a client member', () => command('billing ACME', ACME.member, ACME.channel), /Only managers, and a client's approvers/),
      ],
      { unchanged: true },
    );
  });
});

describe('/help admin client KEY <fields>', () => {
  it('refuses hostile keys and fields, naming the bad field, writing nothing', async () => {
    const admin = (text: string, user: string = STAFF.manager) => () => command(`admin client ${text}`, user, TRIAGE);
    // The manager typed YAML; zod's own words ("expected string, received object") are acceptable there.
    const zod = { zodWordsAllowed: true };
    await runCases(
      [
        ...HOSTILE.map(([name, value]) => refusal(`key ${name}`, admin(`${value} name: Evil, hourlyRate: 1`), /client key/)),
        ...HOSTILE.map(([name, value]) => refusal(`fields ${name}`, admin(`ACME ${value}`), /Nothing was changed|could not be read|Give the fields|Write the fields/, zod)),
        refusal('a name of 40,000 characters', admin(`ACME name: ${HUGE}`), /name: must be at most 80 characters/),
        refusal('an empty name', admin('ACME name: "   "'), /name: must not be empty/),
        refusal('a Mongo operator as the name', admin('ACME name: {"$gt": ""}'), /name:/, zod),
        refusal('a Mongo operator as the rate', admin('ACME hourlyRate: {"$gt": ""}'), /hourlyRate:/, zod),
        refusal('a Mongo operator as a channel', admin('ACME channels: [{"$gt": ""}]'), /channels/, zod),
        refusal('$where as an approver', admin('ACME approvers: ["$where"]'), /approvers/),
        refusal('a mention as the timezone', admin('ACME timezone: "<!channel>"'), /timezone: must be an IANA timezone/),
        refusal('$where as the currency', admin('ACME currency: "$where"'), /currency/),
        refusal('an operator in business hours', admin('ACME businessHours: {"$where": "sleep(1000)"}'), /businessHours/, zod),
        refusal('an unknown $-field', admin('ACME $where: "1 == 1"'), /\$where/, zod),
        refusal("another client's channel", admin(`ACME channels: [${BETA.channel}]`), /already belongs to BETA/),
        refusal('a non-manager, whatever the fields', admin('ACME hourlyRate: {"$gt": ""}', STAFF.engineer), /Only managers can change the set-up/),
      ],
      { unchanged: true },
    );
  });

  it('stores an emoji, right-to-left or $-name exactly', async () => {
    await runCases(
      (['emojiRtl', 'where'] as const).map((name) => ({
        label: name,
        run: async () => {
          const answer = await command(`admin client HOSTILE name: "${H[name]}", hourlyRate: 10`, STAFF.manager, TRIAGE);
          expectClearAnswer(answer, /HOSTILE/);
          expect((await ClientModel.findOne({ key: 'HOSTILE' }).lean())?.name).toBe(H[name]);
        },
      })),
      { unchanged: false },
    );
  });
});

describe('/help ACME-n and /help list', () => {
  it('refuses unknown and foreign requests without leaking them, and lists only the channel’s own client', async () => {
    const noLeak = (send: () => Promise<string>) => async () => {
      const answer = await send();
      expect(answer).not.toContain('Hostile target');
      return answer;
    };
    await runCases(
      [
        refusal('status of a nonexistent request', () => command('ACME-999999', ACME.member, ACME.channel), /couldn't find a request called ACME-999999/),
        refusal('status of a request of an unknown client', () => command('ZZZZ-1', ACME.member, ACME.channel), /couldn't find a request called ZZZZ-1/),
        refusal("status of another client's request", noLeak(() => command(fx.open, BETA.member, BETA.channel)), /couldn't find a request called ACME-\d+/),
        refusal('status from a channel of no client', noLeak(() => command(fx.open, 'U0STRANGER', 'C0RANDOM')), /couldn't find a request called ACME-\d+/),
        refusal('list in a channel of no client', () => command('list', 'U0STRANGER', 'C0RANDOM'), NOT_A_CLIENT),
        refusal('list in another client’s channel', noLeak(async () => {
          const answer = await command('list', BETA.member, BETA.channel);
          expect(answer).not.toContain('ACME-');
          return answer;
        }), /Open requests for Beta Co/),
      ],
      { unchanged: true },
    );
  });

  it('the list and the status card escape what hostile titles say', async () => {
    const key = await openByCommand(t, 'x', ACME.member, ACME.channel);
    await RequestModel.updateOne({ key }, { $set: { title: `<!channel> <@${STAFF.manager}> &lt;` } });
    t.fake.clearCalls();
    const list = await command('list', ACME.member, ACME.channel);
    const card = await command(key, ACME.member, ACME.channel);
    expect(list).toContain(`&lt;!channel&gt; &lt;@${STAFF.manager}&gt; &amp;lt;`);
    expect(card).toContain(`&lt;!channel&gt; &lt;@${STAFF.manager}&gt; &amp;lt;`);
    expectNoUnescapedEcho([list, card]);
  });
});

// ---------------------------------------------------------------------------------------------
// Buttons
// ---------------------------------------------------------------------------------------------

interface ButtonSpec {
  actionId: string;
  user: string;
  channel: string;
  /** What the value holds: a request key, `KEY stars`, or an ObjectId. */
  kind: 'key' | 'rating' | 'estimate' | 'entry';
  /** The refusal when a member of another client clicks it on an Acme request. */
  crossClient: RegExp;
}

const BUTTONS: ButtonSpec[] = [
  { actionId: ACTION.claim, user: STAFF.engineer, channel: TRIAGE, kind: 'key', crossClient: /Only engineers can claim/ },
  { actionId: ACTION.unclaim, user: STAFF.engineer, channel: TRIAGE, kind: 'key', crossClient: /Only the assigned engineer or a manager/ },
  { actionId: ACTION.reassign, user: STAFF.manager, channel: TRIAGE, kind: 'key', crossClient: /Only managers can reassign/ },
  { actionId: ACTION.cancel, user: ACME.member, channel: ACME.channel, kind: 'key', crossClient: /Only the person who asked, an approver or a manager/ },
  { actionId: ACTION.resolve, user: STAFF.engineer, channel: TRIAGE, kind: 'key', crossClient: /Only the assigned engineer or a manager/ },
  { actionId: ACTION.confirm, user: ACME.member, channel: ACME.channel, kind: 'key', crossClient: /Only the client can confirm/ },
  { actionId: ACTION.reopen, user: ACME.member, channel: ACME.channel, kind: 'key', crossClient: /Only the client can reopen/ },
  { actionId: `${ACTION.rate}_5`, user: ACME.member, channel: ACME.channel, kind: 'rating', crossClient: /Only the client can rate/ },
  { actionId: ACTION.estimate, user: STAFF.engineer, channel: TRIAGE, kind: 'key', crossClient: /Only engineers can post estimates/ },
  { actionId: ACTION.topUp, user: STAFF.engineer, channel: TRIAGE, kind: 'key', crossClient: /Only engineers can post estimates/ },
  { actionId: ACTION.logTime, user: STAFF.engineer, channel: TRIAGE, kind: 'key', crossClient: /Only engineers can log time/ },
  { actionId: ACTION.approveEstimate, user: ACME.boss, channel: ACME.channel, kind: 'estimate', crossClient: /Only the client's approvers can approve/ },
  { actionId: ACTION.declineEstimate, user: ACME.boss, channel: ACME.channel, kind: 'estimate', crossClient: /Only the client's approvers can decline/ },
  { actionId: ACTION.askQuestion, user: ACME.member, channel: ACME.channel, kind: 'estimate', crossClient: /not allowed/ },
  { actionId: ACTION.editTime, user: STAFF.engineer, channel: TRIAGE, kind: 'entry', crossClient: /Only the engineer who logged this time, or a manager/ },
  { actionId: ACTION.deleteTime, user: STAFF.engineer, channel: TRIAGE, kind: 'entry', crossClient: /Only the engineer who logged this time, or a manager/ },
];

const realValue = (spec: ButtonSpec): string =>
  spec.kind === 'estimate' ? fx.estimateId : spec.kind === 'entry' ? fx.entryId : spec.kind === 'rating' ? `${fx.open} 5` : fx.open;

function buttonCases(spec: ButtonSpec): Case[] {
  const click = (value: unknown, user = spec.user, channel = spec.channel) => async () => {
    const answer = await clickAnswer(user, channel, spec.actionId, value);
    // A refused modal button opens no modal.
    expect(t.fake.callsTo('views.open')).toHaveLength(0);
    return answer;
  };
  const byKey = spec.kind === 'key' || spec.kind === 'rating';
  return [
    ...HOSTILE.map(([name, value]) => refusal(name, click(value), STALE_BUTTON)),
    refusal('{"$gt":""} as text', click('{"$gt":""}'), STALE_BUTTON),
    refusal('a Mongo operator object', click(OPERATOR), STALE_BUTTON),
    refusal('no value at all', click(undefined), STALE_BUTTON),
    refusal('ACME-1 ; drop', click('ACME-1 ; drop'), STALE_BUTTON),
    refusal('a key and a rating followed by ; drop', click(`${fx.open} 5 ; drop`), STALE_BUTTON),
    refusal("another client's value, from a BETA member in C0BETA", click(realValue(spec), BETA.member, BETA.channel), spec.crossClient),
    refusal('a nonexistent key ACME-999999', click(spec.kind === 'rating' ? 'ACME-999999 5' : 'ACME-999999'), byKey ? /couldn't find a request called ACME-999999/ : STALE_BUTTON),
    refusal(
      'an ObjectId that does not exist',
      click(NO_SUCH_OBJECT_ID),
      spec.kind === 'estimate' ? /couldn't find that estimate/ : spec.kind === 'entry' ? /couldn't find that time entry/ : STALE_BUTTON,
    ),
  ];
}

describe('every button, with hostile values', () => {
  it.each(BUTTONS.map((spec) => [spec.actionId, spec] as const))('%s: a clear refusal for each, nothing written', async (_id, spec) => {
    await runCases(buttonCases(spec), { unchanged: true });
  });

  it('a double-clicked Claim acts once: one audit event', async () => {
    const key = await openByCommand(t, 'Double click me', ACME.member, ACME.channel);
    const { revision } = await record(key);
    const click = () => clickRaw(STAFF.engineer, TRIAGE, ACTION.claim, key);
    const [a, b] = await Promise.all([click(), click()]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const after = await untilSynced(key, revision);
    expect(after).toMatchObject({ state: 'claimed', assigneeId: STAFF.engineer, revision: revision + 1 });
    expect(await AuditEventModel.countDocuments({ entityId: key, action: 'request.claim' })).toBe(1);
  });
});

describe('the DM client choice button', () => {
  const CHOOSER = 'U0BOTHCLIENTS';

  it('refuses hostile and foreign choices, writing nothing', async () => {
    t.fake.setChannelMembers(ACME.channel, [ACME.member, ACME.boss, CHOOSER, ...Object.values(STAFF)]);
    t.fake.setChannelMembers(BETA.channel, [BETA.member, CHOOSER, ...Object.values(STAFF)]);
    t.fake.clearCalls();
    await t.slack.event({ type: 'message', channel_type: 'im', channel: `D${CHOOSER}`, user: CHOOSER, text: 'Which client?', ts: nextTs() });
    const [question] = await t.fake.waitFor('chat.postMessage', (c) => c.args.channel === `D${CHOOSER}`);
    const pendingId = /"value":"([0-9a-f]{24}) BETA"/.exec(JSON.stringify(question?.args.blocks))?.[1] ?? '';
    expect(pendingId).toMatch(/^[0-9a-f]{24}$/);

    /** The answer replaces the clicked message. */
    const choose = (value: unknown, user = CHOOSER) => async () => {
      const ts = nextTs();
      t.fake.addUserMessage(`D${user}`, { ts, user: BOT_USER_ID, text: 'Which one?' });
      expect((await clickRaw(user, `D${user}`, ACTION.chooseClient, value, { messageTs: ts })).status).toBe(200);
      const [update] = await t.fake.waitFor('chat.update', (c) => c.args.ts === ts);
      return String(update?.args.text);
    };
    // A malformed value is the user's button being wrong, not our failure: like takeIntake's own words for a bad ID.
    const malformed = /doesn't work any more/;
    await runCases(
      [
        ...HOSTILE.map(([name, value]) => refusal(name, choose(value), malformed)),
        refusal('a Mongo operator object', choose(OPERATOR), malformed),
        refusal('an id and a client key with ; drop', choose(`${pendingId} BETA ; drop`), malformed),
        refusal('a client the person was not offered', choose(`${pendingId} ZZZZ`), /already opened, or the choice expired/),
        refusal('a pending id that does not exist', choose(`${NO_SUCH_OBJECT_ID} BETA`), /already opened, or the choice expired/),
        refusal("someone else's pending choice", choose(`${pendingId} BETA`, BETA.member), /already opened, or the choice expired/),
      ],
      { unchanged: true },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Modal submissions: hostile fields
// ---------------------------------------------------------------------------------------------

interface FieldSpec {
  callbackId: string;
  user: string;
  block: string;
  element: (value: unknown) => Element;
  /** The other fields, valid. */
  rest: Record<string, Element>;
  /** The refusal for a hostile value, or undefined when the value is legitimately accepted. */
  refusal: (name: HostileName) => RegExp | undefined;
}

const NEW_REQUEST_REST = { title: textEl('Hostile form'), details: textEl(''), category: selectEl('incident'), priority: selectEl('normal') };
const only = (names: HostileName[], pattern: RegExp) => (name: HostileName) => (names.includes(name) ? pattern : undefined);
const always = (pattern: RegExp) => () => pattern;
const EMPTY = ['empty', 'blank'] as HostileName[];
const emptyOrHuge = (empty: RegExp, huge: RegExp) => (name: HostileName) => (name === 'huge' ? huge : EMPTY.includes(name) ? empty : undefined);

const FIELDS: FieldSpec[] = [
  { callbackId: VIEW_NEW_REQUEST, user: ACME.member, block: 'title', element: textEl, rest: NEW_REQUEST_REST, refusal: emptyOrHuge(/Please say what you need help with/, /title is too long/) },
  { callbackId: VIEW_NEW_REQUEST, user: ACME.member, block: 'details', element: textEl, rest: NEW_REQUEST_REST, refusal: only(['huge'], /details are too long/) },
  { callbackId: VIEW_NEW_REQUEST, user: ACME.member, block: 'category', element: selectEl, rest: NEW_REQUEST_REST, refusal: always(/Pick a category/) },
  { callbackId: VIEW_NEW_REQUEST, user: ACME.member, block: 'priority', element: selectEl, rest: NEW_REQUEST_REST, refusal: always(/Pick a priority/) },
  { callbackId: VIEW_RESOLVE_REQUEST, user: STAFF.engineer, block: 'resolution', element: textEl, rest: {}, refusal: emptyOrHuge(/Please say what was done/, /Keep the summary to 3000/) },
  { callbackId: VIEW_CANCEL_REQUEST, user: ACME.member, block: 'reason', element: textEl, rest: {}, refusal: only(['huge'], /Keep the reason to 500/) },
  { callbackId: VIEW_REASSIGN_REQUEST, user: STAFF.manager, block: 'assignee', element: userEl, rest: {}, refusal: always(/Pick an engineer/) },
  { callbackId: VIEW_ESTIMATE, user: STAFF.engineer, block: 'amount', element: textEl, rest: { assumptions: textEl('') }, refusal: always(DURATION) },
  { callbackId: VIEW_ESTIMATE, user: STAFF.engineer, block: 'assumptions', element: textEl, rest: { amount: textEl('1h') }, refusal: only(['huge'], /Keep the assumptions to 3000/) },
  { callbackId: VIEW_DECLINE_ESTIMATE, user: ACME.boss, block: 'reason', element: textEl, rest: {}, refusal: emptyOrHuge(/Please say why/, /Keep the reason to 1000/) },
  { callbackId: VIEW_ASK_QUESTION, user: ACME.member, block: 'question', element: textEl, rest: {}, refusal: emptyOrHuge(/Please type your question/, /Keep the question to 2000/) },
  { callbackId: VIEW_LOG_TIME, user: STAFF.engineer, block: 'duration', element: textEl, rest: { note: textEl('x') }, refusal: always(DURATION) },
  { callbackId: VIEW_LOG_TIME, user: STAFF.engineer, block: 'note', element: textEl, rest: { duration: textEl('15m') }, refusal: only(['huge'], /Keep the note to 500/) },
  { callbackId: VIEW_EDIT_TIME, user: STAFF.engineer, block: 'duration', element: textEl, rest: { note: textEl('x') }, refusal: always(DURATION) },
  { callbackId: VIEW_EDIT_TIME, user: STAFF.engineer, block: 'note', element: textEl, rest: { duration: textEl('30m') }, refusal: only(['huge'], /Keep the note to 500/) },
];

const field = (callbackId: string, block: string) => FIELDS.find((f) => f.callbackId === callbackId && f.block === block) as FieldSpec;
const acceptedOf = (f: FieldSpec) => HOSTILE.filter(([name]) => f.refusal(name) === undefined);

describe('every modal field, with hostile values that must be refused', () => {
  it.each(FIELDS.map((f) => [`${f.callbackId}.${f.block}`, f] as const))('%s: a field error for each, nothing written', async (_label, f) => {
    const submitted = (value: unknown) => () => submitAnswer(f.user, f.callbackId, meta(fx.views[f.callbackId]), { ...f.rest, [f.block]: f.element(value) });
    await runCases(
      [
        ...HOSTILE.flatMap(([name, value]) => {
          const pattern = f.refusal(name);
          return pattern ? [refusal(name, async () => (await submitted(value)())?.[f.block] ?? 'accepted', pattern)] : [];
        }),
        {
          // Slack never sends an object here; a forged payload gets an error (its wording is zod's), nothing more.
          label: 'a Mongo operator object',
          run: async () => {
            const errors = await submitted(OPERATOR)();
            expect(errors).toBeDefined();
            expectNoInternals(JSON.stringify(errors));
          },
        },
      ],
      { unchanged: true },
    );
  });
});

describe('modal fields with hostile values that are legitimately accepted', () => {
  it('new request titles: stored exactly as typed (no Slack markup in a plain-text field), echoed escaped', async () => {
    await allAccepted(acceptedOf(field(VIEW_NEW_REQUEST, 'title')), ([name]) => name, async ([name, value]) => {
      const details = `Accepted title case ${name}`;
      const values = { ...NEW_REQUEST_REST, title: textEl(value), details: textEl(details) };
      expect(await submitAnswer(ACME.member, VIEW_NEW_REQUEST, meta(fx.views[VIEW_NEW_REQUEST]), values)).toBeUndefined();
      const created = await until(() => RequestModel.findOne({ details }).lean(), `the ${name} request`);
      const stored = await untilSynced(created.key);
      expect(stored.title).toBe(cleaned(value));
      await t.fake.waitFor('chat.postEphemeral', (c) => c.args.user === ACME.member && String(c.args.text).includes(`*${created.key}*`));
    });
  });

  it('resolutions: stored exactly, echoed escaped', async () => {
    await allAccepted(acceptedOf(field(VIEW_RESOLVE_REQUEST, 'resolution')), ([name]) => name, async ([name, value]) => {
      const key = await claimed(`Resolve with ${name}`);
      const view = await openModal(STAFF.engineer, TRIAGE, ACTION.resolve, key);
      const { revision } = await record(key);
      expect(await submitAnswer(STAFF.engineer, VIEW_RESOLVE_REQUEST, meta(view), { resolution: textEl(value) })).toBeUndefined();
      expect(await untilSynced(key, revision)).toMatchObject({ state: 'resolved', resolution: cleaned(value) });
      await t.fake.waitFor('chat.postMessage', (c) => String(c.args.text).includes(`${key} is resolved`));
    });
  });

  it('cancel reasons: stored exactly, echoed escaped', async () => {
    await allAccepted(acceptedOf(field(VIEW_CANCEL_REQUEST, 'reason')), ([name]) => name, async ([name, value]) => {
      const key = await openByCommand(t, `Cancel with ${name}`, ACME.member, ACME.channel);
      const view = await openModal(ACME.member, ACME.channel, ACTION.cancel, key);
      const { revision } = await record(key);
      expect(await submitAnswer(ACME.member, VIEW_CANCEL_REQUEST, meta(view), { reason: textEl(value) })).toBeUndefined();
      const stored = await untilSynced(key, revision);
      expect(stored.state).toBe('cancelled');
      expect(stored.cancelReason ?? '').toBe(cleaned(value));
      await t.fake.waitFor('chat.postMessage', (c) => String(c.args.text).includes(`cancelled ${key}`));
    });
  });

  it('decline reasons: stored exactly, echoed escaped', async () => {
    await allAccepted(acceptedOf(field(VIEW_DECLINE_ESTIMATE, 'reason')), ([name]) => name, async ([name, value]) => {
      const key = await claimed(`Decline with ${name}`);
      const estimateId = await pendingEstimate(key);
      const view = await openModal(ACME.boss, ACME.channel, ACTION.declineEstimate, estimateId);
      expect(await submitAnswer(ACME.boss, VIEW_DECLINE_ESTIMATE, meta(view), { reason: textEl(value) })).toBeUndefined();
      const { clientMessageTs } = await record(key);
      await t.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === clientMessageTs && /declined estimate/.test(String(c.args.text)));
      const decided = await until(() => EstimateModel.findOne({ _id: estimateId, decision: 'declined' }).lean(), `the ${name} decline`);
      expect(decided.declineReason).toBe(cleaned(value));
    });
  });

  // One request or entry each, so one after another.
  it('estimate assumptions, time notes and edited notes: stored exactly, echoed escaped', async () => {
    const submitThen = (callbackId: string, values: Record<string, Element>, told: RegExp) => async () => {
      expect(await submitAnswer(STAFF.engineer, callbackId, meta(fx.views[callbackId]), values)).toBeUndefined();
      await t.fake.waitFor('chat.postEphemeral', (c) => c.args.user === STAFF.engineer && told.test(String(c.args.text)));
      expectNoUnescapedEcho();
    };
    await runCases(
      [
        ...acceptedOf(field(VIEW_ESTIMATE, 'assumptions')).map(([name, value]): Case => ({
          label: `assumptions ${name}`,
          run: async () => {
            await submitThen(VIEW_ESTIMATE, { amount: textEl('1h'), assumptions: textEl(value) }, /Estimate v\d+/)();
            const estimate = await EstimateModel.findOne({ requestKey: fx.work }).sort({ version: -1 }).lean();
            expect(estimate?.assumptions ?? '').toBe(cleaned(value));
          },
        })),
        ...acceptedOf(field(VIEW_LOG_TIME, 'note')).map(([name, value]): Case => ({
          label: `time note ${name}`,
          run: async () => {
            await submitThen(VIEW_LOG_TIME, { duration: textEl('15m'), note: textEl(value) }, /Logged 15m/)();
            expect((await TimeEntryModel.findOne({ requestKey: fx.work }).sort({ _id: -1 }).lean())?.note).toBe(cleaned(value));
          },
        })),
        ...acceptedOf(field(VIEW_EDIT_TIME, 'note')).map(([name, value]): Case => ({
          label: `edited note ${name}`,
          run: async () => {
            // Each edit is made from a form opened for the entry as it now is (edits are guarded
            // by the entry's revision: a form showing an older one is refused).
            // (The form shows the previous case's note as its plain-text initial value, which pings
            // nobody: only what the submission makes the app say is checked.)
            fx.views[VIEW_EDIT_TIME] = await openModal(STAFF.engineer, TRIAGE, ACTION.editTime, fx.entryId);
            t.fake.clearCalls();
            await submitThen(VIEW_EDIT_TIME, { duration: textEl('30m'), note: textEl(value) }, /Updated the entry/)();
            expect((await TimeEntryModel.findById(fx.entryId).lean())?.note).toBe(cleaned(value));
          },
        })),
      ],
      { unchanged: false },
    );
  });

  it('questions about an estimate: posted escaped, nothing written', async () => {
    await runCases(
      acceptedOf(field(VIEW_ASK_QUESTION, 'question')).map(([name, value]) => ({
        label: name,
        run: async () => {
          expect(await submitAnswer(ACME.member, VIEW_ASK_QUESTION, meta(fx.views[VIEW_ASK_QUESTION]), { question: textEl(value) })).toBeUndefined();
          await t.fake.waitFor('chat.postMessage', (c) => /asks about estimate/.test(String(c.args.text)));
          expectNoUnescapedEcho();
        },
      })),
      { unchanged: true },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Modal submissions: forged private_metadata
// ---------------------------------------------------------------------------------------------

interface ModalSpec {
  callbackId: string;
  user: string;
  errorBlock: string;
  values: Record<string, Element>;
  /** Valid data of another modal's shape, sealed with the real secret. */
  wrongShape: () => unknown;
  /** This modal's shape with a Mongo operator where an ID belongs, sealed with the real secret. */
  operator: () => unknown;
}

const REQUEST_META_OPERATOR = () => ({ key: OPERATOR, channelId: TRIAGE });
const ESTIMATE_META_OPERATOR = () => ({ estimateId: OPERATOR, channelId: ACME.channel });
const NEW_REQUEST_META = () => ({ channelId: ACME.channel, source: 'modal' });

const MODALS: ModalSpec[] = [
  { callbackId: VIEW_NEW_REQUEST, user: ACME.member, errorBlock: 'title', values: { ...NEW_REQUEST_REST, title: textEl('Forged') }, wrongShape: () => ({ key: fx.open, channelId: ACME.channel }), operator: () => ({ channelId: OPERATOR, source: 'modal' }) },
  { callbackId: VIEW_RESOLVE_REQUEST, user: STAFF.engineer, errorBlock: 'resolution', values: { resolution: textEl('Forged') }, wrongShape: NEW_REQUEST_META, operator: REQUEST_META_OPERATOR },
  { callbackId: VIEW_CANCEL_REQUEST, user: ACME.member, errorBlock: 'reason', values: { reason: textEl('Forged') }, wrongShape: NEW_REQUEST_META, operator: REQUEST_META_OPERATOR },
  { callbackId: VIEW_REASSIGN_REQUEST, user: STAFF.manager, errorBlock: 'assignee', values: { assignee: userEl(STAFF.engineer2) }, wrongShape: NEW_REQUEST_META, operator: REQUEST_META_OPERATOR },
  { callbackId: VIEW_ESTIMATE, user: STAFF.engineer, errorBlock: 'amount', values: { amount: textEl('1h'), assumptions: textEl('') }, wrongShape: NEW_REQUEST_META, operator: REQUEST_META_OPERATOR },
  { callbackId: VIEW_DECLINE_ESTIMATE, user: ACME.boss, errorBlock: 'reason', values: { reason: textEl('Forged') }, wrongShape: NEW_REQUEST_META, operator: ESTIMATE_META_OPERATOR },
  { callbackId: VIEW_ASK_QUESTION, user: ACME.member, errorBlock: 'question', values: { question: textEl('Forged?') }, wrongShape: NEW_REQUEST_META, operator: ESTIMATE_META_OPERATOR },
  { callbackId: VIEW_LOG_TIME, user: STAFF.engineer, errorBlock: 'duration', values: { duration: textEl('15m'), note: textEl('Forged') }, wrongShape: NEW_REQUEST_META, operator: REQUEST_META_OPERATOR },
  { callbackId: VIEW_EDIT_TIME, user: STAFF.engineer, errorBlock: 'duration', values: { duration: textEl('20m'), note: textEl('Forged') }, wrongShape: NEW_REQUEST_META, operator: () => ({ key: fx.work, entryId: OPERATOR, channelId: TRIAGE }) },
];

const bodyOf = (sealed: string) => sealed.slice(sealed.indexOf('.') + 1);
const withBody = (sealed: string, body: string) => `${sealed.slice(0, sealed.indexOf('.') + 1)}${body}`;

/** One character of the seal changed. */
const flipSeal = (sealed: string) => `${sealed[0] === 'A' ? 'B' : 'A'}${sealed.slice(1)}`;

/** One character of the data changed: its first digit (a request number, an ObjectId, a channel). */
function flipData(sealed: string): string {
  const body = bodyOf(sealed);
  const i = body.search(/\d/);
  const digit = body[i] === '9' ? '8' : String(Number(body[i]) + 1);
  return withBody(sealed, `${body.slice(0, i)}${digit}${body.slice(i + 1)}`);
}

const FORGERIES: Array<[string, (sealed: string, spec: ModalSpec) => string]> = [
  ['one character of the seal changed', (s) => flipSeal(s)],
  ['one character of the data changed', (s) => flipData(s)],
  ["the data pointed at another client's request", (s) => withBody(s, bodyOf(s).replace(/ACME-\d+/, 'BETA-1').replace(ACME.channel, BETA.channel))],
  ['the data replaced by {"$gt":""}', (s) => withBody(s, '{"$gt":""}')],
  ['the data given a Mongo operator for its ID', (s, spec) => withBody(s, JSON.stringify(spec.operator()))],
  ['the whole metadata {"$gt":""}', () => '{"$gt":""}'],
  ['the metadata empty', () => ''],
  ['the metadata 40,000 characters', () => `${'a'.repeat(32)}.${HUGE}`],
  ['the metadata a lone surrogate and control characters', () => '\ud800.\u0000\u001b'],
  ['validly sealed data of another modal', (_s, spec) => sealMetadata(t.config.metadataSecret, spec.wrongShape())],
  ['validly sealed data with a Mongo operator for its ID', (_s, spec) => sealMetadata(t.config.metadataSecret, spec.operator())],
];

describe('every modal, with forged private_metadata', () => {
  it.each(MODALS.map((spec) => [spec.callbackId, spec] as const))('%s: "start again" for each forgery, nothing written', async (_cb, spec) => {
    const real = meta(fx.views[spec.callbackId]);
    await runCases(
      FORGERIES.map(([label, forge]) =>
        refusal(
          label,
          async () => {
            const forged = forge(real, spec);
            expect(forged).not.toBe(real);
            const errors = await submitAnswer(spec.user, spec.callbackId, forged, spec.values);
            expect(t.fake.callsTo('chat.postMessage')).toHaveLength(0);
            return errors?.[spec.errorBlock] ?? 'accepted';
          },
          STALE_FORM,
        ),
      ),
      { unchanged: true },
    );
  });

  it('a real metadata submitted by a member of another client is refused by the permission check', async () => {
    await runCases(
      [
        refusal('resolve', async () => (await submitAnswer(BETA.member, VIEW_RESOLVE_REQUEST, meta(fx.views[VIEW_RESOLVE_REQUEST]), { resolution: textEl('Not mine') }))?.resolution ?? 'accepted', /Only the assigned engineer or a manager/),
        refusal('decline', async () => (await submitAnswer(BETA.member, VIEW_DECLINE_ESTIMATE, meta(fx.views[VIEW_DECLINE_ESTIMATE]), { reason: textEl('Not mine') }))?.reason ?? 'accepted', /Only the client's approvers can decline/),
      ],
      { unchanged: true },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

describe('app mentions with hostile text', () => {
  const toldMember = async () => {
    const [told] = await t.fake.waitFor('chat.postEphemeral', (c) => c.args.user === ACME.member);
    return String(told?.args.text);
  };

  it('refuses an empty or 40,000-character mention, writing nothing', async () => {
    const send = (value: string) => async () => {
      expect((await mention(mentionText(value))).status).toBe(200);
      return toldMember();
    };
    await runCases(
      [
        refusal('empty', send(H.empty), /Tell me what's wrong after the mention/),
        refusal('blank', send(H.blank), /Tell me what's wrong after the mention/),
        refusal('huge', send(H.huge), /too long: keep them to 3000 characters/),
      ],
      { unchanged: true },
    );
  });

  it('opens a request from any other hostile text, storing what was meant and echoing it escaped', async () => {
    await allAccepted(except('empty', 'blank', 'huge'), ([name]) => name, async ([name, value]) => {
      const ts = nextTs();
      expect((await t.slack.event({ type: 'app_mention', user: ACME.member, text: mentionText(value), channel: ACME.channel, ts, event_ts: ts })).status).toBe(200);
      const created = await until(() => RequestModel.findOne({ 'sourceMessage.ts': ts }).lean(), `the ${name} request`);
      expect((await untilSynced(created.key)).title).toBe(meantFromSlack(value));
      const [told] = await t.fake.waitFor('chat.postEphemeral', (c) => c.args.user === ACME.member && String(c.args.text).includes(`*${created.key}*`));
      expectClearAnswer(String(told?.args.text), /Opened/);
    });
  });

  it('handles an event whose event_id is 40,000 characters once, without storing the ID', async () => {
    const before = await RequestModel.countDocuments();
    const ts = nextTs();
    const event = { type: 'app_mention', user: ACME.member, text: mentionText('Long event id'), channel: ACME.channel, ts, event_ts: ts };
    const hugeId = `Ev${'X'.repeat(40000)}`;
    t.fake.clearCalls();
    expect((await t.slack.event(event, { event_id: hugeId })).status).toBe(200);
    await t.fake.waitFor('chat.postEphemeral', (c) => c.args.user === ACME.member && /Opened/.test(String(c.args.text)));
    expect((await t.slack.event(event, { event_id: hugeId, retryNum: 1, retryReason: 'http_timeout' })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await RequestModel.countDocuments()).toBe(before + 1);
    expect(await SlackEventModel.countDocuments({ _id: hugeId })).toBe(0);
    for (const call of t.fake.callsTo('chat.postEphemeral')) expectNoInternals(String(call.args.text));
  });
});

describe('Mongo operators and forged IDs inside the payload JSON', () => {
  /** Such a payload needs our signing secret; still: 200, nothing written, no internals shown to anyone. */
  async function expectNothingWritten(send: () => Promise<{ status: number }>): Promise<void> {
    t.fake.clearCalls();
    const before = await snapshot();
    expect((await send()).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const call of t.fake.calls) expectNoInternals(JSON.stringify(call.args));
    await expectUnchanged(before);
  }

  it('an app mention whose ts, text or channel is an operator opens nothing', async () => {
    await expectNothingWritten(() => mention(mentionText('forged ts'), { ts: OPERATOR, event_ts: nextTs() }));
    await expectNothingWritten(() => mention(OPERATOR));
    await expectNothingWritten(() => mention(mentionText('forged channel'), { channel: OPERATOR }));
  });

  it('an intake reaction whose message ts is an operator opens nothing', async () => {
    await expectNothingWritten(() => t.slack.event({ type: 'reaction_added', user: ACME.member, reaction: 'sos', item: { type: 'message', channel: ACME.channel, ts: OPERATOR }, event_ts: nextTs() }));
  });

  it("an engineer's thread reply whose thread_ts is an operator records no first response on some request", async () => {
    const ts = nextTs();
    await expectNothingWritten(() => t.slack.event({ type: 'message', channel: ACME.channel, channel_type: 'channel', user: STAFF.engineer, text: 'On it', ts, thread_ts: OPERATOR }));
  });

  it('an :eyes: reaction whose message ts is an operator claims no request', async () => {
    await expectNothingWritten(() => t.slack.event({ type: 'reaction_added', user: STAFF.engineer2, reaction: 'eyes', item: { type: 'message', channel: TRIAGE, ts: OPERATOR }, event_ts: nextTs() }));
  });

  it('a Claim click whose user ID is an operator claims nothing', async () => {
    const key = await openByCommand(t, 'Forged claimer', ACME.member, ACME.channel);
    await expectNothingWritten(() => clickRaw(STAFF.engineer, TRIAGE, ACTION.claim, key, { userId: OPERATOR }));
  });

  it('an Unclaim click whose user ID is an operator unclaims nothing', async () => {
    const key = await claimed('Forged unclaimer');
    await expectNothingWritten(() => clickRaw(STAFF.engineer, TRIAGE, ACTION.unclaim, key, { userId: OPERATOR }));
  });

  it('a reassign submission whose user ID is an operator changes nothing', async () => {
    await expectNothingWritten(async () => {
      await submitAnswer(OPERATOR, VIEW_REASSIGN_REQUEST, meta(fx.views[VIEW_REASSIGN_REQUEST]), { assignee: userEl(STAFF.engineer2) });
      return { status: 200 };
    });
  });
});

describe('the message shortcut with hostile message text', () => {
  it('opens the form prefilled within Slack limits for each, writing nothing', async () => {
    await runCases(
      HOSTILE.map(([name, value]) => ({
        label: name,
        run: async () => {
          const res = await t.slack.messageShortcut({ callback_id: SHORTCUT_CREATE_REQUEST, user: { id: ACME.member }, channel: { id: ACME.channel }, message: { ts: nextTs(), text: value, user: ACME.member } });
          expect(res.status).toBe(200);
          const [open] = await t.fake.waitFor('views.open');
          expect(open?.response).toMatchObject({ ok: true });
          const blocks = (open?.args.view as { blocks: Array<{ block_id: string; element?: { initial_value?: string } }> }).blocks;
          expect((blocks.find((b) => b.block_id === 'title')?.element?.initial_value ?? '').length).toBeLessThanOrEqual(150);
          expect((blocks.find((b) => b.block_id === 'details')?.element?.initial_value ?? '').length).toBeLessThanOrEqual(3000);
          expectNoUnescapedEcho();
        },
      })),
      { unchanged: true },
    );
  });
});
