// The calendar jobs. Two workers, one digest: the weekly job may be delivered to either worker,
// and even a second job for the same week (a retry, a manual run) sends nothing more. The
// monthly billing run posts each active client's draft with its CSV, once, when the client's month
// has ended in the client's own timezone.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { BillingSummaryModel } from '../../src/db/billingSummary';
import { ClientModel } from '../../src/db/client';
import { EstimateModel } from '../../src/db/estimate';
import { ScheduledRunModel } from '../../src/db/scheduledRun';
import { JOB_WEEKLY_DIGEST, MAINTENANCE_QUEUE } from '../../src/jobs/queues';
import { monthBounds, periodOf, previousPeriodOf } from '../../src/domain/periods';
import { runMonthlyBilling } from '../../src/triggers/calendar';
import { ACTION } from '../../src/slack/ids';
import { startWorker, type RunningWorker } from '../../src/worker';
import { allDelivered, clickAndSettle, clickForModal, openByCommand, submitAndSettle, submit } from '../support/flows';
import { startTestApp, type TestApp } from '../support/harness';
import { ACME, BETA, STAFF, TRIAGE } from '../support/testEnv';
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

it("takes over from the month-wide run of before: a client it posted when its month was over is not posted again, one to the west is run", async () => {
  await ClientModel.updateOne({ key: 'BETA' }, { $set: { timezone: 'America/Los_Angeles' } });
  const month = previousPeriodOf(periodOf(new Date(), 'Europe/London'));
  // The old run went an hour after London's month ended, when Los Angeles' had not.
  await ScheduledRunModel.create({ _id: `monthly-billing-${month}`, ranAt: new Date(monthBounds(month, 'Europe/London').end.getTime() + 3600_000) });
  expect(await runMonthlyBilling(t.web.effects)).toEqual({ posted: [] }); // neither did anything that month
  expect(await BillingSummaryModel.exists({ clientKey: 'ACME', period: month })).toBeNull();
  expect(await BillingSummaryModel.exists({ clientKey: 'BETA', period: month })).not.toBeNull();
  expect((await ScheduledRunModel.find({ _id: { $in: [`monthly-billing-${month}-ACME`, `monthly-billing-${month}-BETA`] } }).lean()).length).toBe(2);
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

/** A request estimated at 1h, approved and worked 50 minutes, in `client`'s channel. */
async function worked(client: { channel: string; member: string }, approver: string, title: string): Promise<string> {
  const key = await openByCommand(t, title, client.member, client.channel);
  await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
  const say = (text: string) => t.slack.slashCommand({ text, user_id: STAFF.engineer, channel_id: TRIAGE });
  await say(`estimate ${key} 1h`);
  const [estimate] = await t.fake.waitFor('chat.postMessage', (c) => String(c.args.text).includes(`v1 for ${key}`));
  const id = /"action_id":"estimate_approve","value":"([0-9a-f]{24})"/.exec(JSON.stringify(estimate?.args.blocks))?.[1] ?? '';
  await clickAndSettle(t, { user: approver, channel: client.channel, actionId: ACTION.approveEstimate, value: id, key });
  await say(`log 50m ${key} done`);
  return key;
}

const distinct = (...runs: Array<{ posted: Array<{ client: string; period: string }> }>) => [...new Set(runs.flatMap((r) => r.posted.map((p) => `${p.client} ${p.period}`)))];

it("drafts each client's month once it has ended in the client's own timezone, and posts it to the managers with its CSV once", async () => {
  // Acme in London; Beta (upfront) in Los Angeles, eight hours to the west.
  await ClientModel.updateOne({ key: 'BETA' }, { $set: { timezone: 'America/Los_Angeles' } });
  const acme = await worked(ACME, ACME.boss, 'Billing run material');
  const modal = await clickForModal(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.resolve, value: acme });
  await submitAndSettle(acme, () => submit(t, STAFF.engineer, modal, { resolution: 'Fixed' }));
  await clickAndSettle(t, { user: ACME.member, channel: ACME.channel, actionId: ACTION.confirm, value: acme, key: acme });
  const beta = await worked(BETA, BETA.member, 'Work in the west');

  const londonMonth = periodOf(new Date(), 'Europe/London');
  const laMonth = periodOf(new Date(), 'America/Los_Angeles');
  const londonEnd = monthBounds(londonMonth, 'Europe/London').end.getTime();
  const laEnd = monthBounds(laMonth, 'America/Los_Angeles').end.getTime();
  expect(laEnd - londonEnd).toBeGreaterThanOrEqual(7 * 3600_000);
  const toManager = (c: { args: Record<string, unknown> }) => [STAFF.manager, dmChannelId(STAFF.manager)].includes(String(c.args.channel));
  const drafts = (key: string) => t.fake.callsTo('chat.postMessage').filter((c) => toManager(c) && JSON.stringify(c.args.blocks ?? []).includes(key));

  // An hour after London's midnight (the 1st, still the last day of the month in Los Angeles):
  // Acme's month is drafted; Beta's is not over, so nothing of it is drafted or posted. Two workers
  // may run the hour at once.
  const early = new Date(londonEnd + 3600_000);
  const [first, second] = await Promise.all([runMonthlyBilling(t.web.effects, early), runMonthlyBilling(t.web.effects, early)]);
  // Both may draft it at once; its post has an id of its own, so Slack gets it once (below).
  expect(distinct(first, second)).toEqual([`ACME ${londonMonth}`]);
  expect(await BillingSummaryModel.exists({ clientKey: 'BETA', period: laMonth })).toBeNull();
  await t.fake.waitFor('files.completeUploadExternal', undefined, { timeoutMs: 10_000 });
  await allDelivered();
  expect(drafts(acme)).toHaveLength(1);
  expect(drafts(beta)).toHaveLength(0);
  // 50 logged minutes round up to 60 (15-minute increments, 30 minimum), capped at the 60
  // approved: 1h at £95 = 95.00.
  expect(t.fake.uploadedFiles().find((f) => f.content.includes(acme))?.content).toMatch(new RegExp(`${acme},.*,60,95\\.00`));
  expect(JSON.stringify(drafts(acme)[0]?.args.blocks)).not.toContain("isn't over yet");

  // Later the same hour's job again, then once Los Angeles' month has ended too: Beta's month is
  // drafted and posted, once, and Acme's is not posted again.
  expect(await runMonthlyBilling(t.web.effects, new Date(londonEnd + 2 * 3600_000))).toEqual({ posted: [] });
  const late = new Date(laEnd + 60_000);
  const [third, fourth] = await Promise.all([runMonthlyBilling(t.web.effects, late), runMonthlyBilling(t.web.effects, late)]);
  expect(distinct(third, fourth)).toEqual([`BETA ${laMonth}`]);
  expect(await runMonthlyBilling(t.web.effects, new Date(laEnd + 3600_000))).toEqual({ posted: [] });
  await allDelivered();
  expect(drafts(beta)).toHaveLength(1);
  expect(drafts(acme)).toHaveLength(1);
  expect(JSON.stringify(drafts(beta)[0]?.args.blocks)).not.toContain("isn't over yet");
  // Upfront: the approved hour at £120.50 is billed in the month it was approved.
  expect(String(drafts(beta)[0]?.args.text)).toContain('£120.50');
});

it("tells the managers once when billing refuses a client's month, and runs the month again once it can be billed", async () => {
  // An approval without stored terms (from before terms were stored) is refused, not billed under
  // today's terms: the run says so to the managers, in plain words, once however often it retries.
  const key = await worked(ACME, ACME.boss, 'Approved before terms were stored');
  const stored = await EstimateModel.findOne({ requestKey: key, version: 1 }).lean();
  await EstimateModel.updateOne({ requestKey: key, version: 1 }, { $unset: { terms: 1 } });
  const month = periodOf(new Date(), 'Europe/London');
  await ScheduledRunModel.deleteOne({ _id: `monthly-billing-${month}-ACME` });
  const after = new Date(monthBounds(month, 'Europe/London').end.getTime() + 3600_000);
  await expect(runMonthlyBilling(t.web.effects, after)).rejects.toThrow(`ACME ${month}`);
  await expect(runMonthlyBilling(t.web.effects, after)).rejects.toThrow(`ACME ${month}`);
  await allDelivered();
  const toManager = (c: { args: Record<string, unknown> }) => [STAFF.manager, dmChannelId(STAFF.manager)].includes(String(c.args.channel));
  const notices = t.fake.callsTo('chat.postMessage').filter((c) => toManager(c) && String(c.args.text).includes('could not be drafted'));
  expect(notices).toHaveLength(1);
  expect(String(notices[0]?.args.text)).toContain(`${key} cannot be billed: its approved estimate v1 has no billing terms stored`);
  expect(await ScheduledRunModel.exists({ _id: `monthly-billing-${month}-ACME` })).toBeNull();

  // Once the terms are recorded, the next hour's run drafts the month and marks it done.
  await EstimateModel.updateOne({ requestKey: key, version: 1 }, { $set: { terms: stored?.terms } });
  await runMonthlyBilling(t.web.effects, new Date(after.getTime() + 3600_000));
  expect(await ScheduledRunModel.exists({ _id: `monthly-billing-${month}-ACME` })).not.toBeNull();
});
