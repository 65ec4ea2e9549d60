// The Home tab for each role, within Slack's limits however much there is to show.
import { RequestModel } from '../../src/db/request';
import { setStaffRoles } from '../../src/services/clients';
import { ACTION } from '../../src/slack/ids';
import { HOME_BLOCK_LIMIT } from '../../src/slack/views/home';
import { clickAndSettle, openByCommand } from '../support/flows';
import { startTestApp, type TestApp } from '../support/harness';
import { ACME, BETA, COLLEAGUE, STAFF, TRIAGE } from '../support/testEnv';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  await t.seed();
  t.fake.setChannelMembers(ACME.channel, [ACME.member, ACME.boss]);
  t.fake.setChannelMembers(BETA.channel, [BETA.member]);
});
afterAll(async () => t.stop());

async function openHome(user: string) {
  const before = t.fake.callsTo('views.publish').filter((c) => c.args.user_id === user).length;
  await t.slack.event({ type: 'app_home_opened', user, channel: `D${user}`, tab: 'home', event_ts: String(Date.now() / 1000) });
  const calls = await t.fake.waitFor('views.publish', (c) => c.args.user_id === user, { count: before + 1 });
  const view = calls[calls.length - 1]?.args.view as { type: string; blocks: unknown[] };
  return { view, text: JSON.stringify(view.blocks) };
}

describe('App Home', () => {
  let acmeKey: string;
  beforeAll(async () => {
    acmeKey = await openByCommand(t, 'Printer queue stuck', ACME.member, ACME.channel);
    await openByCommand(t, 'Beta secret thing', BETA.member, BETA.channel);
    const mine = await openByCommand(t, 'Assigned to eng1', ACME.member, ACME.channel);
    await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: mine, key: mine });
    await t.slack.slashCommand({ text: `estimate ${mine} 2h`, user_id: STAFF.engineer, channel_id: TRIAGE });
  });

  it("shows a client member their client's open requests and this month, and nothing of other clients", async () => {
    const { view, text } = await openHome(ACME.member);
    expect(view.type).toBe('home');
    expect(text).toContain('Acme Ltd');
    expect(text).toContain(acmeKey);
    // Acme lists its approvers and this member is not one: the time, not the money.
    expect(text).toMatch(/0m billable logged"/);
    expect(text).not.toContain("on this month's bill");
    expect(text).not.toContain('Beta secret thing');
    expect(text).not.toContain('Unclaimed queue');
    expect(text).not.toContain('Estimates waiting for your decision');
  });

  it('shows an approver the estimates waiting for their decision', async () => {
    const { text } = await openHome(ACME.boss);
    expect(text).toContain('Estimates waiting for your decision');
    expect(text).toMatch(/ACME-\d+\*? v1: up to 2h, £190\.00/);
  });

  it('shows an engineer the unclaimed queue with Claim buttons, their own requests and time this week', async () => {
    const { text } = await openHome(STAFF.engineer);
    expect(text).toContain('Unclaimed queue');
    expect(text).toContain(`"action_id":"${ACTION.claim}","value":"${acmeKey}"`);
    expect(text).toContain('Beta secret thing'); // staff see every client's queue
    expect(text).toContain('Your requests');
    expect(text).toContain("waiting for the client's approval");
    expect(text).toMatch(/You logged 0m this week/);
  });

  it("shows a manager this week's KPIs, breaches, approvals waiting, and set-up and billing buttons", async () => {
    const { text } = await openHome(STAFF.manager);
    expect(text).toContain('This week');
    expect(text).toMatch(/\*Opened\* 3/);
    expect(text).toContain('Estimates awaiting approval');
    expect(text).toContain('home_setup');
    expect(text).toContain('home_billing');
  });

  it('refreshes the Home of people it concerns when a request changes', async () => {
    await openHome(ACME.member);
    const before = t.fake.callsTo('views.publish').filter((c) => c.args.user_id === ACME.member).length;
    const key = await openByCommand(t, 'A new one for my Home', ACME.member, ACME.channel);
    const calls = await t.fake.waitFor('views.publish', (c) => c.args.user_id === ACME.member, { count: before + 1 });
    expect(JSON.stringify(calls[calls.length - 1]?.args.view)).toContain(key);
  });

  it("refreshes staff Homes on any client's change, including someone made staff after opening theirs", async () => {
    const newcomer = 'U0NEWMGR';
    const published = (user: string) => t.fake.callsTo('views.publish').filter((c) => c.args.user_id === user).length;
    await openHome(STAFF.manager);
    await openHome(newcomer); // not staff yet, and in no client channel
    const managerBefore = published(STAFF.manager);
    const newcomerBefore = published(newcomer);
    await openByCommand(t, 'Beta change before the newcomer is staff', BETA.member, BETA.channel);
    await t.fake.waitFor('views.publish', (c) => c.args.user_id === STAFF.manager, { count: managerBefore + 1 });
    expect(published(newcomer)).toBe(newcomerBefore);

    await setStaffRoles(newcomer, ['manager'], 'U0SEEDER');
    await openByCommand(t, 'Beta change after the newcomer is staff', BETA.member, BETA.channel);
    const calls = await t.fake.waitFor('views.publish', (c) => c.args.user_id === newcomer, { count: newcomerBefore + 1 });
    expect(JSON.stringify(calls[calls.length - 1]?.args.view)).toContain('This week');
  });

  it('stays within 100 blocks with 500 open requests, saying how many more there are', async () => {
    const now = Date.now();
    const docs = Array.from({ length: 500 }, (_, i) => ({
      key: `ACME-${10_000 + i}`,
      clientKey: 'ACME',
      number: 10_000 + i,
      title: `Bulk request ${i}`,
      category: 'maintenance',
      priority: (['low', 'normal', 'high', 'urgent'] as const)[i % 4],
      state: 'open',
      source: 'command',
      requesterId: ACME.member,
      clientChannelId: ACME.channel,
      triageChannelId: TRIAGE,
      createdAt: new Date(now - i * 60_000),
      revision: 0,
      syncedRevision: 0,
      timersRevision: 0,
    }));
    await RequestModel.insertMany(docs);
    for (const user of [ACME.member, STAFF.engineer, STAFF.manager]) {
      const { view, text } = await openHome(user);
      expect(view.blocks.length).toBeLessThanOrEqual(HOME_BLOCK_LIMIT);
      expect(text).toMatch(/and \d{3} more/);
    }
    // The fake rejects a Home view over Slack's limits, so a published view is a valid one.
    expect(t.fake.callsTo('views.publish').every((c) => (c.response as { ok: boolean }).ok)).toBe(true);
  });
});

describe("the client's money on Home (the rule of `/help billing`)", () => {
  /** Who is in a channel; Slack would send member_joined_channel, on which the app forgets its cached members. */
  async function setMembers(channel: string, users: string[]): Promise<void> {
    t.fake.setChannelMembers(channel, users);
    await t.web.effects.membership.forget(channel);
  }

  /** The month line under a client's heading on someone's Home. */
  async function monthLine(user: string, clientName: string): Promise<string> {
    const { view } = await openHome(user);
    const blocks = view.blocks as Array<{ type: string; text?: { text: string }; elements?: Array<{ text: string }> }>;
    const heading = blocks.findIndex((b) => b.type === 'header' && b.text?.text === clientName);
    if (heading < 0) throw new Error(`${clientName} is not on ${user}'s Home`);
    return blocks[heading + 1]?.elements?.map((e) => e.text).join(' ') ?? '';
  }

  beforeAll(async () => {
    // Our colleague (an account manager), an engineer and a manager are in both clients' channels.
    await setMembers(ACME.channel, [ACME.member, ACME.boss, COLLEAGUE, STAFF.engineer, STAFF.manager]);
    await setMembers(BETA.channel, [BETA.member, COLLEAGUE, STAFF.manager]);
  });
  afterAll(async () => {
    await setMembers(ACME.channel, [ACME.member, ACME.boss]);
    await setMembers(BETA.channel, [BETA.member]);
  });

  const BILL = /billable logged; £[\d,.]+ on this month's bill so far$/;

  it("shows it to the client's listed approver and to our managers", async () => {
    expect(await monthLine(ACME.boss, 'Acme Ltd')).toMatch(BILL);
    expect(await monthLine(STAFF.manager, 'Acme Ltd')).toMatch(BILL);
    expect(await monthLine(STAFF.manager, 'Beta Co')).toMatch(BILL);
  });

  it("shows it to the client's people when the client lists no approvers (Beta's guest)", async () => {
    expect(await monthLine(BETA.member, 'Beta Co')).toMatch(BILL);
  });

  it("does not show it to the client's people who do not approve when approvers are listed", async () => {
    const line = await monthLine(ACME.member, 'Acme Ltd');
    expect(line).toMatch(/billable logged$/);
    expect(line).not.toContain('£');
  });

  it('never shows it to our colleagues in the channel, nor to engineers', async () => {
    for (const [user, client] of [
      [COLLEAGUE, 'Acme Ltd'],
      [COLLEAGUE, 'Beta Co'],
      [STAFF.engineer, 'Acme Ltd'],
    ] as const) {
      const line = await monthLine(user, client);
      expect(line).toMatch(/billable logged$/);
      expect(line).not.toContain('£');
    }
    const { text } = await openHome(COLLEAGUE);
    expect(text).not.toContain("this month's bill");
  });
});
