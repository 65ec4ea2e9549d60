// Billing invariants on random histories (#14), with fast-check: estimates and top-ups at changing
// rates, modes, increments and minimums, approvals, declines and pending versions, time entries
// across months and clock changes (London, Los Angeles, Sydney, Honolulu), edits and deletes,
// cancellations, and summaries issued at random points. Every history is checked for:
//   - the months of a request add up to its charge;
//   - no request bills more than its approved tranches allow, in any month;
//   - an issued month's numbers are billed once: what was issued, plus the adjustments carried
//     into later summaries, plus what is still outstanding, is what the month comes to now;
//   - lines add up to totals, and the CSV says what the Slack message says;
//   - the same history (in any order) gives the same numbers.
// Runs: PROPERTY_RUNS (default 100) and PROPERTY_SEED (fixed in `npm test`, so CI is repeatable);
// `npm run properties -- --runs 5000` runs more, with a fresh seed it prints.
import { parse } from 'csv-parse/sync';
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import fc from 'fast-check';
import { agreementOf, amountForMinutes, billableMinutes, requestCharge, type Tranche } from '../../src/domain/billing';
import {
  CHARGE_COLUMNS,
  billingTotals,
  monthLines,
  outstandingAdjustments,
  type BillingLine,
  type EntryFacts,
  type EstimateFacts,
  type IssuedMonth,
  type RequestHistory,
  type Terms,
} from '../../src/domain/billingLines';
import { formatMoney, toMinorUnits } from '../../src/domain/money';
import { monthBounds, nextPeriod } from '../../src/domain/periods';
import { billingCsv } from '../../src/services/billing';
import { billingSummaryMessage } from '../../src/slack/views/billingSummary';

dayjs.extend(utc);
dayjs.extend(timezone);

const RUNS = Number(process.env.PROPERTY_RUNS ?? 100);
const SEED = process.env.PROPERTY_SEED === undefined ? 20261201 : Number(process.env.PROPERTY_SEED);
const settings = { numRuns: RUNS, seed: SEED };

const MINUTE = 60_000;
const DAY = 24 * 60;
/** Histories start between 20 January and mid-October 2026: both of each zone's clock changes fall inside. */
const T0 = Date.UTC(2026, 0, 20);
const FIRST_MONTH = '2026-01';
const LAST_MONTH = '2027-12';

// ---------------------------------------------------------------------------------------------
// Histories as they unfold: every fact carries when it became true, so a history can be seen as
// it stood at any instant (the record a summary issued then was computed from).
// ---------------------------------------------------------------------------------------------

interface TimedEstimate extends Omit<EstimateFacts, 'decision' | 'decidedAt'> {
  outcome: 'approved' | 'declined' | 'pending';
  decidedAt?: Date;
}

interface TimedEntry {
  workDate: string;
  loggedAt: Date;
  minutes: number;
  billable: boolean;
  edit?: { at: Date; minutes: number; billable: boolean };
  deletedAt?: Date;
}

interface TimedRequest {
  key: string;
  number: number;
  title: string;
  createdAt: Date;
  estimates: TimedEstimate[];
  entries: TimedEntry[];
  closedAt?: Date;
  cancelledAt?: Date;
}

interface World {
  terms: Terms;
  currency: string;
  requests: TimedRequest[];
  /** Months issued, in order, each at an instant after it ended. */
  issues: Array<{ period: string; at: Date }>;
}

const at = (minutes: number) => new Date(T0 + minutes * MINUTE);

const versionArb = fc.record({
  gap: fc.integer({ min: 1, max: 30 * DAY }),
  kind: fc.constantFrom<'estimate' | 'topup'>('estimate', 'topup', 'topup'),
  highMinutes: fc.integer({ min: 1, max: 360 }),
  rate: fc.integer({ min: 0, max: 30_000 }),
  outcome: fc.constantFrom<'approved' | 'declined' | 'pending'>('approved', 'approved', 'approved', 'declined', 'pending'),
  decideAfter: fc.integer({ min: 1, max: 10 * DAY }),
  mode: fc.constantFrom<'upfront' | 'on_completion'>('upfront', 'on_completion'),
  increment: fc.constantFrom(1, 6, 15, 30, 60),
  minimum: fc.constantFrom(0, 15, 30, 60),
});

const entryArb = fc.record({
  gap: fc.integer({ min: 0, max: 40 * DAY }),
  minutes: fc.integer({ min: 1, max: 240 }),
  billable: fc.constantFrom(true, true, true, false),
  lateBy: fc.integer({ min: 0, max: 20 * DAY }),
  edit: fc.option(fc.record({ after: fc.integer({ min: 1, max: 40 * DAY }), minutes: fc.integer({ min: 1, max: 240 }), billable: fc.boolean() }), { nil: undefined }),
  deleteAfter: fc.option(fc.integer({ min: 1, max: 60 * DAY }), { nil: undefined }),
});

const requestArb = fc.record({
  start: fc.integer({ min: 0, max: 265 * DAY }),
  versions: fc.array(versionArb, { maxLength: 4 }),
  entries: fc.array(entryArb, { maxLength: 8 }),
  end: fc.constantFrom<'closed' | 'cancelled' | 'open'>('closed', 'closed', 'cancelled', 'open'),
  endGap: fc.integer({ min: 1, max: 20 * DAY }),
});

const worldArb = fc
  .record({
    zone: fc.constantFrom('Europe/London', 'America/Los_Angeles', 'Australia/Sydney', 'Pacific/Honolulu', 'UTC'),
    currency: fc.constantFrom('GBP', 'JPY', 'KWD', 'CLP', 'USD'),
    mode: fc.constantFrom<'upfront' | 'on_completion'>('upfront', 'on_completion'),
    requests: fc.array(requestArb, { minLength: 1, maxLength: 5 }),
    issued: fc.array(fc.record({ issue: fc.boolean(), delay: fc.integer({ min: 0, max: 45 * DAY }) }), { minLength: 14, maxLength: 14 }),
  })
  .map(({ zone, currency, mode, requests, issued }): World => {
    const terms: Terms = { key: 'PROP', billingMode: mode, hourlyRateMinor: 9500, incrementMinutes: 15, minimumMinutes: 30, timezone: zone };
    const built = requests.map((r, index): TimedRequest => {
      let clock = r.start;
      const estimates = r.versions.map((v, i): TimedEstimate => {
        clock += v.gap;
        const created = at(clock);
        return {
          version: i + 1,
          kind: i === 0 ? 'estimate' : v.kind,
          highMinutes: v.highMinutes,
          hourlyRateMinor: v.rate,
          amountMinor: amountForMinutes(v.highMinutes, v.rate),
          createdAt: created,
          outcome: v.outcome,
          ...(v.outcome === 'pending' ? {} : { decidedAt: at(clock + v.decideAfter) }),
          terms: { billingMode: v.mode, incrementMinutes: v.increment, minimumMinutes: v.minimum },
        };
      });
      let last = clock + DAY;
      const entries = r.entries.map((e): TimedEntry => {
        const work = r.start + e.gap;
        const loggedAt = work + e.lateBy;
        last = Math.max(last, loggedAt, e.edit ? loggedAt + e.edit.after : 0, e.deleteAfter ? loggedAt + e.deleteAfter : 0);
        return {
          workDate: dayjs(at(work)).tz(zone).format('YYYY-MM-DD'),
          loggedAt: at(loggedAt),
          minutes: e.minutes,
          billable: e.billable,
          ...(e.edit ? { edit: { at: at(loggedAt + e.edit.after), minutes: e.edit.minutes, billable: e.edit.billable } } : {}),
          ...(e.deleteAfter ? { deletedAt: at(loggedAt + e.deleteAfter) } : {}),
        };
      });
      for (const e of estimates) if (e.decidedAt) last = Math.max(last, (e.decidedAt.getTime() - T0) / MINUTE);
      const ended = at(last + r.endGap);
      return {
        key: `PROP-${index + 1}`,
        number: index + 1,
        title: index % 2 ? `Fix "reports", again, #${index + 1}` : `=SUM(A1) request ${index + 1}`,
        createdAt: at(r.start),
        estimates,
        entries,
        ...(r.end === 'closed' ? { closedAt: ended } : r.end === 'cancelled' ? { cancelledAt: ended } : {}),
      };
    });
    // Months issued in order, each some time after it ended (and after the one before).
    const issues: World['issues'] = [];
    let period = FIRST_MONTH;
    let previous = 0;
    for (const { issue, delay } of issued) {
      const ended = monthBounds(period, zone).end.getTime();
      const when = Math.max(ended + delay * MINUTE, previous + MINUTE);
      if (issue) {
        issues.push({ period, at: new Date(when) });
        previous = when;
      }
      period = nextPeriod(period);
    }
    return { terms, currency, requests: built, issues };
  });

/** The histories as the record stood at `instant` (everything, when it is undefined). */
function asOf(world: World, instant?: Date): RequestHistory[] {
  const known = (d: Date | undefined) => d !== undefined && (instant === undefined || d <= instant);
  return world.requests
    .filter((r) => known(r.createdAt))
    .map((r) => {
      const estimates: EstimateFacts[] = r.estimates
        .filter((e) => known(e.createdAt))
        .map(({ outcome, decidedAt, ...e }) => (known(decidedAt) ? { ...e, decision: outcome, decidedAt } : { ...e, decision: 'pending' }));
      const entries: EntryFacts[] = [];
      for (const e of r.entries) {
        if (!known(e.loggedAt) || known(e.deletedAt)) continue;
        const now = e.edit && known(e.edit.at) ? e.edit : e;
        if (now.billable) entries.push({ workDate: e.workDate, minutes: now.minutes });
      }
      const closedAt = known(r.closedAt) ? r.closedAt : undefined;
      const cancelledAt = known(r.cancelledAt) ? r.cancelledAt : undefined;
      return {
        request: { key: r.key, number: r.number, title: r.title, createdAt: r.createdAt, state: closedAt ? 'closed' : cancelledAt ? 'cancelled' : 'in_progress', closedAt, cancelledAt },
        estimates,
        entries,
      };
    });
}

function months(): string[] {
  const all: string[] = [];
  for (let p = FIRST_MONTH; p <= LAST_MONTH; p = nextPeriod(p)) all.push(p);
  return all;
}

const linesOf = (world: World, histories: RequestHistory[], period: string) => monthLines(world.terms, histories, monthBounds(period, world.terms.timezone));

/** Each charge column summed over lines, per request. */
function sumsByRequest(lines: BillingLine[]): Map<string, Record<string, number>> {
  const sums = new Map<string, Record<string, number>>();
  for (const line of lines) {
    const sum = sums.get(line.requestKey) ?? Object.fromEntries(CHARGE_COLUMNS.map((c) => [c, 0]));
    for (const column of CHARGE_COLUMNS) sum[column] = (sum[column] ?? 0) + line[column];
    sums.set(line.requestKey, sum);
  }
  return sums;
}

/** Issues the world's months in order, each from the record as it stood then. */
function issueAll(world: World): IssuedMonth[] {
  const issued: IssuedMonth[] = [];
  for (const { period, at: instant } of world.issues) {
    const then = asOf(world, instant);
    const recomputed = new Map(issued.map((s) => [s.period, linesOf(world, then, s.period)]));
    issued.push({ period, lines: [...linesOf(world, then, period), ...outstandingAdjustments(period, issued, recomputed)] });
  }
  return issued;
}

describe('billing on random histories', () => {
  it('adds up, over the months, to exactly each request charge', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const histories = asOf(world);
        const billed = sumsByRequest(months().flatMap((p) => linesOf(world, histories, p)));
        for (const history of histories) {
          const agreement = agreementOf(history.estimates);
          const ended = history.request.closedAt ?? history.request.cancelledAt;
          const charge = requestCharge({
            ...(agreement.terms ?? world.terms),
            tranches: agreement.tranches,
            loggedBillableMinutes: history.entries.reduce((sum, e) => sum + e.minutes, 0),
            closed: ended !== undefined,
          });
          const sum = billed.get(history.request.key);
          for (const column of CHARGE_COLUMNS) expect([history.request.key, column, sum?.[column] ?? 0]).toEqual([history.request.key, column, charge[column]]);
        }
      }),
      settings,
    );
  });

  it('never bills a request more than its approved tranches allow, in any month', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const histories = asOf(world);
        const net = new Map<string, number>();
        for (const period of months()) {
          const end = monthBounds(period, world.terms.timezone).end;
          for (const line of linesOf(world, histories, period)) net.set(line.requestKey, (net.get(line.requestKey) ?? 0) + line.amountMinor + line.reconciliationMinor);
          for (const history of histories) {
            const approved = agreementOf(history.estimates.filter((e) => e.decision !== 'approved' || (e.decidedAt ?? e.createdAt) < end)).approvedAmountMinor;
            const sofar = net.get(history.request.key) ?? 0;
            expect(sofar).toBeGreaterThanOrEqual(0);
            expect(sofar).toBeLessThanOrEqual(approved);
          }
        }
        // Once a request has ended, it bills at most the time used, each tranche's minutes at no
        // more than that tranche's own price (rounded up in the client's favour of nothing).
        for (const history of histories) {
          if (!history.request.closedAt && !history.request.cancelledAt) continue;
          const agreement = agreementOf(history.estimates);
          const terms = agreement.terms ?? world.terms;
          const logged = history.entries.reduce((sum, e) => sum + e.minutes, 0);
          const used = Math.min(billableMinutes(logged, terms.incrementMinutes, terms.minimumMinutes), agreement.approvedMinutes);
          expect(net.get(history.request.key) ?? 0).toBeLessThanOrEqual(allowance(used, agreement.tranches));
        }
      }),
      settings,
    );
  });

  it('bills each issued month once: issued lines, adjustments carried and adjustments outstanding add up to the month now', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const issued = issueAll(world);
        const final = asOf(world);
        const recomputed = new Map(issued.map((s) => [s.period, linesOf(world, final, s.period)]));
        const outstanding = outstandingAdjustments('2099-01', issued, recomputed);
        const billed = sumsByRequest([...issued.flatMap((s) => s.lines), ...outstanding]);
        const owed = sumsByRequest([...recomputed.values()].flat());
        const keys = new Set([...billed.keys(), ...owed.keys()]);
        for (const key of keys) {
          for (const column of CHARGE_COLUMNS) expect([key, column, billed.get(key)?.[column] ?? 0]).toEqual([key, column, owed.get(key)?.[column] ?? 0]);
        }
        // An adjustment only ever corrects an earlier, issued month.
        for (const s of issued) {
          for (const line of s.lines.filter((l) => l.adjustment)) {
            expect(line.adjustsPeriod! < s.period).toBe(true);
            expect(issued.some((i) => i.period === line.adjustsPeriod)).toBe(true);
          }
        }
      }),
      settings,
    );
  });

  it('gives the same numbers for the same history, in whatever order the records come', () => {
    fc.assert(
      fc.property(worldArb, fc.integer(), (world, salt) => {
        const histories = asOf(world);
        const shuffled = shuffle(histories, salt).map((h) => ({ ...h, estimates: shuffle(h.estimates, salt + 1), entries: shuffle(h.entries, salt + 2) }));
        for (const period of months()) expect(linesOf(world, shuffled, period)).toEqual(linesOf(world, histories, period));
        expect(issueAll(world)).toEqual(issueAll(world));
      }),
      settings,
    );
  });

  it('writes totals that are the sums of the lines, and a CSV that says what the Slack message says', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        for (const summary of issueAll(world)) {
          const totals = billingTotals(summary.lines);
          for (const column of CHARGE_COLUMNS) expect(totals[column]).toBe(summary.lines.reduce((sum, l) => sum + l[column], 0));
          expect(totals.netMinor).toBe(totals.amountMinor + totals.reconciliationMinor);
          const stored = {
            clientKey: 'PROP',
            clientName: 'Property Ltd',
            period: summary.period,
            status: 'issued' as const,
            currency: world.currency,
            timezone: world.terms.timezone,
            billingMode: world.terms.billingMode,
            hourlyRateMinor: world.terms.hourlyRateMinor,
            incrementMinutes: world.terms.incrementMinutes,
            minimumMinutes: world.terms.minimumMinutes,
            lines: summary.lines,
            totals,
            generatedAt: new Date(),
            generatedBy: 'system',
            issuedAt: new Date(),
            issuedBy: 'U0MGR',
            revision: 2,
          };
          const rows = parse(billingCsv(stored)) as string[][];
          const header = rows[0]!;
          const column = (name: string) => header.findIndex((h) => h.startsWith(name));
          const minor = (row: string[], name: string) => {
            // The CSV writes decimals in the currency's units, negative for credits.
            const text = row[column(name)] ?? '';
            const units = toMinorUnits(text.replace(/^-/, ''), world.currency);
            return units === undefined ? NaN : text.startsWith('-') ? -units : units;
          };
          const slack = billingSummaryMessage({ summary: stored, canIssue: false })
            .blocks.map((b) => ('text' in b && b.text && typeof b.text === 'object' ? b.text.text : 'elements' in b ? JSON.stringify(b.elements) : ''))
            .join('\n');
          // Every line shown in Slack carries the CSV row's net (amount + reconciliation).
          summary.lines.slice(0, 40).forEach((line, i) => {
            const row = rows[i + 1]!;
            expect(row[0]).toBe(line.requestKey);
            const net = (minor(row, 'Amount') ?? NaN) + (minor(row, 'Reconciliation') ?? NaN);
            expect(net).toBe(line.amountMinor + line.reconciliationMinor);
            const billedNothing = !line.adjustment && CHARGE_COLUMNS.every((c) => line[c] === 0);
            const shown = formatMoney(net, world.currency);
            if (billedNothing) expect(slack).toMatch(new RegExp(`\\*${line.requestKey}\\*[^\\n]*\\n[^\\n]*(nothing to bill this month|work in progress, not billed yet)`));
            else expect(slack).toContain(`*${line.adjustment && net > 0 ? '+' : ''}${shown}*`);
          });
          const total = rows[rows.length - 1]!;
          expect(total[0]).toBe('Total');
          expect(minor(total, 'Amount')).toBe(totals.amountMinor);
          expect(slack).toContain(`amount ${formatMoney(totals.amountMinor, world.currency)}`);
          const net = totals.netMinor < 0 ? `Credit to the client: ${formatMoney(-totals.netMinor, world.currency)}` : `To invoice: ${formatMoney(totals.netMinor, world.currency)}`;
          expect(slack).toContain(net);
        }
      }),
      { ...settings, numRuns: Math.max(1, Math.floor(RUNS / 4)) },
    );
  });
});

/** What `minutes` of work may cost at most: each tranche's share of its agreed amount, rounded up. */
function allowance(minutes: number, tranches: readonly Tranche[]): number {
  let left = minutes;
  let total = 0;
  for (const t of tranches) {
    const used = Math.min(left, t.minutes);
    total += Math.ceil((t.amountMinor * used) / t.minutes);
    left -= used;
  }
  return total;
}

/** A deterministic shuffle (the property's own salt), so a failure replays. */
function shuffle<T>(items: readonly T[], salt: number): T[] {
  const out = [...items];
  let state = (salt >>> 0) || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
