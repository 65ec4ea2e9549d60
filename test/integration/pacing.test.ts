// Effects waiting for a channel behind Slack's pace (one message a second) each get their own slot
// in the channel's bucket: every one is woken once, when its turn comes, and goes without asking the
// bucket again. The figure of issue 22 in miniature: many /help into one channel under Slack's
// published limits; the tries must stay about one per effect, not grow with the backlog.
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { DELIVERY_QUEUE } from '../../src/jobs/deliveryQueue';
import { RequestModel } from '../../src/db/request';
import { SlackEffectModel } from '../../src/db/slackEffect';
import { startTestApp, type TestApp } from '../support/harness';
import { ACME, TRIAGE } from '../support/testEnv';

const REQUESTS = 14;

let t: TestApp;
let monitor: Redis | undefined;
let events: QueueEvents | undefined;

beforeAll(async () => {
  t = await startTestApp();
  await t.seed();
});
afterAll(async () => {
  monitor?.disconnect();
  await events?.close();
  await t.stop();
});

it('wakes each effect waiting for a busy channel once, at its slot, and asks the bucket once for it', async () => {
  // Every pacer script run on a chat.postMessage bucket of this app (its queue prefix), by channel.
  const scripts: Record<string, number> = {};
  const client = new Redis(t.config.redisUrl);
  monitor = await client.monitor();
  client.disconnect();
  monitor.on('monitor', (_time: string, args: string[]) => {
    const [command, , , key] = args;
    if (!/^eval(sha)?$/i.test(command ?? '') || !key?.startsWith(`${t.config.queuePrefix}:pace:`)) return;
    const channel = /\|chat\.postMessage\|([A-Z0-9]+)/.exec(key)?.[1];
    if (channel) scripts[channel] = (scripts[channel] ?? 0) + 1;
  });
  // Every time a delivery was put off (Slack's pace, a thread not posted yet): one lease write each.
  let postponed = 0;
  events = new QueueEvents(DELIVERY_QUEUE, { connection: { url: t.config.redisUrl }, prefix: t.config.queuePrefix });
  await events.waitUntilReady();
  events.on('delayed', () => (postponed += 1));

  const started = Date.now();
  const answers = await Promise.all(
    Array.from({ length: REQUESTS }, (_, i) => t.slack.slashCommand({ text: `Checkout is failing, report ${i}`, user_id: ACME.member, channel_id: ACME.channel })),
  );
  expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));

  // Every request shown in both channels, each root once.
  for (;;) {
    const shown = await RequestModel.countDocuments({ clientMessageTs: { $ne: null }, triageMessageTs: { $ne: null } });
    if (shown === REQUESTS) break;
    if (Date.now() - started > 60_000) throw new Error(`only ${shown} of ${REQUESTS} requests were shown in 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (Date.now() - started) / 1000;
  process.stderr.write(`[pacing] ${seconds} s, scripts ${JSON.stringify(scripts)}, postponed ${postponed}\n`);
  const roots = (channel: string) => t.fake.callsTo('chat.postMessage').filter((c) => c.status === 200 && c.args.channel === channel && c.args.thread_ts === undefined);
  expect(roots(ACME.channel)).toHaveLength(REQUESTS);
  expect(roots(TRIAGE)).toHaveLength(REQUESTS);
  expect(t.fake.rateLimited()).toEqual([]);
  // At Slack's pace: about one a second after the burst, not slower.
  expect(seconds).toBeLessThan(REQUESTS * 1.1 + 8);

  // One turn asked of each channel's bucket per message, and one postponement per request at most
  // (each request's effect waits for both channels' slots, which come about together).
  expect(scripts[ACME.channel]).toBeGreaterThanOrEqual(REQUESTS);
  expect(scripts[ACME.channel]).toBeLessThanOrEqual(REQUESTS + 2);
  expect(scripts[TRIAGE]).toBeGreaterThanOrEqual(REQUESTS);
  expect(scripts[TRIAGE]).toBeLessThanOrEqual(REQUESTS + 2);
  // The last requests' turns come later than a delivery waits in place: those are postponed to them.
  expect(postponed).toBeGreaterThan(0);
  expect(postponed).toBeLessThanOrEqual(REQUESTS + 2);
  // A delivered effect keeps no slot.
  expect(await SlackEffectModel.countDocuments({ state: 'done', 'reservations.0': { $exists: true } })).toBe(0);
}, 90_000);
