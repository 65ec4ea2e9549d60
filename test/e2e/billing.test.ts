// `/help billing` and the Issue button over signed HTTP against the Slack fake: who gets the
// summary where, the CSV upload, refusals, and issuing exactly once.
import { BillingSummaryModel } from '../../src/db/billingSummary';
import { SlackEffectModel } from '../../src/db/slackEffect';
import { TimeEntryModel } from '../../src/db/timeEntry';
import { BILLING_REFUSAL } from '../../src/domain/permissions';
import { BILLING_ISSUE_ACTION, MAX_LINES_SHOWN, billingSummaryMessage } from '../../src/slack/views/billingSummary';
import { billingTotals, type BillingLine } from '../../src/domain/billingLines';
import { validateBlocks, type RecordedCall } from '../support/slackFake';
import { startTestApp, type TestApp } from '../support/harness';
import { recordBilledNovember } from '../support/records';
import { ACME, BETA, STAFF, TRIAGE } from '../support/testEnv';
import { allDelivered, clickForModal, waitForEphemeral } from '../support/flows';
import { AuditEventModel } from '../../src/db/auditEvent';
import { GENESIS } from '../../src/domain/ledger';
import { verifyLedger } from '../../src/services/ledger';
import { linkPendingEvents } from '../../src/services/audit';
import { periodLabel, periodOf } from '../../src/domain/periods';
import { ACTION } from '../../src/slack/ids';

const MANAGERS_CHANNEL = 'C0MANAGERS';
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  await t.seed();
  await recordBilledNovember();
});
afterAll(async () => {
  await t.stop();
});

/**
 * Acme (on completion, £95/h, 15-minute increments, 30-minute minimum), November 2026:
 * ACME-1 closed 20 Nov with 80m logged → 90m billed → 90 × 9500 / 60 = 14250 (£142.50);
 * ACME-2 in progress with 25m logged, not billed yet.
 */
const EXPECTED_CSV = [
  'Request,Title,Opened,Closed,Cancelled,Estimate (min),Approved amount (GBP),Logged in month (min),Raw (min),Used (min),Billed (min),Amount (GBP),Upfront (GBP),Reconciliation (GBP),Adjustment for',
  'ACME-1,Upgrade the database,2026-11-02,2026-11-20,,120,190.00,80,80,90,90,142.50,0.00,0.00,',
  'ACME-2,Patch the web server,2026-11-09,,,60,95.00,25,25,30,0,0.00,0.00,0.00,',
  'Total,,,,,180,285.00,105,105,120,90,142.50,0.00,0.00,',
  '',
].join('\n');

async function billing(text: string, user: string, channel: string): Promise<string> {
  const res = await t.slack.slashCommand({ text, user_id: user, channel_id: channel });
  expect(res.status).toBe(200);
  return String((res.json() as { text?: string }).text);
}

function blocksText(call: RecordedCall | undefined): string {
  return JSON.stringify(call?.args.blocks ?? []);
}

function clickIssue(user: string, ts: string) {
  return t.slack.blockAction({
    user: { id: user, team_id: 'T0OURS' },
    channel: { id: MANAGERS_CHANNEL },
    message: { ts },
    actions: [{ action_id: BILLING_ISSUE_ACTION, value: 'ACME 2026-11', type: 'button' }],
  });
}

describe('/help billing', () => {
  let summaryTs = '';

  it('posts the summary for a manager in the channel, with an Issue button, and uploads the CSV', async () => {
    const answer = await billing('billing ACME 2026-11', STAFF.manager, MANAGERS_CHANNEL);
    expect(answer).toBe("Posting the draft November 2026 billing summary for Acme Ltd here, with the CSV (in our direct messages if I can't post in this channel).");

    const [post] = await t.fake.waitFor('chat.postMessage', (c) => c.args.channel === MANAGERS_CHANNEL);
    await t.fake.waitFor('files.completeUploadExternal');
    expect(post?.response).toMatchObject({ ok: true });
    summaryTs = String((post?.response as { ts?: string }).ts);
    const blocks = blocksText(post);
    expect(String(post?.args.text)).toBe('Billing: Acme Ltd (ACME), November 2026 (draft): £142.50');
    expect(blocks).toContain('*ACME-1* Upgrade the database, closed 20 Nov');
    expect(blocks).toContain('*£142.50*');
    expect(blocks).toContain('work in progress, not billed yet');
    expect(blocks).toContain('*To invoice: £142.50*');
    expect(blocks).toContain(`"action_id":"${BILLING_ISSUE_ACTION}","value":"ACME 2026-11"`);

    expect(t.fake.callsTo('files.getUploadURLExternal')).toHaveLength(1);
    expect(t.fake.callsTo('files.getUploadURLExternal')[0]?.args).toMatchObject({ filename: 'ACME-2026-11.csv', length: String(Buffer.byteLength(EXPECTED_CSV)) });
    expect(t.fake.callsTo('files.completeUploadExternal')).toHaveLength(1);
    expect(t.fake.uploadedFiles()).toEqual([
      expect.objectContaining({
        filename: 'ACME-2026-11.csv',
        channel_id: MANAGERS_CHANNEL,
        title: 'ACME billing, November 2026 (draft)',
        content: EXPECTED_CSV,
        completed: true,
      }),
    ]);
    // Delivered, its effect keeps where it went and nothing of what it said (#22, point 2).
    await allDelivered();
    const kept = await SlackEffectModel.find({ kind: 'post', postedChannel: MANAGERS_CHANNEL }).lean();
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ state: 'done', postedTs: summaryTs, doneAt: expect.any(Date) });
    expect(JSON.stringify(kept[0]?.payload)).not.toMatch(/ACME-1|£142\.50|Upgrade the database/);
  });

  it("shows a client's approver their own client's summary, only to them, with the CSV in a DM", async () => {
    t.fake.clearCalls();
    const answer = await billing('billing 2026-11', ACME.boss, ACME.channel);
    expect(answer).toBe("That's the draft November 2026 billing summary for Acme Ltd; I'm sending you the CSV in a direct message.");
    const [shown] = await t.fake.waitFor('chat.postEphemeral', (c) => c.args.user === ACME.boss);
    expect(shown?.args.channel).toBe(ACME.channel);
    expect(blocksText(shown)).toContain('*ACME-1* Upgrade the database');
    expect(blocksText(shown)).not.toContain(BILLING_ISSUE_ACTION);
    // Only the CSV's note goes to the approver's DM: the summary itself was for their eyes only.
    await t.fake.waitFor('files.completeUploadExternal');
    expect(t.fake.callsTo('chat.postMessage').map((c) => c.args.channel)).toEqual([`D${ACME.boss}`]);
    const upload = t.fake.uploadedFiles().find((f) => f.channel_id === `D${ACME.boss}`);
    expect(upload).toMatchObject({ filename: 'ACME-2026-11.csv', content: EXPECTED_CSV, completed: true });
  });

  it('refuses a member who is not an approver, and another client asking for Acme', async () => {
    await allDelivered();
    t.fake.clearCalls();
    const uploads = t.fake.uploadedFiles().length;
    expect(await billing('billing', ACME.member, ACME.channel)).toBe(BILLING_REFUSAL);
    expect(await billing('billing ACME 2026-11', BETA.member, BETA.channel)).toBe(BILLING_REFUSAL);
    expect(await billing('billing ACME', STAFF.engineer, 'C0TRIAGE')).toBe(BILLING_REFUSAL);
    expect(t.fake.callsTo('chat.postEphemeral')).toHaveLength(0);
    await allDelivered();
    expect(t.fake.callsTo('chat.postMessage')).toHaveLength(0);
    expect(t.fake.uploadedFiles()).toHaveLength(uploads);
  });

  it('asks a manager outside a client channel which client they mean', async () => {
    expect(await billing('billing', STAFF.manager, MANAGERS_CHANNEL)).toMatch(/tell me which one: `\/help billing ACME`/);
  });

  it('issues once, for a manager only, and shows who issued it', async () => {
    t.fake.clearCalls();
    // The button is only shown to managers, but a click is checked on the server all the same.
    for (const user of [ACME.boss, STAFF.engineer]) {
      await clickIssue(user, summaryTs);
      await waitForEphemeral(t, user, /Only managers can issue billing summaries/);
    }
    expect(await BillingSummaryModel.findOne({ clientKey: 'ACME', period: '2026-11' }).lean()).toMatchObject({ status: 'draft' });

    await clickIssue(STAFF.manager, summaryTs);
    const [update] = await t.fake.waitFor('chat.update', (c) => c.args.ts === summaryTs);
    expect(update?.response).toMatchObject({ ok: true });
    expect(blocksText(update)).toContain(`Issued* by <@${STAFF.manager}> on <!date^`);
    expect(blocksText(update)).not.toContain(BILLING_ISSUE_ACTION);
    expect(String(t.fake.message(MANAGERS_CHANNEL, summaryTs)?.text)).toContain('(issued)');
    expect(await BillingSummaryModel.findOne({ clientKey: 'ACME', period: '2026-11' }).lean()).toMatchObject({ status: 'issued', issuedBy: STAFF.manager });

    await clickIssue(STAFF.manager, summaryTs);
    await waitForEphemeral(t, STAFF.manager, /already issued by <@U0MANAGER>/);
    expect(t.fake.callsTo('chat.update')).toHaveLength(1);
  });

  it("posts the issued summary to the client's own channel, once, with the ledger head it was computed from and the whole hash in its CSV", async () => {
    const issued = await BillingSummaryModel.findOne({ clientKey: 'ACME', period: '2026-11' }).lean();
    const head = issued!.ledgerHead!;
    // The head is where ACME's chain stood when the figures were computed.
    const atHead = head.seq === 0 ? { hash: GENESIS } : await AuditEventModel.findOne({ chain: 'ACME', seq: head.seq }).lean();
    expect(head.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(atHead?.hash).toBe(head.hash);

    const [post] = await t.fake.waitFor('chat.postMessage', (c) => c.args.channel === ACME.channel);
    await allDelivered();
    expect(post?.response).toMatchObject({ ok: true });
    expect(String(post?.args.text)).toBe(`Billing: Acme Ltd (ACME), November 2026 (issued): £142.50, ledger head #${head.seq} ${head.hash.slice(0, 16)}`);
    const blocks = blocksText(post);
    expect(blocks).toContain('*ACME-1* Upgrade the database, closed 20 Nov');
    expect(blocks).toContain('*To invoice: £142.50*');
    expect(blocks).toContain(`Ledger head #${head.seq} \`${head.hash.slice(0, 16)}\``);
    // The issued figures only: no Issue button, none of our notes.
    expect(blocks).not.toContain(BILLING_ISSUE_ACTION);
    expect(blocks).not.toContain('has changed since this was issued');
    expect(validateBlocks(post?.args.blocks, 'message')).toEqual([]);
    const csv = t.fake.uploadedFiles().filter((f) => f.channel_id === ACME.channel);
    expect(csv).toEqual([expect.objectContaining({ filename: 'ACME-2026-11.csv', title: 'ACME billing, November 2026 (issued)', completed: true })]);
    // The head row is padded to the header's width.
    const padding = ','.repeat((EXPECTED_CSV.split('\n')[0] ?? '').split(',').length - 2);
    expect(csv[0]?.content).toBe(`${EXPECTED_CSV}Ledger head #${head.seq},${head.hash}${padding}\n`);
    // Once: the second click, refused as already issued, posted nothing more there.
    expect(t.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === ACME.channel)).toHaveLength(1);

    // What the client's accountant keeps is enough to check the record later.
    await linkPendingEvents(); // the worker's chainer, run now rather than waited for
    const report = await verifyLedger({ clientKey: 'ACME', head: head.hash.slice(0, 16) });
    expect(report.head).toMatchObject({ at: { seq: head.seq, hash: head.hash }, issued: [{ period: '2026-11' }], problems: [] });
  });

  it("sends a manager who asks in a client's channel the summary in a DM, never into that channel", async () => {
    t.fake.clearCalls();
    const uploads = t.fake.uploadedFiles().length;
    const answer = await billing('billing 2026-11', STAFF.manager, ACME.channel);
    expect(answer).toBe("Posting the issued November 2026 billing summary for Acme Ltd in our direct messages (this is a client's channel), with the CSV.");
    await t.fake.waitFor('files.completeUploadExternal');
    const posts = t.fake.callsTo('chat.postMessage');
    expect(posts.map((c) => c.args.channel)).toEqual([`D${STAFF.manager}`]);
    expect(String(posts[0]?.args.text)).toMatch(/^Billing: Acme Ltd \(ACME\), November 2026 \(issued\): £142\.50, ledger head #\d+ [0-9a-f]{16}$/);
    expect(t.fake.callsTo('chat.postEphemeral')).toHaveLength(0);
    expect(t.fake.uploadedFiles().slice(uploads)).toEqual([expect.objectContaining({ filename: 'ACME-2026-11.csv', channel_id: `D${STAFF.manager}`, completed: true })]);
    // Asked for by key from another client's channel: the same.
    t.fake.clearCalls();
    expect(await billing('billing ACME 2026-11', STAFF.manager, BETA.channel)).toMatch(/in our direct messages \(this is a client's channel\)/);
    await t.fake.waitFor('files.completeUploadExternal');
    expect(t.fake.callsTo('chat.postMessage').map((c) => c.args.channel)).toEqual([`D${STAFF.manager}`]);
  });
});

describe("App Home's figure for the month", () => {
  async function openHome(user: string): Promise<string> {
    const before = t.fake.callsTo('views.publish').filter((c) => c.args.user_id === user).length;
    await t.slack.event({ type: 'app_home_opened', user, channel: `D${user}`, tab: 'home', event_ts: String(Date.now() / 1000) });
    const calls = await t.fake.waitFor('views.publish', (c) => c.args.user_id === user, { count: before + 1 });
    return JSON.stringify((calls[calls.length - 1]?.args.view as { blocks: unknown[] }).blocks);
  }
  const pounds = (text: string) => Math.round(Number(text.replace(/,/g, '')) * 100);

  it("adds a line for corrections to an issued month, so that with them it is the summary's to-invoice", async () => {
    // November is issued (above) at £142.50. Nothing is corrected yet.
    expect(await BillingSummaryModel.findOne({ clientKey: 'ACME', period: '2026-11' }).lean()).toMatchObject({ status: 'issued' });
    t.fake.setChannelMembers(ACME.channel, [ACME.member, ACME.boss]);
    const month = periodLabel(periodOf(new Date(), 'Europe/London'));
    const before = await openHome(ACME.boss);
    expect(before).toContain(`${month}: `);
    expect(before).not.toContain('corrections');

    // The engineer corrects ACME-1's November entry from 80 to 40 minutes (through its Edit button
    // and modal): 45 minutes billed instead of 90, £71.25 instead of £142.50.
    const entry = await TimeEntryModel.findOne({ requestKey: 'ACME-1' }).lean();
    const modal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.editTime, value: entry?._id.toHexString() ?? '' });
    const edited = await t.slack.viewSubmission({
      user: { id: STAFF.engineer, team_id: 'T0OURS' },
      view: {
        id: String(modal.id ?? 'V0EDIT'),
        callback_id: String(modal.callback_id),
        private_metadata: String(modal.private_metadata ?? ''),
        state: {
          values: {
            duration: { value: { type: 'plain_text_input', value: '40m' } },
            note: { value: { type: 'plain_text_input', value: 'Half of it was the other ticket' } },
            billable: { value: { type: 'checkboxes', selected_options: [{ value: 'billable' }] } },
          },
        },
      },
    });
    expect(edited.body).toBe('');
    expect(await TimeEntryModel.findById(entry?._id).lean()).toMatchObject({ minutes: 40, billable: true });

    const home = await openHome(ACME.boss);
    const figure = /: \S+ billable logged[^;]*; £([\d,.]+) on this month's bill so far/.exec(home);
    const correction = /([+−]) £([\d,.]+) of corrections to November 2026 \(already issued\)/.exec(home);
    expect(figure?.[1]).toBe('0.00');
    expect(correction?.slice(1)).toEqual(['−', '71.25']);

    // The month's summary (a draft) carries the same correction: Home's figure plus it is its net.
    t.fake.clearCalls();
    await billing('billing ACME', STAFF.manager, MANAGERS_CHANNEL);
    const [post] = await t.fake.waitFor('chat.postMessage', (c) => c.args.channel === MANAGERS_CHANNEL);
    const net = /\*(To invoice|Credit to the client): £([\d,.]+)\*/.exec(blocksText(post));
    expect(blocksText(post)).toContain('correcting November 2026');
    const summaryNet = (net?.[1] === 'To invoice' ? 1 : -1) * pounds(net?.[2] ?? 'NaN');
    const homeNet = pounds(figure?.[1] ?? 'NaN') + (correction?.[1] === '+' ? 1 : -1) * pounds(correction?.[2] ?? 'NaN');
    expect(summaryNet).toBe(-7125);
    expect(homeNet).toBe(summaryNet);
  });
});

describe('the billing summary message', () => {
  it('says when a billed request was cancelled rather than closed', () => {
    const cancelled: BillingLine = {
      requestKey: 'ACME-5',
      title: 'Speed up the reports',
      openedAt: new Date('2026-09-01T09:00:00Z'),
      cancelledAt: new Date('2026-09-03T12:00:00Z'),
      state: 'cancelled',
      estimateMinutes: 120,
      approvedAmountMinor: 19000,
      loggedMinutes: 50,
      rawMinutes: 50,
      billedMinutes: 60,
      amountMinor: 9500,
      upfrontMinor: 0,
      reconciliationMinor: 0,
      adjustment: false,
    };
    const message = billingSummaryMessage({
      summary: {
        clientKey: 'ACME',
        clientName: 'Acme Ltd',
        period: '2026-09',
        status: 'draft',
        currency: 'GBP',
        timezone: 'Europe/London',
        billingMode: 'on_completion',
        hourlyRateMinor: 9500,
        incrementMinutes: 15,
        minimumMinutes: 30,
        lines: [cancelled, { ...cancelled, requestKey: 'ACME-6', loggedMinutes: 0, rawMinutes: 0, billedMinutes: 0, amountMinor: 0 }],
        totals: billingTotals([cancelled]),
        generatedAt: new Date('2026-11-28T12:00:00Z'),
        generatedBy: STAFF.manager,
        revision: 1,
      },
      canIssue: true,
      inProgress: false,
    });
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('*ACME-5* Speed up the reports, cancelled 3 Sep');
    expect(text).toContain('billed 1h · *£95.00*');
    // Cancelled with nothing billed: finished, not work in progress.
    expect(text).toMatch(/ACME-6\* Speed up the reports, cancelled 3 Sep[^"]*nothing to bill this month/);
  });

  it('stays inside Slack limits for a long month and points to the CSV for the rest', () => {
    const lines: BillingLine[] = Array.from({ length: 250 }, (_, i) => ({
      requestKey: `ACME-${i + 1}`,
      title: `<!channel> & a very long title ${'x'.repeat(200)}`,
      openedAt: new Date('2026-11-02T09:00:00Z'),
      closedAt: i % 2 ? new Date('2026-11-20T16:00:00Z') : undefined,
      state: i % 2 ? 'closed' : 'in_progress',
      estimateMinutes: 600,
      approvedAmountMinor: 95000,
      loggedMinutes: 125,
      rawMinutes: 125,
      billedMinutes: i % 2 ? 135 : 0,
      amountMinor: i % 2 ? 21375 : 0,
      upfrontMinor: 0,
      reconciliationMinor: 0,
      adjustment: i >= 240,
      adjustsPeriod: i >= 240 ? '2026-10' : undefined,
    }));
    const message = billingSummaryMessage({
      summary: {
        clientKey: 'ACME',
        clientName: 'Acme Ltd',
        period: '2026-11',
        status: 'draft',
        currency: 'GBP',
        timezone: 'Europe/London',
        billingMode: 'on_completion',
        hourlyRateMinor: 9500,
        incrementMinutes: 15,
        minimumMinutes: 30,
        lines,
        totals: billingTotals(lines),
        generatedAt: new Date('2026-11-28T12:00:00Z'),
        generatedBy: STAFF.manager,
        revision: 1,
      },
      canIssue: true,
      inProgress: true,
    });
    expect(validateBlocks(message.blocks, 'message')).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    const text = JSON.stringify(message.blocks);
    expect(text).toContain(`…and ${250 - MAX_LINES_SHOWN} more (see the CSV).`);
    // Titles are escaped, so nobody can make the summary ping a channel.
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt; &amp; a very long title');
  });
});
