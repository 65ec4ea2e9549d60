// "Similar past requests" over signed HTTP: `/help estimate KEY` with no time answers the engineer
// alone, and the estimate modal opened from the triage message shows the same; other clients'
// requests appear by their time only.
import { ACTION, VIEW_ESTIMATE } from '../../src/slack/ids';
import { startTestApp, type TestApp, UNLIMITED_SLACK } from '../support/harness';
import { ACME, BETA, STAFF, TRIAGE } from '../support/testEnv';
import { clickAndSettle, clickForModal, openByCommand, record } from '../support/flows';
import { EstimateModel } from '../../src/db/estimate';
import { createClaimedRequest } from '../support/records';

let t: TestApp;

beforeAll(async () => {
  // Requests opened and claimed back to back: the subject is what the engineer is shown, not Slack's limits.
  t = await startTestApp(UNLIMITED_SLACK);
  await t.seed();
  // Closed history, written as the lifecycle leaves it (the lifecycle path itself: test/integration/history.test.ts).
  const closedAt = new Date('2026-10-15T12:00:00Z');
  const past: Array<[string, number, string, number]> = [
    ['ACME', 101, 'Renew the TLS certificate on the shop', 90],
    ['ACME', 102, 'TLS certificate expired on the staging shop', 60],
    ['BETA', 201, 'Project Heron: renew the TLS certificate for the payroll portal', 150],
    ['BETA', 202, 'Upgrade the Heron payroll database', 600],
    ['ACME', 103, 'Add a CSV export to the reports page', 480],
    ['ACME', 104, 'Nightly backup failed twice', 45],
    ['BETA', 203, 'Login page slow for all users', 120],
    ['BETA', 204, 'Move the Heron mail server to the cloud', 900],
  ];
  for (const [client, number, title, minutes] of past) {
    await createClaimedRequest(client, number, {
      title,
      category: 'maintenance',
      state: 'closed',
      clientChannelId: client === 'ACME' ? ACME.channel : BETA.channel,
      billableMinutesLogged: minutes,
      resolvedAt: closedAt,
      closedAt,
      // Shown in Slack and timed long ago: the sweeps have nothing to do for them.
      revision: 1,
      syncedRevision: 1,
      timersRevision: 1,
    });
  }
});
afterAll(async () => {
  await t.stop();
});

async function claimed(text: string): Promise<string> {
  const key = await openByCommand(t, text, ACME.member, ACME.channel);
  await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
  return key;
}

function command(text: string, user: string = STAFF.engineer, channel: string = TRIAGE) {
  return t.slack.slashCommand({ text, user_id: user, channel_id: channel }).then((r) => r.json() as { text: string; response_type?: string });
}

const SECRETS = ['BETA-2', 'Heron', 'payroll'];

describe('similar past requests', () => {
  it('/help estimate KEY with no time shows them to the engineer alone, with a suggested range, and posts nothing', async () => {
    const key = await claimed('Renew the TLS certificate for the shop');
    const answer = await command(`estimate ${key}`);
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain('*Similar past requests*');
    expect(answer.text).toContain('*ACME-101* Renew the TLS certificate on the shop, 1h 30m');
    expect(answer.text).toContain('*ACME-102* TLS certificate expired on the staging shop, 1h');
    expect(answer.text).toContain("another client's request, 2h 30m");
    // 60, 90, 150 → median 90; p80 at rank 1.6: 90 + 0.6 × 60 = 126
    expect(answer.text).toContain('Suggested: *1h 30m – 2h 6m*');
    for (const secret of SECRETS) expect(answer.text).not.toContain(secret);
    // Only a look: no estimate posted, the request as it was.
    expect(await EstimateModel.countDocuments({ requestKey: key })).toBe(0);
    expect((await record(key)).state).toBe('claimed');
  });

  it('shows them in the estimate modal opened from the triage message', async () => {
    const key = await claimed('TLS certificate expired on the shop');
    const modal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.estimate, value: key });
    expect(modal.callback_id).toBe(VIEW_ESTIMATE);
    const blocks = JSON.stringify(modal.blocks);
    expect(blocks).toContain('"block_id":"similar_requests"');
    expect(blocks).toContain('*ACME-101* Renew the TLS certificate on the shop, 1h 30m');
    expect(blocks).toContain("another client's request, 2h 30m");
    expect(blocks).toContain('Suggested: *1h 30m – 2h 6m*');
    for (const secret of SECRETS) expect(blocks).not.toContain(secret);
  });

  it('says there is not enough history for a request unlike anything closed', async () => {
    const key = await claimed('Kubernetes ingress flaps between zones');
    const answer = await command(`estimate ${key}`);
    expect(answer.text).toContain('Not enough similar history yet');
    expect(answer.text).not.toContain('Suggested');
    const modal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.estimate, value: key });
    expect(JSON.stringify(modal.blocks)).toContain('Not enough similar history yet');
  });

  it("is not shown to the client's people, nor another client's request to anyone who may not see it", async () => {
    const key = await claimed('Renew the TLS certificate on the checkout');
    const refused = await command(`estimate ${key}`, ACME.member, ACME.channel);
    expect(refused.text).not.toContain('Similar past requests');
    expect(refused.text).toMatch(/Only .*engineer/i);
    const stranger = await command(`estimate ${key}`, BETA.member, BETA.channel);
    expect(stranger.text).not.toContain('Similar past requests');
    expect(stranger.text).toMatch(/couldn't find|not find|no request/i);
  });
});
