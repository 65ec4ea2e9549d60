// The invoice export buttons of an issued billing summary, end to end over signed Slack requests:
// a manager issues November, the re-rendered summary carries "Export for Xero" and "Export for
// QuickBooks", and each click uploads that format's import file to the manager by DM, read back
// here under the format's rules. Anyone else is refused; a draft is refused; the client's own
// copy in its channel has no export button.
import { BillingSummaryModel } from '../../src/db/billingSummary';
import { EXPORT_REFUSAL } from '../../src/services/invoiceExport';
import { BILLING_ISSUE_ACTION, billingExportAction, billingIssueValue } from '../../src/slack/views/billingSummary';
import { validateBlocks } from '../support/slackFake';
import { startTestApp, type TestApp } from '../support/harness';
import { recordBilledNovember } from '../support/records';
import { ACME, STAFF } from '../support/testEnv';
import { allDelivered, blocksOf, waitForEphemeral } from '../support/flows';
import { readInvoiceFile } from '../support/invoiceRules';

const MANAGERS_CHANNEL = 'C0MANAGERS';
let t: TestApp;
let summaryTs = '';

/**
 * Acme (on completion, £95/h, 15-minute increments, 30-minute minimum), November 2026:
 * ACME-1 closed with 80m logged → 90m billed → £142.50; ACME-2 in progress, not billed yet.
 */
beforeAll(async () => {
  t = await startTestApp();
  await t.seed();
  await recordBilledNovember();
});
afterAll(async () => {
  await t.stop();
});

function click(user: string, actionId: string, value: string) {
  return t.slack.blockAction({ user: { id: user, team_id: 'T0OURS' }, channel: { id: MANAGERS_CHANNEL }, message: { ts: summaryTs }, actions: [{ action_id: actionId, value, type: 'button' }] });
}
const clickExport = (user: string, format: 'xero' | 'quickbooks', period = '2026-11') => click(user, billingExportAction(format), billingIssueValue('ACME', period));

describe('Export for Xero / QuickBooks on an issued summary', () => {
  it('shows no export button on a draft, and refuses an export of a draft', async () => {
    const res = await t.slack.slashCommand({ text: 'billing ACME 2026-11', user_id: STAFF.manager, channel_id: MANAGERS_CHANNEL });
    expect(res.status).toBe(200);
    const [post] = await t.fake.waitFor('chat.postMessage', (c) => c.args.channel === MANAGERS_CHANNEL);
    summaryTs = String((post?.response as { ts?: string }).ts);
    expect(blocksOf(post)).toContain(BILLING_ISSUE_ACTION);
    expect(blocksOf(post)).not.toContain('billing_export');
    await allDelivered();

    const uploads = t.fake.uploadedFiles().length;
    await clickExport(STAFF.manager, 'xero');
    await waitForEphemeral(t, STAFF.manager, /The November 2026 summary for ACME is a draft, not issued: only an issued summary can be exported as an invoice\. Issue it first\./);
    await allDelivered();
    expect(t.fake.uploadedFiles()).toHaveLength(uploads);
  });

  it('shows the export buttons once the manager issues it, and none on the client’s copy', async () => {
    t.fake.clearCalls();
    await click(STAFF.manager, BILLING_ISSUE_ACTION, 'ACME 2026-11');
    const [update] = await t.fake.waitFor('chat.update', (c) => c.args.ts === summaryTs);
    const blocks = blocksOf(update);
    expect(blocks).toContain('"text":"Export for Xero"');
    expect(blocks).toContain('"text":"Export for QuickBooks"');
    expect(blocks).toContain('"action_id":"billing_export_xero","value":"ACME 2026-11"');
    expect(validateBlocks(update?.args.blocks, 'message')).toEqual([]);
    const [clientCopy] = await t.fake.waitFor('chat.postMessage', (c) => c.args.channel === ACME.channel);
    expect(blocksOf(clientCopy)).not.toContain('billing_export');
    await allDelivered();
  });

  it.each([
    ['xero', 'ACME-2026-11-xero.csv', ',1.50,95.00,'],
    ['quickbooks', 'ACME-2026-11-quickbooks.csv', ',1.50,95.00,142.50,'],
  ] as const)('uploads the %s file to the manager who clicked, by DM', async (format, filename, priced) => {
    t.fake.clearCalls();
    const uploads = t.fake.uploadedFiles().length;
    await clickExport(STAFF.manager, format);
    await waitForEphemeral(t, STAFF.manager, new RegExp(`Sending you the ${format === 'xero' ? 'Xero' : 'QuickBooks Online'} file in our direct messages`));
    await t.fake.waitFor('files.completeUploadExternal');
    await allDelivered();
    const sent = t.fake.uploadedFiles().slice(uploads);
    expect(sent).toEqual([expect.objectContaining({ filename, channel_id: `D${STAFF.manager}`, completed: true })]);
    const [post] = t.fake.callsTo('chat.postMessage');
    expect(post?.args.channel).toBe(`D${STAFF.manager}`);
    expect(String(post?.args.text)).toContain('The November 2026 invoice for ACME (ACME-2026-11)');

    const content = sent[0]?.content ?? '';
    expect(content).toContain(priced);
    const [invoice] = readInvoiceFile(format, content, () => 'GBP');
    const issued = await BillingSummaryModel.findOne({ clientKey: 'ACME', period: '2026-11' }).lean();
    expect(invoice).toMatchObject({ number: 'ACME-2026-11', contact: 'Acme Ltd', totalMinor: 14250 });
    expect(invoice?.totalMinor).toBe(issued?.totals.netMinor);
    // The request in progress bills nothing, so it is not a line.
    expect(invoice?.lines.map((l) => l.description)).toEqual(['ACME-1 Upgrade the database: 1h 30m of support']);
  });

  it("refuses anyone but a manager, and sends them nothing", async () => {
    t.fake.clearCalls();
    const uploads = t.fake.uploadedFiles().length;
    for (const user of [ACME.boss, STAFF.engineer]) {
      await clickExport(user, 'quickbooks');
      await waitForEphemeral(t, user, new RegExp(EXPORT_REFUSAL.replace('.', '\\.')));
    }
    await allDelivered();
    expect(t.fake.uploadedFiles()).toHaveLength(uploads);
    expect(t.fake.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('answers a button whose value was tampered with in plain words', async () => {
    await click(STAFF.manager, billingExportAction('xero'), '{"client":"ACME","period":"2026-11","format":"sage"}');
    await waitForEphemeral(t, STAFF.manager, /That button doesn't work any more/);
    await click(STAFF.manager, billingExportAction('xero'), 'ACME 2026-13');
    await waitForEphemeral(t, STAFF.manager, /That button doesn't work any more/);
  });

  it('uses the accounting settings a manager sets with /help admin client, and names a bad one plainly', async () => {
    const admin = async (text: string) => ((await t.slack.slashCommand({ text, user_id: STAFF.manager, channel_id: MANAGERS_CHANNEL })).json() as { text: string }).text;
    expect(await admin('admin client ACME accounting: {paymentTermsDays: soon}')).toContain('accounting.paymentTermsDays: must be a number of days, such as 14');
    expect(await admin('admin client ACME accounting: {contactName: Acme Limited, paymentTermsDays: 30, accountCode: "4000"}')).toContain(
      'Invoices: contact Acme Limited, account 4000, tax No VAT, item Support, due in 30 days',
    );

    t.fake.clearCalls();
    const uploads = t.fake.uploadedFiles().length;
    await clickExport(STAFF.manager, 'xero');
    await t.fake.waitFor('files.completeUploadExternal');
    await allDelivered();
    const [invoice] = readInvoiceFile('xero', t.fake.uploadedFiles()[uploads]?.content ?? '', () => 'GBP');
    expect(invoice).toMatchObject({ contact: 'Acme Limited', totalMinor: 14250 });
    expect((Date.parse(invoice?.dueDate ?? '') - Date.parse(invoice?.invoiceDate ?? '')) / 86_400_000).toBe(30);
    expect(t.fake.uploadedFiles()[uploads]?.content).toContain(',4000,No VAT,');
  });
});
