// Steps that many end-to-end tests take: open a request, click a button, submit a modal, all as
// real signed requests to the app; results read from the record and the Slack fake.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { AuditEventModel } from '../../src/db/auditEvent';
import { TIMERS_QUEUE } from '../../src/jobs/timerScheduler';
import { linkPendingEvents } from '../../src/services/audit';
import { RequestModel } from '../../src/db/request';
import { SlackEffectModel } from '../../src/db/slackEffect';
import type { TestApp } from './harness';
import type { RecordedCall } from './slackFake';

export async function openByCommand(t: TestApp, text: string, user: string, channel: string): Promise<string> {
  const res = await t.slack.slashCommand({ text, user_id: user, channel_id: channel });
  const body = res.json() as { text?: string };
  const key = /\*([A-Z]+-\d+)\*/.exec(body.text ?? '')?.[1];
  if (!key) throw new Error(`no request was opened: ${res.body}`);
  await untilSynced(key);
  return key;
}

/**
 * Waits until the record has changed past `sinceRevision` (buttons are acknowledged before the
 * work is done) and its Slack messages exist and show that latest revision, and its timers are
 * scheduled for it.
 */
export async function untilSynced(key: string, sinceRevision = -1, timeoutMs = 5000) {
  const started = Date.now();
  for (;;) {
    const r = await RequestModel.findOne({ key }).lean();
    if (r && r.revision > sinceRevision && r.clientMessageTs && r.triageMessageTs && r.syncedRevision >= r.revision && r.timersRevision >= r.revision) return r;
    if (Date.now() - started > timeoutMs) throw new Error(`${key} was not shown in Slack in time`);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

export async function record(key: string) {
  const r = await RequestModel.findOne({ key }).lean();
  if (!r) throw new Error(`${key} does not exist`);
  return r;
}

let triggers = 0;

export function click(t: TestApp, opts: { user: string; channel: string; actionId: string; value: string; team?: string }) {
  return t.slack.blockAction({
    user: { id: opts.user, team_id: opts.team ?? 'T0OURS' },
    channel: { id: opts.channel },
    container: { type: 'message', channel_id: opts.channel, message_ts: '1.0' },
    actions: [{ action_id: opts.actionId, value: opts.value, type: 'button' }],
    trigger_id: `trigger-${++triggers}`,
  });
}

/** Clicks a button that changes the request and waits until the change is shown in Slack. */
export async function clickAndSettle(t: TestApp, opts: Parameters<typeof click>[1] & { key: string }) {
  const { revision } = await record(opts.key);
  await click(t, opts);
  return untilSynced(opts.key, revision);
}

/** Submits a modal that changes the request and waits until the change is shown in Slack. */
export async function submitAndSettle(key: string, submission: () => ReturnType<typeof submit>) {
  const { revision } = await record(key);
  const res = await submission();
  if (res.body !== '') throw new Error(`the modal was not accepted: ${res.body}`);
  return untilSynced(key, revision);
}

/** Clicks a button that opens a modal, and returns the modal Slack was asked to open. */
export async function clickForModal(t: TestApp, opts: Parameters<typeof click>[1]): Promise<Record<string, unknown>> {
  const already = t.fake.callsTo('views.open').length;
  await click(t, opts);
  const calls = await t.fake.waitFor('views.open', undefined, { count: already + 1 });
  const view = calls[already]?.args.view;
  if (!view || typeof view !== 'object') throw new Error('no modal was opened');
  return view as Record<string, unknown>;
}

type Values = Record<string, { type: string; value?: string; selected_option?: { value: string }; selected_user?: string }>;

export function submit(t: TestApp, user: string, view: Record<string, unknown>, values: Record<string, string>, kinds: Record<string, 'text' | 'select' | 'user'> = {}) {
  const state: Record<string, Values> = {};
  for (const [blockId, value] of Object.entries(values)) {
    const kind = kinds[blockId] ?? 'text';
    state[blockId] = {
      value:
        kind === 'select'
          ? { type: 'static_select', selected_option: { value } }
          : kind === 'user'
            ? { type: 'users_select', selected_user: value }
            : { type: 'plain_text_input', value },
    };
  }
  return t.slack.viewSubmission({
    user: { id: user, team_id: 'T0OURS' },
    view: {
      // A view.id makes a resubmission of the same modal (Slack gives every opened modal its own).
      ...(typeof view.id === 'string' ? { id: view.id } : {}),
      callback_id: String(view.callback_id),
      private_metadata: String(view.private_metadata ?? ''),
      state: { values: state },
    },
  });
}

/** The ephemeral messages one user was shown. */
export function ephemeralsFor(t: TestApp, user: string): string[] {
  return t.fake.callsTo('chat.postEphemeral').filter((c) => c.args.user === user).map((c) => String(c.args.text));
}

export async function waitForEphemeral(t: TestApp, user: string, pattern: RegExp): Promise<RecordedCall> {
  try {
    const [call] = await t.fake.waitFor('chat.postEphemeral', (c) => c.args.user === user && pattern.test(String(c.args.text)));
    if (!call) throw new Error('unreachable');
    return call;
  } catch (error) {
    // Say what the person was told instead, if anything.
    const told = t.fake.callsTo('chat.postEphemeral').map((c) => `${String(c.args.user)} (${c.status}): ${String(c.args.text).slice(0, 120)}`);
    throw new Error(`${(error as Error).message}\nEphemeral messages so far:\n${told.join('\n') || '(none)'}`);
  }
}

export function blocksOf(call: RecordedCall | undefined): string {
  return JSON.stringify(call?.args.blocks ?? []);
}

/**
 * Waits until every audit event is linked into its chain (by the worker's chainer, or by this
 * call): a snapshot of linked events does not change under the chainer afterwards.
 */
export async function allLinked(timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while ((await AuditEventModel.exists({ pendingChain: { $exists: true } })) !== null) {
    if (Date.now() - started > timeoutMs) throw new Error('Audit events were still waiting to be linked');
    if ((await linkPendingEvents()) === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until the worker has delivered every Slack effect owed so far (none pending). */
export async function allDelivered(timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while ((await SlackEffectModel.countDocuments({ state: 'pending' })) > 0) {
    if (Date.now() - started > timeoutMs) throw new Error('Slack effects were still pending');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Waits until the timer jobs `ids` of a request (by default those that fired) are finished for good:
 * gone from the queue (completed, or removed when the plan dropped them) or failed for good, none
 * waiting, running or due for a retry; then until every Slack effect owed is delivered. After
 * that, nothing those timers could send is still to come: what Slack has seen is final.
 */
export async function timersSettled(t: TestApp, key: string, timeoutMs = 10_000, ids?: string[]): Promise<void> {
  const started = Date.now();
  const jobIds = ids ?? (await record(key)).timersFired;
  const connection = new Redis(t.config.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(TIMERS_QUEUE, { connection, prefix: t.config.queuePrefix });
  try {
    for (const id of jobIds) {
      for (;;) {
        const job = await queue.getJob(id);
        const state = job ? await job.getState() : 'gone';
        if (state === 'gone' || state === 'completed' || state === 'failed' || state === 'unknown') break;
        if (Date.now() - started > timeoutMs) throw new Error(`the timer job ${id} of ${key} was still ${state}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
  } finally {
    await queue.close();
    connection.disconnect();
  }
  await allDelivered(Math.max(1000, timeoutMs - (Date.now() - started)));
}
