// Runs the real app for a test file: its own MongoDB database and queue prefix on the shared
// local servers, the Slack fake as the Web API, and a simulator that sends signed requests.
import { Queue } from 'bullmq';
import { createRedisConnection } from '../../src/jobs/redis';
import mongoose from 'mongoose';
import { loadConfig, type Config } from '../../src/config';
import { JOB_MONTHLY_BILLING, MAINTENANCE_QUEUE } from '../../src/jobs/queues';
import { startWeb, type RunningWeb } from '../../src/main';
import { startWorker, type RunningWorker } from '../../src/worker';
import { applySeed } from '../../src/services/seed';
import { SlackFake } from './slackFake';
import { SlackClientSimulator } from './slackRequests';
import { ACME, ACME_ORG, BETA, BOT_TOKEN, SIGNING_SECRET, STANDARD_SEED, TRIAGE, testDatabaseUri, testRedisUrl, uniqueName } from './testEnv';

export * from './testEnv';

export function testConfig(fake: SlackFake, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.url,
    PORT: '0',
    MONGODB_URI: testDatabaseUri(),
    REDIS_URL: testRedisUrl(),
    TRIAGE_CHANNEL_ID: TRIAGE,
    QUEUE_PREFIX: uniqueName('q'),
    // Kept, and printed only when a test fails (test/support/testLogs.ts).
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    // Home tabs every second rather than every five, so tests need not wait.
    HOME_REFRESH_INTERVAL_MS: '1000',
    // A file's last deliveries may be waiting for Slack's pace (a person's up to 10 s) when it
    // stops: what they would post is not looked at any more, so the processes stop within 2 s.
    SHUTDOWN_TIMEOUT_MS: '2000',
    ...overrides,
  });
}

/**
 * For a test whose subject is not Slack's limits and that makes more calls than Slack allows in
 * its few seconds (it must say why): the fake does not limit and the app does not pace.
 */
export const UNLIMITED_SLACK = { SLACK_PACE: 'off' } as const;

export interface TestApp {
  config: Config;
  fake: SlackFake;
  slack: SlackClientSimulator;
  baseUrl: string;
  web: RunningWeb;
  /** The worker that delivers Slack effects and runs the jobs (undefined with `{ worker: false }`). */
  worker: RunningWorker | undefined;
  seed(yaml?: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The web process and a worker, as deployed (the web records Slack effects, the worker delivers
 * them). `prepare` configures the Slack fake before the app starts (e.g. to serve Socket Mode).
 */
/**
 * Who the standard seed's client people are in Slack: Acme's from Acme's own organisation (a
 * Slack Connect channel), Beta's a guest of our workspace. Anyone not declared is one of our own
 * full members, as Slack would say of them.
 */
export function declareClientPeople(fake: SlackFake, people: { fromAcme?: string[]; guests?: string[] } = {}): void {
  for (const id of [ACME.boss, ACME.member, ...(people.fromAcme ?? [])]) fake.setUser({ id, team_id: ACME_ORG });
  for (const id of [BETA.member, ...(people.guests ?? [])]) fake.setUser({ id, is_restricted: true });
}

/**
 * The monthly billing run is an hourly calendar job: left scheduled, it would run for real at the
 * top of any hour a test file spans and post drafts nobody asked for in the middle of its
 * assertions. Tests run it with the time they mean (runMonthlyBilling(effects, now)).
 */
async function withoutHourlyBillingRun(config: Config): Promise<void> {
  const connection = createRedisConnection(config.redis, { forWorker: true });
  const queue = new Queue(MAINTENANCE_QUEUE, { connection, prefix: config.queuePrefix });
  try {
    await queue.removeJobScheduler(JOB_MONTHLY_BILLING);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

export async function startTestApp(overrides: Record<string, string> = {}, prepare?: (fake: SlackFake) => void, options: { worker?: boolean } = {}): Promise<TestApp> {
  // An app that does not pace itself needs a Slack that does not limit (see UNLIMITED_SLACK).
  const fake = new SlackFake({ rateLimits: overrides.SLACK_PACE !== 'off' });
  await fake.start();
  declareClientPeople(fake);
  prepare?.(fake);
  const config = testConfig(fake, overrides);
  const web = await startWeb(config);
  const worker = options.worker === false ? undefined : await startWorker(config);
  if (worker) await withoutHourlyBillingRun(config);
  const baseUrl = `http://127.0.0.1:${web.port}`;
  const slack = new SlackClientSimulator({ baseUrl, signingSecret: SIGNING_SECRET, responseUrlBase: fake.baseUrl, followDeferred: (url) => fake.answerAt(url) });
  return {
    config,
    fake,
    slack,
    baseUrl,
    web,
    worker,
    async seed(yaml = STANDARD_SEED) {
      await applySeed(yaml);
    },
    async stop() {
      await worker?.stop();
      await mongoose.connection.db?.dropDatabase().catch(() => undefined);
      await web.stop();
      await fake.stop();
    },
  };
}
