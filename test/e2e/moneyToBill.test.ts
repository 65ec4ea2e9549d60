// From the first estimate to the bill, over signed HTTP, for both billing modes: the numbers in
// the billing summary and its CSV are worked out by hand below.
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import { ACTION } from '../../src/slack/ids';
import { clickAndSettle, clickForModal, openByCommand, record, submit, submitAndSettle } from '../support/flows';
import { startTestApp, type TestApp } from '../support/harness';
import { ACME, BETA, STAFF, TRIAGE } from '../support/testEnv';

dayjs.extend(utc);
dayjs.extend(timezone);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  // BETA as in the standard seed (upfront, £120.50/h, 15-minute increments, 30 minimum) but
  // with an approver, so that the approval below is a deliberate click of the right person.
  await t.seed();
  await t.seed(`
clients:
  - key: BETA
    name: Beta Co
    channels: [${BETA.channel}]
    hourlyRate: 120.50
    billingMode: upfront
    businessHours: 24x7
    approvers: [U0BETABOSS]
`);
});
afterAll(async () => t.stop());

const say = (text: string, user: string = STAFF.engineer, channel: string = TRIAGE) =>
  t.slack.slashCommand({ text, user_id: user, channel_id: channel }).then((r) => String((r.json() as { text: string }).text));

async function approveLatest(key: string, version: number, approver: string, channel: string) {
  const [post] = await t.fake.waitFor('chat.postMessage', (c) => String(c.args.text).includes(`v${version} for ${key}`));
  const id = new RegExp(`"action_id":"${ACTION.approveEstimate}","value":"([0-9a-f]{24})"`).exec(JSON.stringify(post?.args.blocks))?.[1] ?? '';
  const { revision } = await record(key);
  await t.slack.blockAction({ user: { id: approver }, channel: { id: channel }, actions: [{ action_id: ACTION.approveEstimate, value: id, type: 'button' }] });
  for (let i = 0; i < 200 && (await record(key)).revision === revision; i++) await new Promise((r) => setTimeout(r, 20));
  await t.fake.waitFor('chat.postMessage', (c) => String(c.args.text).includes(`(v${version},`) && /approved the/.test(String(c.args.text)));
}

async function resolveAndConfirm(key: string, member: string, channel: string) {
  const modal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.resolve, value: key });
  await submitAndSettle(key, () => submit(t, STAFF.engineer, modal, { resolution: 'Done and verified' }));
  await clickAndSettle(t, { user: member, channel, actionId: ACTION.confirm, value: key, key });
}

function csvRow(csv: string, first: string): string[] {
  const row = csv.split('\n').find((line) => line.startsWith(`${first},`));
  if (!row) throw new Error(`no CSV row for ${first} in:\n${csv}`);
  return row.split(',');
}

it('bills on completion: the rounded actual time, capped at what was approved', async () => {
  const key = await openByCommand(t, 'Mail server migration', ACME.member, ACME.channel);
  await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
  expect(await say(`estimate ${key} 3h`)).toMatch(/£285\.00/);
  // Refused for a non-approver, then approved by the approver.
  const [post] = await t.fake.waitFor('chat.postMessage', (c) => String(c.args.text).includes(`v1 for ${key}`));
  const id = /"action_id":"estimate_approve","value":"([0-9a-f]{24})"/.exec(JSON.stringify(post?.args.blocks))?.[1] ?? '';
  await t.slack.blockAction({ user: { id: ACME.member }, channel: { id: ACME.channel }, actions: [{ action_id: ACTION.approveEstimate, value: id, type: 'button' }] });
  await t.fake.waitFor('chat.postEphemeral', (c) => c.args.user === ACME.member && /approvers can approve/.test(String(c.args.text)));
  expect((await record(key)).state).toBe('awaiting_approval');
  await approveLatest(key, 1, ACME.boss, ACME.channel);

  expect(await say(`log 2h ${key} moved mailboxes`)).toMatch(/Logged 2h \(billable\)/);
  expect(await say(`log 1h30m ${key} DNS`)).toMatch(/would go past/);
  expect(await say(`estimate ${key} +1h DNS took longer`)).toMatch(/Top-up request v2/);
  await approveLatest(key, 2, ACME.boss, ACME.channel);
  expect(await say(`log 1h30m ${key} DNS`)).toMatch(/3h 30m of 4h used/);
  await resolveAndConfirm(key, ACME.member, ACME.channel);

  const month = dayjs().tz('Europe/London').format('YYYY-MM');
  expect(await say(`billing ACME ${month}`, STAFF.manager, TRIAGE)).toMatch(/Posting the draft/);
  await t.fake.waitFor('files.completeUploadExternal', (c) => JSON.stringify(c.args).includes('ACME'));
  const csv = t.fake.uploadedFiles().find((f) => f.content.includes(key))?.content ?? '';
  // Approved 3h (£285.00) + 1h (£95.00) = 240 min, £380.00. Logged 120 + 90 = 210 min; rounded
  // up to 15-minute increments 210, at least 30 → 210; capped at 240 → 210 billed;
  // 210 × £95 / 60 = £332.50. Nothing upfront, no reconciliation.
  const row = csvRow(csv, key);
  expect(row[4]).toBe(''); // not cancelled
  expect(row.slice(5, 14)).toEqual(['240', '380.00', '210', '210', '210', '210', '332.50', '0.00', '0.00']);
});

it('bills upfront: the approved amount on approval, and the reconciliation against actuals at close', async () => {
  const key = await openByCommand(t, 'Quarterly patching', BETA.member, BETA.channel);
  await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
  expect(await say(`estimate ${key} 2h`)).toMatch(/£241\.00/);
  await approveLatest(key, 1, 'U0BETABOSS', BETA.channel);
  expect(await say(`log 50m ${key} patched`)).toMatch(/Logged 50m/);
  await resolveAndConfirm(key, BETA.member, BETA.channel);

  const month = dayjs().tz('Europe/London').format('YYYY-MM');
  expect(await say(`billing BETA ${month}`, STAFF.manager, TRIAGE)).toMatch(/Posting the draft/);
  await t.fake.waitFor('files.completeUploadExternal', (c) => JSON.stringify(c.args).includes('BETA'));
  const csv = t.fake.uploadedFiles().find((f) => f.content.includes(key))?.content ?? '';
  // Approved 2h at £120.50 = £241.00, invoiced upfront on approval: amount £241.00, billed 120
  // min. Actual: 50 min → 60 (15-minute increments), at least 30 → 60; 60 × £120.50 / 60 =
  // £120.50; reconciliation £120.50 − £241.00 = −£120.50 (shown to the client, not refunded).
  const row = csvRow(csv, key);
  expect(row[4]).toBe(''); // not cancelled
  // Used (min) 60 beside Billed (min) 120, the approved minutes billed upfront.
  expect(row.slice(5, 14)).toEqual(['120', '241.00', '50', '50', '60', '120', '241.00', '241.00', '-120.50']);
  expect(csv.split('\n')[0]).toContain('Raw (min),Used (min),Billed (min)');
  // The summary in Slack says both too: the 2h approved and billed, the 1h of it used.
  const [summary] = await t.fake.waitFor('chat.postMessage', (c) => String(c.args.text).startsWith('Billing: Beta Co') && JSON.stringify(c.args.blocks).includes(key));
  expect(JSON.stringify(summary?.args.blocks)).toContain(`approved 2h · used 1h · upfront £241.00 · reconciliation -£120.50`);
});
