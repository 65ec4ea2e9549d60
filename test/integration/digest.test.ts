// Two workers, one digest: the weekly job may be delivered to either worker, and even a second
// job for the same week (a retry, a manual run) sends nothing more.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { JOB_WEEKLY_DIGEST, MAINTENANCE_QUEUE } from '../../src/jobs/queues';
import { startWorker, type RunningWorker } from '../../src/worker';
import { openByCommand } from '../support/flows';
import { startTestApp, type TestApp } from '../support/harness';
import { ACME, STAFF } from '../support/testEnv';

let t: TestApp;
let workers: RunningWorker[] = [];

beforeAll(async () => {
  t = await startTestApp();
  await t.seed();
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await t.stop();
});

it('is sent once to the managers however many workers run', async () => {
  await openByCommand(t, 'Something for the backlog', ACME.member, ACME.channel);
  workers = await Promise.all([startWorker(t.config), startWorker(t.config)]);
  const redis = new Redis(t.config.redisUrl);
  const queue = new Queue(MAINTENANCE_QUEUE, { connection: redis, prefix: t.config.queuePrefix });
  try {
    await Promise.all([queue.add(JOB_WEEKLY_DIGEST, {}), queue.add(JOB_WEEKLY_DIGEST, {}), queue.add(JOB_WEEKLY_DIGEST, {})]);
    const [digest] = await t.fake.waitFor('chat.postMessage', (c) => c.args.channel === STAFF.manager && /Weekly digest/.test(String(c.args.text)));
    expect(JSON.stringify(digest?.args.blocks)).toContain('Backlog by age');
    // Wait until all three jobs are done, then count.
    for (let i = 0; i < 100 && ((await queue.getJobCounts('completed')).completed ?? 0) < 3; i++) await new Promise((r) => setTimeout(r, 50));
    const digests = t.fake.callsTo('chat.postMessage').filter((c) => /Weekly digest/.test(String(c.args.text)));
    expect(digests).toHaveLength(1);
  } finally {
    await queue.close();
    redis.disconnect();
  }
});
