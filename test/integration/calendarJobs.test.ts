// The calendar jobs. Two workers, one digest: the weekly job may be delivered to either worker,
// and even a second job for the same week (a retry, a manual run) sends nothing more. The
// monthly billing run posts each active client's draft with its CSV, once.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ClientModel } from '../../src/db/client';
import { ScheduledRunModel } from '../../src/db/scheduledRun';
import { SlackEffectModel } from '../../src/db/slackEffect';
import { JOB_WEEKLY_DIGEST, MAINTENANCE_QUEUE } from '../../src/jobs/queues';
import { findEffect } from '../../src/services/slackEffects';
import { runMonthlyBilling } from '../../src/slack/billingRun';
import { ACTION } from '../../src/slack/ids';
import { startWorker, type RunningWorker } from '../../src/worker';
import { clickAndSettle, clickForModal, openByCommand, submitAndSettle, submit } from '../support/flows';
import { startTestApp, type TestApp } from '../support/harness';
import { ACME, STAFF, TRIAGE } from '../support/testEnv';
import { dmChannelId } from '../support/slackFake';

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

it('posts last month\'s draft summary of each active client to the managers with its CSV, once', async () => {
  // A request worked and closed this month (November 2026 in London when the suite runs then;
  // the run below is told it is the 1st of the next month).
  const key = await openByCommand(t, 'Billing run material', ACME.member, ACME.channel);
  await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
  const say = (text: string, user: string = STAFF.engineer) => t.slack.slashCommand({ text, user_id: user, channel_id: TRIAGE });
  await say(`estimate ${key} 1h`);
  const [estimate] = await t.fake.waitFor('chat.postMessage', (c) => String(c.args.text).includes(`v1 for ${key}`));
  const id = /"action_id":"estimate_approve","value":"([0-9a-f]{24})"/.exec(JSON.stringify(estimate?.args.blocks))?.[1] ?? '';
  await clickAndSettle(t, { user: ACME.boss, channel: ACME.channel, actionId: ACTION.approveEstimate, value: id, key });
  await say(`log 50m ${key} done`);
  const modal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.resolve, value: key });
  await submitAndSettle(key, () => submit(t, STAFF.engineer, modal, { resolution: 'Fixed' }));
  await clickAndSettle(t, { user: ACME.member, channel: ACME.channel, actionId: ACTION.confirm, value: key, key });

  const thisMonth = new Date();
  const firstOfNext = new Date(Date.UTC(thisMonth.getUTCFullYear(), thisMonth.getUTCMonth() + 1, 1, 8, 0));
  const [first, second] = await Promise.all([runMonthlyBilling(t.web.effects, firstOfNext), runMonthlyBilling(t.web.effects, firstOfNext)]);
  // Two workers may both run the month; each post has an id of its own, so Slack gets it once.
  for (const run of [first, second]) if (run !== 'already_ran') expect(run).toMatchObject({ posted: ['ACME'] });
  expect(await runMonthlyBilling(t.web.effects, firstOfNext)).toBe('already_ran');
  await t.fake.waitFor('files.completeUploadExternal', undefined, { timeoutMs: 10_000 });
  const toManager = (c: { args: Record<string, unknown> }) => [STAFF.manager, dmChannelId(STAFF.manager)].includes(String(c.args.channel));
  const summaries = t.fake.callsTo('chat.postMessage').filter((c) => toManager(c) && JSON.stringify(c.args.blocks ?? []).includes(key));
  expect(summaries).toHaveLength(1);
  const csv = t.fake.uploadedFiles().find((f) => f.content.includes(key));
  // 50 logged minutes round up to 60 (15-minute increments, 30 minimum), capped at the 60
  // approved: 1h at £95 = 95.00.
  expect(csv?.content).toMatch(new RegExp(`${key},.*,60,95\\.00`));
  expect(JSON.stringify(summaries[0]?.args.blocks)).not.toContain("isn't over yet");

  // #14, defect 9: the run goes at 08:00 on the 1st in DEFAULT_TIMEZONE (London), when it is still
  // the last day of the month in Honolulu: such a client's draft must not look final. Run the
  // month again, as if for the first time, with Acme in Honolulu.
  const period = (first === 'already_ran' ? second : first) as { period: string };
  await ClientModel.updateOne({ key: 'ACME' }, { $set: { timezone: 'Pacific/Honolulu' } });
  await ScheduledRunModel.deleteMany({});
  await SlackEffectModel.deleteMany({ _id: { $regex: '^billing-run\\|' } });
  await runMonthlyBilling(t.web.effects, firstOfNext);
  const draft = await findEffect(`billing-run|${period.period}|ACME|${STAFF.manager}`);
  expect(JSON.stringify(draft?.payload)).toContain("isn't over yet");
});
