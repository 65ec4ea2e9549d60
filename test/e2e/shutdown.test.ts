// SIGTERM while a request is being worked: the HTTP answer still comes, the listener finishes its
// Slack calls, and the process exits 0. And with Redis gone before SIGTERM, the web and worker
// processes still exit within SHUTDOWN_TIMEOUT_MS (not wait for ever on a Redis that is gone).
import mongoose from 'mongoose';
import { startRedisServer } from '../../scripts/services';
import { connectDatabase, disconnectDatabase } from '../../src/db/connection';
import { RequestModel } from '../../src/db/request';
import { findEffect } from '../../src/services/outbox';
import { applySeed } from '../../src/services/seed';
import { appEnv, freePort, startAppProcess, type AppProcess, type AppScript } from '../support/appProcess';
import { SlackFake } from '../support/slackFake';
import { SlackClientSimulator } from '../support/slackRequests';
import { ACME, SIGNING_SECRET, STANDARD_SEED, testDatabaseUri, testRedisUrl } from '../support/testEnv';

let fake: SlackFake;
let uri: string;
let proc: AppProcess | undefined;

beforeEach(async () => {
  fake = new SlackFake();
  await fake.start();
  uri = testDatabaseUri();
  await connectDatabase(uri);
  await applySeed(STANDARD_SEED);
});
afterEach(async () => {
  proc?.child.kill('SIGKILL');
  proc = undefined;
  await mongoose.connection.db?.dropDatabase();
  await disconnectDatabase();
  await fake.stop();
});

it('finishes in-flight work on SIGTERM, then exits 0', async () => {
  const port = await freePort();
  proc = await startAppProcess('web', 'main.ts', appEnv(fake.url, uri, testRedisUrl(), { PORT: String(port) }));
  // Slack is slow: each Web API call takes 700 ms, so the listener is still posting when we stop.
  fake.setLatency(700);
  const slack = new SlackClientSimulator({ baseUrl: `http://127.0.0.1:${port}`, signingSecret: SIGNING_SECRET });
  const res = await slack.slashCommand({ text: 'Stop me if you can', user_id: ACME.member, channel_id: ACME.channel });
  expect(res.status).toBe(200);
  proc.child.kill('SIGTERM');
  expect(await proc.exited).toBe(0);
  // The listener finished: the request and the Slack messages it owes are recorded, for a
  // worker to deliver (the web process posts nothing itself).
  const stored = await RequestModel.findOne({ clientKey: 'ACME' }).lean();
  expect(stored).toMatchObject({ state: 'open', title: 'Stop me if you can' });
  expect(await findEffect(`request|${stored?.key}`)).toMatchObject({ state: 'pending', kind: 'request' });
  expect(fake.callsTo('chat.postMessage')).toHaveLength(0);
  expect(proc.output.join('\n')).toContain('web is shutting down');
}, 40_000);

describe('with Redis gone before SIGTERM', () => {
  const SHUTDOWN_TIMEOUT_MS = 3000;

  it.each<[string, AppScript]>([
    ['worker', 'worker.ts'],
    ['web', 'main.ts'],
  ])('the %s process exits within SHUTDOWN_TIMEOUT_MS', async (name, script) => {
    const redis = await startRedisServer();
    try {
      proc = await startAppProcess(name, script, appEnv(fake.url, uri, redis.url, { PORT: String(await freePort()), SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) }));
      await redis.stop();
      // Long enough for its connections to notice Redis is gone and start reconnecting.
      await new Promise((r) => setTimeout(r, 1000));
      const signalledAt = Date.now();
      proc.child.kill('SIGTERM');
      const code = await Promise.race([proc.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 30_000))]);
      const seconds = (Date.now() - signalledAt) / 1000;
      // The bound is the process's own (its stop gives up at SHUTDOWN_TIMEOUT_MS, a last resort
      // 2 s later exits anyway); the worker was still running 30 s later.
      expect(code).not.toBe('still running');
      expect(seconds).toBeLessThan(SHUTDOWN_TIMEOUT_MS / 1000 + 2.5);
      expect(proc.output.join('\n')).toContain('is shutting down');
    } finally {
      await redis.stop();
    }
  }, 60_000);
});
