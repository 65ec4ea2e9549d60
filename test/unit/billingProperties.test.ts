// Billing on random histories (#14, #21), with fast-check, run against an independent reference
// model (test/reference/billingModel.ts: the README's rules written out plainly, sharing no code
// with src/domain). A history is a client whose settings change between months (timezone among
// London, Sydney, Havana, Los Angeles, Honolulu and UTC; billing mode, rate, increment, minimum),
// in a currency with 0, 2 or 3 decimals; requests with estimates, re-estimates and top-ups approved
// at the rate and under the terms of their day, declines and pending versions; time logged across
// months and both clock changes, edited and deleted, some after its month was issued; requests
// closed, cancelled (with approved work) or merged. Every month is issued as it ends (or a little
// later), from the record as it stood then, as services/billing.ts does.
//   - src and the model issue the same months: bounds, lines, adjustments and totals, month after
//     month;
//   - the months of a request add up to the model's charge for it;
//   - no request bills more than its approved tranches allow, in any month;
//   - every finished request bills at least the time used and approved (the undercharging side);
//   - an issued month's numbers are billed once: what was issued, plus the adjustments carried,
//     plus those outstanding, is what the model says the month comes to now;
//   - the same history (in any order) gives the same numbers;
//   - lines add up to totals, and the CSV says what the Slack message says.
// Runs: PROPERTY_RUNS (default 100: `npm test`, on a fixed seed, so CI is repeatable) and
// PROPERTY_SEED; `npm run properties -- --runs 5000` runs more, on a fresh seed it prints.
import { parse } from 'csv-parse/sync';
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { amountForMinutes } from '../../src/domain/billing';
import {
  CHARGE_COLUMNS,
  NUMBER_COLUMNS,
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
import { contiguousBounds, type PeriodBounds } from '../../src/domain/periods';
import { billingCsv } from '../../src/domain/billingCsv';
import { billingSummaryMessage } from '../../src/slack/views/billingSummary';
import { ModelLedger, agreedBefore, chargeBy, ownLinesOf, priceOfTime, roundedMinutes, type ModelRequest, type ModelSummary } from '../reference/billingModel';

dayjs.extend(utc);
dayjs.extend(timezone);

const RUNS = Number(process.env.PROPERTY_RUNS ?? 100);
const SEED = process.env.PROPERTY_SEED === undefined ? 20261201 : Number(process.env.PROPERTY_SEED);
const settings = { numRuns: RUNS, seed: SEED };

const MINUTE = 60_000;
const DAY = 24 * 60;
/** Histories start between 20 January and late October 2026: every zone's clock changes fall inside. */
const T0 = Date.UTC(2026, 0, 20);
const FIRST_MONTH = '2026-01';
/** Months issued: January 2026 to June 2027, by when every history is over. */
const MONTHS = 18;

// ---------------------------------------------------------------------------------------------
// A client whose settings change between months, and histories as they unfold: every fact carries
// when it became true, so a history can be seen as it stood at any instant.
// ---------------------------------------------------------------------------------------------

type Mode = 'upfront' | 'on_completion';

interface Settings {
  timezone: string;
  billingMode: Mode;
  hourlyRateMinor: number;
  incrementMinutes: number;
  minimumMinutes: number;
}

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
  mergedAt?: Date;
}

interface World {
  currency: string;
  /** The client's settings for each month from January 2026 (index 0), changed between months. */
  months: Settings[];
  requests: TimedRequest[];
  /** Delay after each month's end before it is issued (minutes). */
  issueDelays: number[];
}

const at = (minutes: number) => new Date(T0 + minutes * MINUTE);
const periodAt = (index: number) => dayjs.utc(`${FIRST_MONTH}-01`).add(index, 'month').format('YYYY-MM');
/** The settings in force at an instant: those of the (UTC) month it falls in. */
function settingsAt(world: Pick<World, 'months'>, instant: Date): Settings {
  const d = dayjs.utc(instant);
  const index = (d.year() - 2026) * 12 + d.month();
  return world.months[Math.min(Math.max(index, 0), world.months.length - 1)]!;
}

const ZONES = ['Europe/London', 'Australia/Sydney', 'America/Havana', 'America/Los_Angeles', 'Pacific/Honolulu', 'UTC'] as const;

const settingsArb = fc.record({
  timezone: fc.constantFrom(...ZONES),
  billingMode: fc.constantFrom<Mode>('upfront', 'on_completion'),
  hourlyRateMinor: fc.integer({ min: 0, max: 30_000 }),
  incrementMinutes: fc.constantFrom(1, 6, 15, 30, 60),
  minimumMinutes: fc.constantFrom(0, 15, 30, 60),
});

/** Each month keeps the settings of the one before unless it changes some of them. */
const monthsArb = fc
  .tuple(settingsArb, fc.array(fc.record({ change: fc.constantFrom(false, false, true), to: settingsArb, fields: fc.subarray(['timezone', 'billingMode', 'hourlyRateMinor', 'incrementMinutes', 'minimumMinutes'] as const) }), { minLength: MONTHS - 1, maxLength: MONTHS - 1 }))
  .map(([first, changes]) => {
    const months: Settings[] = [first];
    for (const { change, to, fields } of changes) {
      const next = { ...months[months.length - 1]! };
      if (change) for (const field of fields) (next as Record<string, unknown>)[field] = to[field];
      months.push(next);
    }
    return months;
  });

const versionArb = fc.record({
  gap: fc.integer({ min: 1, max: 20 * DAY }),
  kind: fc.constantFrom<'estimate' | 'topup'>('estimate', 'topup', 'topup'),
  highMinutes: fc.integer({ min: 1, max: 360 }),
  outcome: fc.constantFrom<'approved' | 'declined' | 'pending'>('approved', 'approved', 'approved', 'declined', 'pending'),
  decideAfter: fc.integer({ min: 1, max: 10 * DAY }),
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
  start: fc.integer({ min: 0, max: 275 * DAY }),
  versions: fc.array(versionArb, { maxLength: 4 }),
  entries: fc.array(entryArb, { maxLength: 8 }),
  end: fc.constantFrom<'closed' | 'cancelled' | 'merged' | 'open'>('closed', 'closed', 'cancelled', 'merged', 'open'),
  endGap: fc.integer({ min: 1, max: 20 * DAY }),
});

const worldArb = fc
  .record({
    currency: fc.constantFrom('GBP', 'USD', 'JPY', 'CLP', 'KWD', 'BHD'),
    months: monthsArb,
    requests: fc.array(requestArb, { minLength: 1, maxLength: 5 }),
    issueDelays: fc.array(fc.integer({ min: 0, max: 20 * DAY }), { minLength: MONTHS, maxLength: MONTHS }),
  })
  .map(({ currency, months, requests, issueDelays }): World => {
    const built = requests.map((r, index): TimedRequest => {
      let clock = r.start;
      const estimates = r.versions.map((v, i): TimedEstimate => {
        clock += v.gap;
        const created = at(clock);
        // Posted at the client's rate of the day; approved under the client's terms of the day.
        const rate = settingsAt({ months }, created).hourlyRateMinor;
        const decidedAt = v.outcome === 'pending' ? undefined : at(clock + v.decideAfter);
        const then = settingsAt({ months }, decidedAt ?? created);
        return {
          version: i + 1,
          kind: i === 0 ? 'estimate' : v.kind,
          highMinutes: v.highMinutes,
          hourlyRateMinor: rate,
          amountMinor: amountForMinutes(v.highMinutes, rate),
          createdAt: created,
          outcome: v.outcome,
          ...(decidedAt ? { decidedAt } : {}),
          terms: { billingMode: then.billingMode, incrementMinutes: then.incrementMinutes, minimumMinutes: then.minimumMinutes },
        };
      });
      let last = clock + DAY;
      const entries = r.entries.map((e): TimedEntry => {
        const work = r.start + e.gap;
        const loggedAt = work + e.lateBy;
        // The request ends after its work, but time may be logged late, edited or deleted after
        // that, once its month is issued: those changes reach the client as adjustments.
        last = Math.max(last, work);
        return {
          // The work date in the client's timezone of the day.
          workDate: dayjs(at(work)).tz(settingsAt({ months }, at(work)).timezone).format('YYYY-MM-DD'),
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
        ...(r.end === 'closed' ? { closedAt: ended } : r.end === 'cancelled' ? { cancelledAt: ended } : r.end === 'merged' ? { mergedAt: ended } : {}),
      };
    });
    return { currency, months, requests: built, issueDelays };
  });

/** The histories as the record stood at `instant` (everything, when it is undefined), for src. */
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
      const mergedAt = known(r.mergedAt) ? r.mergedAt : undefined;
      const state = closedAt ? 'closed' : cancelledAt ? 'cancelled' : mergedAt ? 'merged' : 'in_progress';
      return { request: { key: r.key, number: r.number, title: r.title, createdAt: r.createdAt, state, closedAt, cancelledAt, mergedAt }, estimates, entries };
    });
}

/** The same records, as the model reads them. */
function forModel(histories: readonly RequestHistory[]): ModelRequest[] {
  return histories.map((h) => ({
    key: h.request.key,
    number: h.request.number,
    state: h.request.state,
    closedAt: h.request.closedAt,
    cancelledAt: h.request.cancelledAt,
    mergedAt: h.request.mergedAt,
    approvals: h.estimates.map((e) => ({ ...e, terms: e.terms ?? undefined })),
    entries: h.entries.map((e) => ({ workDate: e.workDate, minutes: e.minutes })),
  }));
}

// ---------------------------------------------------------------------------------------------
// Issuing every month as it ends, with src (as services/billing.ts does) and with the model
// ---------------------------------------------------------------------------------------------

interface IssuedSummary extends IssuedMonth {
  bounds: PeriodBounds;
  settings: Settings;
  at: Date;
}

const termsOf = (s: Settings): Terms => ({ key: 'PROP', ...s });

/** Issues the world's months in order with src, each from the record as it stood then. */
function issueAll(world: World): IssuedSummary[] {
  const issued: IssuedSummary[] = [];
  let previous = 0;
  for (let index = 0; index < MONTHS; index++) {
    const period = periodAt(index);
    const month = world.months[index]!;
    const bounds = contiguousBounds(period, month.timezone, { previous: issued[issued.length - 1]?.bounds });
    const instant = new Date(Math.max(bounds.end.getTime() + world.issueDelays[index]! * MINUTE, previous + MINUTE));
    previous = instant.getTime();
    const then = asOf(world, instant);
    const recomputed = new Map(issued.map((s) => [s.period, monthLines(termsOf(s.settings), then, s.bounds)]));
    const lines = [...monthLines(termsOf(month), then, bounds), ...outstandingAdjustments(period, issued, recomputed)];
    issued.push({ period, bounds, settings: month, at: instant, lines });
  }
  return issued;
}

/** The same months, issued at the same instants by the model. */
function modelIssueAll(world: World, instants: readonly Date[]): { ledger: ModelLedger; summaries: ModelSummary[] } {
  const ledger = new ModelLedger();
  const summaries = instants.map((instant, index) => ledger.issue(periodAt(index), world.months[index]!.timezone, forModel(asOf(world, instant))));
  return { ledger, summaries };
}

/** A line's numbers in a comparable form, whichever side computed it. */
function row(l: Pick<BillingLine, NumberColumn | 'requestKey' | 'adjustment'> & { adjustsPeriod?: string | null | undefined }): string {
  return JSON.stringify([l.requestKey, l.adjustment, l.adjustment ? (l.adjustsPeriod ?? null) : null, ...NUMBER_COLUMNS.map((c) => l[c])]);
}
type NumberColumn = (typeof NUMBER_COLUMNS)[number];
const rows = (lines: ReadonlyArray<Parameters<typeof row>[0]>) => lines.map(row).sort();

/** Each charge column summed over lines, per request. */
function sumsByRequest(lines: ReadonlyArray<Pick<BillingLine, (typeof CHARGE_COLUMNS)[number] | 'requestKey'>>): Map<string, Record<string, number>> {
  const sums = new Map<string, Record<string, number>>();
  for (const line of lines) {
    const sum = sums.get(line.requestKey) ?? Object.fromEntries(CHARGE_COLUMNS.map((c) => [c, 0]));
    for (const column of CHARGE_COLUMNS) sum[column] = (sum[column] ?? 0) + line[column];
    sums.set(line.requestKey, sum);
  }
  return sums;
}

/** Each request's net (amount + reconciliation) over lines. */
function netByRequest(lines: ReadonlyArray<Pick<BillingLine, 'requestKey' | 'amountMinor' | 'reconciliationMinor'>>): Map<string, number> {
  const net = new Map<string, number>();
  for (const l of lines) net.set(l.requestKey, (net.get(l.requestKey) ?? 0) + l.amountMinor + l.reconciliationMinor);
  return net;
}

interface Billed {
  /** src's issued months and, after the last, the adjustments still outstanding on the final record. */
  issued: IssuedSummary[];
  outstanding: BillingLine[];
  /** The model's months, issued at the same instants. */
  model: { ledger: ModelLedger; summaries: ModelSummary[] };
}

/**
 * Every property looks at the same worlds (same arbitrary, same seed), so each world's months are
 * worked out once, by src and by the model, and shared (keyed by the world itself, as JSON).
 */
const billedCache = new Map<string, Billed>();
function monthsOf(world: World): Billed {
  const key = JSON.stringify(world);
  const cached = billedCache.get(key);
  if (cached) return cached;
  const issued = issueAll(world);
  const final = asOf(world);
  const recomputed = new Map(issued.map((s) => [s.period, monthLines(termsOf(s.settings), final, s.bounds)]));
  const result = { issued, outstanding: outstandingAdjustments('2099-01', issued, recomputed), model: modelIssueAll(world, issued.map((s) => s.at)) };
  if (billedCache.size > 2000) billedCache.clear();
  billedCache.set(key, result);
  return result;
}

describe('the reference model', () => {
  it('shares no code with src (it imports only dayjs)', () => {
    const source = readFileSync(path.join(__dirname, '../reference/billingModel.ts'), 'utf8');
    const imports = [...source.matchAll(/^import\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]);
    expect(imports).toEqual(['dayjs', 'dayjs/plugin/timezone', 'dayjs/plugin/utc']);
  });
});

describe('billing on random histories, src against the reference model', () => {
  it('issues the same months as the model: bounds, lines, adjustments and totals, month after month', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const {
          issued,
          model: { summaries },
        } = monthsOf(world);
        issued.forEach((summary, index) => {
          const model = summaries[index]!;
          const label = `${summary.period} in ${summary.settings.timezone}`;
          expect([label, summary.bounds.start.toISOString(), summary.bounds.end.toISOString()]).toEqual([label, model.month.start.toISOString(), model.month.end.toISOString()]);
          expect([label, rows(summary.lines)]).toEqual([label, rows(model.lines)]);
          expect([label, billingTotals(summary.lines)]).toEqual([label, model.totals]);
        });
      }),
      settings,
    );
  });

  it("adds up, over the months, to exactly the model's charge for each request", () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const { issued, outstanding } = monthsOf(world);
        const billed = sumsByRequest([...issued.flatMap((s) => s.lines), ...outstanding]);
        const last = issued[issued.length - 1]!;
        for (const request of forModel(asOf(world))) {
          const charge = chargeBy(request, last.bounds.end, last.bounds.nextFirstDay);
          const sum = billed.get(request.key);
          for (const column of CHARGE_COLUMNS) expect([request.key, column, sum?.[column] ?? 0]).toEqual([request.key, column, charge[column]]);
        }
      }),
      settings,
    );
  });

  it('never bills a request more than its approved tranches allow, in any month', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const { issued, outstanding } = monthsOf(world);
        const final = forModel(asOf(world));
        const net = new Map<string, number>();
        for (const summary of issued) {
          for (const [key, value] of netByRequest(summary.lines)) net.set(key, (net.get(key) ?? 0) + value);
          for (const request of forModel(asOf(world, summary.at))) {
            const approved = chargeBy(request, summary.bounds.end, summary.bounds.nextFirstDay).approvedAmountMinor;
            const sofar = net.get(request.key) ?? 0;
            if (sofar < 0 || sofar > approved) throw new Error(`${request.key} has billed ${sofar} by the end of ${summary.period}, outside 0…${approved} approved`);
          }
        }
        // Once a request has ended, it bills at most the time used, each tranche's minutes at no
        // more than that tranche's own price.
        for (const [key, value] of netByRequest(outstanding)) net.set(key, (net.get(key) ?? 0) + value);
        for (const request of final) {
          if (!request.closedAt && !request.cancelledAt && !request.mergedAt) continue;
          const { used, tranches } = usedAndApproved(request);
          const most = allowance(used, tranches);
          const total = net.get(request.key) ?? 0;
          if (total > most) throw new Error(`${request.key} billed ${total}, more than the ${most} its ${used} minutes used can cost`);
        }
      }),
      settings,
    );
  });

  it('bills every finished request at least what was used and approved', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const { issued, outstanding } = monthsOf(world);
        const net = netByRequest([...issued.flatMap((s) => s.lines), ...outstanding]);
        for (const request of forModel(asOf(world))) {
          if (!request.closedAt && !request.cancelledAt && !request.mergedAt) continue;
          const { used, tranches } = usedAndApproved(request);
          // The price of min(used, rounded up to the increment and the minimum; approved).
          const least = priceOfTime(used, tranches);
          const total = net.get(request.key) ?? 0;
          if (total < least) throw new Error(`${request.key} billed ${total} in all, less than the ${least} its ${used} minutes used and approved cost`);
        }
      }),
      settings,
    );
  });

  it('bills each issued month once: issued lines, adjustments carried and adjustments outstanding add up to what the model says the month is now', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const {
          issued,
          outstanding,
          model: { ledger },
        } = monthsOf(world);
        const final = forModel(asOf(world));
        const billed = sumsByRequest([...issued.flatMap((s) => s.lines), ...outstanding]);
        const owed = sumsByRequest(ledger.issued.flatMap((s) => ownLinesOf(final, s.month)));
        for (const key of new Set([...billed.keys(), ...owed.keys()])) {
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
        for (const summary of issueAll(world)) {
          expect(monthLines(termsOf(summary.settings), shuffled, summary.bounds)).toEqual(monthLines(termsOf(summary.settings), histories, summary.bounds));
        }
      }),
      { ...settings, numRuns: Math.max(1, Math.floor(RUNS / 4)) },
    );
  });

  it('writes totals that are the sums of the lines, and a CSV that says what the Slack message says', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        for (const summary of monthsOf(world).issued) {
          const totals = billingTotals(summary.lines);
          for (const column of CHARGE_COLUMNS) expect(totals[column]).toBe(summary.lines.reduce((sum, l) => sum + l[column], 0));
          expect(totals.netMinor).toBe(totals.amountMinor + totals.reconciliationMinor);
          const stored = {
            clientKey: 'PROP',
            clientName: 'Property Ltd',
            period: summary.period,
            status: 'issued' as const,
            currency: world.currency,
            timezone: summary.settings.timezone,
            billingMode: summary.settings.billingMode,
            hourlyRateMinor: summary.settings.hourlyRateMinor,
            incrementMinutes: summary.settings.incrementMinutes,
            minimumMinutes: summary.settings.minimumMinutes,
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


/** The model's minutes used (rounded, capped at what was approved) and tranches, once everything is known. */
function usedAndApproved(request: ModelRequest): { used: number; tranches: ReturnType<typeof agreedBefore>['tranches'] } {
  const agreement = agreedBefore(request, new Date('2099-01-01T00:00:00Z'));
  if (!agreement.terms) return { used: 0, tranches: [] };
  const raw = request.entries.reduce((sum, e) => sum + e.minutes, 0);
  return { used: Math.min(roundedMinutes(raw, agreement.terms.incrementMinutes, agreement.terms.minimumMinutes), agreement.approvedMinutes), tranches: agreement.tranches };
}

/** What `minutes` of work may cost at most: each tranche's share of its agreed amount, rounded up. */
function allowance(minutes: number, tranches: ReadonlyArray<{ minutes: number; amountMinor: number }>): number {
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
