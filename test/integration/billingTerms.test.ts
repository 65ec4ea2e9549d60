// Which terms a request is billed under (#14, defects 1, 2 and 5), on the real MongoDB-wire server
// through the real services: estimates posted and approved by postEstimate/decideEstimate (which
// store the client's terms with the approval), time logged by logTime, the client's settings
// changed by the seed, and months generated and issued by the billing service. History is dated
// by moving the approval and the close into October and November after the fact; every other
// record is what the services wrote.
import { EstimateModel } from '../../src/db/estimate';
import { RequestModel } from '../../src/db/request';
import { UserFacingError } from '../../src/errors';
import { setLogLevel } from '../../src/logger';
import { generateBillingSummary, issueBillingSummary, type BillingSummary } from '../../src/services/billing';
import { decideEstimate, postEstimate } from '../../src/services/estimates';
import { homeFor } from '../../src/services/home';
import { verifyLedger } from '../../src/services/ledger';
import { applySeed } from '../../src/services/seed';
import { logTime } from '../../src/services/timeEntries';
import { useTestDatabase } from '../support/database';
import { createClaimedRequest } from '../support/records';
import { ACME, STAFF } from '../support/testEnv';

const ENGINEER = { userId: STAFF.engineer };
const BOSS = { userId: ACME.boss };
const MANAGER = { userId: STAFF.manager };

/** The whole seed, with one client whose mode and rate the test changes; increment 1, no minimum unless given. */
function seed(key: string, channel: string, billingMode: 'upfront' | 'on_completion', hourlyRate: number, increment = 1, minimum = 0, timezone = 'Europe/London'): string {
  return `
managers: [${STAFF.manager}]
engineers: [${STAFF.engineer}]
clients:
  - key: ${key}
    name: ${key} Ltd
    channels: [${channel}]
    hourlyRate: ${hourlyRate}
    billingMode: ${billingMode}
    incrementMinutes: ${increment}
    minimumMinutes: ${minimum}
    approvers: [${ACME.boss}]
    timezone: ${timezone}
`;
}

beforeAll(() => {
  setLogLevel(process.env.TEST_LOG_LEVEL ?? 'silent');
});
useTestDatabase();

async function approve(key: string, highMinutes: number, topUp = false): Promise<void> {
  const posted = await postEstimate({ key, actor: ENGINEER, lowMinutes: highMinutes, highMinutes, assumptions: '', topUp });
  await decideEstimate({ estimateId: posted.estimate._id.toHexString(), actor: BOSS, approve: true });
}

/** The request's approvals happened on `approvedAt`, its time in October, and it closed on `closedAt`. */
async function dateHistory(key: string, approvedAt: string, closedAt: string): Promise<void> {
  await EstimateModel.updateMany({ requestKey: key, decision: 'approved' }, { $set: { createdAt: new Date(approvedAt), decidedAt: new Date(approvedAt) } });
  await RequestModel.updateOne({ key }, { $set: { state: 'closed', createdAt: new Date(approvedAt), resolvedAt: new Date(closedAt), closedAt: new Date(closedAt) } });
}

const net = (summary: BillingSummary) => summary.totals.netMinor;

describe("a change of the client's billing mode", () => {
  // Defect 1: £100/h, 4 h approved in October, 3 h logged, closed 10 November, October issued.
  it.each([
    // upfront → on completion: October invoiced £400 upfront, November reconciles −£100 (the old
    // code billed £300 more in November: £700 for 3 h)
    ['upfront', 'on_completion', 40000, -10000],
    // on completion → upfront: nothing in October, £300 in November (the old code: £0, then −£100)
    ['on_completion', 'upfront', 0, 30000],
  ] as const)('from %s to %s leaves an approved request on the terms it was approved under', async (from, to, october, november) => {
    const key = `M${from === 'upfront' ? 'U' : 'C'}`;
    const channel = `C0${key}`;
    await applySeed(seed(key, channel, from, 100));
    const request = await createClaimedRequest(key, 1, { clientChannelId: channel });
    await approve(request, 240);
    await logTime({ key: request, actor: ENGINEER, minutes: 180, note: 'done', billable: true, at: new Date('2026-10-20T12:00:00Z') });
    await dateHistory(request, '2026-10-05T10:00:00Z', '2026-11-10T12:00:00Z');
    expect((await EstimateModel.findOne({ requestKey: request }).lean())?.terms?.billingMode).toBe(from);

    await generateBillingSummary(key, '2026-10', MANAGER.userId);
    const issued = await issueBillingSummary(key, '2026-10', MANAGER);
    expect(issued.outcome).toBe('issued');
    expect(net(issued.summary)).toBe(october);

    await applySeed(seed(key, channel, to, 100));
    const nov = await generateBillingSummary(key, '2026-11', MANAGER.userId);
    expect(nov.summary.billingMode).toBe(to);
    expect(nov.summary.lines.filter((l) => l.adjustment)).toEqual([]);
    expect(net(nov.summary)).toBe(november);
    // Over both months the client pays for the 3 hours worked, at the rate approved.
    expect(october + november).toBe(30000);
  });
});

describe('a top-up at a different rate', () => {
  // Defect 2: 2 h approved at £100 (£200), then the rate changes, then a 1 h top-up at the new rate.
  it.each([
    // cut to £80: the client agreed to £200 + £80; using all 3 h bills £280 (it billed £300)
    ['on_completion', 80, { amountMinor: 28000, reconciliationMinor: 0 }],
    // raised to £120: £200 + £120 = £320 (it billed £300)
    ['on_completion', 120, { amountMinor: 32000, reconciliationMinor: 0 }],
    // upfront: £280 invoiced on approval, and nothing to reconcile when all of it is used (it was +£20)
    ['upfront', 80, { amountMinor: 28000, reconciliationMinor: 0 }],
    ['upfront', 120, { amountMinor: 32000, reconciliationMinor: 0 }],
  ] as const)('bills each tranche at its own rate (%s, new rate £%d)', async (mode, newRate, expected) => {
    const key = `T${mode === 'upfront' ? 'U' : 'C'}${newRate === 80 ? 'CUT' : 'RAISE'}`;
    const channel = `C0${key}`;
    await applySeed(seed(key, channel, mode, 100));
    const request = await createClaimedRequest(key, 1, { clientChannelId: channel });
    await approve(request, 120);
    await applySeed(seed(key, channel, mode, newRate));
    await approve(request, 60, true);
    await logTime({ key: request, actor: ENGINEER, minutes: 180, note: 'all of it', billable: true, at: new Date('2026-11-04T12:00:00Z') });
    await dateHistory(request, '2026-11-02T10:00:00Z', '2026-11-20T12:00:00Z');

    const { summary } = await generateBillingSummary(key, '2026-11', MANAGER.userId);
    expect(summary.lines).toHaveLength(1);
    expect(summary.lines[0]).toMatchObject({ approvedAmountMinor: 20000 + newRate * 100, ...expected });
  });
});

describe('a re-estimate below the billable time already logged', () => {
  // Defect 5: v1 4 h approved, 3 h logged, v2 "1 h" would have been approved and billed 1 h.
  it('is refused in plain words, and the approved estimate still stands', async () => {
    await applySeed(seed('RE', 'C0RE', 'on_completion', 100));
    const request = await createClaimedRequest('RE', 1, { clientChannelId: 'C0RE' });
    await approve(request, 240);
    await logTime({ key: request, actor: ENGINEER, minutes: 180, note: 'most of it', billable: true });
    const refused = await postEstimate({ key: request, actor: ENGINEER, lowMinutes: 60, highMinutes: 60, assumptions: '' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UserFacingError);
    expect((refused as Error).message).toBe(
      `${request} already has 3h of billable time logged. A new estimate replaces the total the client agrees to, so it can't be less than that (this one goes up to 1h). To add time, ask for a top-up instead.`,
    );
    expect(await EstimateModel.countDocuments({ requestKey: request })).toBe(1);
    expect((await RequestModel.findOne({ key: request }).lean())?.state).toBe('in_progress');
    // At or above what is logged it is an ordinary re-estimate.
    const again = await postEstimate({ key: request, actor: ENGINEER, lowMinutes: 180, highMinutes: 200, assumptions: '' });
    expect(again.estimate.version).toBe(2);
  });
});

describe("the Home tab's figure for the month", () => {
  // Defect 8: two requests of 10 m each at £95/h, increments of 15 m and a 30 m minimum. The Home
  // tab showed the raw minutes at today's rate, £31.67; the month's bill charges 2 × 30 m = £95.00.
  it('is what the month\'s bill charges, from the same rules', async () => {
    await applySeed(seed('HOME', 'C0HOME', 'on_completion', 95, 15, 30));
    for (const number of [1, 2]) {
      const request = await createClaimedRequest('HOME', number, { clientChannelId: 'C0HOME' });
      await approve(request, 60);
      await logTime({ key: request, actor: ENGINEER, minutes: 10, note: 'quick fix', billable: true, at: new Date('2026-11-10T12:00:00Z') });
      await dateHistory(request, '2026-11-09T10:00:00Z', '2026-11-12T12:00:00Z');
    }
    const now = new Date('2026-11-20T12:00:00Z');
    const [home] = (await homeFor(ACME.boss, ['HOME'], 'Europe/London', now)).clients;
    expect(home?.month).toMatchObject({ label: 'November 2026', billableMinutes: 20, bill: { billedMinor: 9500 } });

    const { summary } = await generateBillingSummary('HOME', '2026-11', MANAGER.userId);
    expect(summary.totals.netMinor).toBe(home?.month.bill?.billedMinor);
    // Once issued, Home says what was issued: a request closed in November afterwards is billed
    // as an adjustment in December, not added to the issued month.
    await issueBillingSummary('HOME', '2026-11', MANAGER);
    const late = await createClaimedRequest('HOME', 3, { clientChannelId: 'C0HOME' });
    await approve(late, 60);
    await logTime({ key: late, actor: ENGINEER, minutes: 10, note: 'late one', billable: true, at: new Date('2026-11-10T12:00:00Z') });
    await dateHistory(late, '2026-11-09T10:00:00Z', '2026-11-12T12:00:00Z');
    const [after] = (await homeFor(ACME.boss, ['HOME'], 'Europe/London', now)).clients;
    expect(after?.month).toMatchObject({ billableMinutes: 30, bill: { billedMinor: 9500 } });
  });
});

describe("a change of the client's timezone between months", () => {
  // Defect 1: £100/h, 2 h approved (£200) and used, closed on 31 Oct at 18:00Z: 31 Oct 18:00 in
  // London (October), but 1 Nov 05:00 in Sydney (November). October is issued in the first zone.
  it.each([
    // London → Sydney: November in Sydney starts at 31 Oct 13:00Z, so it billed the £200 again.
    ['Europe/London', 'Australia/Sydney', 20000, 0],
    // Sydney → London: October in Sydney ended at 31 Oct 13:00Z and November in London starts at
    // 1 Nov 00:00Z, so nothing ever billed it.
    ['Australia/Sydney', 'Europe/London', 0, 20000],
  ] as const)('from %s to %s bills the request exactly once', async (from, to, october, november) => {
    const key = from === 'Europe/London' ? 'TZLS' : 'TZSL';
    const channel = `C0${key}`;
    await applySeed(seed(key, channel, 'on_completion', 100, 1, 0, from));
    const request = await createClaimedRequest(key, 1, { clientChannelId: channel });
    await approve(request, 120);
    await logTime({ key: request, actor: ENGINEER, minutes: 120, note: 'all of it', billable: true, at: new Date('2026-10-20T12:00:00Z') });
    await dateHistory(request, '2026-10-05T10:00:00Z', '2026-10-31T18:00:00Z');

    await generateBillingSummary(key, '2026-10', MANAGER.userId);
    const issued = await issueBillingSummary(key, '2026-10', MANAGER);
    expect(issued.outcome).toBe('issued');
    expect(net(issued.summary)).toBe(october);

    await applySeed(seed(key, channel, 'on_completion', 100, 1, 0, to));
    const nov = await generateBillingSummary(key, '2026-11', MANAGER.userId);
    // November starts where the issued October ended, whatever today's timezone says.
    expect(nov.summary.periodStart).toEqual(issued.summary.periodEnd);
    expect(nov.summary.lines.filter((l) => l.adjustment)).toEqual([]);
    expect(net(nov.summary)).toBe(november);
    expect(october + november).toBe(20000);
    // October, recomputed with the bounds it was issued with, has not changed.
    expect((await generateBillingSummary(key, '2026-10', MANAGER.userId)).changedSinceIssue).toBe(false);
    // November issues, and December after it starts where November ended.
    expect((await issueBillingSummary(key, '2026-11', MANAGER)).outcome).toBe('issued');
    const dec = await generateBillingSummary(key, '2026-12', MANAGER.userId);
    expect(dec.summary.periodStart).toEqual(nov.summary.periodEnd);
    expect(net(dec.summary)).toBe(0);
  });
});

describe('an approval with no stored terms', () => {
  // Defect 2: an estimate approved before terms were stored was billed under the client's terms
  // of today (billingLines fell back to them): here upfront, £400 invoiced for an on-completion job.
  it('is refused by billing, naming the request, and reported by the verifier', async () => {
    await applySeed(seed('NOTERMS', 'C0NOTERMS', 'upfront', 100));
    const request = await createClaimedRequest('NOTERMS', 1, { clientChannelId: 'C0NOTERMS' });
    await approve(request, 240);
    await logTime({ key: request, actor: ENGINEER, minutes: 60, note: 'some', billable: true, at: new Date('2026-11-04T12:00:00Z') });
    await dateHistory(request, '2026-11-02T10:00:00Z', '2026-11-20T12:00:00Z');
    await EstimateModel.updateOne({ requestKey: request, version: 1 }, { $unset: { terms: 1 } });

    const refused = await generateBillingSummary('NOTERMS', '2026-11', MANAGER.userId).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UserFacingError);
    expect((refused as Error).message).toBe(
      `${request} cannot be billed: its approved estimate v1 has no billing terms stored (approved before terms were stored), and billing will not assume today's terms. Record the terms the client approved it under, then generate the summary again.`,
    );
    const report = await verifyLedger({ clientKey: 'NOTERMS' });
    expect(report.ok).toBe(false);
    expect(report.chains.find((c) => c.chain === 'NOTERMS')?.problems).toContain((refused as Error).message);

    // The client's Home tab says the month's bill cannot be worked out, and why, instead of failing.
    const [home] = (await homeFor(ACME.boss, ['NOTERMS'], 'Europe/London', new Date('2026-11-25T12:00:00Z'))).clients;
    expect(home?.month.bill).toMatchObject({ billedMinor: undefined, billingRefusal: (refused as Error).message });
  });
});

describe('the billing mode of a request', () => {
  // Defect 5: the mode is the first approval's. Approved on completion (2 h at £100), then the
  // client moves to upfront at £120, the request is re-estimated (3 h at £120) and topped up (1 h
  // at £120), all approved under the new terms. It billed under the re-estimate's terms (upfront:
  // £480 invoiced, reconciled by −£80); it bills on completion, 200 min at £120 = £400.
  it("is the first approval's, and each tranche bills at its own approved rate", async () => {
    await applySeed(seed('MODE', 'C0MODE', 'on_completion', 100));
    const request = await createClaimedRequest('MODE', 1, { clientChannelId: 'C0MODE' });
    await approve(request, 120);
    await applySeed(seed('MODE', 'C0MODE', 'upfront', 120));
    await approve(request, 180);
    await approve(request, 60, true);
    await logTime({ key: request, actor: ENGINEER, minutes: 200, note: 'done', billable: true, at: new Date('2026-11-04T12:00:00Z') });
    await dateHistory(request, '2026-11-02T10:00:00Z', '2026-11-20T12:00:00Z');
    const stored = await EstimateModel.find({ requestKey: request }).sort({ version: 1 }).lean();
    expect(stored.map((e) => [e.version, e.decision, e.terms?.billingMode, e.hourlyRateMinor])).toEqual([
      [1, 'approved', 'on_completion', 10000],
      [2, 'approved', 'upfront', 12000],
      [3, 'approved', 'upfront', 12000],
    ]);

    const { summary } = await generateBillingSummary('MODE', '2026-11', MANAGER.userId);
    expect(summary.lines).toHaveLength(1);
    expect(summary.lines[0]).toMatchObject({ estimateMinutes: 240, approvedAmountMinor: 48000, billedMinutes: 200, amountMinor: 40000, upfrontMinor: 0, reconciliationMinor: 0 });
  });
});
