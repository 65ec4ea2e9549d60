// On a host it shares with web processes, the worker yields the CPU to them (WORKER_NICE, 19 by
// default): Slack waits 3 s for a web process, while the worker's deliveries wait on Slack's pace.
import os from 'node:os';
import { applySeed } from '../../src/services/seed';
import { appEnv, freePort, startAppProcess, type AppProcess } from '../support/appProcess';
import { useTestDatabase } from '../support/database';
import { SlackFake } from '../support/slackFake';
import { STANDARD_SEED, testRedisUrl } from '../support/testEnv';

const uri = useTestDatabase(() => applySeed(STANDARD_SEED));
let fake: SlackFake;
const started: AppProcess[] = [];

beforeAll(async () => {
  fake = new SlackFake();
  await fake.start();
});
afterAll(async () => {
  await Promise.all(started.map((p) => p.stop(5000)));
  await fake.stop();
});

async function start(script: 'main.ts' | 'worker.ts', extra: Record<string, string> = {}): Promise<AppProcess> {
  const proc = await startAppProcess(script, script, appEnv(fake.url, uri, testRedisUrl(), { PORT: String(await freePort()), ...extra }));
  started.push(proc);
  return proc;
}

it('runs the worker at nice 19 and the web process as it was started', async () => {
  const [worker, web] = await Promise.all([start('worker.ts'), start('main.ts')]);
  expect(os.getPriority(worker.child.pid)).toBe(19);
  expect(worker.output.join('\n')).toContain('Running at a lower CPU priority than the web processes');
  expect(os.getPriority(web.child.pid)).toBe(os.getPriority(process.pid));
}, 60_000);

it('takes WORKER_NICE, and leaves the worker alone at 0', async () => {
  const [gentle, unchanged] = await Promise.all([start('worker.ts', { WORKER_NICE: '5' }), start('worker.ts', { WORKER_NICE: '0' })]);
  expect(os.getPriority(gentle.child.pid)).toBe(5);
  expect(os.getPriority(unchanged.child.pid)).toBe(os.getPriority(process.pid));
}, 60_000);
