// A reference model of the billing rules, written from the README ("Using it in Slack" → Billing,
// "Which terms apply", "One billing mode") and issue 21, not from src. It imports nothing from
// src: the differential properties (test/unit/billingModel.test.ts) run src against it on random
// histories, so a mistake in src shows up as a disagreement instead of being repeated here.
//
// It is deliberately plain: whole months are recomputed from scratch, minutes are counted one
// increment at a time, days are found by walking the clock, money is integer minor units and every
// rounding is written out. It is slow, and meant to be read next to the README, rule by rule.
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';

dayjs.extend(utc);
dayjs.extend(timezone);

// ---------------------------------------------------------------------------------------------
// What the model is given: a client's records as they stood at some instant.
// ---------------------------------------------------------------------------------------------

/** The client's terms when an estimate was approved, stored with the approval. */
export interface ModelTerms {
  billingMode: 'upfront' | 'on_completion';
  incrementMinutes: number;
  minimumMinutes: number;
}

/** An estimate or top-up version of a request, and what the client decided. */
export interface ModelApproval {
  version: number;
  kind: 'estimate' | 'topup';
  decision: string;
  decidedAt?: Date | null | undefined;
  createdAt: Date;
  /** The high end of the estimate (or the top-up's minutes). */
  highMinutes: number;
  /** The rate it was posted at, per hour, in minor units. */
  hourlyRateMinor: number;
  /** What the client agreed to pay for all of it. */
  amountMinor: number;
  terms?: ModelTerms | null | undefined;
}

export interface ModelRequest {
  key: string;
  number: number;
  state: string;
  closedAt?: Date | null | undefined;
  cancelledAt?: Date | null | undefined;
  mergedAt?: Date | null | undefined;
  approvals: ModelApproval[];
  /** Billable time entries that are not deleted: the work date (client's calendar) and minutes. */
  entries: Array<{ workDate: string; minutes: number }>;
}

// ---------------------------------------------------------------------------------------------
// Months. "A month is a calendar month in the client's timezone", and "the next period starts at
// the instant the last issued one ended" (issue 21, defect 1).
// ---------------------------------------------------------------------------------------------

const dayStarts = new Map<string, number>();

/**
 * The first instant whose local date (in `zone`) is `day` or later, found by walking the clock:
 * from well before the day (UTC+14 is the earliest any zone gets there), an hour at a time until
 * the day has begun, then back one hour and a minute at a time. So a midnight that happens twice
 * (Havana, 1 Nov 2026) gives the first one, and a day with no midnight starts when the clocks jump.
 */
export function firstInstantOfDay(day: string, zone: string): Date {
  const cacheKey = `${zone} ${day}`;
  const cached = dayStarts.get(cacheKey);
  if (cached !== undefined) return new Date(cached);
  const localDay = (t: number) => dayjs(t).tz(zone).format('YYYY-MM-DD');
  const HOUR = 3_600_000;
  const MINUTE = 60_000;
  let t = Date.parse(`${day}T00:00:00Z`) - 15 * HOUR;
  while (localDay(t) < day) t += HOUR;
  t -= HOUR;
  while (localDay(t) < day) t += MINUTE;
  dayStarts.set(cacheKey, t);
  return new Date(t);
}

/** "2026-11" → "2026-12". */
export function monthAfter(period: string): string {
  const year = Number(period.slice(0, 4));
  const month = Number(period.slice(5, 7));
  return month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, '0')}`;
}

/** A month as billed: its instants (start inclusive, end exclusive) and its work dates. */
export interface ModelMonth {
  period: string;
  start: Date;
  end: Date;
}

/** The month in `zone`, from its first local day's first instant to the next month's. */
export function calendarMonth(period: string, zone: string): ModelMonth {
  return { period, start: firstInstantOfDay(`${period}-01`, zone), end: firstInstantOfDay(`${monthAfter(period)}-01`, zone) };
}

// ---------------------------------------------------------------------------------------------
// Minutes and money
// ---------------------------------------------------------------------------------------------

/**
 * "Rounded up to the client's increment, at least its minimum". Nothing logged bills nothing.
 * Counted one increment at a time.
 */
export function roundedMinutes(logged: number, incrementMinutes: number, minimumMinutes: number): number {
  if (logged === 0) return 0;
  let billed = 0;
  while (billed < logged) billed += incrementMinutes;
  return billed < minimumMinutes ? minimumMinutes : billed;
}

/** minutes × hourly rate / 60, to the nearest minor unit, a half rounded up. */
export function priceAtRate(minutes: number, hourlyRateMinor: number): number {
  const sixtieths = minutes * hourlyRateMinor;
  const whole = Math.floor(sixtieths / 60);
  const remainder = sixtieths - whole * 60;
  return remainder * 2 >= 60 ? whole + 1 : whole;
}

/** One approval the client gave: an estimate or a top-up, at its own rate. */
export interface Tranche {
  minutes: number;
  hourlyRateMinor: number;
  amountMinor: number;
}

/**
 * "Time used is priced tranche by tranche in that order, each at its own rate, and never above
 * what the tranches agreed (a tranche used in full bills exactly its agreed amount)."
 */
export function priceOfTime(minutes: number, tranches: readonly Tranche[]): number {
  let left = minutes;
  let total = 0;
  for (const tranche of tranches) {
    const used = left < tranche.minutes ? left : tranche.minutes;
    left -= used;
    if (used === 0) continue;
    if (used === tranche.minutes) total += tranche.amountMinor;
    else total += Math.min(priceAtRate(used, tranche.hourlyRateMinor), tranche.amountMinor);
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// What a request was charged by a given instant
// ---------------------------------------------------------------------------------------------

/** Thrown for a request whose approval carries no stored terms: billing refuses it. */
export class ModelRefusal extends Error {}

export interface Agreement {
  tranches: Tranche[];
  terms: ModelTerms | undefined;
  approvedMinutes: number;
  approvedAmountMinor: number;
}

/**
 * What the client had agreed to before `instant`: "each approval is a tranche at the rate it was
 * posted at: the estimate, then each approved top-up"; a re-estimate replaces the estimate before
 * it (and the top-ups before it). "A request has one billing mode: the first approval's", and its
 * increment and minimum with it.
 */
export function agreedBefore(request: ModelRequest, instant: Date): Agreement {
  const approved = request.approvals
    .filter((a) => a.decision === 'approved' && (a.decidedAt ?? a.createdAt).getTime() < instant.getTime())
    .sort((a, b) => a.version - b.version);
  let firstEstimate: ModelApproval | undefined;
  let latestEstimate: ModelApproval | undefined;
  for (const a of approved) {
    if (a.kind !== 'estimate') continue;
    if (!firstEstimate) firstEstimate = a;
    latestEstimate = a;
  }
  if (!latestEstimate || !firstEstimate) return { tranches: [], terms: undefined, approvedMinutes: 0, approvedAmountMinor: 0 };
  for (const a of approved) if (!a.terms) throw new ModelRefusal(`${request.key} v${a.version} was approved without stored terms`);
  const tranches: Tranche[] = [];
  for (const a of approved) {
    if (a.version < latestEstimate.version) continue;
    tranches.push({ minutes: a.highMinutes, hourlyRateMinor: a.hourlyRateMinor, amountMinor: a.amountMinor });
  }
  let approvedMinutes = 0;
  let approvedAmountMinor = 0;
  for (const t of tranches) {
    approvedMinutes += t.minutes;
    approvedAmountMinor += t.amountMinor;
  }
  return { tranches, terms: firstEstimate.terms ?? undefined, approvedMinutes, approvedAmountMinor };
}

export interface ModelCharge {
  /** Minutes logged so far, before rounding. */
  rawMinutes: number;
  billedMinutes: number;
  amountMinor: number;
  upfrontMinor: number;
  reconciliationMinor: number;
  approvedMinutes: number;
  approvedAmountMinor: number;
}

/**
 * What the request had been charged, in total, by `instant` (time counted with a work date before
 * `beforeDay`):
 * - billed minutes are the logged ones "rounded up to the client's increment, at least its
 *   minimum, capped at what was approved", priced tranche by tranche;
 * - nothing is charged without an approved estimate;
 * - on completion, nothing until the request is finished (closed, or cancelled or merged: "finished
 *   for billing as a closed one is"), then the time used;
 * - upfront, everything approved as soon as it is approved ("upfront amounts already invoiced"),
 *   and once finished a reconciliation: the time used minus what was invoiced.
 */
export function chargeBy(request: ModelRequest, instant: Date, beforeDay: string): ModelCharge {
  let raw = 0;
  for (const entry of request.entries) if (entry.workDate < beforeDay) raw += entry.minutes;
  const agreement = agreedBefore(request, instant);
  const none: ModelCharge = { rawMinutes: raw, billedMinutes: 0, amountMinor: 0, upfrontMinor: 0, reconciliationMinor: 0, approvedMinutes: 0, approvedAmountMinor: 0 };
  if (!agreement.terms || agreement.approvedMinutes === 0) return { ...none, approvedMinutes: agreement.approvedMinutes, approvedAmountMinor: agreement.approvedAmountMinor };

  const finishedAt = request.closedAt ?? request.cancelledAt ?? request.mergedAt;
  const finished = finishedAt !== undefined && finishedAt !== null && finishedAt.getTime() < instant.getTime();
  let used = roundedMinutes(raw, agreement.terms.incrementMinutes, agreement.terms.minimumMinutes);
  if (used > agreement.approvedMinutes) used = agreement.approvedMinutes;
  const usedPrice = priceOfTime(used, agreement.tranches);
  const approved = { approvedMinutes: agreement.approvedMinutes, approvedAmountMinor: agreement.approvedAmountMinor };

  if (agreement.terms.billingMode === 'upfront') {
    return {
      rawMinutes: raw,
      billedMinutes: agreement.approvedMinutes,
      amountMinor: agreement.approvedAmountMinor,
      upfrontMinor: agreement.approvedAmountMinor,
      reconciliationMinor: finished ? usedPrice - agreement.approvedAmountMinor : 0,
      ...approved,
    };
  }
  if (!finished) return { ...none, ...approved };
  return { rawMinutes: raw, billedMinutes: used, amountMinor: usedPrice, upfrontMinor: 0, reconciliationMinor: 0, ...approved };
}

// ---------------------------------------------------------------------------------------------
// A month's lines
// ---------------------------------------------------------------------------------------------

export interface ModelLine {
  requestKey: string;
  adjustment: boolean;
  adjustsPeriod: string | null;
  estimateMinutes: number;
  approvedAmountMinor: number;
  loggedMinutes: number;
  rawMinutes: number;
  billedMinutes: number;
  amountMinor: number;
  upfrontMinor: number;
  reconciliationMinor: number;
}

const NUMBERS = ['estimateMinutes', 'approvedAmountMinor', 'loggedMinutes', 'rawMinutes', 'billedMinutes', 'amountMinor', 'upfrontMinor', 'reconciliationMinor'] as const;
const MONEY = ['billedMinutes', 'amountMinor', 'upfrontMinor', 'reconciliationMinor'] as const;

const within = (at: Date | null | undefined, month: ModelMonth) => at !== undefined && at !== null && at.getTime() >= month.start.getTime() && at.getTime() < month.end.getTime();

/**
 * The month's own lines. Each line is what the month added to a request's charge: its charge at
 * the month's end minus its charge at the month's start. A month lists every request closed,
 * cancelled or merged in it, and every request with billable time in it (at nothing until it is
 * billed); an approval in it lists the request when it bills something (upfront). A cancelled or
 * merged request that bills nothing and had no time in the month is left out.
 */
export function ownLinesOf(requests: readonly ModelRequest[], month: ModelMonth): ModelLine[] {
  const firstDay = `${month.period}-01`;
  const nextFirstDay = `${monthAfter(month.period)}-01`;
  const lines: Array<{ number: number; line: ModelLine }> = [];
  for (const request of requests) {
    let loggedInMonth = 0;
    let timeInMonth = false;
    for (const entry of request.entries) {
      if (entry.workDate >= firstDay && entry.workDate < nextFirstDay) {
        loggedInMonth += entry.minutes;
        timeInMonth = true;
      }
    }
    const finishedInMonth = within(request.closedAt, month) || within(request.cancelledAt, month) || within(request.mergedAt, month);
    const approvedInMonth = request.approvals.some((a) => a.decision === 'approved' && within(a.decidedAt, month));
    if (!finishedInMonth && !timeInMonth && !approvedInMonth) continue;

    const atEnd = chargeBy(request, month.end, nextFirstDay);
    const atStart = chargeBy(request, month.start, firstDay);
    const line: ModelLine = {
      requestKey: request.key,
      adjustment: false,
      adjustsPeriod: null,
      estimateMinutes: atEnd.approvedMinutes,
      approvedAmountMinor: atEnd.approvedAmountMinor,
      loggedMinutes: loggedInMonth,
      rawMinutes: atEnd.rawMinutes,
      billedMinutes: atEnd.billedMinutes - atStart.billedMinutes,
      amountMinor: atEnd.amountMinor - atStart.amountMinor,
      upfrontMinor: atEnd.upfrontMinor - atStart.upfrontMinor,
      reconciliationMinor: atEnd.reconciliationMinor - atStart.reconciliationMinor,
    };
    const billsNothing = loggedInMonth === 0 && MONEY.every((column) => line[column] === 0);
    const listed = finishedInMonth || timeInMonth;
    if (billsNothing && (!listed || request.state === 'cancelled' || request.state === 'merged')) continue;
    lines.push({ number: request.number, line });
  }
  lines.sort((a, b) => a.number - b.number);
  return lines.map((l) => l.line);
}

export interface ModelTotals {
  estimateMinutes: number;
  approvedAmountMinor: number;
  loggedMinutes: number;
  rawMinutes: number;
  billedMinutes: number;
  amountMinor: number;
  upfrontMinor: number;
  reconciliationMinor: number;
  /** "To invoice": amount plus reconciliation (negative: a credit). */
  netMinor: number;
}

/** "Totals that are the exact sum of the lines". */
export function totalsOf(lines: readonly ModelLine[]): ModelTotals {
  const totals: ModelTotals = { estimateMinutes: 0, approvedAmountMinor: 0, loggedMinutes: 0, rawMinutes: 0, billedMinutes: 0, amountMinor: 0, upfrontMinor: 0, reconciliationMinor: 0, netMinor: 0 };
  for (const line of lines) for (const column of NUMBERS) totals[column] += line[column];
  totals.netMinor = totals.amountMinor + totals.reconciliationMinor;
  return totals;
}

// ---------------------------------------------------------------------------------------------
// Issuing, month after month, and adjustments
// ---------------------------------------------------------------------------------------------

export interface ModelSummary {
  month: ModelMonth;
  lines: ModelLine[];
  totals: ModelTotals;
}

/**
 * A client's months as they are issued, one after another. "An issued summary is immutable, and
 * later changes to its time show up as adjustment lines in the next month's draft": each issued
 * month is recomputed (with the instants it was issued with) from the records as they stand, and
 * for every request whose charge changed, the difference from what was billed for it (its line
 * and the adjustments already carried) is one adjustment line, in every number column.
 */
export class ModelLedger {
  readonly issued: ModelSummary[] = [];

  /** The month `period` in today's `zone`, starting where the last issued month ended. */
  monthFor(period: string, zone: string): ModelMonth {
    const own = calendarMonth(period, zone);
    const last = this.issued[this.issued.length - 1];
    if (last && monthAfter(last.month.period) === period) return { period, start: last.month.end, end: own.end };
    return own;
  }

  /** What `period`'s summary says with the records `requests` as they stand now. */
  draft(period: string, zone: string, requests: readonly ModelRequest[]): ModelSummary {
    const month = this.monthFor(period, zone);
    const lines = [...ownLinesOf(requests, month), ...this.adjustments(requests)];
    return { month, lines, totals: totalsOf(lines) };
  }

  /** Issues `period`: its draft, kept from now on as it is. */
  issue(period: string, zone: string, requests: readonly ModelRequest[]): ModelSummary {
    const summary = this.draft(period, zone, requests);
    this.issued.push(summary);
    return summary;
  }

  /** The adjustments not billed yet, oldest month first. */
  adjustments(requests: readonly ModelRequest[]): ModelLine[] {
    const out: ModelLine[] = [];
    for (const summary of this.issued) {
      const now = ownLinesOf(requests, summary.month);
      const billed: ModelLine[] = [...summary.lines.filter((l) => !l.adjustment)];
      for (const later of this.issued) for (const l of later.lines) if (l.adjustment && l.adjustsPeriod === summary.month.period) billed.push(l);
      const keys: string[] = [];
      for (const l of [...now, ...billed]) if (!keys.includes(l.requestKey)) keys.push(l.requestKey);
      for (const key of keys) {
        const line: ModelLine = { requestKey: key, adjustment: true, adjustsPeriod: summary.month.period, estimateMinutes: 0, approvedAmountMinor: 0, loggedMinutes: 0, rawMinutes: 0, billedMinutes: 0, amountMinor: 0, upfrontMinor: 0, reconciliationMinor: 0 };
        for (const column of NUMBERS) {
          let value = 0;
          for (const l of now) if (l.requestKey === key) value += l[column];
          for (const l of billed) if (l.requestKey === key) value -= l[column];
          line[column] = value;
        }
        if (MONEY.some((column) => line[column] !== 0)) out.push(line);
      }
    }
    return out;
  }
}
