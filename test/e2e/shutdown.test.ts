// SIGTERM while a request is being worked: the HTTP answer still comes, the listener finishes its
// Slack calls, and the process exits 0. And with Redis gone before SIGTERM, the web and worker
// processes still exit within SHUTDOWN_TIMEOUT_MS (not wait for ever on a Redis that is gone).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import mongoose from 'mongoose';
import { connectDatabase, disconnectDatabase } from '../../src/db/connection';
import { RequestModel } from '../../src/db/request';
import { findEffect } from '../../src/services/slackEffects';
import { applySeed } from '../../src/services/seed';
import { SlackFake } from '../support/slackFake';
import { startRedisServer } from '../../scripts/services';
import { SlackClientSimulator } from '../support/slackRequests';
import { ACME, BOT_TOKEN, SIGNING_SECRET, STANDARD_SEED, TRIAGE, testDatabaseUri, testRedisUrl, uniqueName } from '../support/testEnv';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

it('finishes in-flight work on SIGTERM, then exits 0', async () => {
  const fake = new SlackFake();
  await fake.start();
  const uri = testDatabaseUri();
  await connectDatabase(uri);
  await applySeed(STANDARD_SEED);
  const port = await freePort();
  const child = spawn(path.join(__dirname, '../../node_modules/.bin/tsx'), [path.join(__dirname, '../../src/main.ts')], {
    env: {
      PATH: process.env.PATH ?? '',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.url,
      PORT: String(port),
      MONGODB_URI: uri,
      REDIS_URL: testRedisUrl(),
      TRIAGE_CHANNEL_ID: TRIAGE,
      QUEUE_PREFIX: uniqueName('q'),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`app did not start:\n${output}`)), 20_000);
      child.stdout.on('data', () => {
        if (output.includes('is listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    // Slack is slow: each Web API call takes 700 ms, so the listener is still posting when we stop.
    fake.setLatency(700);
    const slack = new SlackClientSimulator({ baseUrl: `http://127.0.0.1:${port}`, signingSecret: SIGNING_SECRET });
    const answer = slack.slashCommand({ text: 'Stop me if you can', user_id: ACME.member, channel_id: ACME.channel });
    const res = await answer;
    expect(res.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // The listener finished: the request and the Slack messages it owes are recorded, for a
    // worker to deliver (the web process posts nothing itself).
    const stored = await RequestModel.findOne({ clientKey: 'ACME' }).lean();
    expect(stored).toMatchObject({ state: 'open', title: 'Stop me if you can' });
    expect(await findEffect(`request|${stored?.key}`)).toMatchObject({ state: 'pending', kind: 'request' });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(0);
    expect(output).toContain('web is shutting down');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await mongoose.connection.db?.dropDatabase();
    await disconnectDatabase();
    await fake.stop();
  }
}, 40_000);

describe('with Redis gone before SIGTERM', () => {
  const SHUTDOWN_TIMEOUT_MS = 3000;

  it.each([
    ['worker', 'worker.ts', 'Worker is taking jobs'],
    ['web', 'main.ts', 'is listening'],
  ])('the %s process exits within SHUTDOWN_TIMEOUT_MS', async (_name, script, ready) => {
    const fake = new SlackFake();
    await fake.start();
    const redis = await startRedisServer();
    const uri = testDatabaseUri();
    await connectDatabase(uri);
    await applySeed(STANDARD_SEED);
    const child = spawn(path.join(__dirname, '../../node_modules/.bin/tsx'), [path.join(__dirname, '../../src', script)], {
      env: {
        PATH: process.env.PATH ?? '',
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fake.url,
        PORT: String(await freePort()),
        MONGODB_URI: uri,
        REDIS_URL: redis.url,
        TRIAGE_CHANNEL_ID: TRIAGE,
        QUEUE_PREFIX: uniqueName('q'),
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${output}`)), 30_000);
        const check = () => {
          if (output.includes(ready)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on('data', check);
        check();
      });
      await redis.stop();
      // Long enough for its connections to notice Redis is gone and start reconnecting.
      await new Promise((r) => setTimeout(r, 1000));
      const signalledAt = Date.now();
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 30_000))]);
      const seconds = (Date.now() - signalledAt) / 1000;
      // The bound is the process's own (its stop gives up at SHUTDOWN_TIMEOUT_MS, a last resort
      // 2 s later exits anyway); the worker was still running 30 s later.
      expect(code).not.toBe('still running');
      expect(seconds).toBeLessThan(SHUTDOWN_TIMEOUT_MS / 1000 + 2.5);
      expect(output).toContain('is shutting down');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await redis.stop().catch(() => undefined);
      await mongoose.connection.db?.dropDatabase();
      await disconnectDatabase();
      await fake.stop();
    }
  }, 60_000);
});
