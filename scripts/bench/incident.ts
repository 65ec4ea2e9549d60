// Section 4: an incident against a Slack that enforces its published limits (the scenario of
// test/support/incident.ts: `/help` bursts across three client channels, each claimed as soon as
// it appears, six Home tabs, modals; two web processes and two workers), and a web process's
// first 20 s after start under 100 `/help` a second. What it reports: the 429s Slack had to
// answer, how long until every message showed its engineer against the shortest time Slack's
// limits allow, and the acknowledgement latency.
import mongoose from 'mongoose';
import { applySeed } from '../../src/services/seed';
import { appEnv, freePort, startAppProcess } from '../../test/support/appProcess';
import { runIncident } from '../../test/support/incident';
import { SlackFake } from '../../test/support/slackFake';
import { SIGNING_SECRET } from '../../test/support/testEnv';
import { databaseUri, uniqueName } from './environment';
import { runLoad } from './loadGenerator';
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

export interface ColdStartSummary {
  /** Whether the MongoDB-wire server had just started too (its JVM cold) or had served the incident. */
  database: 'just started' | 'warm';
  ratePerSecond: number;
  seconds: number;
  /** From `node` starting to the web process listening, ms. */
  startMs: number;
  sent: number;
  ok: number;
  errors: number;
  latencyMs: LatencySummary;
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
      const result = await runIncident({ fake, mongodbUri: uri, redisUrl: input.redisUrl, webs: 2, workers: 2, requests, seconds, modals: 3, settleSeconds: 120, log: (line) => input.log(`incident: ${line}`) });
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

/** A web process started from nothing, loaded from its first second: `/help <text>` at `rate` a second. */
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
      const launchedAt = Date.now();
      const web = await startAppProcess('web', 'main.ts', appEnv(fake.url, uri, input.redisUrl, { PORT: String(port) }));
      try {
        const startMs = Date.now() - launchedAt;
        input.log(`cold start: listening after ${startMs} ms; ${rate} /help a second for its first ${seconds} s`);
        const result = await runLoad({
          label: 'cold-start',
          url: `http://127.0.0.1:${port}/slack/events`,
          signingSecret: SIGNING_SECRET,
          ratePerSecond: rate,
          durationMs: seconds * 1000,
          command: '/help',
          teamId: 'T0OURS',
          channelIds: [channel],
          userId: 'U0COLDDEV',
          responseUrlBase: fake.baseUrl,
          expectBodyIncludes: 'Opened',
          deferredBodyIncludes: 'Working on it',
          timeoutMs: 10_000,
        });
        return { database, ratePerSecond: rate, seconds, startMs, sent: result.sent, ok: result.ok, errors: result.errors.total, latencyMs: summarize(result.latenciesMs) };
      } finally {
        await web.stop();
      }
    });
  } finally {
    await fake.stop();
  }
}
