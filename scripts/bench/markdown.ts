// The results as Markdown tables (stdout, and what the README's Speed section shows).
import type { AckLatencyResult } from './ackLatency';
import type { AuditAppendPhase } from './auditAppend';
import type { EstimatesResult } from './estimates';
import { MIN_SIMILAR } from '../../src/domain/estimateSuggestion';
import { DISTURBED_CORES, type CpuUse } from './cpu';
import type { MachineInfo } from './environment';
import type { ColdStartSummary, IncidentSection } from './incident';
import type { MemoryPeak } from './memory';
import type { ReportsResult } from './reports';
import type { TimerJobsResult } from './timerJobs';

export interface BenchResults {
  startedAt: string;
  finishedAt?: string;
  mode: 'quick' | 'full';
  seconds?: number;
  /** os.loadavg() when the run started: 1, 5 and 15 minutes. */
  loadAverageAtStart: number[];
  /** The whole run; otherProcessesCores says how much other work shared the machine. */
  cpu?: CpuUse;
  machine?: MachineInfo;
  /** One per `--clients` count. */
  ack?: AckLatencyResult[];
  audit?: AuditAppendPhase[];
  jobs?: TimerJobsResult;
  reports?: ReportsResult;
  incident?: IncidentSection;
  /** `--only cold`: cold starts alone, `--cold-runs` of them. */
  cold?: Pick<IncidentSection, 'coldStarts'>;
  estimates?: EstimatesResult;
  errors: Array<{ section: string; message: string }>;
}

const n = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined ? '–' : value.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (value: number | null | undefined) => n(value, 1);
const four = (s: { p50: number | null; p95: number | null; p99: number | null; max?: number | null }) =>
  [s.p50, s.p95, s.p99, ...(s.max !== undefined ? [s.max] : [])].map(ms).join(' / ');
const memory = (m: MemoryPeak) => `${n(m.rssPeakMb)} MB (+${n(m.rssPeakDeltaMb)}) / ${n(m.heapUsedPeakMb)} MB`;

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function machineLines(machine: MachineInfo): string {
  return [
    `- CPU: ${machine.nproc} cores (\`nproc\`), ${machine.cpuModel}`,
    `- memory (\`free -h\`): ${machine.memory}`,
    `- Node.js ${machine.node} on ${machine.platform}`,
    `- MongoDB-wire server: ${machine.mongodb}`,
    `- ${machine.redis}${machine.loopbackRoundTripMs !== null ? `; a PING round trip over loopback takes ${n(machine.loopbackRoundTripMs, 2)} ms (median)` : ''}`,
  ].join('\n');
}

function cpuCell(cpu: AckLatencyResult['rates'][number]['app']['cpu']): string {
  const servers = Object.entries(cpu.servers)
    .map(([name, cores]) => `${name} ${n(cores, 2)}`)
    .join(', ');
  const others = cpu.otherProcessesCores !== null && cpu.otherProcessesCores > DISTURBED_CORES ? ` (**others ${n(cpu.otherProcessesCores, 2)}**)` : '';
  return `${n(cpu.mainEventLoopBusy * 100)} % / ${n(cpu.nodeProcessCores, 2)}${servers ? ` / ${servers}` : ''}${others}`;
}

function ackSection(ack: AckLatencyResult): string {
  const seconds = ack.rates[0]?.seconds ?? 0;
  const rows = ack.rates.map((r) => [
    `${r.ratePerSecond}/s`,
    `${n(r.bolt.sent)} / ${n(r.app.sent)}`,
    four(r.bolt.latencyMs),
    four(r.app.latencyMs),
    four(r.overheadMs),
    `${r.bolt.errors.total} / ${r.app.errors.total}${r.app.deferred ? ` (+${n(r.app.deferred)} "Working on it…")` : ''}`,
    cpuCell(r.app.cpu),
    r.appBackgroundDrain.done ? `done ${n(r.appBackgroundDrain.ms)} ms after` : `**${n(r.appBackgroundDrain.behind)} requests never shown**`,
  ]);
  const v = ack.verification;
  const lines = [
    `### 1. Acknowledgement latency of \`/help <text>\``,
    '',
    `Open loop, ${seconds} s per rate, ${ack.clients === 1 ? 'one client channel' : `spread over ${ack.clients} client channels`}; milliseconds from the moment each request was due to the end of its HTTP response, p50 / p95 / p99 / max. ` +
      'The app runs in the bench process, a worker process (from the build) beside it delivering its messages, against a Slack fake without limits (SLACK_PACE=off), so that every request is posted within the run. ' +
      'CPU during the app\'s phase: its event loop busy / the Node process (app, load generator and Slack fake threads) in cores / each server in cores.',
    '',
    table(['rate', 'sent (Bolt / app)', 'bare Bolt', 'Ad-hoc Help', 'app − Bolt (p50 / p95 / p99)', 'errors (Bolt / app)', 'CPU in the app phase', 'posting to Slack and timers'], rows),
    '',
  ];
  if (ack.disturbedRuns) lines.push(`${ack.disturbedRuns} phase run(s) were disturbed by other processes and run again; the table shows the last run.`, '');
  if (ack.target) {
    lines.push(
      `Target p99 < ${ack.target.p99LimitMs} ms at ${ack.target.ratePerSecond} req/s: **${ms(ack.target.p99Ms)} ms${ack.target.errors ? ` and ${ack.target.errors} errors` : ''}, ${ack.target.met ? 'met' : 'missed'}**.` +
        ' Latencies count every in-time acknowledgement, "Working on it…" ones included.',
    );
  }
  const slack = Object.entries(ack.perRequest.slackCalls)
    .map(([method, count]) => `${count} \`${method}\``)
    .join(', ');
  const operations = Object.entries(ack.perRequest.byOperation)
    .sort(([, a], [, b]) => b - a)
    .map(([op, count]) => `${op} ×${count}`)
    .join(', ');
  lines.push(`One \`/help <text>\` on its own costs the app **${ack.perRequest.mongoOperations} MongoDB operations** (${operations}) and ${slack || 'no'} Web API calls, most of them after the ack.`);
  const unacknowledged = v.requestsInMongo - v.acknowledgedOpened;
  lines.push(
    `Checked afterwards: ${n(v.acknowledgedOpened)} requests acknowledged (warm-up included; ${n(v.deferred)} of them with "Working on it…" and the answer later through response_url: ${n(v.responseUrlPosts)} posts), ${n(v.requestsInMongo)} requests in MongoDB, ` +
      `${n(v.requestsShownInSlack)} posted to both channels (${n(v.chatPostMessageCalls)} \`chat.postMessage\` calls to the fake), ` +
      `${n(v.requestsWithTimers)} with timers scheduled (${n(v.delayedTimerJobs)} delayed jobs).` +
      (v.allConsistent
        ? ' Every request was real and complete.'
        : ` **${n(unacknowledged)} requests were created but not acknowledged in time, and ${n(v.requestsInMongo - v.requestsShownInSlack)} were never posted to Slack by the worker.**`),
  );
  const failures = ack.rates.flatMap((r) => [...r.bolt.firstErrors, ...r.app.firstErrors]).slice(0, 3);
  if (failures.length) {
    const bolt404 = failures.some((f) => f.includes('HTTP 404')) ? ' (Bolt answers 404 itself when a listener has not acknowledged within 3 s)' : '';
    lines.push('', `First errors: ${failures.map((f) => `\`${f.replace(/`/g, "'")}\``).join('; ')}${bolt404}.`);
  }
  return lines.join('\n');
}

/** The app's ack p50 / p99 per rate, one row per client count: one client's chain against several. */
function ackByClients(acks: AckLatencyResult[]): string {
  const rows = acks.flatMap((a) =>
    a.rates.map((r) => [`${a.clients}`, `${r.ratePerSecond}/s`, ms(r.app.latencyMs.p50), ms(r.app.latencyMs.p99), `${r.app.errors.total}${r.app.deferred ? ` (+${n(r.app.deferred)} "Working on it…")` : ''}`, cpuCell(r.app.cpu)]),
  );
  return [`### 1b. Ad-hoc Help's ack by client channels${acks[0]?.chainer ? ' (the audit chainer running in the bench process)' : ''}`, '', table(['client channels', 'rate', 'p50 ms', 'p99 ms', 'errors', 'CPU in the app phase'], rows)].join('\n');
}

function auditSection(phases: AuditAppendPhase[]): string {
  return [
    '### 1c. Recording an audit event (`recordAudit` alone, open loop), milliseconds',
    '',
    table(
      ['chains', 'rate', 'p50 / p95 / p99 / max'],
      phases.map((p) => [`${p.chains}`, `${p.ratePerSecond}/s for ${p.seconds} s`, four(p.latencyMs)]),
    ),
  ].join('\n');
}

function jobsSection(jobs: TimerJobsResult): string {
  return [
    '### 2. Scheduling and cancelling reminder jobs',
    '',
    table(
      ['operation', 'jobs', 'in flight', 'seconds', 'jobs/s', 'delayed jobs after'],
      jobs.measurements.map((m) => [m.operation, n(m.jobs), String(m.inFlight), n(m.seconds, 2), `**${n(m.jobsPerSecond)}**`, n(m.delayedAfter)]),
    ),
  ].join('\n');
}

function reportsSection(reports: ReportsResult): string {
  const rows = reports.tiers.map((t) => [
    `${n(t.size.requests)} / ${n(t.size.estimates)} / ${n(t.size.timeEntries)}`,
    `${n(t.load.seconds, 1)} s (${n(t.load.documentsPerSecond)} docs/s)`,
    `**${n(t.digest.seconds, 2)} s** (${n(t.digest.result.opened)} opened, ${n(t.digest.result.closed)} closed, ${n(t.digest.result.backlog)} open)`,
    memory(t.digest.memory),
    `**${n(t.billing.seconds, 2)} s** (${t.billing.result.clientKey} ${t.billing.result.period}, ${n(t.billing.result.lines)} lines)`,
    memory(t.billing.memory),
    `**${n(t.managerHome.seconds, 2)} s** (${n(t.managerHome.result.unclaimedQueue)} unclaimed)`,
  ]);
  const last = reports.tiers[reports.tiers.length - 1];
  const lines = [
    '### 3. Weekly digest and monthly billing',
    '',
    `Server: ${reports.server}. Synthetic history: 20 clients (the largest has about a fifth of the requests) over ${reports.history.months} months, ${reports.history.from.slice(0, 10)} – ${reports.history.to.slice(0, 10)}.`,
    `Digest: \`digestFor\` for the week ${last ? `${last.digest.result.from.slice(0, 10)} – ${last.digest.result.to.slice(0, 10)}` : ''} (Europe/London). Billing: ${reports.billingImplementation}, for the largest client and its busiest month.`,
    'Memory: peak RSS sampled every 50 ms (rise over the start of the call) / peak `heapUsed`. ' +
      "Manager Home: `homeFor` for a manager (the last 7 days' digest plus every unclaimed request), which `refreshHomes` rebuilds after every request change for each staff member who has opened the Home tab.",
    '',
    table(['measured data set (requests / estimates / time entries)', 'load (insertMany)', 'digest', 'digest memory', 'billing summary', 'billing memory', 'manager Home (`homeFor`)'], rows),
  ];
  const calls = reports.tiers.flatMap((t) => [t.digest, t.billing, t.managerHome]);
  if (calls.length) {
    const busy = calls.map((c) => c.cpu.mainEventLoopBusy * 100);
    const server = calls.map((c) => Object.entries(c.cpu.servers).filter(([name]) => name !== 'redis-server').reduce((sum, [, cores]) => sum + cores, 0));
    lines.push(
      '',
      `During these calls the app's event loop was busy ${n(Math.min(...busy))}–${n(Math.max(...busy))} % of the time and the MongoDB-wire server used ${n(Math.min(...server), 2)}–${n(Math.max(...server), 2)} cores: the time is spent in the server's query engine.`,
    );
  }
  for (const skipped of reports.notMeasured) {
    lines.push('', `**Not measured: ${n(skipped.size.requests)} requests / ${n(skipped.size.timeEntries)} time entries** — ${skipped.reason}.`);
  }
  if (last) {
    const queryRows = [
      ...last.digest.queries.map((q) => ['digest', q]),
      ...last.billing.queries.map((q) => ['billing', q]),
      ...last.managerHome.queries.map((q) => ['manager Home', q]),
    ].map(([call, q]) => {
      const query = q as (typeof last.digest.queries)[number];
      const index = query.index === null ? '**none: collection scan**' : query.index.startsWith('none needed') ? query.index : query.index.split(' or ').map((name) => `\`${name}\``).join(' or ');
      return [String(call), `${query.collection}.${query.method}`, `\`${query.shape}\``, index];
    });
    lines.push(
      '',
      `Queries sent (largest measured size) and the declared index that would serve each on MongoDB (mongo-java-server uses unique indexes only, so there every other query scans):`,
      '',
      table(['call', 'collection', 'filter', 'index'], queryRows),
    );
  }
  lines.push('', `Declared indexes (\`schema.indexes()\`): ${reports.indexes.map((i) => `\`${i.collection}.${i.index}\`${i.unique ? ' (unique)' : ''}`).join(', ')}.`);
  return lines.join('\n');
}

function incidentSection(section: IncidentSection): string {
  const lines = ['### 4. An incident against a Slack that enforces its limits, and a cold start', ''];
  const i = section.incident;
  if (i) {
    const ratio = i.minimumSeconds > 0 ? i.convergenceSeconds / i.minimumSeconds : null;
    const calls = Object.entries(i.callsByMethod)
      .sort(([, a], [, b]) => b - a)
      .map(([method, count]) => `${count} \`${method}\``)
      .join(', ');
    lines.push(
      `${i.requests} \`/help\` over ${i.seconds} s across three client channels, each claimed by one of two engineers as soon as its triage message appeared, six Home tabs open, the request modal opened ${i.modals.asked} times; ` +
        `${i.webs} web processes behind a round-robin and ${i.workers} workers (both from the build, as production runs them), against the Slack fake enforcing Slack's published limits (each bucket holding a minute's quota).`,
      '',
      table(
        ['429s received', 'every message shows its engineer', "Slack's limits allow at best", 'ratio', 'after the last claim', 'ack p50 / p95 / p99 / max', 'second root messages', 'modals opened'],
        [
          [
            `**${n(i.rateLimited)}**${i.rateLimited ? ` (${JSON.stringify(i.rateLimitedByMethod)})` : ''}`,
            `**${n(i.convergenceSeconds, 1)} s**${i.unconverged ? ` (**${i.unconverged} requests not converged**)` : ''}`,
            `${n(i.minimumSeconds, 1)} s`,
            ratio === null ? '–' : `${n(ratio, 2)}×`,
            `${n(i.afterLastClaimSeconds, 1)} s`,
            four(i.ackMs),
            n(i.duplicateRoots),
            `${i.modals.opened} / ${i.modals.asked}`,
          ],
        ],
      ),
      '',
      `The app made ${calls}. "At best" is the shortest time Slack's limits allow for those chat calls, each as soon as the person's action that needed it was made.`,
    );
  }
  if (section.coldStarts.length > 0) lines.push('', ...coldStartLines(section.coldStarts));
  return lines.join('\n');
}

function warmTargetMet(c: ColdStartSummary): boolean {
  const boltP99 = c.bareBolt?.latencyMs.p99 ?? null;
  return !!c.warm && boltP99 !== null && c.warm.latencyMs.p99 !== null && c.warm.latencyMs.p99 < 3 * boltP99 && c.warm.errors === 0;
}

/** The cold starts' table: cold, warm and bare Bolt for each, and whether each met its target. */
function coldStartLines(coldStarts: ColdStartSummary[]): string[] {
  const first = coldStarts[0];
  const deferred = (p: { deferred: number }) => (p.deferred ? ` (${n(p.deferred)} "Working on it…")` : '');
  return [
    `Cold start: a web process launched from the build as production runs it (\`node dist/src/main.js\`)${first?.worker ? ', a worker process running beside it' : ''}, loaded from the moment it listens with ${first?.ratePerSecond ?? 0} \`/help <text>\` a second from one client into one channel, for ${first?.seconds ?? 0} s (cold), then ${first?.seconds ?? 0} s more (warm), open loop; then bare Bolt at the same rate in the same run. Milliseconds; targets: cold p99 < 250 ms, warm p99 < 3× bare Bolt's:`,
    '',
    table(
      ['MongoDB-wire server', 'listening after', 'phase', 'sent / acknowledged / errors', 'p50 / p95 / p99 / max', 'target'],
      coldStarts.flatMap((c) => [
        [c.database, `${n(c.startMs)} ms`, 'cold', `${n(c.sent)} / ${n(c.ok)} / ${n(c.errors)}${deferred(c)}`, `**${four(c.latencyMs)}**`, c.latencyMs.p99 !== null && c.latencyMs.p99 < 250 && c.errors === 0 ? 'met' : '**missed**'],
        ...(c.warm ? [['', '', 'warm', `${n(c.warm.sent)} / ${n(c.warm.ok)} / ${n(c.warm.errors)}${deferred(c.warm)}`, `**${four(c.warm.latencyMs)}**`, warmTargetMet(c) ? 'met' : '**missed**']] : []),
        ...(c.bareBolt ? [['', '', 'bare Bolt', `${n(c.bareBolt.sent)} / ${n(c.bareBolt.ok)} / ${n(c.bareBolt.errors)}`, four(c.bareBolt.latencyMs), '']] : []),
      ]),
    ),
    ...coldStarts.flatMap((c) =>
      ([['cold', c.firstErrors], ['warm', c.warm.firstErrors], ['bare Bolt', c.bareBolt.firstErrors]] as const).flatMap(([phase, errors]) =>
        errors.length > 0 ? ['', `Errors (${phase}, database ${c.database}): ${errors.map((e) => `\`${e}\``).join('; ')}`] : [],
      ),
    ),
  ];
}

function coldSection(section: Pick<IncidentSection, 'coldStarts'>): string {
  const runs = section.coldStarts;
  const lines = ['### 4b. Cold starts, one after the other', '', ...coldStartLines(runs)];
  const p99s = runs.map((c) => c.warm?.latencyMs.p99).filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
  const targets = runs.map((c) => c.bareBolt?.latencyMs.p99).filter((v): v is number => typeof v === 'number').map((v) => 3 * v).sort((a, b) => a - b);
  if (p99s.length > 0) {
    const median = p99s[Math.floor((p99s.length - 1) / 2)] ?? null;
    lines.push(
      '',
      `Over the ${runs.length} runs: warm p99 ${p99s.map((v) => n(v, 1)).join(', ')} ms (median ${n(median, 1)}), against 3× bare Bolt's p99 of ${n(targets[0] ?? null, 1)}–${n(targets[targets.length - 1] ?? null, 1)} ms; ` +
        `the warm target met in **${runs.filter(warmTargetMet).length} of ${runs.length}**, the cold target in **${runs.filter((c) => c.latencyMs.p99 !== null && c.latencyMs.p99 < 250 && c.errors === 0).length} of ${runs.length}**.`,
    );
  }
  return lines.join('\n');
}

/** The most CPU other processes used during any one measurement, in cores. */
export function worstOtherLoad(results: BenchResults): number | null {
  const phases: Array<CpuUse | undefined> = [
    ...(results.ack?.flatMap((a) => a.rates.flatMap((r) => [r.bolt.cpu, r.app.cpu])) ?? []),
    ...(results.jobs?.measurements.map((m) => m.cpu) ?? []),
    ...(results.reports?.tiers.flatMap((t) => [t.digest.cpu, t.billing.cpu, t.managerHome.cpu]) ?? []),
  ];
  const values = phases.map((c) => c?.otherProcessesCores).filter((v): v is number => typeof v === 'number');
  return values.length ? Math.max(...values) : null;
}


const percent = (share: number | null) => (share === null ? '–' : `${n(share * 100, 1)} %`);
const minutes = (value: number | null) => (value === null ? '–' : `${n(value)} min`);

export function estimatesSection(e: EstimatesResult): string {
  const covered = e.predictors[0]?.covered.requests ?? 0;
  return [
    '### 5. Estimate hints: leave-one-out over a synthetic history',
    '',
    `${n(e.requests)} **synthetic** closed requests of ${e.clients} clients (seed ${e.seed}; scripts/bench/estimates.ts says how they are made). ` +
      'Each request in turn is taken out of the index and estimated from the others with the product\'s code; the error is |prediction − real billable minutes|. ' +
      `Suggestions need ${MIN_SIMILAR} similar requests at similarity ≥ ${e.threshold}: ${percent(e.coverage)} of the requests got one (${n(covered)}); ` +
      `the real time was at or under the suggested 80th percentile for ${percent(e.underP80)} of them.`,
    '',
    table(
      ['prediction', 'requests with a suggestion: median absolute error (relative)', 'all requests: median absolute error (relative)'],
      e.predictors.map((p) => [
        p.name,
        `${minutes(p.covered.medianAbsoluteError)} (${percent(p.covered.medianRelativeError)}), ${n(p.covered.requests)} requests`,
        `${minutes(p.all.medianAbsoluteError)} (${percent(p.all.medianRelativeError)}), ${n(p.all.requests)} requests`,
      ]),
    ),
    '',
    'The same run at other similarity thresholds (the product uses the one in bold):',
    '',
    table(
      ['threshold', 'coverage', 'suggestion', "client's median (same requests)"],
      e.thresholds.map((t) => [t.threshold === e.threshold ? `**${t.threshold}**` : String(t.threshold), percent(t.coverage), minutes(t.suggestionError), minutes(t.clientMedianError)]),
    ),
    '',
    `(${n(e.seconds, 1)} s, ${n(e.msPerSearch, 2)} ms per search of the index.)`,
  ].join('\n');
}

export function renderMarkdown(results: BenchResults): string {
  const parts = [`## Bench results (${results.mode} run, ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC${results.seconds ? `, ${Math.round(results.seconds)} s` : ''})`];
  if (results.machine) {
    const worst = worstOtherLoad(results);
    const others = results.cpu?.otherProcessesCores;
    const quiet =
      others === null || others === undefined
        ? ''
        : `\n- other processes on the machine: ${n(others, 2)} cores on average during the run, at most ${n(worst, 2)} during one measurement` +
          (worst !== null && worst > DISTURBED_CORES ? ' — **the machine was not quiet: these numbers are disturbed; run again when it is idle**' : ' (quiet)');
    parts.push(machineLines(results.machine) + quiet);
  }
  for (const ack of results.ack ?? []) parts.push(ackSection(ack));
  if ((results.ack?.length ?? 0) > 1) parts.push(ackByClients(results.ack ?? []));
  if (results.audit) parts.push(auditSection(results.audit));
  if (results.jobs) parts.push(jobsSection(results.jobs));
  if (results.reports) parts.push(reportsSection(results.reports));
  if (results.incident) parts.push(incidentSection(results.incident));
  if (results.cold) parts.push(coldSection(results.cold));
  if (results.estimates) parts.push(estimatesSection(results.estimates));
  for (const error of results.errors) parts.push(`**${error.section} failed:** ${error.message}`);
  return `${parts.join('\n\n')}\n`;
}
