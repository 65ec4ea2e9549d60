// The lines of a client's monthly billing summary, as pure rules over a request's history: what
// a month added to each request's charge (requestCharge at the month's end minus at its start),
// which requests a month shows, the adjustments that carry a later change to an issued month, and
// the totals. services/billing.ts reads the histories and writes the summaries; the verifier
// (services/ledger.ts) rebuilds the histories from the audit ledger and calls the same rules.
import { MissingTermsError, agreementOf, requestCharge, summaryTotals, type EstimateVersion, type RequestCharge } from './billing';
import type { FieldTable, RecordOf } from './fieldTable';
import type { PeriodBounds } from './periods';

/** The number columns of a line, which the month's totals sum: declared once for both. */
const LINE_NUMBER_FIELDS = {
  /** Minutes the client had approved by the end of the month (estimate high end plus top-ups). */
  estimateMinutes: { kind: 'number', required: true },
  approvedAmountMinor: { kind: 'number', required: true },
  /** Billable minutes logged with a work date in the month. */
  loggedMinutes: { kind: 'number', required: true },
  /** Billable minutes logged on the request up to the end of the month, before rounding. */
  rawMinutes: { kind: 'number', required: true },
  billedMinutes: { kind: 'number', required: true },
  amountMinor: { kind: 'number', required: true },
  upfrontMinor: { kind: 'number', required: true },
  reconciliationMinor: { kind: 'number', required: true },
} as const satisfies FieldTable;

/**
 * One request in a month. The charge columns (billed, amount, upfront, reconciliation) are what
 * the month added to the request's charge; an adjustment line holds, in every number column, the
 * difference between a recomputation of an issued month and what that month said. Declared once:
 * the type below and the stored schema (db/billingSummary.ts) are both made from this table.
 */
export const BILLING_LINE_FIELDS = {
  requestKey: { kind: 'string', required: true },
  title: { kind: 'string', required: true },
  openedAt: { kind: 'date', required: true },
  closedAt: { kind: 'date' },
  /** When the request was cancelled (a cancellation ends its billing as a close does). */
  cancelledAt: { kind: 'date' },
  state: { kind: 'string', required: true },
  ...LINE_NUMBER_FIELDS,
  adjustment: { kind: 'boolean', required: true, default: false },
  /** The issued month an adjustment line corrects; absent on ordinary lines. */
  adjustsPeriod: { kind: 'string' },
} as const satisfies FieldTable;
export type BillingLine = RecordOf<typeof BILLING_LINE_FIELDS>;

/** A month's totals: each number column summed over its lines (billingTotals), and what it asks. Declared once, as the lines are. */
export const BILLING_TOTALS_FIELDS = {
  ...LINE_NUMBER_FIELDS,
  /** amount + reconciliation: what the month asks the client to pay (negative: a credit). */
  netMinor: { kind: 'number', required: true },
} as const satisfies FieldTable;
export type BillingTotals = RecordOf<typeof BILLING_TOTALS_FIELDS>;

/**
 * The client's billing terms a month was computed under, shown on its summary. Each request is
 * billed under the terms stored with its first approval (MissingTermsError when there are none),
 * never under these.
 */
export interface Terms {
  key: string;
  billingMode: 'upfront' | 'on_completion';
  /** Shown on the summary; every approved tranche carries its own rate. */
  hourlyRateMinor: number;
  incrementMinutes: number;
  minimumMinutes: number;
  timezone: string;
}

/** What billing needs of a request. */
export interface RequestFacts {
  key: string;
  number: number;
  title: string;
  createdAt: Date;
  state: string;
  closedAt?: Date | null | undefined;
  cancelledAt?: Date | null | undefined;
  /** Merged into another request as a duplicate: its own time is billed as a cancelled request's is. */
  mergedAt?: Date | null | undefined;
}

export interface EstimateFacts extends EstimateVersion {
  createdAt: Date;
  decidedAt?: Date | null | undefined;
}

/** A billable time entry that is not deleted. */
export interface EntryFacts {
  workDate: string;
  minutes: number;
}

export interface RequestHistory {
  request: RequestFacts;
  estimates: EstimateFacts[];
  entries: EntryFacts[];
}

interface ChargeAt {
  charge: RequestCharge;
  approvedMinutes: number;
  approvedAmountMinor: number;
}

/** The approvals that had been given before `instant`; later decisions count as not made yet. */
function decidedBefore(estimates: EstimateFacts[], instant: Date): EstimateFacts[] {
  return estimates.filter((e) => e.decision !== 'approved' || (e.decidedAt ?? e.createdAt) < instant);
}

/**
 * requestCharge as things stood at `instant` (time logged with a work date before `beforeDay`),
 * under the terms of the request's first approval and priced tranche by tranche at each
 * approval's own rate: a later change of mode or rate never alters work already agreed (nor an
 * issued month). An approval without stored terms is refused (MissingTermsError), not guessed.
 */
function chargeAt(history: RequestHistory, instant: Date, beforeDay: string): ChargeAt {
  const agreement = agreementOf(decidedBefore(history.estimates, instant));
  const logged = history.entries.filter((e) => e.workDate < beforeDay).reduce((sum, e) => sum + e.minutes, 0);
  if (agreement.tranches.length === 0) {
    return { charge: { rawMinutes: logged, billedMinutes: 0, amountMinor: 0, upfrontMinor: 0, reconciliationMinor: 0 }, approvedMinutes: 0, approvedAmountMinor: 0 };
  }
  if (!agreement.terms || agreement.missingTerms.length > 0) throw new MissingTermsError(history.request.key, agreement.missingTerms);
  // A cancelled (or merged) request is finished for billing as a closed one is: approved work
  // already done bills (on completion), and an upfront invoice is reconciled against it.
  const endedAt = history.request.closedAt ?? history.request.cancelledAt ?? history.request.mergedAt;
  const charge = requestCharge({
    ...agreement.terms,
    tranches: agreement.tranches,
    loggedBillableMinutes: logged,
    closed: endedAt !== undefined && endedAt !== null && endedAt < instant,
  });
  return { charge, approvedMinutes: agreement.approvedMinutes, approvedAmountMinor: agreement.approvedAmountMinor };
}

function lineFor(history: RequestHistory, bounds: PeriodBounds): BillingLine {
  const atEnd = chargeAt(history, bounds.end, bounds.nextFirstDay);
  const atStart = chargeAt(history, bounds.start, bounds.firstDay);
  const { request } = history;
  return {
    requestKey: request.key,
    title: request.title,
    openedAt: request.createdAt,
    closedAt: request.closedAt ?? undefined,
    cancelledAt: request.cancelledAt ?? undefined,
    state: request.state,
    estimateMinutes: atEnd.approvedMinutes,
    approvedAmountMinor: atEnd.approvedAmountMinor,
    loggedMinutes: history.entries
      .filter((e) => e.workDate >= bounds.firstDay && e.workDate < bounds.nextFirstDay)
      .reduce((sum, e) => sum + e.minutes, 0),
    rawMinutes: atEnd.charge.rawMinutes,
    billedMinutes: atEnd.charge.billedMinutes - atStart.charge.billedMinutes,
    amountMinor: atEnd.charge.amountMinor - atStart.charge.amountMinor,
    upfrontMinor: atEnd.charge.upfrontMinor - atStart.charge.upfrontMinor,
    reconciliationMinor: atEnd.charge.reconciliationMinor - atStart.charge.reconciliationMinor,
    adjustment: false,
  };
}

/**
 * The month's own lines, from any superset of the client's request histories: requests closed or
 * cancelled in it (on completion: billed; upfront: reconciled; a cancelled request that bills
 * nothing and had no time this month is left out), upfront requests with an estimate or top-up
 * approved in it (billed on approval; whether a request is upfront is its approved estimate's
 * terms, so approvals that bill nothing in the month are left out), and requests with billable
 * time logged in it that are not billed yet (amount 0, shown so the client sees work in progress).
 * In request number order.
 */
export function monthLines(_terms: Terms, histories: readonly RequestHistory[], bounds: PeriodBounds): BillingLine[] {
  const inMonth = (at: Date | null | undefined) => at !== null && at !== undefined && at >= bounds.start && at < bounds.end;
  const lines: Array<{ number: number; line: BillingLine }> = [];
  for (const history of histories) {
    const { request } = history;
    const shown =
      inMonth(request.closedAt) ||
      inMonth(request.cancelledAt) ||
      inMonth(request.mergedAt) ||
      history.entries.some((e) => e.workDate >= bounds.firstDay && e.workDate < bounds.nextFirstDay);
    const approved = history.estimates.some((e) => e.decision === 'approved' && inMonth(e.decidedAt ?? e.createdAt));
    if (!shown && !approved) continue;
    const line = lineFor(history, bounds);
    const billsNothing = line.loggedMinutes === 0 && CHARGE_COLUMNS.every((column) => line[column] === 0);
    if (billsNothing && (line.state === 'cancelled' || line.state === 'merged' || !shown)) continue;
    lines.push({ number: request.number, line });
  }
  return lines.sort((a, b) => a.number - b.number || a.line.requestKey.localeCompare(b.line.requestKey)).map((l) => l.line);
}

export type NumberColumn = keyof typeof LINE_NUMBER_FIELDS;
/** A line's number columns, in the table's order. */
export const NUMBER_COLUMNS = Object.keys(LINE_NUMBER_FIELDS) as readonly NumberColumn[];
/** The columns that are money (or billed time): a difference here is a change the client must see. */
export const CHARGE_COLUMNS = ['billedMinutes', 'amountMinor', 'upfrontMinor', 'reconciliationMinor'] as const satisfies readonly NumberColumn[];

/**
 * Adjustment lines for `period` (an issued month): per request, what it comes to now minus what
 * was already billed for it (the issued lines plus earlier adjustments). Only requests whose
 * charge changed get a line; it carries the difference in every number column.
 */
export function differences(now: BillingLine[], billed: BillingLine[], period: string): BillingLine[] {
  const keys = [...new Set([...now.map((l) => l.requestKey), ...billed.map((l) => l.requestKey)])];
  const adjustments: BillingLine[] = [];
  for (const key of keys) {
    const current = now.find((l) => l.requestKey === key);
    const before = billed.filter((l) => l.requestKey === key);
    const diff = (column: NumberColumn) => (current?.[column] ?? 0) - before.reduce((sum, l) => sum + l[column], 0);
    if (CHARGE_COLUMNS.every((column) => diff(column) === 0)) continue;
    const described = current ?? before[before.length - 1];
    if (!described) continue;
    const line: BillingLine = {
      requestKey: key,
      title: described.title,
      openedAt: described.openedAt,
      closedAt: described.closedAt ?? undefined,
      cancelledAt: described.cancelledAt ?? undefined,
      state: described.state,
      estimateMinutes: 0,
      approvedAmountMinor: 0,
      loggedMinutes: 0,
      rawMinutes: 0,
      billedMinutes: 0,
      amountMinor: 0,
      upfrontMinor: 0,
      reconciliationMinor: 0,
      adjustment: true,
      adjustsPeriod: period,
    };
    for (const column of NUMBER_COLUMNS) line[column] = diff(column);
    adjustments.push(line);
  }
  return adjustments;
}

export const ownLines = (summary: { lines: BillingLine[] }) => summary.lines.filter((l) => !l.adjustment);

/** An issued month, as the adjustments need it. */
export interface IssuedMonth {
  period: string;
  lines: BillingLine[];
}

/**
 * Changes to issued months not billed yet, to go into `period`'s draft: for every issued month
 * before it, the month recomputed now (`recomputed`, by period) minus that month's lines and the
 * adjustments for it that issued summaries already carry.
 */
export function outstandingAdjustments(period: string, issued: readonly IssuedMonth[], recomputed: ReadonlyMap<string, BillingLine[]>): BillingLine[] {
  const adjustments: BillingLine[] = [];
  for (const summary of [...issued].sort((a, b) => a.period.localeCompare(b.period))) {
    if (summary.period >= period) continue;
    const carried = issued.flatMap((s) => s.lines.filter((l) => l.adjustment && l.adjustsPeriod === summary.period));
    const now = recomputed.get(summary.period);
    if (!now) throw new Error(`outstandingAdjustments: ${summary.period} was not recomputed`);
    adjustments.push(...differences(now, [...ownLines(summary), ...carried], summary.period));
  }
  return adjustments;
}

export function billingTotals(lines: BillingLine[]): BillingTotals {
  const charges = summaryTotals(lines);
  const sum = (column: NumberColumn) => lines.reduce((total, line) => total + line[column], 0);
  return {
    estimateMinutes: sum('estimateMinutes'),
    approvedAmountMinor: sum('approvedAmountMinor'),
    loggedMinutes: sum('loggedMinutes'),
    ...charges,
    netMinor: charges.amountMinor + charges.reconciliationMinor,
  };
}

/** The numbers of a summary in a comparable form: what issuing must not change unseen. */
export function numbersOf(lines: BillingLine[]): string {
  return JSON.stringify(lines.map((l) => [l.requestKey, l.adjustment, l.adjustsPeriod ?? null, ...NUMBER_COLUMNS.map((c) => l[c])]));
}
