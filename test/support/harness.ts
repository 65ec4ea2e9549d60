// Runs the real app for a test file: its own MongoDB database and queue prefix on the shared
// local servers, the Slack fake as the Web API, and a simulator that sends signed requests.
import mongoose from 'mongoose';
import { loadConfig, type Config } from '../../src/config';
import { startWeb, type RunningWeb } from '../../src/main';
import { applySeed } from '../../src/services/seed';
import { SlackFake } from './slackFake';
import { SlackClientSimulator } from './slackRequests';
import { BOT_TOKEN, SIGNING_SECRET, STANDARD_SEED, TRIAGE, testDatabaseUri, testRedisUrl, uniqueName } from './testEnv';

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
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  });
}

export interface TestApp {
  config: Config;
  fake: SlackFake;
  slack: SlackClientSimulator;
  baseUrl: string;
  web: RunningWeb;
  seed(yaml?: string): Promise<void>;
  stop(): Promise<void>;
}

/** `prepare` configures the Slack fake before the app starts (e.g. to serve Socket Mode). */
export async function startTestApp(overrides: Record<string, string> = {}, prepare?: (fake: SlackFake) => void): Promise<TestApp> {
  const fake = new SlackFake();
  await fake.start();
  prepare?.(fake);
  const config = testConfig(fake, overrides);
  const web = await startWeb(config);
  const baseUrl = `http://127.0.0.1:${web.port}`;
  const slack = new SlackClientSimulator({ baseUrl, signingSecret: SIGNING_SECRET, responseUrlBase: fake.baseUrl });
  return {
    config,
    fake,
    slack,
    baseUrl,
    web,
    async seed(yaml = STANDARD_SEED) {
      await applySeed(yaml);
    },
    async stop() {
      await mongoose.connection.db?.dropDatabase().catch(() => undefined);
      await web.stop();
      await fake.stop();
    },
  };
}
