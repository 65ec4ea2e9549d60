// The demo story, step by step: a request from Alice's first cry for help to a five-star rating,
// the budget guard on the way, an SLA reminder for a request nobody picked up, the weekly digest,
// and Acme's bill issued and exported for Xero. Each step waits for its effects in Slack (the fake's recorded calls), never on a clock.
import type { Effects } from '../../src/slack/requestUpdates';
import { RequestModel } from '../../src/db/request';
import { sendWeeklyDigest } from '../../src/triggers/calendar';
import { ACTION } from '../../src/slack/ids';
import { BILLING_ISSUE_ACTION, billingExportAction } from '../../src/slack/views/billingSummary';
import { periodOf } from '../../src/domain/periods';
import { record } from '../../test/support/flows';
import type { RecordedCall } from '../../test/support/slackFake';
import { ALICE, ACME_CHANNEL, BOB, CAROL, DAN, MARY, NORMAL_SLA_MINUTES, TRIAGE_CHANNEL } from './cast';
import { seedPastRequests } from './history';
import { MissingEffect, postedTs, textOf, type MessageRef, type Stage } from './stage';

const ACME = ACME_CHANNEL.id;
const TRIAGE = TRIAGE_CHANNEL.id;

function requestKeyIn(text: string): string {
  const key = /\*([A-Z]{2,10}-\d+)\*/.exec(text)?.[1];
  if (!key) throw new MissingEffect(`no request was opened; the app said: ${text}`);
  return key;
}

function expectReply(text: string, pattern: RegExp, what: string): void {
  if (!pattern.test(text)) throw new MissingEffect(`expected ${what}, but the app said: ${text}`);
}

async function messagesOf(key: string): Promise<{ client: MessageRef; triage: MessageRef }> {
  const r = await record(key);
  if (!r.clientMessageTs || !r.triageMessageTs) throw new MissingEffect(`${key} has no Slack messages yet`);
  return {
    client: { channel: r.clientChannelId, ts: r.clientMessageTs, describe: `the ${key} message in #${ACME_CHANNEL.name}` },
    triage: { channel: r.triageChannelId, ts: r.triageMessageTs, describe: `the ${key} message in #${TRIAGE_CHANNEL.name}` },
  };
}

/** Alice opens a request with the fast path and it appears in both channels. */
async function openRequest(stage: Stage, typed: string): Promise<string> {
  const since = stage.mark();
  const reply = await stage.command(ALICE.id, ACME, typed);
  const key = requestKeyIn(reply.text);
  const mentions = (c: RecordedCall) => textOf(c).includes(key);
  await stage.waitFor('chat.postMessage', (c) => c.args.channel === ACME && mentions(c), `the ${key} message in #${ACME_CHANNEL.name}`, since);
  await stage.waitFor('chat.postMessage', (c) => c.args.channel === TRIAGE && mentions(c), `the ${key} message in #${TRIAGE_CHANNEL.name}`, since);
  await stage.settled(key);
  return key;
}

/** Bob posts an estimate (or a top-up) with the command; returns the message in the thread. */
async function postEstimate(stage: Stage, key: string, words: string, version: number, expected: RegExp): Promise<MessageRef> {
  const { client } = await messagesOf(key);
  const since = stage.mark();
  const reply = await stage.command(BOB.id, TRIAGE, `estimate ${key} ${words}`);
  expectReply(reply.text, expected, `v${version} to be posted for approval`);
  const [posted] = await stage.waitFor(
    'chat.postMessage',
    (c) => c.args.thread_ts === client.ts && textOf(c).includes(`v${version} for ${key}`),
    `v${version} of the estimate in the ${key} thread`,
    since,
  );
  return { channel: ACME, ts: postedTs(posted), describe: `v${version} in the ${key} thread` };
}

/** Carol approves from the estimate message; the thread is told and the message loses its buttons. */
async function approve(stage: Stage, key: string, estimate: MessageRef, what: 'estimate' | 'top-up'): Promise<void> {
  const { revision } = await record(key);
  const { client } = await messagesOf(key);
  const since = stage.mark();
  await stage.click(CAROL.id, estimate, ACTION.approveEstimate);
  await stage.waitFor('chat.update', (c) => c.args.ts === estimate.ts, `${estimate.describe} to show the approval`, since);
  await stage.waitFor(
    'chat.postMessage',
    (c) => c.args.thread_ts === client.ts && new RegExp(`approved the ${what}`).test(textOf(c)),
    `“Carol approved the ${what}” in the ${key} thread`,
    since,
  );
  // Approving an estimate moves the request on; a top-up leaves its state as it is.
  await stage.settled(key, what === 'estimate' ? revision : -1);
}

/** Bob logs time with the command; returns the app's answer. */
async function logTime(stage: Stage, key: string, words: string, accepted: boolean): Promise<string> {
  const { triage } = await messagesOf(key);
  const since = stage.mark();
  const reply = await stage.command(BOB.id, TRIAGE, `log ${words}`);
  if (!accepted) {
    expectReply(reply.text, /would go past what the client approved/, 'the budget guard to refuse the time');
    return reply.text;
  }
  expectReply(reply.text, /Logged .*\(billable\)/, 'the time to be logged as billable');
  await stage.waitFor('chat.update', (c) => c.args.ts === triage.ts, `${triage.describe} to show the budget used`, since);
  return reply.text;
}

/** Bob clicks a button on the request, answers the modal it opens, and the request settles. */
async function throughModal(stage: Stage, key: string, ref: MessageRef, actionId: string, values: Record<string, string>): Promise<void> {
  const { revision } = await record(key);
  const { trigger } = await stage.click(BOB.id, ref, actionId);
  const view = await stage.modalOpenedWith(trigger, `the modal of ${actionId}`);
  await stage.submitModal(BOB.id, view, values);
  await stage.settled(key, revision);
}

/** The weekly digest, sent the way the worker's Monday job sends it (here for the week in progress). */
export async function postWeeklyDigest(effects: Effects): Promise<'sent' | 'already_sent'> {
  const aWeekFromNow = new Date(Date.now() + 7 * 24 * 60 * 60 * 1000);
  return sendWeeklyDigest(effects, aWeekFromNow);
}

/** The newest request's key. */
async function lastKey(): Promise<string> {
  const newest = await RequestModel.findOne({}, { key: 1 }).sort({ number: -1 }).lean();
  if (!newest) throw new MissingEffect('no request exists yet');
  return newest.key;
}

export async function playStory(stage: Stage): Promise<void> {
  const key = await stage.step('Alice asks for help in #acme-support', () => openRequest(stage, 'The checkout page returns 500'));

  await stage.step('Bob claims it from #triage', async () => {
    const { client, triage } = await messagesOf(key);
    const { revision } = await record(key);
    const since = stage.mark();
    await stage.click(BOB.id, triage, ACTION.claim);
    await stage.waitFor('chat.postMessage', (c) => c.args.thread_ts === client.ts && /is on it/.test(textOf(c)), `“Bob is on it” in the ${key} thread`, since);
    await stage.settled(key, revision);
  });

  const estimate = await stage.step('Bob looks at what similar requests took, then posts an estimate', async () => {
    const past = await seedPastRequests();
    stage.narrate(`(the demo's history: ${past} requests other clients closed last month, with the billable time each took)`);
    const hint = await stage.command(BOB.id, TRIAGE, `estimate ${key}`);
    expectReply(hint.text, /Similar past requests[\s\S]*another client's request[\s\S]*Suggested: /, 'similar past requests and a suggested range');
    const { revision } = await record(key);
    const posted = await postEstimate(stage, key, '2h Restart the payment worker and fix its config', 1, /Estimate v1 .*waiting for the client's approval/);
    await stage.settled(key, revision);
    return posted;
  });

  await stage.step('Carol approves the estimate in the thread', () => approve(stage, key, estimate, 'estimate'));

  await stage.step('Bob logs time; the budget guard stops an overrun until Carol approves a top-up', async () => {
    await logTime(stage, key, `1h30m ${key} found the bad config`, true);
    await logTime(stage, key, `1h ${key} regression tests`, false);
    const topUp = await postEstimate(stage, key, '+1h regression tests', 2, /Top-up request v2 .*waiting for the client's approval/);
    await approve(stage, key, topUp, 'top-up');
    await logTime(stage, key, `1h ${key} regression tests`, true);
  });

  await stage.step('Bob resolves it', async () => {
    const { client, triage } = await messagesOf(key);
    const since = stage.mark();
    await throughModal(stage, key, triage, ACTION.resolve, {
      resolution: 'The payment worker had a stale config after the last deploy. Fixed the config, restarted the worker and added regression tests.',
    });
    await stage.waitFor('chat.postMessage', (c) => c.args.thread_ts === client.ts && /is resolved/.test(textOf(c)), `the resolution in the ${key} thread`, since);
  });

  await stage.step('Alice confirms the fix and rates it', async () => {
    const { client } = await messagesOf(key);
    let { revision } = await record(key);
    let since = stage.mark();
    await stage.click(ALICE.id, client, ACTION.confirm);
    await stage.waitFor('chat.postMessage', (c) => c.args.thread_ts === client.ts && /confirmed the fix/.test(textOf(c)), `“Alice confirmed the fix” in the ${key} thread`, since);
    await stage.settled(key, revision);

    ({ revision } = await record(key));
    since = stage.mark();
    const { button } = await stage.click(ALICE.id, client, `${ACTION.rate}_5`);
    if (button.value !== `${key} 5`) throw new MissingEffect(`the five-star button carries ${String(button.value)}, not “${key} 5”`);
    await stage.waitFor('chat.postMessage', (c) => c.args.thread_ts === client.ts && /Thanks for rating/.test(textOf(c)), `the thanks for the rating in the ${key} thread`, since);
    await stage.settled(key, revision);
  });

  await stage.step('Nobody picks up Alice’s next request: the SLA reminder', async () => {
    const second = await openRequest(stage, 'Search results show <script>alert(1)</script> & then hang');
    const { triage } = await messagesOf(second);
    stage.narrate(
      `(time passes: the demo moves ${second}'s creation back ${NORMAL_SLA_MINUTES / 60} hours, so its ${NORMAL_SLA_MINUTES / 60}h first-response target is 2 seconds away, and reschedules its timers)`,
    );
    const since = stage.mark();
    const createdAt = new Date(Date.now() - NORMAL_SLA_MINUTES * 60_000 + 2_000);
    await RequestModel.updateOne({ key: second }, { $set: { createdAt }, $inc: { revision: 1 } });
    await stage.web.effects.timers.sync(second);
    await stage.waitFor(
      'chat.postMessage',
      (c) => c.args.channel === TRIAGE && c.args.thread_ts === triage.ts && textOf(c).includes(`*${second}*`),
      `the worker's SLA reminder for ${second} in #${TRIAGE_CHANNEL.name}`,
      since,
    );
    await stage.waitFor(
      'chat.postMessage',
      (c) => c.args.channel === MARY.id && textOf(c).includes(`*${second}*`),
      `the worker's SLA escalation for ${second} to Mary`,
      since,
    );
  });

  await stage.step('Alice reports the hang again: Bob merges the duplicate', async () => {
    const second = await lastKey();
    const duplicate = await openRequest(stage, 'Search hangs again');
    const { client } = await messagesOf(duplicate);
    const target = await messagesOf(second);
    const since = stage.mark();
    const reply = await stage.command(BOB.id, TRIAGE, `merge ${duplicate} ${second}`);
    expectReply(reply.text, /Merged \*[A-Z]+-\d+\* into/, 'the duplicate to be merged');
    await stage.waitFor('chat.postMessage', (c) => c.args.thread_ts === client.ts && /as a duplicate/.test(textOf(c)), `the merge notice in the ${duplicate} thread`, since);
    await stage.waitFor('chat.postMessage', (c) => c.args.thread_ts === target.client.ts && /was merged into this request/.test(textOf(c)), `the merge notice in the ${second} thread`, since);
    await stage.settled(duplicate);
  });

  await stage.step('Mary switches Acme to round robin; Bob declines the offer and Dan takes it', async () => {
    const switched = await stage.command(MARY.id, TRIAGE, 'admin client ACME assignment: round_robin');
    expectReply(switched.text, /Updated client \*ACME\*/, 'Acme to be switched to round robin');
    const since = stage.mark();
    const key = await openRequest(stage, 'Invoices are not emailed');
    const offerTo = async (engineer: { id: string; name: string }) => {
      const [offer] = await stage.waitFor('chat.postMessage', (c) => c.args.channel === engineer.id && textOf(c).includes(`It's your turn: *${key}*`), `the offer of ${key} to ${engineer.name}`, since);
      // Posted to the user's ID; Slack answers with the DM channel it landed in.
      const channel = String((offer?.response as { channel?: string } | undefined)?.channel ?? engineer.id);
      return { channel, ts: postedTs(offer), describe: `the offer of ${key} in ${engineer.name}'s DMs` };
    };
    await stage.click(BOB.id, await offerTo(BOB), ACTION.declineOffer);
    const forDan = await offerTo(DAN);
    const { revision } = await record(key);
    await stage.click(DAN.id, forDan, ACTION.acceptOffer);
    const { client } = await messagesOf(key);
    await stage.waitFor('chat.postMessage', (c) => c.args.thread_ts === client.ts && /is on it/.test(textOf(c)), `“Dan is on it” in the ${key} thread`, since);
    await stage.settled(key, revision);
  });

  await stage.step('Monday morning: the weekly digest reaches Mary', async () => {
    stage.narrate('(the weekly digest job runs; the demo runs it now, for the week in progress)');
    const since = stage.mark();
    const outcome = await postWeeklyDigest(stage.web.effects);
    if (outcome !== 'sent') throw new MissingEffect(`the digest was not sent (${outcome})`);
    await stage.waitFor('chat.postMessage', (c) => c.args.channel === MARY.id && /Weekly digest/.test(textOf(c)), 'the weekly digest in Mary’s DMs', since);
  });

  await stage.step('Mary issues Acme’s bill for the month and exports it for Xero', async () => {
    stage.narrate('(at the end of the month Mary issues the bill; the demo issues the month so far)');
    const period = periodOf(new Date(), 'Europe/London');
    let since = stage.mark();
    const reply = await stage.command(MARY.id, TRIAGE, `billing ACME ${period}`);
    expectReply(reply.text, /Posting the draft .* billing summary for Acme Ltd here/, 'the billing summary to be posted');
    const [posted] = await stage.waitFor('chat.postMessage', (c) => c.args.channel === TRIAGE && /^Billing: Acme Ltd/.test(textOf(c)), `the billing summary in #${TRIAGE_CHANNEL.name}`, since);
    const summary: MessageRef = { channel: TRIAGE, ts: postedTs(posted), describe: 'the billing summary' };

    since = stage.mark();
    await stage.click(MARY.id, summary, BILLING_ISSUE_ACTION);
    await stage.waitFor('chat.update', (c) => c.args.ts === summary.ts && /\(issued\)/.test(textOf(c)), 'the billing summary marked issued', since);
    await stage.waitFor('chat.postMessage', (c) => c.args.channel === ACME && /\(issued\)/.test(textOf(c)), `the issued summary in #${ACME_CHANNEL.name}`, since);

    since = stage.mark();
    await stage.click(MARY.id, summary, billingExportAction('xero'));
    const filename = `ACME-${period}-xero.csv`;
    await stage.waitFor('files.completeUploadExternal', () => stage.fake.uploadedFiles().some((f) => f.filename === filename && f.completed), `${filename} in Mary’s DMs`, since);
    const file = stage.fake.uploadedFiles().find((f) => f.filename === filename);
    const lines = (file?.content ?? '').trim().split('\n');
    stage.narrate([`(${filename}, ready for Xero → Business → Invoices → Import, says:`, ...lines.map((line) => `    ${line}`)].join('\n') + ')');
  });
}
