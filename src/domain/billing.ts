// Billing rules for one request and for a summary: increment/minimum rounding, the amount for a
// number of minutes, upfront vs on-completion charging, and exact splitting of a total over lines.
// Money is integer minor units and time integer minutes throughout; bad inputs are programming
// errors (settings are validated at the boundary), so they throw RangeError rather than guess.

export type BillingMode = 'upfront' | 'on_completion';

export interface RequestChargeInput {
  billingMode: BillingMode;
  hourlyRateMinor: number;
  incrementMinutes: number;
  minimumMinutes: number;
  /** Sum of the approved estimates' high ends plus approved top-ups. */
  approvedMinutes: number;
  /** What those approvals said, each computed at the rate of its own time. */
  approvedAmountMinor: number;
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

/** What one request bills, was invoiced upfront, and how that reconciles with the time logged. */
export function requestCharge(input: RequestChargeInput): RequestCharge {
  requireWhole('hourlyRateMinor', input.hourlyRateMinor);
  requireWhole('incrementMinutes', input.incrementMinutes, 1);
  requireWhole('minimumMinutes', input.minimumMinutes);
  requireWhole('approvedMinutes', input.approvedMinutes);
  requireWhole('approvedAmountMinor', input.approvedAmountMinor);
  requireWhole('loggedBillableMinutes', input.loggedBillableMinutes);
  const rawMinutes = input.loggedBillableMinutes;
  const nothing: RequestCharge = { rawMinutes, billedMinutes: 0, amountMinor: 0, upfrontMinor: 0, reconciliationMinor: 0 };
  // Without an approved estimate there is nothing the client agreed to pay for.
  if (input.approvedMinutes === 0) return nothing;
  // Capped at what was approved: time beyond it needs an approved top-up (the budget guard).
  const usedMinutes = Math.min(
    billableMinutes(rawMinutes, input.incrementMinutes, input.minimumMinutes),
    input.approvedMinutes,
  );

  if (input.billingMode === 'upfront') {
    // Reconciled only at close: while work goes on, unused approved time is not yet a credit.
    const reconciliationMinor = input.closed
      ? amountForMinutes(usedMinutes, input.hourlyRateMinor) - input.approvedAmountMinor
      : 0;
    return {
      rawMinutes,
      billedMinutes: input.approvedMinutes,
      amountMinor: input.approvedAmountMinor,
      upfrontMinor: input.approvedAmountMinor,
      reconciliationMinor,
    };
  }

  // On completion nothing is invoiced before the request is closed.
  if (!input.closed) return nothing;
  return {
    rawMinutes,
    billedMinutes: usedMinutes,
    amountMinor: amountForMinutes(usedMinutes, input.hourlyRateMinor),
    upfrontMinor: 0,
    reconciliationMinor: 0,
  };
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
  const order = remainders
    .map((remainder, index) => ({ remainder, index }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const { index } of order) {
    if (left === 0n) break;
    parts[index] = (parts[index] ?? 0n) + 1n;
    left -= 1n;
  }
  return parts.map((part) => toSafeNumber(part, 'allocated part'));
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
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`${what} ${value} is too large to hold exactly`);
  }
  return Number(value);
}
