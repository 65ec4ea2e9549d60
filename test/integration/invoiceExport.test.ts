// Invoice exports of issued summaries on the real MongoDB-wire server: months generated and issued
// by the billing service itself (a correction to an issued October carried into November as an
// adjustment; yen; Kuwaiti dinars billed upfront), exported for Xero and QuickBooks, every file
// read back with csv-parse under the format's rules, and each invoice's total equal to its issued
// summary's "To invoice" to the minor unit. Drafts, unknown clients and non-managers are refused.
import { BillingSummaryModel } from '../../src/db/billingSummary';
import { EstimateModel } from '../../src/db/estimate';
import { RequestModel } from '../../src/db/request';
import { TimeEntryModel } from '../../src/db/timeEntry';
import { ErrorCode } from '../../src/errors';
import { setLogLevel } from '../../src/logger';
import { generateBillingSummary, issueBillingSummary } from '../../src/services/billing';
import { EXPORT_REFUSAL, exportIssuedMonth, exportIssuedSummary } from '../../src/services/invoiceExport';
import { applySeed } from '../../src/services/seed';
import { useTestDatabase } from '../support/database';
import { readInvoiceFile } from '../support/invoiceRules';

const MANAGER = 'U0MGR';
const ENGINEER = 'U0ENG';

const SEED = `
managers: [${MANAGER}]
engineers: [${ENGINEER}]
clients:
  - key: ACME
    name: Acme Ltd
    hourlyRate: 95
    currency: GBP
    billingMode: on_completion
    incrementMinutes: 15
    minimumMinutes: 30
    accounting: { contactName: Acme Limited, accountCode: "4000", taxType: 20% (VAT on Income), paymentTermsDays: 30 }
  - key: YEN
    name: Nihon KK
    hourlyRate: 12000
    currency: JPY
    incrementMinutes: 5
    minimumMinutes: 0
    timezone: Asia/Tokyo
  - key: KWD
    name: Gulf Co
    hourlyRate: 35.125
    currency: KWD
    billingMode: upfront
    incrementMinutes: 1
    minimumMinutes: 0
    timezone: Asia/Kuwait
    accounting: { itemName: Hourly support }
`;

const CLIENTS: Record<string, { currency: string; rate: number; terms: { billingMode: 'upfront' | 'on_completion'; incrementMinutes: number; minimumMinutes: number } }> = {
  ACME: { currency: 'GBP', rate: 9500, terms: { billingMode: 'on_completion', incrementMinutes: 15, minimumMinutes: 30 } },
  YEN: { currency: 'JPY', rate: 12000, terms: { billingMode: 'on_completion', incrementMinutes: 5, minimumMinutes: 0 } },
  KWD: { currency: 'KWD', rate: 35125, terms: { billingMode: 'upfront', incrementMinutes: 1, minimumMinutes: 0 } },
};

/** A request approved for `approvedMinutes` at the client's rate (`amountMinor` worked out by hand), with time logged. */
async function request(key: string, title: string, r: { opened: string; closed?: string; approvedMinutes: number; amountMinor: number; logged: Array<[number, string]> }) {
  const [clientKey = '', number = '0'] = key.split('-');
  const client = CLIENTS[clientKey]!;
  await RequestModel.create({
    key,
    clientKey,
    number: Number(number),
    title,
    category: 'maintenance',
    priority: 'normal',
    state: r.closed ? 'closed' : 'in_progress',
    source: 'command',
    requesterId: 'U0REQ',
    clientChannelId: `C0${clientKey}`,
    triageChannelId: 'C0TRIAGE',
    createdAt: new Date(r.opened),
    ...(r.closed ? { closedAt: new Date(r.closed) } : {}),
  });
  await EstimateModel.create({
    requestKey: key,
    clientKey,
    version: 1,
    kind: 'estimate',
    lowMinutes: r.approvedMinutes,
    highMinutes: r.approvedMinutes,
    hourlyRateMinor: client.rate,
    currency: client.currency,
    amountMinor: r.amountMinor,
    authorId: ENGINEER,
    createdAt: new Date(r.opened),
    decision: 'approved',
    decidedBy: 'U0BOSS',
    decidedAt: new Date(r.opened),
    terms: client.terms,
  });
  for (const [minutes, workDate] of r.logged) await log(key, minutes, workDate);
}

async function log(key: string, minutes: number, workDate: string) {
  await TimeEntryModel.create({ requestKey: key, clientKey: key.split('-')[0], engineerId: ENGINEER, minutes, workDate, billable: true, createdAt: new Date(`${workDate}T12:00:00Z`) });
}

async function issue(clientKey: string, period: string) {
  await generateBillingSummary(clientKey, period, MANAGER);
  const issued = await issueBillingSummary(clientKey, period, { userId: MANAGER });
  expect(issued.outcome).toBe('issued');
  return issued.summary;
}

const issuedNet = async (clientKey: string, period: string) => (await BillingSummaryModel.findOne({ clientKey, period, status: 'issued' }).lean())?.totals.netMinor;
const currencyOf = (invoiceNumber: string) => CLIENTS[invoiceNumber.split('-')[0] ?? '']?.currency ?? 'unknown';

beforeAll(() => {
  setLogLevel(process.env.TEST_LOG_LEVEL ?? 'silent');
});
useTestDatabase(async () => {
  await BillingSummaryModel.init();
  await applySeed(SEED);

  // ACME, October: 80m on ACME-1 → 90m billed → 90 × 9500 / 60 = 14250. Issued.
  await request('ACME-1', 'Upgrade the database', { opened: '2026-10-02T09:00:00Z', closed: '2026-10-20T16:00:00Z', approvedMinutes: 120, amountMinor: 19000, logged: [[80, '2026-10-15']] });
  await issue('ACME', '2026-10');
  // A late 20m on 16 October: 100m → 105m → 16625, so November carries +2375 for October.
  await log('ACME-1', 20, '2026-10-16');
  // ACME, November: ACME-2 closed with 50m → 60m → 9500; ACME-3 in progress (not billed yet).
  await request('ACME-2', 'Renew the certificate', { opened: '2026-11-02T09:00:00Z', closed: '2026-11-10T16:00:00Z', approvedMinutes: 60, amountMinor: 9500, logged: [[50, '2026-11-09']] });
  await request('ACME-3', 'Patch the web server', { opened: '2026-11-12T09:00:00Z', approvedMinutes: 60, amountMinor: 9500, logged: [[20, '2026-11-13']] });
  await issue('ACME', '2026-11');

  // YEN, November (¥12,000/h, 5-minute increments): 50m → ¥10,000; 45m → ¥9,000.
  await request('YEN-1', 'Fix the shop', { opened: '2026-11-02T01:00:00Z', closed: '2026-11-12T08:00:00Z', approvedMinutes: 60, amountMinor: 12000, logged: [[50, '2026-11-10']] });
  await request('YEN-2', 'Tune the database', { opened: '2026-11-03T01:00:00Z', closed: '2026-11-13T08:00:00Z', approvedMinutes: 60, amountMinor: 12000, logged: [[45, '2026-11-11']] });
  await issue('YEN', '2026-11');

  // KWD, November, upfront at KWD 35.125/h: KWD-1 approved 90m (52.6875 → 52.688), closed having
  // used 20m (11.70833 → 11.708): reconciliation 11.708 − 52.688 = −40.980; KWD-2 approved 60m,
  // 35.125, in progress. To invoice: 52.688 − 40.980 + 35.125 = 46.833.
  await request('KWD-1', 'Audit the firewall', { opened: '2026-11-03T06:00:00Z', closed: '2026-11-20T12:00:00Z', approvedMinutes: 90, amountMinor: 52688, logged: [[20, '2026-11-04']] });
  await request('KWD-2', 'Migrate the mail', { opened: '2026-11-05T06:00:00Z', approvedMinutes: 60, amountMinor: 35125, logged: [[30, '2026-11-06']] });
  await issue('KWD', '2026-11');
});

describe('the month exported for Xero and QuickBooks', () => {
  it('has the figures worked out by hand', async () => {
    expect(await issuedNet('ACME', '2026-10')).toBe(14250);
    expect(await issuedNet('ACME', '2026-11')).toBe(9500 + 2375);
    expect(await issuedNet('YEN', '2026-11')).toBe(19000);
    expect(await issuedNet('KWD', '2026-11')).toBe(46833);
  });

  it.each(['xero', 'quickbooks'] as const)('%s: one invoice per issued summary, each to the minor unit of its summary', async (format) => {
    const { files, skipped } = await exportIssuedMonth({ period: '2026-11', format });
    expect(skipped).toEqual([]);
    expect(files.map((f) => [f.filename, f.invoices])).toEqual([[`invoices-2026-11-${format}.csv`, ['ACME-2026-11', 'KWD-2026-11', 'YEN-2026-11']]]);
    const invoices = readInvoiceFile(format, files[0]?.content ?? '', currencyOf);
    for (const invoice of invoices) {
      const [clientKey = ''] = invoice.number.split('-');
      expect([invoice.number, invoice.totalMinor]).toEqual([invoice.number, await issuedNet(clientKey, '2026-11')]);
      const issuedOn = (await BillingSummaryModel.findOne({ clientKey, period: '2026-11' }).lean())?.issuedAt;
      expect(issuedOn).toBeDefined();
    }
    const [acme, kwd, yen] = invoices;
    // The adjustment for October is a line of its own; the request in progress bills nothing.
    expect(acme?.lines).toEqual([
      { description: 'ACME-2 Renew the certificate: 1h of support', quantity: '1.00', amountMinor: 9500 },
      { description: 'ACME-1 Upgrade the database: correction to October 2026', quantity: '1', amountMinor: 2375 },
    ]);
    expect(acme?.contact).toBe('Acme Limited');
    expect(kwd?.lines).toEqual([
      { description: 'KWD-1 Audit the firewall: approved estimate of 1h 30m, invoiced upfront', quantity: '1', amountMinor: 52688 },
      { description: 'KWD-1 Audit the firewall: credit for approved time not used', quantity: '1', amountMinor: -40980 },
      { description: 'KWD-2 Migrate the mail: approved estimate of 1h, invoiced upfront', quantity: '1.00', amountMinor: 35125 },
    ]);
    expect(yen?.lines.map((l) => [l.quantity, l.amountMinor])).toEqual([
      ['1', 10000],
      ['0.75', 9000],
    ]);
    const content = files[0]?.content ?? '';
    if (format === 'xero') {
      // The client's accounting settings; the defaults where none is given.
      expect(content).toContain(',4000,20% (VAT on Income),,,,,GBP,');
      expect(content).toContain(',200,No VAT,,,,,KWD,');
      expect(content).toContain(',0.75,12000,,200,No VAT,,,,,JPY,');
    } else {
      expect(content).toContain(',Gulf Co,');
      expect(content).toContain(',Hourly support,"KWD-2 Migrate the mail: approved estimate of 1h, invoiced upfront",1.00,35.125,35.125,');
      expect(content).toContain(',Support,YEN-2 Tune the database: 45m of support,0.75,12000,9000,');
    }
    // Due dates follow each client's payment terms (Acme 30 days, the others the default 14).
    expect(invoices.map((i) => Math.round((Date.parse(i.dueDate) - Date.parse(i.invoiceDate)) / 86_400_000))).toEqual([30, 14, 14]);
  });

  it("exports one client's issued month, for a manager, and refuses anyone else", async () => {
    const files = await exportIssuedSummary('KWD', '2026-11', 'xero', { userId: MANAGER });
    expect(files.map((f) => f.filename)).toEqual(['KWD-2026-11-xero.csv']);
    expect(readInvoiceFile('xero', files[0]?.content ?? '', currencyOf).map((i) => i.totalMinor)).toEqual([46833]);
    await expect(exportIssuedSummary('KWD', '2026-11', 'xero', { userId: ENGINEER })).rejects.toMatchObject({ code: ErrorCode.Forbidden, message: EXPORT_REFUSAL });
    await expect(exportIssuedSummary('KWD', '2026-11', 'xero', { userId: 'U0BOSS' })).rejects.toMatchObject({ code: ErrorCode.Forbidden });
  });

  it('refuses a summary that is not issued, a month with none, and an unknown client, in plain words', async () => {
    await log('ACME-3', 10, '2026-12-01');
    await generateBillingSummary('ACME', '2026-12', MANAGER);
    const draft = 'The December 2026 summary for ACME is a draft, not issued: only an issued summary can be exported as an invoice. Issue it first.';
    await expect(exportIssuedSummary('ACME', '2026-12', 'quickbooks', { userId: MANAGER })).rejects.toMatchObject({ code: ErrorCode.InvalidState, message: draft });
    await expect(exportIssuedMonth({ period: '2026-12', format: 'xero', clientKey: 'ACME' })).rejects.toMatchObject({ code: ErrorCode.InvalidState, message: draft });
    // Every client's month: the draft and the clients with no summary are skipped, saying why.
    expect(await exportIssuedMonth({ period: '2026-12', format: 'xero' })).toEqual({
      files: [],
      skipped: [
        { clientKey: 'KWD', reason: 'There is no December 2026 summary for KWD.' },
        { clientKey: 'YEN', reason: 'There is no December 2026 summary for YEN.' },
        { clientKey: 'ACME', reason: draft },
      ],
    });
    await expect(exportIssuedMonth({ period: '2026-10', format: 'xero', clientKey: 'YEN' })).rejects.toMatchObject({ code: ErrorCode.NotFound, message: 'There is no October 2026 summary for YEN, so there is no invoice to export.' });
    await expect(exportIssuedMonth({ period: '2026-11', format: 'xero', clientKey: 'NOPE' })).rejects.toMatchObject({ code: ErrorCode.NotFound, message: 'There is no client NOPE, so there is nothing to export.' });
    await expect(exportIssuedSummary('ACME', '2026-13', 'xero', { userId: MANAGER })).rejects.toMatchObject({ code: ErrorCode.InvalidInput });
  });

  it('never changes what it exports: the issued summaries are as they were', async () => {
    const before = await BillingSummaryModel.find({ status: 'issued' }).sort({ clientKey: 1, period: 1 }).lean();
    await exportIssuedMonth({ period: '2026-11', format: 'quickbooks' });
    await exportIssuedSummary('ACME', '2026-11', 'xero', { userId: MANAGER });
    expect(await BillingSummaryModel.find({ status: 'issued' }).sort({ clientKey: 1, period: 1 }).lean()).toEqual(before);
  });
});
