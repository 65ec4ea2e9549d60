// Every way a request comes in: the modal, the message shortcut, a mention, a DM and the intake
// reaction, including people from the client's own organisation in a Slack Connect channel, who
// cannot run our slash command.
import { AuditEventModel } from '../../src/db/auditEvent';
import { RequestModel } from '../../src/db/request';
import { ACTION, SHORTCUT_CREATE_REQUEST, VIEW_NEW_REQUEST } from '../../src/slack/ids';
import { declareClientPeople, startTestApp, type TestApp } from '../support/harness';
import { ACME, BETA, STAFF, TRIAGE } from '../support/testEnv';
import { untilSynced, waitForEphemeral, submit } from '../support/flows';
import { BOT_USER_ID } from '../support/slackFake';
import { ADDED_TEXT_LIMIT } from '../../src/domain/requestText';
import { verifyLedger } from '../../src/services/ledger';

let t: TestApp;

/** Who is in a channel; Slack would send member_joined_channel, on which the app forgets its cached members. */
async function setMembers(channel: string, users: string[]): Promise<void> {
  t.fake.setChannelMembers(channel, users);
  await t.web.effects.membership.forget(channel);
}

const GUEST = 'U0ACMEGUEST'; // from Acme's own workspace, in the shared channel
const GUEST_TEAM = 'T0ACMEORG';

beforeAll(async () => {
  t = await startTestApp();
  await t.seed();
});
afterAll(async () => {
  await t.stop();
});
beforeEach(() => {
  t.fake.reset();
  declareClientPeople(t.fake, { fromAcme: [GUEST] });
});

/** The newest request matching `filter`, once it exists (events are handled after their ack). */
async function newestRequest(filter: Record<string, unknown> = {}) {
  for (let i = 0; i < 200; i++) {
    const r = await RequestModel.findOne(filter).sort({ createdAt: -1, _id: -1 }).lean();
    if (r) return untilSynced(r.key);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no request matches ${JSON.stringify(filter)}`);
}

async function countRequests() {
  return RequestModel.countDocuments();
}

let tsCounter = 0;
const nextTs = () => `1800000000.${String(++tsCounter).padStart(6, '0')}`;

describe('the new-request modal', () => {
  it('opens from `/help` alone and creates the request from the fields', async () => {
    const res = await t.slack.slashCommand({ text: '', user_id: ACME.member, channel_id: ACME.channel, trigger_id: 'trig-modal' });
    expect(res.status).toBe(200);
    const [open] = await t.fake.waitFor('views.open');
    const view = open?.args.view as Record<string, unknown>;
    expect(view.callback_id).toBe(VIEW_NEW_REQUEST);
    expect(open?.args.trigger_id).toBe('trig-modal');

    const bad = await submit(t, ACME.member, view, { title: '', category: 'incident', priority: 'sometimes' }, { category: 'select', priority: 'select' });
    expect(bad.json()).toMatchObject({ response_action: 'errors', errors: { title: 'Please say what you need help with.', priority: 'Pick a priority.' } });

    const before = await countRequests();
    const ok = await submit(
      t,
      ACME.member,
      view,
      { title: 'Upgrade to Postgres 17', details: 'Staging first, please', category: 'project', priority: 'high' },
      { category: 'select', priority: 'select' },
    );
    expect(ok.body).toBe('');
    expect(await countRequests()).toBe(before + 1);
    const created = await newestRequest({ clientKey: 'ACME' });
    expect(created).toMatchObject({ title: 'Upgrade to Postgres 17', details: 'Staging first, please', category: 'project', priority: 'high', source: 'modal', requesterId: ACME.member });
    await waitForEphemeral(t, ACME.member, new RegExp(created.key));
  });

  it('in a channel of no client, explains instead of opening a modal', async () => {
    await t.slack.slashCommand({ text: '', user_id: 'U0STRANGER', channel_id: 'C0RANDOM' });
    await waitForEphemeral(t, 'U0STRANGER', /isn't linked to a client/);
    expect(t.fake.callsTo('views.open')).toHaveLength(0);
  });
});

describe('the message shortcut', () => {
  it('prefills the modal from the message and links the request to it', async () => {
    const ts = nextTs();
    await t.slack.messageShortcut({
      callback_id: SHORTCUT_CREATE_REQUEST,
      user: { id: GUEST, team_id: GUEST_TEAM },
      channel: { id: ACME.channel },
      message: { ts, text: 'Invoices page is blank\nsince the deploy at 10:00', user: GUEST },
    });
    const [open] = await t.fake.waitFor('views.open');
    const view = open?.args.view as { blocks: Array<{ block_id: string; element?: { initial_value?: string } }> } & Record<string, unknown>;
    expect(view.blocks.find((b) => b.block_id === 'title')?.element?.initial_value).toBe('Invoices page is blank');
    expect(view.blocks.find((b) => b.block_id === 'details')?.element?.initial_value).toContain('since the deploy');
    await submit(t, GUEST, view, { title: 'Invoices page is blank', details: 'since the deploy', category: 'incident', priority: 'urgent' }, { category: 'select', priority: 'select' });
    const created = await newestRequest({ source: 'shortcut' });
    expect(created).toMatchObject({ clientKey: 'ACME', requesterId: GUEST, requesterTeamId: GUEST_TEAM, priority: 'urgent', sourceMessage: { channelId: ACME.channel, ts } });
    expect(created.sourceMessage?.permalink).toMatch(/^https:\/\//);
  });
});

describe('a mention of the app', () => {
  it('opens a request in a client channel, for a Slack Connect guest from the client organisation', async () => {
    const ts = nextTs();
    const res = await t.slack.event(
      { type: 'app_mention', user: GUEST, user_team: GUEST_TEAM, text: `<@${BOT_USER_ID}> the <!channel> export is stuck`, channel: ACME.channel, ts, event_ts: ts },
      { team_id: 'T0OURS' },
    );
    expect(res.status).toBe(200);
    await waitForEphemeral(t, GUEST, /Opened \*ACME-\d+\*/);
    const created = await newestRequest({ source: 'mention' });
    expect(created).toMatchObject({ clientKey: 'ACME', title: 'the @channel export is stuck', requesterId: GUEST, requesterTeamId: GUEST_TEAM });
    const posts = t.fake.callsTo('chat.postMessage');
    expect(posts.map((p) => p.args.channel)).toEqual(expect.arrayContaining([ACME.channel, TRIAGE]));
    expect(JSON.stringify(posts.map((p) => p.args))).not.toContain('<!channel>');
  });

  it('creates nothing when Slack delivers the same event again', async () => {
    const ts = nextTs();
    const event = { type: 'app_mention', user: ACME.member, text: `<@${BOT_USER_ID}> printer on fire`, channel: ACME.channel, ts, event_ts: ts };
    await t.slack.event(event, { event_id: 'Ev0SAME' });
    await waitForEphemeral(t, ACME.member, /Opened/);
    const before = await countRequests();
    const calls = t.fake.calls.length;
    // The same delivery again (Slack thought we timed out): dropped without a word.
    const retry = await t.slack.event(event, { event_id: 'Ev0SAME', retryNum: 1, retryReason: 'http_timeout' });
    expect(retry.status).toBe(200);
    await t.fake.expectNoCall('chat.postEphemeral', (c) => t.fake.calls.indexOf(c) >= calls, 300);
    expect(await countRequests()).toBe(before);
    // A different event about the same message (e.g. an edit mentioning us again) is explained.
    await t.slack.event(event, { event_id: 'Ev0OTHER' });
    await waitForEphemeral(t, ACME.member, /already ACME-\d+/);
    expect(await countRequests()).toBe(before);
  });

  it('explains politely in a channel of no client and when nothing follows the mention', async () => {
    await t.slack.event({ type: 'app_mention', user: 'U0STRANGER', text: `<@${BOT_USER_ID}> help`, channel: 'C0RANDOM', ts: nextTs() });
    await waitForEphemeral(t, 'U0STRANGER', /isn't linked to a client/);
    await t.slack.event({ type: 'app_mention', user: ACME.member, text: `<@${BOT_USER_ID}>`, channel: ACME.channel, ts: nextTs() });
    await waitForEphemeral(t, ACME.member, /Tell me what's wrong/);
  });
});

describe('a DM to the app', () => {
  const dm = (user: string, text: string) =>
    t.slack.event({ type: 'message', channel_type: 'im', channel: `D${user}`, user, text, ts: nextTs() });

  it('opens the request in the one client the person belongs to', async () => {
    await setMembers(ACME.channel, [ACME.member, GUEST]);
    await setMembers(BETA.channel, [BETA.member]);
    await dm(GUEST, 'VPN keeps dropping');
    const [reply] = await t.fake.waitFor('chat.postMessage', (c) => c.args.channel === `D${GUEST}`);
    expect(String(reply?.args.text)).toMatch(/Opened \*ACME-\d+\*.*<#C0ACME>/);
    const created = await newestRequest({ source: 'dm' });
    expect(created).toMatchObject({ clientKey: 'ACME', clientChannelId: ACME.channel, title: 'VPN keeps dropping' });
  });

  it('asks which client when the person belongs to several, then opens it there', async () => {
    await setMembers(ACME.channel, ['U0BOTH']);
    await setMembers(BETA.channel, ['U0BOTH']);
    const before = await countRequests();
    await dm('U0BOTH', 'Which one am I?');
    const [question] = await t.fake.waitFor('chat.postMessage', (c) => c.args.channel === 'DU0BOTH');
    const blocks = JSON.stringify(question?.args.blocks);
    expect(blocks).toContain('Acme Ltd');
    expect(blocks).toContain('Beta Co');
    expect(await countRequests()).toBe(before);
    const betaButton = /"value":"([0-9a-f]{24} BETA)"/.exec(blocks)?.[1];
    expect(betaButton).toBeDefined();
    const clickChoice = () =>
      t.slack.blockAction({
        user: { id: 'U0BOTH' },
        channel: { id: 'DU0BOTH' },
        container: { type: 'message', channel_id: 'DU0BOTH', message_ts: String((question?.response as { ts: string }).ts) },
        message: { ts: String((question?.response as { ts: string }).ts) },
        actions: [{ action_id: ACTION.chooseClient, value: betaButton ?? '', type: 'button' }],
      });
    await clickChoice();
    const [update] = await t.fake.waitFor('chat.update', (c) => c.args.channel === 'DU0BOTH');
    expect(String(update?.args.text)).toMatch(/Opened \*BETA-\d+\*/);
    const created = await newestRequest({ source: 'dm' });
    expect(created).toMatchObject({ clientKey: 'BETA', title: 'Which one am I?', requesterId: 'U0BOTH' });
    await clickChoice(); // a double click opens nothing more
    await t.fake.waitFor('chat.update', (c) => c.args.channel === 'DU0BOTH' && /already opened/.test(String(c.args.text)));
    expect(await countRequests()).toBe(before + 1);
  });

  it('explains politely to someone who belongs to no client', async () => {
    const before = await countRequests();
    await dm('U0NOBODY', 'my laptop will not start');
    const [reply] = await t.fake.waitFor('chat.postMessage', (c) => c.args.channel === 'DU0NOBODY');
    expect(String(reply?.args.text)).toMatch(/couldn't find a client channel you're in/);
    expect(await countRequests()).toBe(before);
  });
});

describe('pleasantries and mentions in a thread (#13)', () => {
  const dm = (user: string, text: string) =>
    t.slack.event({ type: 'message', channel_type: 'im', channel: `D${user}`, user, text, ts: nextTs() });
  const mentionIn = (user: string, text: string, thread?: string) => {
    const ts = nextTs();
    return t.slack.event({ type: 'app_mention', user, text: `<@${BOT_USER_ID}> ${text}`, channel: ACME.channel, ts, event_ts: ts, ...(thread ? { thread_ts: thread } : {}) });
  };

  it.each([
    ['thanks!', /^You're welcome! :slightly_smiling_face: Whenever you need help, tell me what's wrong in a message here/],
    ['ok 👍', /^:\+1: Whenever you need help/],
    ['hi', /^Hi! :wave: Whenever you need help/],
  ])('a DM that says only %j opens nothing and is answered kindly with how to ask', async (text, answer) => {
    await setMembers(ACME.channel, [ACME.member]);
    const before = await countRequests();
    await dm(ACME.member, text);
    const [reply] = await t.fake.waitFor('chat.postMessage', (c) => c.args.channel === `D${ACME.member}`);
    expect(String(reply?.args.text)).toMatch(answer);
    expect(String(reply?.args.text)).toContain('`/help`');
    // Nothing was asked of Slack about channels, and nothing opened.
    expect(t.fake.callsTo('conversations.members')).toHaveLength(0);
    expect(await countRequests()).toBe(before);
  });

  it('a mention that only says thanks opens nothing; one that says what is wrong still does', async () => {
    const before = await countRequests();
    await mentionIn(ACME.member, 'thanks so much :pray:');
    await waitForEphemeral(t, ACME.member, /^You're welcome! .*mention me with what's wrong/);
    expect(await countRequests()).toBe(before);
    await mentionIn(ACME.member, 'list of users is broken');
    await waitForEphemeral(t, ACME.member, /Opened \*ACME-\d+\*/);
    expect(await countRequests()).toBe(before + 1);
  });

  it("a mention in a request's thread adds to that request instead of opening another", async () => {
    await mentionIn(ACME.member, 'reports are empty');
    const request = await newestRequest({ title: 'reports are empty' });
    const before = await countRequests();
    await mentionIn(ACME.member, 'also the export is empty', request.clientMessageTs ?? undefined);
    await waitForEphemeral(t, ACME.member, new RegExp(`^Added to \\*${request.key}\\*; no new request was opened`));
    expect(await countRequests()).toBe(before);
    const added = await AuditEventModel.findOne({ entityId: request.key, action: 'request.added_to' }).lean();
    expect(added).toMatchObject({ actorId: ACME.member, clientKey: 'ACME', after: { text: 'also the export is empty' } });
  });

  it("a mention in a request's thread cut at its limit never keeps half an emoji, so the client's ledger still holds", async () => {
    // 1,999 letters and an emoji: 2,001 UTF-16 units, cut to 2,000 it would end in half the emoji,
    // which MongoDB stores as U+FFFD while the event's hash was taken over the half.
    await mentionIn(ACME.member, 'the dashboard is slow');
    const request = await newestRequest({ title: 'the dashboard is slow' });
    const text = `${'a'.repeat(ADDED_TEXT_LIMIT - 1)}\u{1F600}`;
    expect(text).toHaveLength(ADDED_TEXT_LIMIT + 1);
    await mentionIn(ACME.member, text, request.clientMessageTs ?? undefined);
    await waitForEphemeral(t, ACME.member, new RegExp(`^Added to \\*${request.key}\\*; no new request was opened`));
    const report = await verifyLedger({ clientKey: 'ACME' });
    expect(report.chains[0]?.problems).toEqual([]);
    expect(report.ok).toBe(true);
    // The emoji that did not fit was left out whole.
    const added = await AuditEventModel.findOne({ entityId: request.key, action: 'request.added_to' }).lean();
    const stored = (added?.after as { text: string }).text;
    expect([stored.length, stored === 'a'.repeat(ADDED_TEXT_LIMIT - 1)]).toEqual([ADDED_TEXT_LIMIT - 1, true]);
  });

  it('a mention in the thread of the message a request was opened from is copied into the request thread', async () => {
    const root = nextTs();
    await t.slack.event({ type: 'app_mention', user: ACME.member, text: `<@${BOT_USER_ID}> invoices fail to send`, channel: ACME.channel, ts: root, event_ts: root });
    const request = await newestRequest({ 'sourceMessage.ts': root });
    const before = await countRequests();
    await mentionIn(ACME.member, 'the error says SMTP 550', root);
    await waitForEphemeral(t, ACME.member, new RegExp(`^Added to \\*${request.key}\\* \\(copied into its thread\\)`));
    const [copy] = await t.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === request.clientMessageTs && /added, in the thread of the original message: the error says SMTP 550/.test(String(c.args.text)));
    expect(copy?.args.channel).toBe(ACME.channel);
    expect(await countRequests()).toBe(before);
  });
});

describe('the intake reaction', () => {
  const react = (user: string, channel: string, ts: string, reaction = 'sos') =>
    t.slack.event({ type: 'reaction_added', user, reaction, item: { type: 'message', channel, ts }, item_user: GUEST, event_ts: nextTs() });

  it("turns a client's message into a request for its author, once", async () => {
    const ts = nextTs();
    t.fake.addUserMessage(ACME.channel, { ts, user: GUEST, text: 'Login loops back to the start page' });
    await react(ACME.member, ACME.channel, ts);
    await waitForEphemeral(t, ACME.member, /Opened \*ACME-\d+\*/);
    const created = await newestRequest({ source: 'reaction' });
    expect(created).toMatchObject({ clientKey: 'ACME', title: 'Login loops back to the start page', requesterId: GUEST, sourceMessage: { channelId: ACME.channel, ts } });
    const before = await countRequests();
    await react(ACME.boss, ACME.channel, ts);
    await waitForEphemeral(t, ACME.boss, /already ACME-\d+/);
    expect(await countRequests()).toBe(before);
  });

  it('works on a reply inside a thread', async () => {
    const root = nextTs();
    const reply = nextTs();
    t.fake.addUserMessage(ACME.channel, { ts: root, user: ACME.member, text: 'Deploy thread' });
    t.fake.addUserMessage(ACME.channel, { ts: reply, user: GUEST, text: 'Rollback failed too', thread_ts: root });
    await react(ACME.member, ACME.channel, reply);
    await waitForEphemeral(t, ACME.member, /Opened/);
    expect(await newestRequest({ source: 'reaction' })).toMatchObject({ title: 'Rollback failed too' });
  });

  it('is ignored in other channels and for other emoji', async () => {
    const ts = nextTs();
    t.fake.addUserMessage('C0RANDOM', { ts, user: 'U0X', text: 'random' });
    t.fake.addUserMessage(ACME.channel, { ts, user: GUEST, text: 'thumbs' });
    const before = await countRequests();
    await react('U0X', 'C0RANDOM', ts);
    await react(ACME.member, ACME.channel, ts, 'thumbsup');
    await t.fake.expectNoCall('chat.postMessage', undefined, 300);
    expect(await countRequests()).toBe(before);
  });
});

describe('Slack Connect', () => {
  it('lets a guest from the client organisation use the buttons, though they cannot run the command', async () => {
    const ts = nextTs();
    await t.slack.event({ type: 'app_mention', user: GUEST, user_team: GUEST_TEAM, text: `<@${BOT_USER_ID}> cache is stale`, channel: ACME.channel, ts, event_ts: ts });
    await waitForEphemeral(t, GUEST, /Opened/);
    const created = await newestRequest({ 'sourceMessage.channelId': ACME.channel, 'sourceMessage.ts': ts });
    await t.slack.blockAction({ user: { id: STAFF.engineer }, channel: { id: TRIAGE }, actions: [{ action_id: ACTION.claim, value: created.key, type: 'button' }] });
    const claimed = await untilSynced(created.key, created.revision);
    expect(claimed.state).toBe('claimed');
    // The guest's click comes from their own team but in our shared channel: allowed.
    await t.slack.blockAction({
      user: { id: GUEST, team_id: GUEST_TEAM },
      team: { id: GUEST_TEAM },
      channel: { id: ACME.channel },
      actions: [{ action_id: ACTION.cancel, value: created.key, type: 'button' }],
      trigger_id: 'trig-guest',
    });
    const [open] = await t.fake.waitFor('views.open', (c) => c.args.trigger_id === 'trig-guest');
    expect((open?.args.view as { callback_id: string }).callback_id).toBe('cancel_request');
  });
});
