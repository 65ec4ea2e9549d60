// Section 4: an incident against a Slack that enforces its published limits (the scenario of
// test/support/incident.ts: `/help` bursts across three client channels, each claimed as soon as
// it appears, six Home tabs, modals; two web processes and two workers), and a web process's
// first 20 s after start under 100 `/help` a second from one client, a worker running beside it,
// then 20 s more warm, with bare Bolt at the same rate in the same run. What it reports: the 429s
// Slack had to answer, how long until every message showed its engineer against the shortest time
// Slack's limits allow, and the acknowledgement latencies, cold, warm and bare Bolt's.
import mongoose from 'mongoose';
import { applySeed } from '../../src/services/seed';
import { appEnv, freePort, startAppProcess } from '../../test/support/appProcess';
import { runIncident } from '../../test/support/incident';
import { SlackFake } from '../../test/support/slackFake';
import { BOT_TOKEN, SIGNING_SECRET } from '../../test/support/testEnv';
import { databaseUri, uniqueName } from './environment';
import { startBareBolt } from './bareBolt';
import { runLoad, type LoadResult } from './loadGenerator';
import { summarize, type LatencySummary } from './stats';

export interface IncidentSummary {
  requests: number;
  seconds: number;
  webs: number;
  workers: number;
  ackMs: LatencySummary;
  failedAcks: number;
  requestsCreated: number;
  modals: { asked: number; opened: number };
  /** 429s Slack answered the app (it paces itself, so 0 is the aim). */
  rateLimited: number;
  rateLimitedByMethod: Record<string, number>;
  callsByMethod: Record<string, number>;
  /** From the first `/help` until every message showed its engineer, s. */
  convergenceSeconds: number;
  /** The shortest time Slack's limits allow for those calls, s. */
  minimumSeconds: number;
  afterLastClaimSeconds: number;
  duplicateRoots: number;
  unconverged: number;
}

/** One load phase's acknowledgements. */
export interface AckPhase {
  sent: number;
  ok: number;
  errors: number;
  /** Acknowledged in time with "Working on it…", the answer following through response_url (counted in ok). */
  deferred: number;
  latencyMs: LatencySummary;
  /** What the first failures were (status, timeout, network error or unexpected answer). */
  firstErrors: string[];
}

export interface ColdStartSummary {
  /** Whether the MongoDB-wire server had just started too (its JVM cold) or had served the incident. */
  database: 'just started' | 'warm';
  ratePerSecond: number;
  seconds: number;
  /** A worker process ran beside the web process, delivering what it recorded (into one channel, at Slack's pace). */
  worker: boolean;
  /** From `node` starting to the web process listening (its warm-up included), ms. */
  startMs: number;
  sent: number;
  ok: number;
  errors: number;
  deferred: number;
  /** The first `seconds` after the process listens. */
  latencyMs: LatencySummary;
  firstErrors: string[];
  /** The next `seconds`, same process, same rate: warm. */
  warm: AckPhase;
  /** Bare Bolt (an ack and nothing else), same rate, same client, same run. */
  bareBolt: AckPhase;
}

export interface IncidentSection {
  incident?: IncidentSummary;
  coldStarts: ColdStartSummary[];
}

export interface IncidentInput {
  mongodbUri: string;
  redisUrl: string;
  quick: boolean;
  log: (line: string) => void;
}

async function withDatabase<T>(base: string, work: (uri: string) => Promise<T>): Promise<T> {
  const uri = databaseUri(base, uniqueName('bench_incident_'));
  await mongoose.connect(uri);
  try {
    return await work(uri);
  } finally {
    await mongoose.connection.db?.dropDatabase().catch(() => undefined);
    await mongoose.disconnect();
  }
}

export async function measureIncident(input: IncidentInput): Promise<IncidentSummary> {
  const requests = input.quick ? 20 : 100;
  const seconds = input.quick ? 18 : 90;
  const fake = new SlackFake();
  await fake.start();
  try {
    return await withDatabase(input.mongodbUri, async (uri) => {
      const result = await runIncident({ fake, mongodbUri: uri, redisUrl: input.redisUrl, webs: 2, workers: 2, requests, seconds, modals: 3, settleSeconds: 120, build: true, log: (line) => input.log(`incident: ${line}`) });
      const rateLimited = Object.values(result.rateLimited).reduce((a, b) => a + b, 0);
      for (const problem of result.problems.slice(0, 5)) input.log(`incident: ${problem}`);
      return {
        requests,
        seconds,
        webs: 2,
        workers: 2,
        ackMs: summarize(result.acks),
        failedAcks: result.failedAcks.length,
        requestsCreated: result.requestsCreated,
        modals: { asked: result.modalsAsked, opened: result.modalsOpened },
        rateLimited,
        rateLimitedByMethod: result.rateLimited,
        callsByMethod: result.callsByMethod,
        convergenceSeconds: result.convergenceSeconds,
        minimumSeconds: result.minimumSeconds,
        afterLastClaimSeconds: result.afterLastClaimSeconds,
        duplicateRoots: result.duplicateRoots.length,
        unconverged: result.unconverged.length,
      };
    });
  } finally {
    await fake.stop();
  }
}

function phase(result: LoadResult): AckPhase {
  return { sent: result.sent, ok: result.ok, errors: result.errors.total, deferred: result.deferred, latencyMs: summarize(result.latenciesMs), firstErrors: result.firstErrors };
}

/**
 * A web process started from nothing, with a worker running beside it, loaded from its first
 * second: `/help <text>` at `rate` a second, from one client into one channel, for `seconds`
 * (cold), then as long again (warm); then bare Bolt at the same rate, for the baseline.
 */
export async function measureColdStart(input: IncidentInput, database: ColdStartSummary['database']): Promise<ColdStartSummary> {
  const rate = input.quick ? 50 : 100;
  const seconds = input.quick ? 5 : 20;
  const fake = new SlackFake();
  await fake.start();
  try {
    return await withDatabase(input.mongodbUri, async (uri) => {
      const channel = 'C0COLD';
      await applySeed(`managers: [U0COLDMGR]\nengineers: [U0COLDENG]\nclients:\n  - key: COLD\n    name: Cold Ltd\n    channels: [${channel}]\n    hourlyRate: 95\n`);
      const port = await freePort();
      const env = appEnv(fake.url, uri, input.redisUrl, { PORT: String(port) });
      const worker = await startAppProcess('worker', 'worker.ts', env, { build: true });
      const load = (label: string, url: string) =>
        runLoad({
          label,
          url,
          signingSecret: SIGNING_SECRET,
          ratePerSecond: rate,
          durationMs: seconds * 1000,
          command: '/help',
          teamId: 'T0OURS',
          channelIds: [channel],
          userId: 'U0COLDDEV',
          responseUrlBase: fake.baseUrl,
          expectBodyIncludes: label === 'bare-bolt' ? undefined : 'Opened',
          deferredBodyIncludes: 'Working on it',
          timeoutMs: 10_000,
        });
      let cold: LoadResult;
      let warm: LoadResult;
      let startMs: number;
      try {
        const launchedAt = Date.now();
        const web = await startAppProcess('web', 'main.ts', env, { build: true });
        try {
          startMs = Date.now() - launchedAt;
          input.log(`cold start: listening after ${startMs} ms, a worker beside it; ${rate} /help a second for its first ${seconds} s, then ${seconds} s more warm`);
          cold = await load('cold-start', `http://127.0.0.1:${port}/slack/events`);
          warm = await load('warm', `http://127.0.0.1:${port}/slack/events`);
        } finally {
          await web.stop();
        }
      } finally {
        await worker.stop();
      }
      input.log(`cold start: bare Bolt at ${rate} /help a second for ${seconds} s`);
      const bolt = await startBareBolt({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, apiUrl: fake.url, command: '/help' });
      let bare: LoadResult;
      try {
        bare = await load('bare-bolt', `http://127.0.0.1:${bolt.port}/slack/events`);
      } finally {
        await bolt.stop();
      }
      return { database, ratePerSecond: rate, seconds, worker: true, startMs, ...phase(cold), warm: phase(warm), bareBolt: phase(bare) };
    });
  } finally {
    await fake.stop();
  }
}
