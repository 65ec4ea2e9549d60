// The command line of `npm run bench`: what to measure and how big. `--quick` is a smoke test.
import { parseArgs } from 'node:util';

export const SECTIONS = ['ack', 'audit', 'jobs', 'reports', 'incident', 'cold', 'estimates'] as const;
/** Sections that run in this process on generated data alone: no database, Redis or Slack fake. */
export const IN_PROCESS_SECTIONS: readonly Section[] = ['estimates'];
export type Section = (typeof SECTIONS)[number];

export interface DataSize {
  requests: number;
  timeEntries: number;
}

export interface BenchOptions {
  quick: boolean;
  sections: Section[];
  /** Open-loop rates for the acknowledgement latency, requests per second. */
  rates: number[];
  secondsPerRate: number;
  /** Seeded clients the `/help` load is spread over (one channel each); 1 is the worst case. The ack section runs once per count. */
  clients: number[];
  /** Run the audit chainer (the worker's, services/audit.ts) in the bench process during the ack section. */
  chainer: boolean;
  warmupSeconds: number;
  /** Reminder jobs to schedule and cancel. */
  jobs: number;
  /** Data sets for the digest and billing, measured smallest first while they fit the budget. */
  dataSizes: DataSize[];
  /** Calendar months the synthetic history is spread over (it ends on 1 April 2026). */
  historyMonths: number;
  /** Seconds the digest and billing section may take (loading included). */
  reportsBudgetSeconds: number;
  /** The whole run is stopped (with what it has) after this many seconds. */
  deadlineSeconds: number;
  /** Write a CPU profile of the main thread for each app phase of the latency section to .bench/. */
  profile: boolean;
  /** Synthetic closed requests in the estimate hints' leave-one-out. */
  estimateHistory: number;
  /** Cold starts in the `cold` section (the first against a database server just started, the others against it warm). */
  coldRuns: number;
}

const USAGE = `Usage: npm run bench -- [--quick] [--only ack,audit,jobs,reports,incident,cold,estimates] [--rates 10,50,100] [--seconds 10] [--clients 1,3] [--chainer]
                       [--jobs 10000] [--sizes 10000:50000,20000:100000,50000:250000,100000:500000] [--history-months 36]
                       [--reports-budget 240] [--profile] [--estimate-history 2000] [--cold-runs 5]`;

function positiveInts(text: string, what: string): number[] {
  const values = text.split(',').map((v) => Number(v.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new Error(`${what} must be positive whole numbers separated by commas, not "${text}"\n${USAGE}`);
  }
  return values;
}

function dataSizes(text: string): DataSize[] {
  return text.split(',').map((pair) => {
    const [requests, timeEntries] = positiveInts(pair.replace(':', ','), '--sizes');
    if (requests === undefined || timeEntries === undefined) throw new Error(`--sizes takes requests:timeEntries pairs\n${USAGE}`);
    return { requests, timeEntries };
  });
}

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      rates: { type: 'string' },
      seconds: { type: 'string' },
      clients: { type: 'string' },
      jobs: { type: 'string' },
      sizes: { type: 'string' },
      'history-months': { type: 'string' },
      'reports-budget': { type: 'string' },
      profile: { type: 'boolean', default: false },
      'estimate-history': { type: 'string' },
      chainer: { type: 'boolean', default: false },
      'cold-runs': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const coldRuns = values['cold-runs'] ? (positiveInts(values['cold-runs'], '--cold-runs')[0] ?? 5) : quick ? 2 : 5;
  const sections = values.only ? values.only.split(',').map((s) => s.trim()) : [...SECTIONS];
  for (const section of sections) {
    if (!(SECTIONS as readonly string[]).includes(section)) throw new Error(`--only takes ${SECTIONS.join(', ')}, not "${section}"\n${USAGE}`);
  }
  return {
    quick,
    sections: sections as Section[],
    rates: values.rates ? positiveInts(values.rates, '--rates') : [10, 50, 100],
    secondsPerRate: values.seconds ? (positiveInts(values.seconds, '--seconds')[0] ?? 10) : quick ? 2 : 10,
    clients: values.clients ? positiveInts(values.clients, '--clients') : [1],
    chainer: values.chainer ?? false,
    warmupSeconds: quick ? 1 : 2,
    jobs: values.jobs ? (positiveInts(values.jobs, '--jobs')[0] ?? 10_000) : quick ? 1_000 : 10_000,
    dataSizes: values.sizes
      ? dataSizes(values.sizes)
      : quick
        ? [{ requests: 2_000, timeEntries: 10_000 }]
        : [
            { requests: 10_000, timeEntries: 50_000 },
            { requests: 20_000, timeEntries: 100_000 },
            { requests: 50_000, timeEntries: 250_000 },
            { requests: 100_000, timeEntries: 500_000 },
          ],
    historyMonths: values['history-months'] ? (positiveInts(values['history-months'], '--history-months')[0] ?? 36) : 36,
    reportsBudgetSeconds: values['reports-budget'] ? (positiveInts(values['reports-budget'], '--reports-budget')[0] ?? 240) : quick ? 60 : 240,
    // The incident alone takes about four minutes (90 s of load, then Slack's pace).
    deadlineSeconds: (sections.includes('incident') ? (quick ? 420 : 900) : quick ? 240 : 570) + (sections.includes('cold') ? coldRuns * (quick ? 30 : 75) : 0),
    profile: values.profile ?? false,
    coldRuns,
    estimateHistory: values['estimate-history'] ? (positiveInts(values['estimate-history'], '--estimate-history')[0] ?? 2000) : 2000,
  };
}
