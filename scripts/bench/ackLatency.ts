// Section 1: how fast `/help <text>` is acknowledged, beside a bare Bolt app measured the same
// way. Every app request is real: the seeded client owns the channel, so each one creates a
// request in MongoDB, posts the client and triage messages to the Slack fake and schedules its
// SLA timers in Redis (after the ack, as in production).
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import mongoose from 'mongoose';
import { RequestModel } from '../../src/db/request';
import { TIMERS_QUEUE } from '../../src/jobs/timerScheduler';
import { startWeb } from '../../src/main';
import { linkPendingEvents } from '../../src/services/audit';
import { applySeed } from '../../src/services/seed';
import { CHAIN_EVERY_MS } from '../../src/worker';
import { startBareBolt } from './bareBolt';
import { DISTURBED_CORES, cpuSince, cpuSnapshot, waitForQuiet, type CpuUse } from './cpu';
import { startAppProcess } from '../../test/support/appProcess';
import { BOT_TOKEN, SIGNING_SECRET, benchConfig, benchEnv, databaseUri, uniqueName } from './environment';
import { runLoad, type LoadResult, type LoadSpec } from './loadGenerator';
import type { SlackFakeThread } from './slackFakeThread';
import { countOperations } from './queryShapes';
import { summarize, type LatencySummary } from './stats';

const REQUESTER = 'U0BENCHDEV';
const TEAM_ID = 'T0OURS';
const COMMAND = '/help';
const REQUEST_TIMEOUT_MS = 10_000;
const DRAIN_TIMEOUT_MS = 60_000;
/** What the app acknowledges with when opening the request takes longer than its ack deadline. */
const DEFERRED_ANSWER = 'Working on it';
/** The background work is considered stuck when nothing moved for this long. */
const DRAIN_STALL_MS = 5_000;
/** Before each phase, wait this long at most for other processes to leave the machine alone. */
const QUIET_WAIT_MS = 20_000;

/** BENCH, then BENCHA, BENCHB, …: client keys are capital letters only. */
function benchClients(count: number): Array<{ key: string; channel: string }> {
  return Array.from({ length: count }, (_, i) => {
    const key = i === 0 ? 'BENCH' : `BENCH${String.fromCharCode(64 + Math.ceil(i / 26))}${String.fromCharCode(65 + ((i - 1) % 26))}`.slice(0, 10);
    return { key, channel: `C0${key}` };
  });
}

function seedFor(clients: Array<{ key: string; channel: string }>): string {
  const entries = clients.map((c) => `  - key: ${c.key}\n    name: ${c.key} Ltd\n    channels: [${c.channel}]\n    hourlyRate: 95`);
  return `managers: [U0BENCHMGR]\nengineers: [U0BENCHENG]\nclients:\n${entries.join('\n')}\n`;
}

export interface PhaseResult {
  sent: number;
  ok: number;
  /** Acknowledged in time with "Working on it…", the answer following through response_url. */
  deferred: number;
  errors: LoadResult['errors'];
  firstErrors: string[];
  latencyMs: LatencySummary;
  maxSendLagMs: number;
  cpu: CpuUse;
}

export interface RatePhases {
  ratePerSecond: number;
  seconds: number;
  bolt: PhaseResult;
  app: PhaseResult;
  /** App minus bare Bolt, per percentile, ms. */
  overheadMs: { p50: number | null; p95: number | null; p99: number | null };
  /** After the app's phase: until every request's Slack messages were posted and timers scheduled. */
  appBackgroundDrain: DrainOutcome;
}

export interface DrainOutcome {
  ms: number;
  /** Requests still without their Slack messages or timers when waiting stopped. */
  behind: number;
  done: boolean;
}

export interface AckLatencyResult {
  clients: number;
  /** Whether the audit chainer also ran in the bench process (the worker beside the app runs its own). */
  chainer: boolean;
  /** What one `/help <text>` costs the app, its work after the ack included. */
  perRequest: { mongoOperations: number; byOperation: Record<string, number>; slackCalls: Record<string, number> };
  /** Phases run again because other processes used the machine meanwhile. */
  disturbedRuns: number;
  rates: RatePhases[];
  verification: {
    acknowledgedOpened: number;
    /** Of those, acknowledged with "Working on it…" and answered through response_url. */
    deferred: number;
    responseUrlPosts: number;
    requestsInMongo: number;
    requestsShownInSlack: number;
    requestsWithTimers: number;
    chatPostMessageCalls: number;
    delayedTimerJobs: number;
    allConsistent: boolean;
  };
  target: { ratePerSecond: number; p99LimitMs: number; p99Ms: number | null; errors: number; met: boolean } | null;
}

function phase(result: LoadResult, cpu: CpuUse): PhaseResult {
  return {
    sent: result.sent,
    ok: result.ok,
    deferred: result.deferred,
    errors: result.errors,
    firstErrors: result.firstErrors,
    latencyMs: summarize(result.latenciesMs),
    maxSendLagMs: result.maxSendLagMs,
    cpu,
  };
}

/** Profiles this thread (the app's event loop; the load generator and the Slack fake run in others). */
async function startProfile(): Promise<{ stop: (file: string) => Promise<string> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    stop: async (file) => {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, JSON.stringify(profile));
      return file;
    },
  };
}

const minus = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.round((a - b) * 10) / 10);

/** Waits until every request is posted to Slack and has its timers, nothing moves any more, or the timeout. */
/**
 * Waits until the `acknowledged` requests are all recorded (a `/help <text>` is acknowledged before
 * its write) and shown in Slack with their timers, or until nothing has moved for a while.
 */
async function drain(clientKeys: string[], acknowledged: number): Promise<DrainOutcome> {
  const started = Date.now();
  let last = -1;
  let lastChange = started;
  for (;;) {
    const [recorded, incomplete] = await Promise.all([
      RequestModel.countDocuments({ clientKey: { $in: clientKeys } }),
      RequestModel.countDocuments({
        clientKey: { $in: clientKeys },
        $or: [{ syncedRevision: { $lt: 0 } }, { timersRevision: { $lt: 0 } }],
      }),
    ]);
    const behind = incomplete + Math.max(0, acknowledged - recorded);
    const now = Date.now();
    if (behind === 0) return { ms: now - started, behind, done: true };
    if (behind !== last) {
      last = behind;
      lastChange = now;
    }
    if (now - lastChange > DRAIN_STALL_MS || now - started > DRAIN_TIMEOUT_MS) return { ms: now - started, behind, done: false };
    await sleep(100);
  }
}

export async function measureAckLatency(input: {
  mongodbUri: string;
  redisUrl: string;
  fake: SlackFakeThread;
  rates: number[];
  secondsPerRate: number;
  warmupSeconds: number;
  clients: number;
  /** Runs the audit chainer in this process too, every CHAIN_EVERY_MS (the worker runs its own). */
  chainer: boolean;
  /** Where to write a CPU profile of this thread for each app phase (`--profile`); null for none. */
  profileDir: string | null;
  log: (line: string) => void;
}): Promise<AckLatencyResult> {
  const { fake, log } = input;
  const clients = benchClients(input.clients);
  const clientKeys = clients.map((c) => c.key);
  const queuePrefix = uniqueName('bench-ack-');
  // Slack without limits (the fake thread is started so): the subject here is the acknowledgement,
  // and every request must be delivered within the run, not at one message a second per channel.
  const values = {
    apiUrl: fake.url,
    mongodbUri: databaseUri(input.mongodbUri, uniqueName('bench_ack_')),
    redisUrl: input.redisUrl,
    queuePrefix,
    extra: { SLACK_PACE: 'off' },
  };
  const config = benchConfig(values);
  const web = await startWeb(config);
  // The worker delivers the requests' messages, in a process of its own as in production (it says
  // it is ready at level info).
  const worker = await startAppProcess('worker', 'worker.ts', benchEnv({ ...values, extra: { ...values.extra, LOG_LEVEL: 'info' } }), { build: true }).catch(async (error: unknown) => {
    await web.stop();
    throw error;
  });
  const bolt = await startBareBolt({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, apiUrl: fake.url, command: COMMAND });
  const timersQueue = new Queue(TIMERS_QUEUE, { connection: { url: input.redisUrl }, prefix: queuePrefix });
  let chaining: Promise<unknown> | undefined;
  const chainer = input.chainer
    ? setInterval(() => {
        chaining ??= linkPendingEvents()
          .catch((error: unknown) => log(`ack latency: the chainer failed: ${String(error)}`))
          .finally(() => (chaining = undefined));
      }, CHAIN_EVERY_MS)
    : undefined;
  try {
    await applySeed(seedFor(clients));
    const spec = (label: string, port: number, rate: number, seconds: number, expect?: string): LoadSpec => ({
      label,
      url: `http://127.0.0.1:${port}/slack/events`,
      signingSecret: SIGNING_SECRET,
      ratePerSecond: rate,
      durationMs: seconds * 1000,
      command: COMMAND,
      teamId: TEAM_ID,
      channelIds: clients.map((c) => c.channel),
      userId: REQUESTER,
      responseUrlBase: fake.baseUrl,
      ...(expect ? { expectBodyIncludes: expect, deferredBodyIncludes: DEFERRED_ANSWER } : {}),
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
    // A phase that other processes disturbed anyway is run once more; both runs' requests are real.
    let disturbedRuns = 0;
    const measured = async (load: LoadSpec, onRun: (result: LoadResult) => void = () => undefined, settle: () => Promise<unknown> = async () => undefined) => {
      let measurement: PhaseResult | undefined;
      for (let attempt = 0; attempt < 2; attempt++) {
        const gate = await waitForQuiet(QUIET_WAIT_MS);
        if (!gate.quiet) log(`ack latency: the machine is busy with other processes; measuring ${load.label} anyway`);
        const before = cpuSnapshot();
        const profiler = input.profileDir && load.label.startsWith('app-') ? await startProfile() : null;
        const result = await runLoad(load);
        if (profiler && input.profileDir) log(`ack latency: CPU profile written to ${await profiler.stop(path.join(input.profileDir, `${load.label}.cpuprofile`))}`);
        onRun(result);
        measurement = phase(result, cpuSince(before));
        const others = measurement.cpu.otherProcessesCores;
        if (others === null || others <= DISTURBED_CORES) break;
        disturbedRuns++;
        if (attempt === 0) {
          log(`ack latency: ${load.label} was disturbed (other processes used ${others} cores); running it again`);
          await settle();
        }
      }
      return measurement as PhaseResult;
    };

    // Warm-up (not counted): JIT, keep-alive sockets, Bolt's auth.test, mongoose's and BullMQ's scripts.
    log(`ack latency: warm-up, ${input.warmupSeconds} s at 10 req/s each`);
    const warmBolt = await runLoad(spec('warmup-bolt', bolt.port, 10, input.warmupSeconds));
    const warmApp = await runLoad(spec('warmup-app', web.port, 10, input.warmupSeconds, 'Opened'));
    let acknowledgedOpened = warmApp.ok;
    let deferredTotal = warmApp.deferred;
    if (warmBolt.errors.total + warmApp.errors.total > 0) {
      log(`ack latency: warm-up errors: ${[...warmBolt.firstErrors, ...warmApp.firstErrors].join('; ')}`);
    }
    await drain(clientKeys, acknowledgedOpened);

    // One request on its own, to count what it costs: MongoDB operations and Web API calls.
    const callsBefore = await fake.callCounts();
    const single = await countOperations(async () => {
      const one = await runLoad(spec('single', web.port, 1, 1, 'Opened'));
      acknowledgedOpened += one.ok;
      deferredTotal += one.deferred;
      await sleep(1500); // its work after the ack (Slack messages, timers) is done well within this
    });
    const callsAfter = await fake.callCounts();
    const slackCalls = Object.fromEntries(
      Object.entries(callsAfter)
        .map(([method, count]) => [method, count - (callsBefore[method] ?? 0)] as const)
        .filter(([, count]) => count > 0),
    );
    const perRequest = { mongoOperations: single.total, byOperation: single.byOperation, slackCalls };
    log(`ack latency: one /help costs ${single.total} MongoDB operations and ${JSON.stringify(slackCalls)} Web API calls`);

    const rates: RatePhases[] = [];
    for (const rate of input.rates) {
      log(`ack latency: ${rate} req/s for ${input.secondsPerRate} s, bare Bolt`);
      const bolted = await measured(spec(`bolt-${rate}`, bolt.port, rate, input.secondsPerRate));
      await sleep(500);
      log(`ack latency: ${rate} req/s for ${input.secondsPerRate} s, Ad-hoc Help`);
      const app = await measured(
        spec(`app-${rate}`, web.port, rate, input.secondsPerRate, 'Opened'),
        (result) => {
          acknowledgedOpened += result.ok;
          deferredTotal += result.deferred;
        },
        () => drain(clientKeys, acknowledgedOpened),
      );
      const appBackgroundDrain = await drain(clientKeys, acknowledgedOpened);
      rates.push({
        ratePerSecond: rate,
        seconds: input.secondsPerRate,
        bolt: bolted,
        app,
        overheadMs: {
          p50: minus(app.latencyMs.p50, bolted.latencyMs.p50),
          p95: minus(app.latencyMs.p95, bolted.latencyMs.p95),
          p99: minus(app.latencyMs.p99, bolted.latencyMs.p99),
        },
        appBackgroundDrain,
      });
      log(
        `ack latency: ${rate} req/s: Bolt p99 ${bolted.latencyMs.p99} ms, app p99 ${app.latencyMs.p99} ms, errors ${bolted.errors.total}/${app.errors.total}, ` +
          `app event loop ${Math.round(app.cpu.mainEventLoopBusy * 100)} % busy, servers ${JSON.stringify(app.cpu.servers)} cores; ` +
          `background ${appBackgroundDrain.done ? `done in ${appBackgroundDrain.ms} ms` : `stuck with ${appBackgroundDrain.behind} requests behind`}`,
      );
      await sleep(500);
    }

    const [requestsInMongo, requestsShownInSlack, requestsWithTimers, counts, jobCounts] = await Promise.all([
      RequestModel.countDocuments({ clientKey: { $in: clientKeys } }),
      RequestModel.countDocuments({ clientKey: { $in: clientKeys }, syncedRevision: { $gte: 0 }, clientMessageTs: { $exists: true }, triageMessageTs: { $exists: true } }),
      RequestModel.countDocuments({ clientKey: { $in: clientKeys }, timersRevision: { $gte: 0 } }),
      fake.callCounts(),
      timersQueue.getJobCounts('delayed'),
    ]);
    const chatPostMessageCalls = counts['chat.postMessage'] ?? 0;
    const deferred = deferredTotal;
    const responseUrlPosts = counts.response_url ?? 0;
    const verification = {
      acknowledgedOpened,
      deferred,
      responseUrlPosts,
      requestsInMongo,
      requestsShownInSlack,
      requestsWithTimers,
      chatPostMessageCalls,
      delayedTimerJobs: jobCounts.delayed ?? 0,
      allConsistent:
        requestsInMongo === acknowledgedOpened &&
        requestsShownInSlack === requestsInMongo &&
        requestsWithTimers === requestsInMongo &&
        chatPostMessageCalls === 2 * requestsInMongo &&
        responseUrlPosts === deferred,
    };
    const at50 = rates.find((r) => r.ratePerSecond === 50);
    const target = at50
      ? {
          ratePerSecond: 50,
          p99LimitMs: 250,
          p99Ms: at50.app.latencyMs.p99,
          errors: at50.app.errors.total,
          // "Working on it…" is how /help <text> is acknowledged (its answer follows through the
          // response URL, which the verification counts): an acknowledgement like any other.
          met: at50.app.latencyMs.p99 !== null && at50.app.latencyMs.p99 < 250 && at50.app.errors.total === 0,
        }
      : null;
    return { clients: clients.length, chainer: input.chainer, perRequest, rates, verification, target, disturbedRuns };
  } finally {
    clearInterval(chainer);
    await chaining;
    await timersQueue.obliterate({ force: true }).catch(() => undefined);
    await timersQueue.close().catch(() => undefined);
    await mongoose.connection.db?.dropDatabase().catch(() => undefined);
    await bolt.stop().catch(() => undefined);
    await worker.stop();
    await web.stop();
  }
}
