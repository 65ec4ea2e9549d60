// The worker process starts, connects, schedules its maintenance jobs once however many run, and
// shuts down cleanly on SIGTERM.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config';
import { JOB_MONTHLY_BILLING, JOB_RESYNC_SLACK, JOB_WEEKLY_DIGEST, MAINTENANCE_QUEUE } from '../../src/jobs/queues';
import { startWorker } from '../../src/worker';
import { BOT_TOKEN, SIGNING_SECRET, TRIAGE, testDatabaseUri, testRedisUrl, uniqueName } from '../support/testEnv';

function workerEnv(prefix: string): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: 'http://127.0.0.1:9/api/',
    MONGODB_URI: testDatabaseUri(),
    REDIS_URL: testRedisUrl(),
    TRIAGE_CHANNEL_ID: TRIAGE,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'info',
  };
}

describe('worker', () => {
  it('two workers in one process share one job scheduler and stop cleanly', async () => {
    const prefix = uniqueName('q');
    const config = loadConfig({ ...workerEnv(prefix), LOG_LEVEL: 'silent' });
    const [a, b] = await Promise.all([startWorker(config), startWorker(config)]);
    const redis = new Redis(config.redisUrl);
    const queue = new Queue(MAINTENANCE_QUEUE, { connection: redis, prefix });
    try {
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => s.key).sort()).toEqual([JOB_MONTHLY_BILLING, JOB_RESYNC_SLACK, JOB_WEEKLY_DIGEST].sort());
      expect(schedulers.find((s) => s.key === JOB_MONTHLY_BILLING)).toMatchObject({ pattern: '0 * * * *' });
      expect(schedulers.find((s) => s.key === JOB_WEEKLY_DIGEST)).toMatchObject({ pattern: '0 9 * * 1', tz: 'Europe/London' });
    } finally {
      await queue.close();
      redis.disconnect();
      await a.stop();
      await b.stop();
    }
  });

  it('runs as its own process and exits 0 on SIGTERM', async () => {
    // Node itself with tsx's loader, as in production (node dist/src/worker.js): the tsx command
    // is a parent that relays signals, and under load it sometimes died of the SIGTERM itself.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../../src/worker.ts')], {
      env: { PATH: process.env.PATH ?? '', ...workerEnv(uniqueName('q')) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), 20_000);
      child.stdout.on('data', () => {
        if (output.includes('Worker is taking jobs')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(output).toContain('worker is shutting down');
  });
});
