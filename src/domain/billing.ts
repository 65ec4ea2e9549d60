// Billing rules for one request and for a summary: increment/minimum rounding, the amount for a
// number of minutes, upfront vs on-completion charging, and exact splitting of a total over lines.
// Money is integer minor units and time integer minutes throughout; bad inputs are programming
// errors (settings are validated at the boundary), so they throw RangeError rather than guess.

export type BillingMode = 'upfront' | 'on_completion';

/** The terms a request is billed under: the client's, as they were when its estimate was approved. */
export interface ChargeTerms {
  billingMode: BillingMode;
  incrementMinutes: number;
  minimumMinutes: number;
}

/** One approval the client gave: an estimate's high end, or a top-up, at the rate it was made at. */
export interface Tranche {
  minutes: number;
  hourlyRateMinor: number;
  /** What the client agreed to pay for all of it: amountForMinutes(minutes, hourlyRateMinor). */
  amountMinor: number;
}

export interface RequestChargeInput extends ChargeTerms {
  /** The approved tranches in version order: the approved estimate, then its approved top-ups. */
  tranches: Tranche[];
  loggedBillableMinutes: number;
  closed: boolean;
}

export interface RequestCharge {
  /** Billable minutes as logged, before increment and minimum. */
  rawMinutes: number;
  billedMinutes: number;
  amountMinor: number;
  /** Already invoiced when the estimate was approved (upfront clients only). */
  upfrontMinor: number;
  /** Actuals minus what was invoiced upfront; negative means the client paid for unused time. */
  reconciliationMinor: number;
}

/** One line of a billing summary; a RequestCharge fits. */
export type ChargeLine = Pick<RequestCharge, 'amountMinor' | 'billedMinutes' | 'rawMinutes' | 'upfrontMinor' | 'reconciliationMinor'>;
export type SummaryTotals = ChargeLine;

/**
 * Logged minutes rounded up to the increment, then at least the minimum charge. Nothing logged
 * bills nothing: the minimum applies to work done, not to a request that was never worked on.
 */
export function billableMinutes(loggedMinutes: number, incrementMinutes: number, minimumMinutes: number): number {
  requireWhole('loggedMinutes', loggedMinutes);
  requireWhole('incrementMinutes', incrementMinutes, 1);
  requireWhole('minimumMinutes', minimumMinutes);
  if (loggedMinutes === 0) return 0;
  const rounded = Math.ceil(loggedMinutes / incrementMinutes) * incrementMinutes;
  return Math.max(rounded, minimumMinutes);
}

/**
 * minutes × hourly rate / 60, rounded half up to a whole minor unit. Computed in BigInt so that
 * large rates and long durations are exact, not subject to floating-point drift.
 */
export function amountForMinutes(minutes: number, hourlyRateMinor: number): number {
  requireWhole('minutes', minutes);
  requireWhole('hourlyRateMinor', hourlyRateMinor);
  // round(x / 60) half up for x ≥ 0 is floor((2x + 60) / 120).
  const doubled = 2n * BigInt(minutes) * BigInt(hourlyRateMinor);
  return toSafeNumber((doubled + 60n) / 120n, 'amount');
}

/** The estimates of a request, as far as billing needs them. */
export interface EstimateVersion {
  version: number;
  kind: 'estimate' | 'topup';
  decision: string;
  highMinutes: number;
  hourlyRateMinor: number;
  amountMinor: number;
  /** Stored when it was approved; estimates approved before terms were stored have none. */
  terms?: ChargeTerms | null | undefined;
}

export interface Agreement {
  tranches: Tranche[];
  /**
   * The request's terms: the first approval's (its first approved estimate's). A request has one
   * billing mode, increment and minimum from then on; only the rate is per tranche. Undefined when
   * nothing is approved (or the first approval predates stored terms: see missingTerms).
   */
  terms: ChargeTerms | undefined;
  approvedMinutes: number;
  approvedAmountMinor: number;
  /** Approved versions that carry no stored terms (approved before terms were stored). */
  missingTerms: number[];
}

/**
 * What the client agreed to: the latest approved estimate (a re-estimate replaces the one before)
 * and the top-ups approved after it, in version order, each at its own rate; under the terms of
 * the first approval. Declined, pending and superseded versions agree to nothing.
 */
export function agreementOf(estimates: readonly EstimateVersion[]): Agreement {
  const sorted = [...estimates].sort((x, y) => x.version - y.version);
  const approvedEstimates = sorted.filter((e) => e.kind === 'estimate' && e.decision === 'approved');
  const first = approvedEstimates[0];
  const base = approvedEstimates[approvedEstimates.length - 1];
  const counted = base ? sorted.filter((e) => e.version >= base.version && e.decision === 'approved') : [];
  const tranches = counted.map((e) => ({ minutes: e.highMinutes, hourlyRateMinor: e.hourlyRateMinor, amountMinor: e.amountMinor }));
  return {
    tranches,
    terms: first?.terms ? { billingMode: first.terms.billingMode, incrementMinutes: first.terms.incrementMinutes, minimumMinutes: first.terms.minimumMinutes } : undefined,
    approvedMinutes: tranches.reduce((sum, t) => sum + t.minutes, 0),
    approvedAmountMinor: tranches.reduce((sum, t) => sum + t.amountMinor, 0),
    missingTerms: base ? sorted.filter((e) => e.decision === 'approved' && !e.terms).map((e) => e.version) : [],
  };
}

/**
 * A request that cannot be billed: an approval it counts carries no stored terms (it predates
 * them), and billing never guesses them from the client's terms of today.
 */
export class MissingTermsError extends Error {
  constructor(
    readonly requestKey: string,
    readonly versions: readonly number[],
  ) {
    super(
      `${requestKey} cannot be billed: its approved ${versions.length === 1 ? 'estimate' : 'estimates'} ${versions.map((v) => `v${v}`).join(', ')} ` +
        `${versions.length === 1 ? 'has' : 'have'} no billing terms stored (approved before terms were stored), and billing will not assume today's terms. ` +
        `Record the terms the client approved it under, then generate the summary again.`,
    );
    this.name = 'MissingTermsError';
  }
}

/**
 * The price of `minutes` of work spread over the tranches in order: each tranche's minutes at its
 * own rate, a tranche used in full at exactly what was agreed for it. Never more than the tranches'
 * agreed amounts (minutes beyond them are not priced: they were never approved).
 */
export function priceTranches(minutes: number, tranches: readonly Tranche[]): number {
  requireWhole('minutes', minutes);
  let left = minutes;
  let amount = 0;
  for (const tranche of tranches) {
    if (left === 0) break;
    requireWhole('tranche minutes', tranche.minutes);
    requireWhole('tranche hourlyRateMinor', tranche.hourlyRateMinor);
    requireWhole('tranche amountMinor', tranche.amountMinor);
    const used = Math.min(left, tranche.minutes);
    amount += used === tranche.minutes ? tranche.amountMinor : Math.min(amountForMinutes(used, tranche.hourlyRateMinor), tranche.amountMinor);
    left -= used;
  }
  return amount;
}

/** What one request bills, was invoiced upfront, and how that reconciles with the time logged. */
export function requestCharge(input: RequestChargeInput): RequestCharge {
  requireWhole('incrementMinutes', input.incrementMinutes, 1);
  requireWhole('minimumMinutes', input.minimumMinutes);
  requireWhole('loggedBillableMinutes', input.loggedBillableMinutes);
  const approvedMinutes = input.tranches.reduce((sum, t) => sum + t.minutes, 0);
  const approvedAmountMinor = input.tranches.reduce((sum, t) => sum + t.amountMinor, 0);
  requireWhole('approvedMinutes', approvedMinutes);
  requireWhole('approvedAmountMinor', approvedAmountMinor);
  const rawMinutes = input.loggedBillableMinutes;
  const nothing: RequestCharge = { rawMinutes, billedMinutes: 0, amountMinor: 0, upfrontMinor: 0, reconciliationMinor: 0 };
  // Without an approved estimate there is nothing the client agreed to pay for.
  if (approvedMinutes === 0) return nothing;
  // Capped at what was approved: time beyond it needs an approved top-up (the budget guard).
  const usedMinutes = Math.min(billableMinutes(rawMinutes, input.incrementMinutes, input.minimumMinutes), approvedMinutes);
  const usedAmountMinor = priceTranches(usedMinutes, input.tranches);

  if (input.billingMode === 'upfront') {
    // Reconciled only at close: while work goes on, unused approved time is not yet a credit.
    // Never positive: the time used is priced within what was approved.
    return {
      rawMinutes,
      billedMinutes: approvedMinutes,
      amountMinor: approvedAmountMinor,
      upfrontMinor: approvedAmountMinor,
      reconciliationMinor: input.closed ? usedAmountMinor - approvedAmountMinor : 0,
    };
  }

  // On completion nothing is invoiced before the request is closed.
  if (!input.closed) return nothing;
  return { rawMinutes, billedMinutes: usedMinutes, amountMinor: usedAmountMinor, upfrontMinor: 0, reconciliationMinor: 0 };
}

/**
 * Splits an integer total over lines in proportion to the weights (largest remainder), so the
 * parts always add up to exactly the total. Equal remainders favour the earlier line; with all
 * weights zero the total is split evenly, the remainder going to the first lines. A negative
 * total is split as its mirror image. Weights must be non-negative integers (minutes, amounts).
 */
export function allocateTotal(totalMinor: number, weights: number[]): number[] {
  requireWhole('totalMinor', totalMinor, Number.MIN_SAFE_INTEGER);
  weights.forEach((weight, index) => requireWhole(`weights[${index}]`, weight));
  if (weights.length === 0) {
    if (totalMinor === 0) return [];
    throw new RangeError(`allocateTotal: cannot place ${totalMinor} on no lines`);
  }
  if (totalMinor < 0) return allocateTotal(-totalMinor, weights).map((part) => (part === 0 ? 0 : -part));

  const total = BigInt(totalMinor);
  const shares = weights.some((weight) => weight > 0) ? weights.map((weight) => BigInt(weight)) : weights.map(() => 1n);
  const weightSum = shares.reduce((sum, share) => sum + share, 0n);
  const parts = shares.map((share) => (total * share) / weightSum);
  const remainders = shares.map((share) => (total * share) % weightSum);

  let left = total - parts.reduce((sum, part) => sum + part, 0n);
  // Largest remainder first; sort is stable, so equal remainders keep the lines' order.
  const order = remainders.map((remainder, index) => ({ remainder, index })).sort((a, b) => Number(b.remainder - a.remainder));
  for (const { index } of order) {
    if (left === 0n) break;
    parts[index] = (parts[index] ?? 0n) + 1n;
    left -= 1n;
  }
  // Each part is at most the total, a safe integer, so it converts exactly.
  return parts.map((part) => Number(part));
}

/** Exact sums of every column of a billing summary. */
export function summaryTotals(lines: ChargeLine[]): SummaryTotals {
  const totals: SummaryTotals = { amountMinor: 0, billedMinutes: 0, rawMinutes: 0, upfrontMinor: 0, reconciliationMinor: 0 };
  const columns = Object.keys(totals) as Array<keyof SummaryTotals>;
  for (const line of lines) {
    for (const column of columns) {
      requireWhole(column, line[column], Number.MIN_SAFE_INTEGER);
      totals[column] += line[column];
    }
  }
  for (const column of columns) requireWhole(`total ${column}`, totals[column], Number.MIN_SAFE_INTEGER);
  return totals;
}

function requireWhole(name: string, value: number, min = 0): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be a whole number of at least ${min}, got ${value}`);
  }
}

function toSafeNumber(value: bigint, what: string): number {
  // Only amounts (never negative) come here.
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`${what} ${value} is too large to hold exactly`);
  }
  return Number(value);
}
