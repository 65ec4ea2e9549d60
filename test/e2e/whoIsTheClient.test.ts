// Who counts as the client (#13), over signed HTTP: people from the client's own organisation
// (Slack Connect) and guests are the client's; our own full members in the client's channel
// (account managers, sales) are colleagues who read and comment but do not decide, until a
// manager names them in the client's `members`. Slack is asked once per person (users.info).
// Our workspace is part of an Enterprise Grid organisation: a full member of a sister workspace
// of that organisation is one of ours too, while people of other organisations stay the client's.
import { EstimateModel } from '../../src/db/estimate';
import { PersonModel } from '../../src/db/person';
import { colleagueBillingRefusal } from '../../src/domain/permissions';
import { ACTION } from '../../src/slack/ids';
import { click, clickAndSettle, clickForModal, openByCommand, record, submit, submitAndSettle, untilSynced, waitForEphemeral } from '../support/flows';
import { declareClientPeople, startTestApp, type TestApp, UNLIMITED_SLACK } from '../support/harness';
import { DEFAULT_TEAM_ID, type FakeUser } from '../support/slackFake';
import { ACME, ACME_ORG, COLLEAGUE, STAFF, TRIAGE } from '../support/testEnv';

/** A guest account of our workspace in Acme's channel. */
const GUEST = 'U0ACMEGST';

/** Our Enterprise Grid organisation: our workspace and a sister workspace (another office of ours). */
const OUR_GRID = { id: 'E0OURGRID', name: 'Ad-hoc Group' };
const SISTER_TEAM = 'T0SISTER';
/** A full member of the sister workspace (a colleague from another office), in a client's channel. */
const SISTER = 'W0SISTER';
/** A client of ours that is on Enterprise Grid itself: its people belong to its own organisation. */
const GRIDCO = { key: 'GRIDCO', channel: 'C0GRIDCO', team: 'T0GRIDCO', person: 'W0GRIDDEV' } as const;

let t: TestApp;

beforeAll(async () => {
  // A dozen requests claimed, estimated and resolved within a minute: more message updates than
  // Slack allows a minute. This file's subject is who counts as the client, so limits are off.
  t = await startTestApp(UNLIMITED_SLACK, (fake) => {
    declareClientPeople(fake, { guests: [GUEST] });
    fake.setTeamEnterprise(DEFAULT_TEAM_ID, OUR_GRID);
    fake.setTeamEnterprise(SISTER_TEAM, OUR_GRID);
    fake.setTeamEnterprise(GRIDCO.team, { id: 'E0GRIDCO', name: 'GridCo' });
    fake.setUser({ id: SISTER, team_id: SISTER_TEAM });
    fake.setUser({ id: GRIDCO.person, team_id: GRIDCO.team });
  });
  await t.seed();
});
afterAll(async () => t.stop());

const usersInfoAbout = (user: string) => t.fake.callsTo('users.info').filter((c) => c.args.user === user).length;

/** A request asked for by `requester`, claimed, and resolved by the engineer. */
async function resolvedRequest(title: string, requester: string, channel: string = ACME.channel): Promise<string> {
  const key = await openByCommand(t, title, requester, channel);
  await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
  const modal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.resolve, value: key });
  await submitAndSettle(key, () => submit(t, STAFF.engineer, modal, { resolution: 'Restarted the queue' }));
  return key;
}

describe('a colleague in the client channel', () => {
  it('may open a request for the client, but not confirm the fix, and is told why and how to be named', async () => {
    const key = await resolvedRequest('Printer queue stuck (asked by our account manager)', COLLEAGUE);
    const before = await record(key);
    await click(t, { user: COLLEAGUE, channel: ACME.channel, actionId: ACTION.confirm, value: key });
    const told = await waitForEphemeral(t, COLLEAGUE, /not of ACME's side/);
    expect(String(told.args.text)).toContain("you can read and comment here but not confirm the fix: that is for ACME's people");
    expect(String(told.args.text)).toContain('`admin client ACME members: [@you]`');
    expect(await record(key)).toEqual(before);
    // The client's own people may: Acme's member (Slack Connect) confirms it.
    await clickAndSettle(t, { user: ACME.member, channel: ACME.channel, actionId: ACTION.confirm, value: key, key });
    expect((await record(key)).state).toBe('closed');
  });

  it('cannot approve an estimate of a client that lists no approvers, while a guest of ours can', async () => {
    await t.seed(
      `managers: [${STAFF.manager}]\nengineers: [${STAFF.engineer}]\nclients:\n  - key: OPEN\n    name: Open Co\n    channels: [C0OPEN]\n    hourlyRate: 80\n    approvers: []\n`,
    );
    const key = await openByCommand(t, 'Upgrade the database', GUEST, 'C0OPEN');
    await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
    const { revision } = await record(key);
    await t.slack.slashCommand({ text: `estimate ${key} 2h`, user_id: STAFF.engineer, channel_id: TRIAGE });
    await untilSynced(key, revision);
    const estimate = await EstimateModel.findOne({ requestKey: key }).lean();
    const id = estimate!._id.toHexString();

    await click(t, { user: COLLEAGUE, channel: 'C0OPEN', actionId: ACTION.approveEstimate, value: id });
    await waitForEphemeral(t, COLLEAGUE, /not of OPEN's side, so you can read and comment here but not approve estimates/);
    expect((await EstimateModel.findById(id).lean())?.decision).toBe('pending');

    const waiting = await record(key);
    await click(t, { user: GUEST, channel: 'C0OPEN', actionId: ACTION.approveEstimate, value: id });
    expect((await untilSynced(key, waiting.revision)).state).toBe('approved');
    expect((await EstimateModel.findById(id).lean())?.decision).toBe('approved');
  });

  it('is not asked for decisions on their Home tab, while the client\'s guest is', async () => {
    t.fake.setChannelMembers('C0OPEN', [GUEST, COLLEAGUE]);
    const key = await openByCommand(t, 'Rotate the keys', GUEST, 'C0OPEN');
    await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
    const { revision } = await record(key);
    await t.slack.slashCommand({ text: `estimate ${key} 1h`, user_id: STAFF.engineer, channel_id: TRIAGE });
    await untilSynced(key, revision);
    const homeOf = async (user: string) => {
      const before = t.fake.callsTo('views.publish').filter((c) => c.args.user_id === user).length;
      await t.slack.event({ type: 'app_home_opened', user, channel: `D${user}`, tab: 'home', event_ts: String(Date.now() / 1000) });
      const calls = await t.fake.waitFor('views.publish', (c) => c.args.user_id === user, { count: before + 1 });
      return JSON.stringify(calls[calls.length - 1]?.args.view);
    };
    expect(await homeOf(GUEST)).toContain('Estimates waiting for your decision');
    const colleague = await homeOf(COLLEAGUE);
    expect(colleague).toContain('Open Co');
    expect(colleague).not.toContain('Estimates waiting for your decision');
  });

  it("is refused the client's billing, saying why", async () => {
    const res = await t.slack.slashCommand({ text: 'billing', user_id: COLLEAGUE, channel_id: ACME.channel });
    expect((res.json() as { text: string }).text).toBe(colleagueBillingRefusal('ACME'));
  });

  it('is asked about once: the answer is kept, not asked of Slack on every click', () => {
    // Three refused or allowed actions above, one users.info.
    expect(usersInfoAbout(COLLEAGUE)).toBe(1);
    // Staff and people the settings name are never looked up.
    expect(usersInfoAbout(STAFF.engineer)).toBe(0);
    expect(usersInfoAbout(ACME.boss)).toBe(0);
  });

  it('acts for the client once a manager names them in its members', async () => {
    const res = await t.slack.slashCommand({ text: `admin client ACME members: [<@${COLLEAGUE}|sam>]`, user_id: STAFF.manager, channel_id: TRIAGE });
    expect((res.json() as { text: string }).text).toContain(`Also the client's: <@${COLLEAGUE}>`);
    const key = await resolvedRequest('Export is slow', ACME.member);
    await clickAndSettle(t, { user: COLLEAGUE, channel: ACME.channel, actionId: ACTION.confirm, value: key, key });
    expect((await record(key)).state).toBe('closed');
  });
});

describe('a full member of a sister workspace of our Enterprise Grid organisation', () => {
  beforeAll(async () => {
    // A client that lists no approvers: each of its people decides for it, so whose side someone
    // is on decides everything. Our colleague from the sister workspace is in its channel.
    await t.seed(
      `managers: [${STAFF.manager}]\nengineers: [${STAFF.engineer}]\nclients:\n  - key: ${GRIDCO.key}\n    name: GridCo\n    channels: [${GRIDCO.channel}]\n    hourlyRate: 80\n    approvers: []\n`,
    );
  });

  it('cannot approve an estimate, while the client\'s own person (of another organisation) can', async () => {
    const key = await openByCommand(t, 'The warehouse feed is late', GRIDCO.person, GRIDCO.channel);
    await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
    const { revision } = await record(key);
    await t.slack.slashCommand({ text: `estimate ${key} 2h`, user_id: STAFF.engineer, channel_id: TRIAGE });
    await untilSynced(key, revision);
    const id = (await EstimateModel.findOne({ requestKey: key }).lean())!._id.toHexString();

    await click(t, { user: SISTER, channel: GRIDCO.channel, actionId: ACTION.approveEstimate, value: id, team: SISTER_TEAM });
    await waitForEphemeral(t, SISTER, /not of GRIDCO's side, so you can read and comment here but not approve estimates/);
    expect((await EstimateModel.findById(id).lean())?.decision).toBe('pending');

    const waiting = await record(key);
    await click(t, { user: GRIDCO.person, channel: GRIDCO.channel, actionId: ACTION.approveEstimate, value: id, team: GRIDCO.team });
    expect((await untilSynced(key, waiting.revision)).state).toBe('approved');
  });

  it('cannot confirm the fix, while the client\'s own person can', async () => {
    const key = await resolvedRequest('Labels print blank', GRIDCO.person, GRIDCO.channel);
    const before = await record(key);
    await click(t, { user: SISTER, channel: GRIDCO.channel, actionId: ACTION.confirm, value: key, team: SISTER_TEAM });
    await waitForEphemeral(t, SISTER, /not of GRIDCO's side, so you can read and comment here but not confirm the fix/);
    expect(await record(key)).toEqual(before);
    await clickAndSettle(t, { user: GRIDCO.person, channel: GRIDCO.channel, actionId: ACTION.confirm, value: key, key, team: GRIDCO.team });
    expect((await record(key)).state).toBe('closed');
  });

  it("is refused the client's billing, while the client's own person sees it", async () => {
    const refused = await t.slack.slashCommand({ text: 'billing', user_id: SISTER, channel_id: GRIDCO.channel, team_id: SISTER_TEAM });
    expect((refused.json() as { text: string }).text).toBe(colleagueBillingRefusal(GRIDCO.key));
    const allowed = await t.slack.slashCommand({ text: 'billing', user_id: GRIDCO.person, channel_id: GRIDCO.channel, team_id: GRIDCO.team });
    expect((allowed.json() as { text: string }).text).toMatch(/^That's the draft .* billing summary for GridCo; I'm sending you the CSV in a direct message\.$/);
  });

  it('counts a person of the client\'s own organisation in a Slack Connect channel as the client\'s, as before', async () => {
    // Acme is not on our Grid: its member (of Acme's own workspace) still confirms.
    expect(ACME_ORG).not.toBe(SISTER_TEAM);
    const key = await resolvedRequest('Checkout button greyed out', ACME.member);
    await clickAndSettle(t, { user: ACME.member, channel: ACME.channel, actionId: ACTION.confirm, value: key, key, team: ACME_ORG });
    expect((await record(key)).state).toBe('closed');
  });

  it('is looked up once: the answer, with their organisation, is kept', () => {
    expect(t.fake.callsTo('users.info').filter((c) => c.args.user === SISTER)).toHaveLength(1);
  });
});

describe('someone Slack says has changed (user_change, team_join)', () => {
  const SHIFT = { key: 'SHIFT', channel: 'C0SHIFT' } as const;

  beforeAll(async () => {
    // A client that lists no approvers: its guests and people decide for it, our own people do not.
    await t.seed(
      `managers: [${STAFF.manager}]\nengineers: [${STAFF.engineer}]\nclients:\n  - key: ${SHIFT.key}\n    name: Shift Co\n    channels: [${SHIFT.channel}]\n    hourlyRate: 80\n    approvers: []\n`,
    );
  });

  /** Until the kept answer about `user` is gone (the event is acknowledged before it is handled). */
  async function untilForgotten(user: string): Promise<void> {
    const started = Date.now();
    while (await PersonModel.exists({ _id: user })) {
      if (Date.now() - started > 5000) throw new Error(`what Slack said about ${user} was not forgotten`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it.each<[string, 'user_change' | 'team_join', string, Omit<FakeUser, 'id'>]>([
    ['a guest of ours made a full member (user_change)', 'user_change', 'U0PROMOTED', { is_restricted: true }],
    ["someone of the client's organisation who joins our workspace (team_join)", 'team_join', 'U0HIRED', { team_id: 'T0SHIFTORG' }],
  ])('stops acting for the client at once: %s', async (_label, type, user, before) => {
    t.fake.setUser({ id: user, ...before });
    // They act for the client: they confirm a fix. Slack was asked, and the answer is kept.
    const first = await resolvedRequest(`Reports are empty (${type})`, user, SHIFT.channel);
    await clickAndSettle(t, { user, channel: SHIFT.channel, actionId: ACTION.confirm, value: first, key: first });
    expect((await record(first)).state).toBe('closed');
    const key = await resolvedRequest(`Exports are empty too (${type})`, user, SHIFT.channel);
    expect(await PersonModel.findById(user).lean()).toMatchObject({ teamId: before.team_id ?? DEFAULT_TEAM_ID, guest: before.is_restricted ?? false });
    const asked = usersInfoAbout(user);

    // Slack makes them one of our own full members, and says so.
    t.fake.setUser({ id: user });
    const res = await t.slack.event({
      type,
      user: { id: user, team_id: DEFAULT_TEAM_ID, name: user.toLowerCase(), deleted: false, is_bot: false, is_restricted: false, is_ultra_restricted: false, tz: 'Europe/London' },
      event_ts: String(Date.now() / 1000),
      cache_ts: Math.floor(Date.now() / 1000),
    });
    expect(res.status).toBe(200);
    await untilForgotten(user);

    const resolved = await record(key);
    await click(t, { user, channel: SHIFT.channel, actionId: ACTION.confirm, value: key });
    await waitForEphemeral(t, user, /not of SHIFT's side, so you can read and comment here but not confirm the fix/);
    expect(await record(key)).toEqual(resolved);
    expect(usersInfoAbout(user)).toBe(asked + 1);
  });
});
