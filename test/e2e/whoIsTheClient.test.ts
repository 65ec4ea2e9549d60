// Who counts as the client (#13), over signed HTTP: people from the client's own organisation
// (Slack Connect) and guests are the client's; our own full members in the client's channel
// (account managers, sales) are colleagues who read and comment but do not decide, until a
// manager names them in the client's `members`. Slack is asked once per person (users.info).
import { EstimateModel } from '../../src/db/estimate';
import { colleagueBillingRefusal } from '../../src/services/billing';
import { ACTION } from '../../src/slack/ids';
import { click, clickAndSettle, clickForModal, openByCommand, record, submit, submitAndSettle, untilSynced, waitForEphemeral } from '../support/flows';
import { declareClientPeople, startTestApp, type TestApp } from '../support/harness';
import { ACME, COLLEAGUE, STAFF, TRIAGE } from '../support/testEnv';

/** A guest account of our workspace in Acme's channel. */
const GUEST = 'U0ACMEGST';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({}, (fake) => declareClientPeople(fake, { guests: [GUEST] }));
  await t.seed();
});
afterAll(async () => t.stop());

const usersInfoAbout = (user: string) => t.fake.callsTo('users.info').filter((c) => c.args.user === user).length;

/** A request asked for by `requester`, claimed, and resolved by the engineer. */
async function resolvedRequest(title: string, requester: string): Promise<string> {
  const key = await openByCommand(t, title, requester, ACME.channel);
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
