// A new request's first messages take their turns in Slack's pace before the request is read: in
// a burst into one channel (one message a second) a delivery far from its turn is put off to it
// without reading or rendering anything, and when its turn comes it goes in the slots it holds
// without asking the buckets again.
import mongoose from 'mongoose';
import { Redis } from 'ioredis';
import { RequestModel } from '../../src/db/request';
import { SlackEffectModel } from '../../src/db/slackEffect';
import { bucketFor, type PacedBucket } from '../../src/domain/slackDelivery';
import { deliverEffect } from '../../src/slack/delivery/deliverer';
import { workspaceOf } from '../../src/slack/delivery/pacedFetch';
import { INTERACTIVE_WAIT_MS, PaceLater, paceKeys, SlotBook } from '../../src/slack/delivery/pacer';
import { startTestApp, type TestApp } from '../support/harness';
import { monitorRedis } from '../support/redisMonitor';
import { until } from '../support/until';
import { ACME, TRIAGE } from '../support/testEnv';

let t: TestApp;
let redis: Redis;

beforeAll(async () => {
  // No worker: the test delivers the effect itself, at the moments it chooses.
  t = await startTestApp({}, undefined, { worker: false });
  await t.seed();
  redis = new Redis(t.config.redisUrl);
});
afterAll(async () => {
  mongoose.set('debug', false);
  redis.disconnect();
  await t.stop();
});

/** The chat.postMessage bucket of `channel`, as the paced client computes it for `token`. */
function postBucket(channel: string, token: string | undefined): PacedBucket {
  const bucket = bucketFor('chat.postMessage', { channel }, workspaceOf(token));
  if (!bucket) throw new Error('chat.postMessage is paced');
  return bucket;
}

it('puts a first post far from its turn off to it without reading the request, then posts in the slots it holds', async () => {
  const deps = t.web.effects.deliveryDeps;
  const pacer = deps.pacer!;
  const answer = await t.slack.slashCommand({ text: 'The export button does nothing', user_id: ACME.member, channel_id: ACME.channel });
  expect(answer.status).toBe(200);
  const request = await until(async () => RequestModel.findOne({ title: 'The export button does nothing' }).lean(), 'the request to be recorded');
  const id = `request|${request.key}`;
  // The ask carries where its messages go, while they are not posted.
  const asked = await until(async () => SlackEffectModel.findById(id).lean(), 'its messages to be asked for');
  expect(asked.payload).toEqual({
    key: request.key,
    firstPost: { clientChannelId: ACME.channel, triageChannelId: TRIAGE, ...(request.requesterTeamId ? { teamId: request.requesterTeamId } : {}) },
  });

  // Both channels are busy: 25 messages' worth of turns are taken ahead of it in each.
  const buckets = [
    postBucket(ACME.channel, (await deps.tokens.clientForClientSide(request.requesterTeamId))?.token),
    postBucket(TRIAGE, (await deps.tokens.clientFor())?.token),
  ];
  for (const bucket of buckets) {
    // Each as a delivery of its own (one slot per book).
    for (let i = 0; i < 25; i += 1) await pacer.take(bucket, 'background', new SlotBook()).catch((e: unknown) => expect(e).toBeInstanceOf(PaceLater));
  }

  const reads: string[] = [];
  mongoose.set('debug', (collection: string, method: string) => {
    if (collection === 'requests' || collection === 'clients') reads.push(`${collection}.${method}`);
  });
  const before = Date.now();
  const outcome = await deliverEffect(deps, id);
  mongoose.set('debug', false);

  expect(outcome.status).toBe('later');
  const at = outcome.status === 'later' ? outcome.at.getTime() : 0;
  expect(at - before).toBeGreaterThan(INTERACTIVE_WAIT_MS);
  // Nothing was read (so nothing rendered) to find that out, and nothing was posted.
  expect(reads).toEqual([]);
  expect(t.fake.callsTo('chat.postMessage').filter((c) => [ACME.channel, TRIAGE].includes(String(c.args.channel)))).toEqual([]);
  const postponed = await SlackEffectModel.findById(id).lean();
  expect(postponed?.reservations?.map((r) => r.bucket).sort()).toEqual(buckets.map((b) => b.key).sort());
  expect(postponed?.dueAt.getTime()).toBe(at);

  // Its turn comes (moved to now rather than waited for): it posts both messages in the slots it
  // holds, and asks neither bucket for another turn.
  const turnsBefore = await Promise.all(buckets.map((b) => redis.get(paceKeys(t.config.queuePrefix, b)[0])));
  const now = new Date();
  await SlackEffectModel.updateOne({ _id: id }, { $set: { dueAt: now, reservations: buckets.map((b) => ({ bucket: b.key, at: now })) } });
  expect(await deliverEffect(deps, id)).toEqual({ status: 'done' });
  const shown = await RequestModel.findOne({ key: request.key }).lean();
  expect(shown?.clientMessageTs).toBeTruthy();
  expect(shown?.triageMessageTs).toBeTruthy();
  expect(await Promise.all(buckets.map((b) => redis.get(paceKeys(t.config.queuePrefix, b)[0])))).toEqual(turnsBefore);
}, 30_000);

it('takes a free turn once: the message goes in the slot taken before the read, not in a second one', async () => {
  const deps = t.web.effects.deliveryDeps;
  // The channels are free again.
  const turns = await redis.keys(`${t.config.queuePrefix}:pace:*`);
  if (turns.length > 0) await redis.del(...turns);
  const opened = await t.slack.slashCommand({ text: 'Search returns nothing at all', user_id: ACME.member, channel_id: ACME.channel });
  expect(opened.status).toBe(200);
  const request = await until(async () => RequestModel.findOne({ title: 'Search returns nothing at all' }).lean(), 'the request to be recorded');
  const id = `request|${request.key}`;
  await until(async () => SlackEffectModel.findById(id).lean(), 'its messages to be asked for');

  // Every pacer script run on this app's buckets while it is delivered.
  const monitor = await monitorRedis(t.config.redisUrl);
  try {
    expect(await deliverEffect(deps, id)).toEqual({ status: 'done' });
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    monitor.stop();
  }
  const scripts = monitor.commands
    .filter(([command, , , key]) => /^eval(sha)?$/i.test(command ?? '') && key?.startsWith(`${t.config.queuePrefix}:pace:`))
    .map(([, , , key]) => key!);
  const posts = scripts.filter((k) => k.includes('|chat.postMessage|'));
  expect(posts.filter((k) => k.includes(`|${ACME.channel}}`))).toHaveLength(1);
  expect(posts.filter((k) => k.includes(`|${TRIAGE}}`))).toHaveLength(1);
  expect(t.fake.callsTo('chat.postMessage').filter((c) => c.status === 200 && String(c.args.text).includes(request.key))).toHaveLength(2);
}, 30_000);
