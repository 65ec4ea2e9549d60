// Billing summaries on the real MongoDB-wire server: which requests a month bills across the
// October/November boundary in Europe/London, the numbers (worked out by hand below), the CSV,
// regenerating, issuing, adjustments after issue, and who may see or issue a summary.
import mongoose from 'mongoose';
import { AuditEventModel } from '../../src/db/auditEvent';
import { BillingSummaryModel } from '../../src/db/billingSummary';
import { ClientModel } from '../../src/db/client';
import { EstimateModel } from '../../src/db/estimate';
import { RequestModel } from '../../src/db/request';
import { StaffModel } from '../../src/db/staff';
import { TimeEntryModel } from '../../src/db/timeEntry';
import type { RequestState } from '../../src/domain/lifecycle';
import { ErrorCode, UserFacingError } from '../../src/errors';
import { numbersOf } from '../../src/domain/billingLines';
import { findClientByKey } from '../../src/services/directory';
import { adjustmentsSoFar, generateBillingSummary, issueBillingSummary, periodBounds, type BillingLine } from '../../src/services/billing';
import { BILLING_REFUSAL, ISSUE_REFUSAL } from '../../src/domain/permissions';
import { billingAccess } from '../../src/services/billingAccess';
import { billingCsv } from '../../src/domain/billingCsv';
import { setLogLevel } from '../../src/logger';
import { useTestDatabase } from '../support/database';

const MANAGER = 'U0MGR';
const ENGINEER = 'U0ENG';
const ACME_BOSS = 'U0BOSS';
const ACME_DEV = 'U0DEV';
const BETA_DEV = 'U0BDEV';
const ZONE = 'Europe/London';

const at = (iso: string) => new Date(iso);

beforeAll(() => {
  setLogLevel(process.env.TEST_LOG_LEVEL ?? 'silent');
});
useTestDatabase(async () => {
  await BillingSummaryModel.init();
  await seedRecords();
});

const clientDefaults = {
  currency: 'GBP',
  timezone: ZONE,
  slaMinutes: { urgent: 15, high: 60, normal: 240, low: 480 },
  businessHours: { alwaysOpen: true },
};

async function request(clientKey: string, number: number, title: string, fields: { createdAt: string; state: RequestState; closedAt?: string; cancelledAt?: string }) {
  await RequestModel.create({
    key: `${clientKey}-${number}`,
    clientKey,
    number,
    title,
    category: 'maintenance',
    priority: 'normal',
    state: fields.state,
    source: 'command',
    requesterId: 'U0REQ',
    clientChannelId: `C0${clientKey}`,
    triageChannelId: 'C0TRIAGE',
    createdAt: at(fields.createdAt),
    ...(fields.closedAt ? { closedAt: at(fields.closedAt) } : {}),
    ...(fields.cancelledAt ? { cancelledAt: at(fields.cancelledAt) } : {}),
  });
}

async function approved(requestKey: string, version: number, kind: 'estimate' | 'topup', highMinutes: number, rate: number, amountMinor: number, decidedAt: string) {
  await EstimateModel.create({
    requestKey,
    clientKey: requestKey.split('-')[0],
    version,
    kind,
    lowMinutes: highMinutes,
    highMinutes,
    hourlyRateMinor: rate,
    currency: 'GBP',
    amountMinor,
    authorId: ENGINEER,
    createdAt: at(decidedAt),
    decision: 'approved',
    decidedBy: ACME_BOSS,
    decidedAt: at(decidedAt),
    // The client's terms when it was approved, as decideEstimate stores them.
    terms: TERMS[requestKey.split('-')[0] ?? ''],
  });
}

const TERMS: Record<string, { billingMode: 'upfront' | 'on_completion'; incrementMinutes: number; minimumMinutes: number }> = {
  ACME: { billingMode: 'on_completion', incrementMinutes: 15, minimumMinutes: 30 },
  BETA: { billingMode: 'upfront', incrementMinutes: 10, minimumMinutes: 20 },
};

async function logged(requestKey: string, minutes: number, workDate: string, extra: { billable?: boolean; deletedAt?: string } = {}) {
  const entry = await TimeEntryModel.create({
    requestKey,
    clientKey: requestKey.split('-')[0],
    engineerId: ENGINEER,
    minutes,
    workDate,
    billable: extra.billable ?? true,
    createdAt: at(`${workDate}T12:00:00Z`),
    ...(extra.deletedAt ? { deletedAt: at(extra.deletedAt), deletedBy: ENGINEER } : {}),
  });
  return entry._id;
}

let acme2Entry: mongoose.Types.ObjectId;

/**
 * ACME bills on completion at £95/h (9500), 15-minute increments, 30-minute minimum.
 * BETA bills upfront at £120.50/h (12050), 10-minute increments, 20-minute minimum.
 * Both in Europe/London, where BST ended on 2026-10-25: from then on London is UTC+0.
 */
async function seedRecords() {
  await StaffModel.create([
    { userId: MANAGER, roles: ['manager'] },
    { userId: ENGINEER, roles: ['engineer'] },
  ]);
  await ClientModel.create([
    { ...clientDefaults, key: 'ACME', name: 'Acme Ltd', channels: ['C0ACME'], hourlyRateMinor: 9500, billingMode: 'on_completion', incrementMinutes: 15, minimumMinutes: 30, approvers: [ACME_BOSS] },
    { ...clientDefaults, key: 'BETA', name: 'Beta Co', channels: ['C0BETA'], hourlyRateMinor: 12050, billingMode: 'upfront', incrementMinutes: 10, minimumMinutes: 20, approvers: [], members: [BETA_DEV] },
  ]);

  // ACME-1: 2h approved (£190.00); 50m on 31 Oct and 20m on 1 Nov; closed 2026-11-30T23:30Z,
  // which is 30 Nov 23:30 in London (GMT): November.
  await request('ACME', 1, 'Upgrade the database', { createdAt: '2026-10-01T08:00:00Z', state: 'closed', closedAt: '2026-11-30T23:30:00Z' });
  await approved('ACME-1', 1, 'estimate', 120, 9500, 19000, '2026-10-05T10:00:00Z');
  await logged('ACME-1', 50, '2026-10-31');
  await logged('ACME-1', 20, '2026-11-01');

  // ACME-2: 1h approved (£95.00); 10m on 31 Oct; closed 2026-10-31T23:30Z, which is 31 Oct 23:30
  // GMT, so October (had BST still applied it would be 1 Nov 00:30, November).
  await request('ACME', 2, 'Renew the certificate', { createdAt: '2026-10-20T09:00:00Z', state: 'closed', closedAt: '2026-10-31T23:30:00Z' });
  await approved('ACME-2', 1, 'estimate', 60, 9500, 9500, '2026-10-20T10:00:00Z');
  acme2Entry = await logged('ACME-2', 10, '2026-10-31');

  // ACME-3: 3h approved (£285.00), 45m on 10 Nov, still in progress; a deleted 60m entry counts
  // for nothing. Opened 2026-10-31T23:30Z, 31 Oct in London.
  await request('ACME', 3, 'Fix "login", again', { createdAt: '2026-10-31T23:30:00Z', state: 'in_progress' });
  await approved('ACME-3', 1, 'estimate', 180, 9500, 28500, '2026-11-02T10:00:00Z');
  await logged('ACME-3', 45, '2026-11-10');
  await logged('ACME-3', 60, '2026-11-11', { deletedAt: '2026-11-12T09:00:00Z' });

  // ACME-4: 1h approved (£95.00), only non-billable time, closed 6 Nov: a line with nothing to bill
  // (the minimum charge applies to work done, not to a request nobody billed time on).
  await request('ACME', 4, '=HYPERLINK("x")', { createdAt: '2026-11-03T09:00:00Z', state: 'closed', closedAt: '2026-11-06T12:00:00Z' });
  await approved('ACME-4', 1, 'estimate', 60, 9500, 9500, '2026-11-03T10:00:00Z');
  await logged('ACME-4', 30, '2026-11-05', { billable: false });

  // BETA-1: 2h approved at 2026-09-30T23:30Z, which is 1 Oct 00:30 BST: October. £241.00
  // (120 × 12050 / 60 = 24100). A 30m top-up approved 3 Nov: 30 × 12050 / 60 = 6025 (£60.25).
  // 100m on 15 Oct, 40m on 4 Nov; closed 2026-11-30T23:30Z (30 Nov GMT): November.
  await request('BETA', 1, 'Migrate the mail server', { createdAt: '2026-09-28T09:00:00Z', state: 'closed', closedAt: '2026-11-30T23:30:00Z' });
  await approved('BETA-1', 1, 'estimate', 120, 12050, 24100, '2026-09-30T23:30:00Z');
  await approved('BETA-1', 2, 'topup', 30, 12050, 6025, '2026-11-03T10:00:00Z');
  await logged('BETA-1', 100, '2026-10-15');
  await logged('BETA-1', 40, '2026-11-04');

  // BETA-2: 1h approved 20 Nov (£120.50), no time yet.
  await request('BETA', 2, 'Audit the firewall', { createdAt: '2026-11-19T09:00:00Z', state: 'approved' });
  await approved('BETA-2', 1, 'estimate', 60, 12050, 12050, '2026-11-20T15:00:00Z');

  // BETA-3: 45m approved at 2026-10-31T23:30Z = 31 Oct 23:30 GMT: October.
  // 45 × 12050 / 60 = 9037.5, rounded half up: 9038 (£90.38).
  await request('BETA', 3, 'Review the backups', { createdAt: '2026-10-30T09:00:00Z', state: 'approved' });
  await approved('BETA-3', 1, 'estimate', 45, 12050, 9038, '2026-10-31T23:30:00Z');

  // September (BST) holds only cancellations after approved work: a cancelled request is finished
  // for billing as a closed one is.
  // ACME-5: 2h approved (£190.00), 50m logged, then re-estimated (v2 pending, so awaiting approval
  // again) and cancelled by the client on 3 Sep.
  await request('ACME', 5, 'Speed up the reports', { createdAt: '2026-09-01T09:00:00Z', state: 'cancelled', cancelledAt: '2026-09-03T12:00:00Z' });
  await approved('ACME-5', 1, 'estimate', 120, 9500, 19000, '2026-09-01T10:00:00Z');
  await logged('ACME-5', 50, '2026-09-02');
  await EstimateModel.create({
    requestKey: 'ACME-5',
    clientKey: 'ACME',
    version: 2,
    kind: 'estimate',
    lowMinutes: 240,
    highMinutes: 300,
    hourlyRateMinor: 9500,
    currency: 'GBP',
    amountMinor: 47500,
    authorId: ENGINEER,
    createdAt: at('2026-09-02T16:00:00Z'),
    decision: 'pending',
  });
  // ACME-6: cancelled before anyone estimated it: nothing to bill, so not on the summary.
  await request('ACME', 6, 'Never mind', { createdAt: '2026-09-05T09:00:00Z', state: 'cancelled', cancelledAt: '2026-09-05T09:30:00Z' });
  // BETA-4: 1h approved and invoiced upfront (£120.50), 25m logged, cancelled on 3 Sep.
  await request('BETA', 4, 'Rotate the keys', { createdAt: '2026-09-01T09:00:00Z', state: 'cancelled', cancelledAt: '2026-09-03T12:00:00Z' });
  await approved('BETA-4', 1, 'estimate', 60, 12050, 12050, '2026-09-01T10:00:00Z');
  await logged('BETA-4', 25, '2026-09-02');
}

type Numbers = Pick<BillingLine, 'requestKey' | 'estimateMinutes' | 'approvedAmountMinor' | 'loggedMinutes' | 'rawMinutes' | 'billedMinutes' | 'amountMinor' | 'upfrontMinor' | 'reconciliationMinor' | 'adjustment'>;

function numbers(lines: BillingLine[]): Numbers[] {
  return lines.map((l) => ({
    requestKey: l.requestKey,
    estimateMinutes: l.estimateMinutes,
    approvedAmountMinor: l.approvedAmountMinor,
    loggedMinutes: l.loggedMinutes,
    rawMinutes: l.rawMinutes,
    billedMinutes: l.billedMinutes,
    amountMinor: l.amountMinor,
    upfrontMinor: l.upfrontMinor,
    reconciliationMinor: l.reconciliationMinor,
    adjustment: l.adjustment,
  }));
}

const line = (requestKey: string, n: Partial<Numbers>): Numbers => ({
  requestKey,
  estimateMinutes: 0,
  approvedAmountMinor: 0,
  loggedMinutes: 0,
  rawMinutes: 0,
  billedMinutes: 0,
  amountMinor: 0,
  upfrontMinor: 0,
  reconciliationMinor: 0,
  adjustment: false,
  ...n,
});

async function userError(promise: Promise<unknown>): Promise<UserFacingError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UserFacingError) return error;
    throw error;
  }
  throw new Error('expected a UserFacingError');
}

describe('billing months', () => {
  it('are calendar months in the client timezone, whatever the DST changes inside them', () => {
    // October 2026 starts in BST (UTC+1) and ends in GMT.
    expect(periodBounds('2026-10', ZONE)).toEqual({
      start: at('2026-09-30T23:00:00Z'),
      end: at('2026-11-01T00:00:00Z'),
      firstDay: '2026-10-01',
      nextFirstDay: '2026-11-01',
    });
    // March 2026 starts in GMT and ends in BST (from 29 March).
    expect(periodBounds('2026-03', ZONE)).toMatchObject({ start: at('2026-03-01T00:00:00Z'), end: at('2026-03-31T23:00:00Z') });
    expect(periodBounds('2026-12', ZONE)).toMatchObject({ end: at('2027-01-01T00:00:00Z'), nextFirstDay: '2027-01-01' });
  });
});

describe('billing summaries', () => {
  it('bills on-completion requests in the month they closed and lists work in progress at nothing', async () => {
    const { summary } = await generateBillingSummary('ACME', '2026-11', MANAGER);
    expect(summary.status).toBe('draft');
    expect(numbers(summary.lines)).toEqual([
      // 50 + 20 = 70 raw → up to the 15-minute increment: 75 (over the 30 minimum, under the 120
      // approved) → 75 × 9500 / 60 = 11875 (£118.75). 20 of those minutes were logged in November.
      line('ACME-1', { estimateMinutes: 120, approvedAmountMinor: 19000, loggedMinutes: 20, rawMinutes: 70, billedMinutes: 75, amountMinor: 11875 }),
      // Not closed: nothing billed yet; the deleted 60m entry is not counted.
      line('ACME-3', { estimateMinutes: 180, approvedAmountMinor: 28500, loggedMinutes: 45, rawMinutes: 45 }),
      // Closed with only non-billable time: nothing billed.
      line('ACME-4', { estimateMinutes: 60, approvedAmountMinor: 9500 }),
    ]);
    // ACME-2 closed at 23:30 on 31 October, London time: not here.
    expect(summary.totals).toEqual({
      estimateMinutes: 120 + 180 + 60, // 360
      approvedAmountMinor: 19000 + 28500 + 9500, // 57000
      loggedMinutes: 20 + 45, // 65
      rawMinutes: 70 + 45, // 115
      billedMinutes: 75,
      amountMinor: 11875,
      upfrontMinor: 0,
      reconciliationMinor: 0,
      netMinor: 11875,
    });
  });

  it('puts a request closed at 23:30 UTC on 31 October into October (GMT, not BST)', async () => {
    const { summary } = await generateBillingSummary('ACME', '2026-10', MANAGER);
    expect(numbers(summary.lines)).toEqual([
      // Logged 50m in October, closes in November: work in progress here.
      line('ACME-1', { estimateMinutes: 120, approvedAmountMinor: 19000, loggedMinutes: 50, rawMinutes: 50 }),
      // 10 raw → 15 → the 30-minute minimum → 30 × 9500 / 60 = 4750 (£47.50).
      line('ACME-2', { estimateMinutes: 60, approvedAmountMinor: 9500, loggedMinutes: 10, rawMinutes: 10, billedMinutes: 30, amountMinor: 4750 }),
    ]);
    expect(summary.totals).toMatchObject({ loggedMinutes: 60, rawMinutes: 60, billedMinutes: 30, amountMinor: 4750, netMinor: 4750 });
  });

  it('bills upfront approvals in the month approved and reconciles in the month closed', async () => {
    const october = (await generateBillingSummary('BETA', '2026-10', MANAGER)).summary;
    expect(numbers(october.lines)).toEqual([
      // Approved 1 Oct 00:30 BST: the whole approved 2h is invoiced, 24100.
      line('BETA-1', { estimateMinutes: 120, approvedAmountMinor: 24100, loggedMinutes: 100, rawMinutes: 100, billedMinutes: 120, amountMinor: 24100, upfrontMinor: 24100 }),
      // Approved 31 Oct 23:30 GMT: October.
      line('BETA-3', { estimateMinutes: 45, approvedAmountMinor: 9038, billedMinutes: 45, amountMinor: 9038, upfrontMinor: 9038 }),
    ]);
    expect(october.totals).toMatchObject({ billedMinutes: 165, amountMinor: 33138, upfrontMinor: 33138, reconciliationMinor: 0, netMinor: 33138 });

    const november = (await generateBillingSummary('BETA', '2026-11', MANAGER)).summary;
    expect(numbers(november.lines)).toEqual([
      // The top-up is November's only new approval: 30m, 6025. Closed in November, so reconciled:
      // 100 + 40 = 140 raw, already a multiple of 10 and over the 20 minimum, within the 150
      // approved → 140 × 12050 / 60 = 28116.67 → 28117; minus the 24100 + 6025 = 30125 invoiced
      // upfront = -2008, a credit of £20.08.
      line('BETA-1', { estimateMinutes: 150, approvedAmountMinor: 30125, loggedMinutes: 40, rawMinutes: 140, billedMinutes: 30, amountMinor: 6025, upfrontMinor: 6025, reconciliationMinor: -2008 }),
      line('BETA-2', { estimateMinutes: 60, approvedAmountMinor: 12050, billedMinutes: 60, amountMinor: 12050, upfrontMinor: 12050 }),
    ]);
    expect(november.totals).toEqual({
      estimateMinutes: 210,
      approvedAmountMinor: 42175,
      loggedMinutes: 40,
      rawMinutes: 140,
      billedMinutes: 90,
      amountMinor: 6025 + 12050, // 18075
      upfrontMinor: 18075,
      reconciliationMinor: -2008,
      netMinor: 18075 - 2008, // 16067
    });
  });

  it('bills approved work on a request cancelled afterwards, and reconciles its upfront invoice', async () => {
    const acme = (await generateBillingSummary('ACME', '2026-09', MANAGER)).summary;
    // 50 raw → 60 (15-minute increment, over the 30 minimum, under the 120 approved; the pending
    // v2 counts for nothing) → 60 × 9500 / 60 = 9500 (£95.00).
    expect(numbers(acme.lines)).toEqual([
      line('ACME-5', { estimateMinutes: 120, approvedAmountMinor: 19000, loggedMinutes: 50, rawMinutes: 50, billedMinutes: 60, amountMinor: 9500 }),
    ]);
    expect(acme.lines[0]).toMatchObject({ state: 'cancelled', cancelledAt: at('2026-09-03T12:00:00Z') });
    // The CSV says it was cancelled, not closed, and when (in London).
    expect(billingCsv(acme).split('\n')[1]).toBe('ACME-5,Speed up the reports,2026-09-01,,2026-09-03,120,190.00,50,50,60,60,95.00,0.00,0.00,');
    const beta = (await generateBillingSummary('BETA', '2026-09', MANAGER)).summary;
    // Invoiced on approval: 12050. Reconciled on cancellation: 25 raw → 30 → 30 × 12050 / 60 =
    // 6025 used, minus the 12050 invoiced = -6025, a credit of £60.25.
    expect(numbers(beta.lines)).toEqual([
      line('BETA-4', { estimateMinutes: 60, approvedAmountMinor: 12050, loggedMinutes: 25, rawMinutes: 25, billedMinutes: 60, amountMinor: 12050, upfrontMinor: 12050, reconciliationMinor: -6025 }),
    ]);
    expect(beta.totals).toMatchObject({ amountMinor: 12050, reconciliationMinor: -6025, netMinor: 6025 });
  });

  it('writes the CSV with one row per line and totals that are the exact sums', async () => {
    const acme = (await generateBillingSummary('ACME', '2026-11', MANAGER)).summary;
    expect(billingCsv(acme)).toBe(
      [
        'Request,Title,Opened,Closed,Cancelled,Estimate (min),Approved amount (GBP),Logged in month (min),Raw (min),Used (min),Billed (min),Amount (GBP),Upfront (GBP),Reconciliation (GBP),Adjustment for',
        'ACME-1,Upgrade the database,2026-10-01,2026-11-30,,120,190.00,20,70,75,75,118.75,0.00,0.00,',
        // Quotes doubled, a comma quoted; 23:30 UTC on 31 Oct is still 31 Oct in London.
        'ACME-3,"Fix ""login"", again",2026-10-31,,,180,285.00,45,45,45,0,0.00,0.00,0.00,',
        // A title a spreadsheet would run as a formula is kept as text.
        `ACME-4,"'=HYPERLINK(""x"")",2026-11-03,2026-11-06,,60,95.00,0,0,0,0,0.00,0.00,0.00,`,
        'Total,,,,,360,570.00,65,115,120,75,118.75,0.00,0.00,',
        '',
      ].join('\n'),
    );
    const beta = (await generateBillingSummary('BETA', '2026-11', MANAGER)).summary;
    expect(billingCsv(beta).split('\n').slice(1)).toEqual([
      'BETA-1,Migrate the mail server,2026-09-28,2026-11-30,,150,301.25,40,140,140,30,60.25,60.25,-20.08,',
      'BETA-2,Audit the firewall,2026-11-19,,,60,120.50,0,0,0,60,120.50,120.50,0.00,',
      // 60.25 + 120.50 = 180.75; 301.25 + 120.50 = 421.75
      'Total,,,,,210,421.75,40,140,140,90,180.75,180.75,-20.08,',
      '',
    ]);
  });

  it('regenerates a draft without changing it when nothing changed', async () => {
    const first = (await generateBillingSummary('ACME', '2026-11', MANAGER)).summary;
    const audits = await AuditEventModel.countDocuments({ action: 'billing.generated', entityId: 'ACME/2026-11' });
    const again = (await generateBillingSummary('ACME', '2026-11', ACME_BOSS)).summary;
    expect(again.revision).toBe(first.revision);
    expect(again.lines).toEqual(first.lines);
    expect(again.totals).toEqual(first.totals);
    expect(again.generatedBy).toBe(first.generatedBy);
    expect(await BillingSummaryModel.countDocuments({ clientKey: 'ACME', period: '2026-11' })).toBe(1);
    expect(await AuditEventModel.countDocuments({ action: 'billing.generated', entityId: 'ACME/2026-11' })).toBe(audits);
  });

  it('regenerates a draft issuing would otherwise get wrong, and issues only what was seen', async () => {
    const draft = (await generateBillingSummary('BETA', '2026-10', MANAGER)).summary;
    // A late 5m entry on 31 Oct: the stored draft no longer matches the record.
    const late = await logged('BETA-3', 5, '2026-10-31');
    const changed = await issueBillingSummary('BETA', '2026-10', { userId: MANAGER });
    expect(changed.outcome).toBe('changed');
    expect(changed.summary.status).toBe('draft');
    expect(changed.summary.revision).toBe(draft.revision + 1);
    expect(changed.summary.lines.find((l) => l.requestKey === 'BETA-3')?.loggedMinutes).toBe(5);
    await TimeEntryModel.deleteOne({ _id: late });
    await generateBillingSummary('BETA', '2026-10', MANAGER);
    const issued = await issueBillingSummary('BETA', '2026-10', { userId: MANAGER });
    expect(issued.outcome).toBe('issued');
  });

  it('issues once on a double click, then never changes the issued summary', async () => {
    await generateBillingSummary('ACME', '2026-10', MANAGER);
    const results = await Promise.allSettled([
      issueBillingSummary('ACME', '2026-10', { userId: MANAGER, channelId: 'C0MGRS' }),
      issueBillingSummary('ACME', '2026-10', { userId: MANAGER, channelId: 'C0MGRS' }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled' && r.value.outcome === 'issued');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.reason).toMatchObject({ code: ErrorCode.Conflict, message: expect.stringContaining('already issued by <@U0MGR>') });
    expect(await AuditEventModel.countDocuments({ action: 'billing.issued', entityId: 'ACME/2026-10' })).toBe(1);

    const issued = await BillingSummaryModel.findOne({ clientKey: 'ACME', period: '2026-10' }).lean();
    expect(issued).toMatchObject({ status: 'issued', issuedBy: MANAGER });
    const again = await generateBillingSummary('ACME', '2026-10', MANAGER);
    expect(again.changedSinceIssue).toBe(false);
    expect(again.summary).toEqual(issued);
  });

  it('shows a later change to an issued month as an adjustment in the next month', async () => {
    const issued = await BillingSummaryModel.findOne({ clientKey: 'ACME', period: '2026-10' }).lean();
    // ACME-2's 10m on 31 Oct becomes 40m: 40 → 45 (increment; over the 30 minimum, under the 60
    // approved) → 45 × 9500 / 60 = 7125, which is 2375 more than the 4750 issued, for 15 more
    // billed minutes and 30 more logged.
    await TimeEntryModel.updateOne({ _id: acme2Entry }, { $set: { minutes: 40, updatedAt: new Date() } });

    const october = await generateBillingSummary('ACME', '2026-10', MANAGER);
    expect(october.changedSinceIssue).toBe(true);
    expect(october.adjustmentsIn).toBe('2026-11');
    expect(october.summary).toEqual(issued);
    expect(await BillingSummaryModel.findOne({ clientKey: 'ACME', period: '2026-10' }).lean()).toEqual(issued);

    const november = (await generateBillingSummary('ACME', '2026-11', MANAGER)).summary;
    expect(numbers(november.lines).slice(3)).toEqual([
      line('ACME-2', { loggedMinutes: 30, rawMinutes: 30, billedMinutes: 15, amountMinor: 2375, adjustment: true }),
    ]);
    expect(november.lines[3]?.adjustsPeriod).toBe('2026-10');
    // November's own 11875 plus the 2375 adjustment.
    expect(november.totals).toMatchObject({ loggedMinutes: 65 + 30, rawMinutes: 115 + 30, billedMinutes: 75 + 15, amountMinor: 14250, netMinor: 14250 });
    expect(billingCsv(november).split('\n')).toEqual(
      expect.arrayContaining([
        'ACME-2,Renew the certificate,2026-10-20,2026-10-31,,0,0.00,30,30,,15,23.75,0.00,0.00,2026-10',
        'Total,,,,,360,570.00,95,145,120,90,142.50,0.00,0.00,',
      ]),
    );

    // Once November (carrying the adjustment) is issued, December does not bill it again.
    expect((await issueBillingSummary('ACME', '2026-11', { userId: MANAGER })).outcome).toBe('issued');
    const december = (await generateBillingSummary('ACME', '2026-12', MANAGER)).summary;
    expect(december.lines).toEqual([]);
    expect(december.totals.netMinor).toBe(0);
    const octoberAgain = await generateBillingSummary('ACME', '2026-10', MANAGER);
    expect(octoberAgain.changedSinceIssue).toBe(true);
    expect(octoberAgain.adjustmentsIn).toBeUndefined();
  });

  it("finds the adjustments a month's draft carries, for the Home tab, recomputing only the issued months changed since they were billed", async () => {
    // October is issued and its later change billed in November, which is issued too.
    const acme = await findClientByKey('ACME');
    if (!acme) throw new Error('no ACME');
    const draftAdjustments = async () => (await generateBillingSummary('ACME', '2026-12', MANAGER)).summary.lines.filter((l) => l.adjustment);
    expect(await adjustmentsSoFar(acme, '2026-12')).toEqual([]);
    expect(await draftAdjustments()).toEqual([]);

    // A month nothing stamped has touched since it was billed is not recomputed: a write behind
    // the app's back (no timestamp) is not seen, where the full recomputation sees it. (The edit
    // above is dated an hour before November's issue, outside the margin kept around an issue.)
    const novemberIssuedAt = (await BillingSummaryModel.findOne({ clientKey: 'ACME', period: '2026-11' }).lean())?.issuedAt?.getTime() ?? 0;
    await TimeEntryModel.updateOne({ _id: acme2Entry }, { $set: { updatedAt: new Date(novemberIssuedAt - 3600_000) } });
    await TimeEntryModel.updateOne({ _id: acme2Entry }, { $set: { minutes: 55 } });
    try {
      expect(await adjustmentsSoFar(acme, '2026-12')).toEqual([]);
      expect(await draftAdjustments()).toHaveLength(1);
    } finally {
      await TimeEntryModel.updateOne({ _id: acme2Entry }, { $set: { minutes: 40 } });
    }

    // ACME-2's October entry deleted now, and 20 minutes back-dated to 2 November on ACME-1:
    // both months are recomputed, and the result is the draft's, line for line.
    await TimeEntryModel.updateOne({ _id: acme2Entry }, { $set: { deletedAt: new Date(), deletedBy: ENGINEER } });
    const backDated = await TimeEntryModel.create({ requestKey: 'ACME-1', clientKey: 'ACME', engineerId: ENGINEER, minutes: 20, workDate: '2026-11-02', billable: true, createdAt: new Date() });
    try {
      const cheap = await adjustmentsSoFar(acme, '2026-12');
      expect(cheap.map((l) => [l.requestKey, l.adjustsPeriod, l.amountMinor])).toEqual([
        ['ACME-2', '2026-10', -7125],
        ['ACME-1', '2026-11', expect.any(Number)],
      ]);
      expect(numbersOf(cheap)).toBe(numbersOf(await draftAdjustments()));
    } finally {
      await TimeEntryModel.updateOne({ _id: acme2Entry }, { $unset: { deletedAt: 1, deletedBy: 1 } });
      await TimeEntryModel.deleteOne({ _id: backDated._id });
    }
  });

  it('lets managers see any client and approvers only their own, from its channel', async () => {
    await expect(billingAccess({ userId: MANAGER, channelId: 'C0MGRS' }, 'BETA')).resolves.toMatchObject({ ok: true, role: 'manager', client: { key: 'BETA' } });
    await expect(billingAccess({ userId: MANAGER, channelId: 'C0ACME' })).resolves.toMatchObject({ ok: true, client: { key: 'ACME' } });
    await expect(billingAccess({ userId: MANAGER, channelId: 'C0MGRS' })).resolves.toEqual({ ok: false, reason: 'needs_client_key' });
    expect(await userError(billingAccess({ userId: MANAGER, channelId: 'C0MGRS' }, 'NOPE'))).toMatchObject({ code: ErrorCode.NotFound });

    await expect(billingAccess({ userId: ACME_BOSS, channelId: 'C0ACME' })).resolves.toMatchObject({ ok: true, role: 'approver', client: { key: 'ACME' } });
    await expect(billingAccess({ userId: ACME_BOSS, channelId: 'C0ACME' }, 'ACME')).resolves.toMatchObject({ ok: true, role: 'approver' });
    // BETA lists no approvers, so any of its people (here one its settings name) may approve, and see its billing.
    await expect(billingAccess({ userId: BETA_DEV, channelId: 'C0BETA' })).resolves.toMatchObject({ ok: true, role: 'approver', client: { key: 'BETA' } });

    const refused: Array<[string, string, string | undefined]> = [
      [ACME_DEV, 'C0ACME', undefined], // a member of ACME's channel, not an approver
      [ACME_BOSS, 'C0ACME', 'BETA'], // another client
      [ACME_BOSS, 'C0ELSEWHERE', 'ACME'], // not from ACME's channel
      [BETA_DEV, 'C0BETA', 'ACME'],
      [ENGINEER, 'C0ACME', 'ACME'],
      [ACME_BOSS, 'C0ACME', 'NOPE'], // no hint that NOPE doesn't exist
      [ACME_DEV, 'C0ELSEWHERE', undefined],
    ];
    for (const [userId, channelId, clientKey] of refused) {
      expect(await userError(billingAccess({ userId, channelId }, clientKey))).toMatchObject({ code: ErrorCode.Forbidden, message: BILLING_REFUSAL });
    }
  });

  it('lets only managers issue', async () => {
    await generateBillingSummary('BETA', '2026-11', MANAGER);
    for (const userId of [ACME_BOSS, BETA_DEV, ENGINEER]) {
      expect(await userError(issueBillingSummary('BETA', '2026-11', { userId, channelId: 'C0BETA' }))).toMatchObject({ code: ErrorCode.Forbidden, message: ISSUE_REFUSAL });
    }
    expect(await BillingSummaryModel.findOne({ clientKey: 'BETA', period: '2026-11' }).lean()).toMatchObject({ status: 'draft' });
  });

  it("recomputes an issued month under the terms it was issued with, not the client's new ones", async () => {
    // ACME's November was issued above, billing ACME-1's 70 raw minutes as 75. Hourly rounding
    // now would make it 120; that must not turn the issued month into an adjustment.
    await ClientModel.updateOne({ key: 'ACME' }, { $set: { hourlyRateMinor: 20000, incrementMinutes: 60, minimumMinutes: 60 } });
    const november = await generateBillingSummary('ACME', '2026-11', MANAGER);
    expect(november.summary.status).toBe('issued');
    expect(november.changedSinceIssue).toBe(false);
    expect(november.summary).toMatchObject({ hourlyRateMinor: 9500, incrementMinutes: 15, minimumMinutes: 30 });
    expect((await generateBillingSummary('ACME', '2026-12', MANAGER)).summary.lines).toEqual([]);
  });
});
