// Section 3: the weekly digest and the monthly billing summary over a large synthetic history.
// Data sets are measured smallest first; a larger one is loaded only while the previous one's
// timings say it can finish within the budget. Nothing is extrapolated: a size that does not fit
// is reported as not measured.
import mongoose from 'mongoose';
import { connectDatabase, disconnectDatabase } from '../../src/db/connection';
import { BillingSummaryModel } from '../../src/db/billingSummary';
import type { DigestNumbers } from '../../src/domain/digest';
import { generateBillingSummary } from '../../src/services/billing';
import { digestFor, previousWeek } from '../../src/services/digest';
import { homeFor } from '../../src/services/home';
import { databaseUri, uniqueName } from './environment';
import { cpuSince, cpuSnapshot, waitForQuiet, type CpuUse } from './cpu';
import { measure, type MemoryPeak } from './memory';
import type { DataSize } from './options';
import { captureQueries, declaredIndexes, type CapturedQuery } from './queryShapes';
import { DATA_END, historyStart, SyntheticHistory, type LoadStats, type Totals } from './syntheticData';

export const DIGEST_ZONE = 'Europe/London';
const MANAGER = 'U0MANAGER';
/** Before each measurement, wait this long at most for other processes to leave the machine alone. */
const QUIET_WAIT_MS = 10_000;

export interface Measurement<T> {
  seconds: number;
  cpu: CpuUse;
  memory: MemoryPeak;
  result: T;
  queries: CapturedQuery[];
}

export interface TierResult {
  size: Totals;
  load: LoadStats;
  digest: Measurement<{ from: string; to: string; opened: number; closed: number; backlog: number; clients: number }>;
  billing: Measurement<{ clientKey: string; period: string; lines: number; amountMinor: number }>;
  /** A manager's App Home, which refreshHomes rebuilds after every request change for each staff member who opened it. */
  managerHome: Measurement<{ unclaimedQueue: number; digestOpened: number | null }>;
}

export interface ReportsResult {
  server: string;
  billingImplementation: string;
  /** The synthetic history's span: DATA_END minus historyMonths. */
  history: { from: string; to: string; months: number };
  tiers: TierResult[];
  notMeasured: Array<{ size: DataSize; reason: string }>;
  indexes: ReturnType<typeof declaredIndexes>;
}

interface BillingRun {
  name: string;
  /** Before timing: so each data size measures a first generation, not a regeneration. */
  reset(clientKey: string, period: string): Promise<void>;
  run(clientKey: string, period: string): Promise<{ lines: number; amountMinor: number }>;
}

const billingRun: BillingRun = {
  name: 'generateBillingSummary (src/services/billing.ts): computes and saves the draft',
  async reset(clientKey, period) {
    await BillingSummaryModel.deleteMany({ clientKey, period });
  },
  async run(clientKey, period) {
    const { summary } = await generateBillingSummary(clientKey, period, MANAGER);
    return { lines: summary.lines.length, amountMinor: summary.totals.amountMinor };
  },
};

function digestSummary(numbers: DigestNumbers) {
  const b = numbers.backlog;
  return {
    from: numbers.from.toISOString(),
    to: numbers.to.toISOString(),
    opened: numbers.opened,
    closed: numbers.closed,
    backlog: b.underOneDay + b.oneToThreeDays + b.threeToSevenDays + b.overSevenDays,
    clients: numbers.byClient.length,
  };
}

async function measured<T, R>(run: () => Promise<T>, describe: (value: T) => R): Promise<Measurement<R>> {
  await waitForQuiet(QUIET_WAIT_MS);
  const before = cpuSnapshot();
  const timed = await measure(() => captureQueries(run));
  return { seconds: timed.seconds, cpu: cpuSince(before), memory: timed.memory, result: describe(timed.value.value), queries: timed.value.queries };
}

export async function measureReports(input: {
  mongodbUri: string;
  server: string;
  sizes: DataSize[];
  historyMonths: number;
  budgetSeconds: number;
  log: (line: string) => void;
}): Promise<ReportsResult> {
  const { log } = input;
  const deadline = Date.now() + input.budgetSeconds * 1000;
  const billing = billingRun;
  const week = previousWeek(DATA_END, DIGEST_ZONE);
  const history = new SyntheticHistory(input.historyMonths);
  const tiers: TierResult[] = [];
  const notMeasured: ReportsResult['notMeasured'] = [];

  await connectDatabase(databaseUri(input.mongodbUri, uniqueName('bench_reports_')));
  try {
    await history.seedClients();
    const sizes = [...input.sizes].sort((a, b) => a.requests - b.requests);
    for (const [i, size] of sizes.entries()) {
      const previous = tiers[tiers.length - 1];
      if (previous) {
        // The queries grow at least linearly; on mongo-java-server, whose `$in` over an unindexed
        // field is a nested loop, closer to quadratically. Go on only if the square still fits.
        const growth = size.requests / previous.size.requests;
        const loadSeconds = (previous.load.seconds * (size.requests - previous.size.requests)) / Math.max(1, previous.load.requests);
        const querySeconds = (previous.digest.seconds + previous.billing.seconds + previous.managerHome.seconds) * growth * growth;
        const left = (deadline - Date.now()) / 1000;
        if (loadSeconds + querySeconds > left) {
          for (const skipped of sizes.slice(i)) {
            notMeasured.push({
              size: skipped,
              reason: `would not finish within the ${input.budgetSeconds} s budget of this section on ${input.server} (${Math.round(left)} s left; the previous size took ${previous.load.seconds} s to load and ${Math.round((previous.digest.seconds + previous.billing.seconds + previous.managerHome.seconds) * 10) / 10} s to query)`,
            });
          }
          log(`reports: stopping before ${size.requests} requests / ${size.timeEntries} time entries: it would not fit the budget`);
          break;
        }
      }
      log(`reports: loading up to ${size.requests} requests and ${size.timeEntries} time entries`);
      const load = await history.growTo(size, log);
      const target = history.largestClientMonth();
      log(`reports: digestFor(${week.from.toISOString()}, ${week.to.toISOString()}, ${DIGEST_ZONE})`);
      const digest = await measured(() => digestFor(week.from, week.to, DIGEST_ZONE), digestSummary);
      log(`reports: digest took ${digest.seconds} s; billing summary for ${target.clientKey} ${target.period}`);
      await billing.reset(target.clientKey, target.period);
      const bill = await measured(
        () => billing.run(target.clientKey, target.period),
        (r) => ({ clientKey: target.clientKey, period: target.period, lines: r.lines, amountMinor: r.amountMinor }),
      );
      log(`reports: billing took ${bill.seconds} s; homeFor(manager)`);
      const managerHome = await measured(
        () => homeFor(MANAGER, [], DIGEST_ZONE, DATA_END),
        (home) => ({ unclaimedQueue: home.engineer?.queue.total ?? 0, digestOpened: home.manager?.digest.opened ?? null }),
      );
      log(`reports: homeFor(manager) took ${managerHome.seconds} s`);
      tiers.push({ size: { ...history.totals }, load, digest, billing: bill, managerHome });
    }
    return {
      server: input.server,
      billingImplementation: billing.name,
      history: { from: historyStart(input.historyMonths).toISOString(), to: DATA_END.toISOString(), months: input.historyMonths },
      tiers,
      notMeasured,
      indexes: declaredIndexes(['requests', 'estimates', 'timeentries', 'clients']),
    };
  } finally {
    await mongoose.connection.db?.dropDatabase().catch(() => undefined);
    await disconnectDatabase();
  }
}
