// `npm run bench`: measures the app on this machine and reports as JSON (.bench/results.json) and
// as Markdown tables (stdout): 1. how fast `/help <text>` is acknowledged next to a bare Bolt app,
// 2. how fast reminder jobs are scheduled and cancelled, 3. the weekly digest and the monthly
// billing summary over a large synthetic history, 4. a web process's first seconds under load and
// an incident against a Slack fake that enforces Slack's limits (two web processes, two workers),
// 5. how close estimate hints come to what requests really took (leave-one-out over a synthetic
// history; in process, no servers: `--only estimates` starts none).
// Starts its own MongoDB-wire server and Redis
// (or uses MONGODB_URI / REDIS_URL), sends load to 127.0.0.1 only, and stops everything it started.
// Progress goes to stderr. `--quick` is a smoke test; `--help` lists the options.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureAckLatency } from './bench/ackLatency';
import { measureAuditAppend } from './bench/auditAppend';
import { measureColdStart, measureIncident } from './bench/incident';
import { cpuSince, cpuSnapshot } from './bench/cpu';
import { describeMongo, describeRedis, machineInfo } from './bench/environment';
import { renderMarkdown, type BenchResults } from './bench/markdown';
import { measureEstimates } from './bench/estimates';
import { IN_PROCESS_SECTIONS, parseBenchOptions } from './bench/options';
import { measureReports } from './bench/reports';
import { startSlackFakeThread, type SlackFakeThread } from './bench/slackFakeThread';
import { measureTimerJobs } from './bench/timerJobs';
import { startLocalServices, type LocalServices } from './services';

const RESULTS_DIR = path.join(__dirname, '..', '.bench');
const RESULTS_FILE = path.join(RESULTS_DIR, 'results.json');
/** Time kept back at the end of the run for shutting down and writing the results. */
const SHUTDOWN_RESERVE_MS = 30_000;

async function main(): Promise<number> {
  const options = parseBenchOptions(process.argv.slice(2));
  const startedAt = Date.now();
  const deadline = startedAt + options.deadlineSeconds * 1000;
  const results: BenchResults = {
    startedAt: new Date(startedAt).toISOString(),
    mode: options.quick ? 'quick' : 'full',
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    errors: [],
  };
  let cpuAtStart = cpuSnapshot();
  const log = (line: string) => process.stderr.write(`[bench ${Math.round((Date.now() - startedAt) / 1000)}s] ${line}\n`);

  let services: LocalServices | undefined;
  let fake: SlackFakeThread | undefined;
  let stopping: Promise<void> | undefined;
  const stopAll = () => {
    stopping ??= (async () => {
      await fake?.stop().catch(() => undefined);
      await services?.stop().catch(() => undefined);
    })();
    return stopping;
  };
  let finished = false;
  const finish = (reason?: string) => {
    if (finished) return;
    finished = true;
    if (reason) results.errors.push({ section: 'run', message: reason });
    results.finishedAt = new Date().toISOString();
    results.cpu ??= cpuSince(cpuAtStart);
    results.seconds = (Date.now() - startedAt) / 1000;
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(renderMarkdown(results));
    log(`results written to ${path.relative(process.cwd(), RESULTS_FILE)}`);
  };

  // A hard stop: whatever is running, the run ends with what it has measured so far.
  const watchdog = setTimeout(() => {
    log(`the run passed its ${options.deadlineSeconds} s limit; stopping with what it has`);
    finish(`stopped after ${options.deadlineSeconds} s, before every section finished`);
    void stopAll().finally(() => process.exit(1));
  }, options.deadlineSeconds * 1000);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the services the bench started`);
      void stopAll().finally(() => process.exit(130));
    });
  }

  if (options.sections.includes('estimates')) {
    try {
      results.estimates = measureEstimates(options.estimateHistory, log);
    } catch (error) {
      results.errors.push({ section: 'estimate hints', message: String(error instanceof Error ? error.stack : error) });
      log(`estimate hints failed: ${String(error)}`);
    }
  }
  if (options.sections.every((section) => IN_PROCESS_SECTIONS.includes(section))) {
    // Nothing left that needs servers: none are started.
    clearTimeout(watchdog);
    finish();
    return results.errors.length === 0 ? 0 : 1;
  }

  try {
    log(`starting MongoDB-wire and Redis servers${process.env.MONGODB_URI || process.env.REDIS_URL ? ' (or using MONGODB_URI / REDIS_URL)' : ''}`);
    services = await startLocalServices(process.env);
    const [mongodb, redis] = await Promise.all([
      describeMongo(services.mongodbUri, !process.env.MONGODB_URI),
      describeRedis(services.redisUrl, !process.env.REDIS_URL),
    ]);
    results.machine = machineInfo(mongodb, redis.description, redis.roundTripMs);
    cpuAtStart = cpuSnapshot(); // now that the servers run, their CPU counts as ours
    fake = await startSlackFakeThread({ rateLimits: false });

    if (options.sections.includes('ack')) {
      for (const clients of options.clients) {
        try {
          const ack = await measureAckLatency({
            mongodbUri: services.mongodbUri,
            redisUrl: services.redisUrl,
            fake,
            rates: options.rates,
            secondsPerRate: options.secondsPerRate,
            warmupSeconds: options.warmupSeconds,
            clients,
            chainer: options.chainer,
            profileDir: options.profile ? RESULTS_DIR : null,
            log,
          });
          (results.ack ??= []).push(ack);
        } catch (error) {
          results.errors.push({ section: `acknowledgement latency (${clients} client channels)`, message: String(error instanceof Error ? error.stack : error) });
          log(`acknowledgement latency failed: ${String(error)}`);
        }
      }
    }
    if (options.sections.includes('audit')) {
      try {
        results.audit = await measureAuditAppend({ mongodbUri: services.mongodbUri, seconds: options.secondsPerRate, log });
      } catch (error) {
        results.errors.push({ section: 'audit appends', message: String(error instanceof Error ? error.stack : error) });
        log(`audit appends failed: ${String(error)}`);
      }
    }
    if (options.sections.includes('jobs')) {
      try {
        results.jobs = await measureTimerJobs({ mongodbUri: services.mongodbUri, redisUrl: services.redisUrl, apiUrl: fake.url, jobs: options.jobs, log });
      } catch (error) {
        results.errors.push({ section: 'reminder jobs', message: String(error instanceof Error ? error.stack : error) });
        log(`reminder jobs failed: ${String(error)}`);
      }
    }
    if (options.sections.includes('reports')) {
      const left = (deadline - Date.now() - SHUTDOWN_RESERVE_MS) / 1000;
      const budgetSeconds = Math.max(10, Math.min(options.reportsBudgetSeconds, left));
      try {
        results.reports = await measureReports({ mongodbUri: services.mongodbUri, server: mongodb.replace(/ \(.*$/, ''), sizes: options.dataSizes, historyMonths: options.historyMonths, budgetSeconds, log });
      } catch (error) {
        results.errors.push({ section: 'digest and billing', message: String(error instanceof Error ? error.stack : error) });
        log(`digest and billing failed: ${String(error)}`);
      }
    }
    if (options.sections.includes('incident')) {
      const input = { mongodbUri: services.mongodbUri, redisUrl: services.redisUrl, quick: options.quick, log };
      const section: NonNullable<BenchResults['incident']> = { coldStarts: [] };
      results.incident = section;
      // A fresh web process, first while the database server is fresh too (as when everything
      // starts at once), then again once the incident has warmed it (a deploy against a running database).
      const coldStart = async (database: 'just started' | 'warm') => {
        try {
          log(`cold start: a fresh web process under load from its first second (database ${database})`);
          section.coldStarts.push(await measureColdStart(input, database));
        } catch (error) {
          results.errors.push({ section: 'cold start', message: String(error instanceof Error ? error.stack : error) });
          log(`cold start failed: ${String(error)}`);
        }
      };
      await coldStart('just started');
      try {
        section.incident = await measureIncident(input);
      } catch (error) {
        results.errors.push({ section: 'incident', message: String(error instanceof Error ? error.stack : error) });
        log(`incident failed: ${String(error)}`);
      }
      await coldStart('warm');
    }
    if (options.sections.includes('cold')) {
      // Cold starts alone, one after the other: the acknowledgements' tail varies from run to run
      // on a shared two-core machine, so the target is judged over several.
      const input = { mongodbUri: services.mongodbUri, redisUrl: services.redisUrl, quick: options.quick, log };
      const section: NonNullable<BenchResults['cold']> = { coldStarts: [] };
      results.cold = section;
      for (let run = 0; run < options.coldRuns; run++) {
        // The bench started the database server; a section before this one has warmed it.
        const database = run === 0 && options.sections.every((s) => s === 'cold' || s === 'estimates') ? 'just started' : 'warm';
        try {
          log(`cold start ${run + 1} of ${options.coldRuns} (database ${database})`);
          section.coldStarts.push(await measureColdStart(input, database));
        } catch (error) {
          results.errors.push({ section: `cold start ${run + 1}`, message: String(error instanceof Error ? error.stack : error) });
          log(`cold start ${run + 1} failed: ${String(error)}`);
        }
      }
    }
  } catch (error) {
    results.errors.push({ section: 'set-up', message: String(error instanceof Error ? error.stack : error) });
  } finally {
    results.cpu = cpuSince(cpuAtStart); // before the servers stop, or their CPU would count as others'
    log('stopping the Slack fake and the servers the bench started');
    await stopAll();
    clearTimeout(watchdog);
  }
  finish();
  return results.errors.length === 0 ? 0 : 1;
}

main()
  .then((code) => {
    process.exitCode = code;
    // Everything is closed by now; if a stray handle keeps Node alive, do not hang the terminal.
    setTimeout(() => {
      process.stderr.write('[bench] something was still open after the run; exiting anyway\n');
      process.exit(code);
    }, 5000).unref();
  })
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
