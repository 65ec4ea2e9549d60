// Delivers one Slack effect: takes its lease (one deliverer at a time, so a request never gets a
// second root message), renders what the record says now (five changes cost one chat.update),
// calls Slack through the paced client, and records the outcome: done, tried again with backoff,
// postponed (Slack's pace, a thread not posted yet) or kept as failed with Slack's error.
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Config } from '../../config';
import { bucketFor, isChannelProblem, isTransientSlackError, type PacedBucket } from '../../domain/slackDelivery';
import { logger } from '../../logger';
import { budgetOf, recordEstimateMessage, requireEstimate } from '../../services/estimates';
import { findClientByKey, type Client } from '../../services/directory';
import { homeFor } from '../../services/home';
import { duplicatesOf } from '../../services/merge';
import type { RequestRecord } from '../../db/request';
import { loadRequestWithClient } from '../../services/requestQueries';
import { recordShown, type RequestSurface } from '../../services/requestMessages';
import {
  completeEffect,
  failAttempt,
  findEffect,
  forgetRespondVia,
  leaseEffect,
  postponeEffect,
  recordPosted,
  recordPost,
  type Effect,
  type Lease,
  type RespondVia,
  type Wakeup,
} from '../../services/outbox';
import type { SlackTokens } from '../tokens';
import type { KnownBlock, RenderedMessage } from '../views/blocks';
import { renderEstimateMessage } from '../views/estimateMessage';
import { renderHome } from '../views/home';
import { channelGuidance } from '../views/deliveryProblems';
import { renderClientMessage, renderTriageMessage } from '../views/requestMessages';
import { workspaceOf } from './pacedFetch';
import { PaceLater, SlotBook, type Pacer } from './pacer';
import { CallGuard, ChannelMoved, guardCalls, withPriority } from './priority';
import { firstPostSchema, postSchema, type SlackPost } from './posts';

export interface DeliveryDeps {
  config: Config;
  tokens: SlackTokens;
  /** Schedules wake-ups (the delivery queue). */
  wake(wakeups: Array<Wakeup | undefined>): Promise<void>;
  /** A Home tab is published at most this often per person. */
  homeIntervalMs: number;
  /** Told of every delivered effect and how long it waited since its latest ask (for /metrics). */
  observe?(kind: string, lagMs: number): Promise<void>;
  /** The shared pace of Slack calls (the paced clients' own): a request's first posts take their turns before it is read. */
  pacer?: Pacer;
}

/** Slack's error code for a failed call (`not_in_channel`, `ratelimited`…). */
export function slackErrorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { data, code } = error as { data?: { error?: unknown }; code?: unknown };
    if (typeof data?.error === 'string') return data.error;
    if (code === 'slack_webapi_rate_limited_error') return 'ratelimited';
    if (code === 'slack_webapi_http_error') return 'http_error';
    if (code === 'slack_webapi_request_error') return 'request_error';
  }
  return 'unknown_error';
}

/** A Slack call failed; `channel` says where, for the managers' list of failed deliveries. */
class DeliveryFailure extends Error {
  constructor(
    readonly code: string,
    readonly channel: string | undefined,
    readonly retryAfterMs?: number,
  ) {
    super(`Slack answered ${code}${channel ? ` in ${channel}` : ''}`);
  }
}

/** The effect cannot go yet (its thread is not posted): try again soon, no attempt counted. */
class NotYet extends Error {
  constructor(readonly waitMs: number) {
    super('Waiting for something to be delivered first');
  }
}

async function slackCall<T>(channel: string | undefined, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof PaceLater || error instanceof ChannelMoved) throw error;
    // The paced fetch's wait (or its guard), wrapped by the WebClient as a request error.
    const original = (error as { original?: unknown }).original;
    if (original instanceof PaceLater || original instanceof ChannelMoved) throw original;
    const retryAfter = (error as { retryAfter?: unknown }).retryAfter;
    throw new DeliveryFailure(slackErrorCode(error), channel, typeof retryAfter === 'number' ? retryAfter * 1000 : undefined);
  }
}

function notInstalled(channel?: string): DeliveryFailure {
  return new DeliveryFailure('not_installed', channel);
}

// ---- what each kind of effect shows ----

async function showMessage(client: WebClient, channel: string, ts: string | null | undefined, message: RenderedMessage, threadTs?: string): Promise<string | undefined> {
  if (ts) {
    await slackCall(channel, () => client.chat.update({ channel, ts, text: message.text, blocks: message.blocks }));
    return undefined;
  }
  const posted = await slackCall(channel, () => client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, ...(threadTs ? { thread_ts: threadTs } : {}) }));
  return posted.ts;
}

/** Slack takes a response_url for 30 minutes; past this age we do not try it. */
const RESPONSE_URL_FRESH_MS = 25 * 60_000;
const RESPONSE_URL_TIMEOUT_MS = 10_000;

/**
 * Replaces the clicked message through the response_url of the click: Slack counts it against no
 * Web API limit, so a claim in triage costs one chat.update (the client's message), not two.
 * Returns false when Slack did not take it (expired, used up, unreachable): chat.update then.
 */
async function respondWith(via: RespondVia, message: RenderedMessage): Promise<boolean> {
  if (Date.now() - via.at.getTime() > RESPONSE_URL_FRESH_MS) return false;
  try {
    const res = await fetch(via.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ replace_original: true, text: message.text, blocks: message.blocks }),
      signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
    });
    const body = await res.text();
    return res.ok && !/^\s*\{?\s*"?ok"?\s*:\s*false/.test(body);
  } catch (error) {
    logger.debug({ err: error }, 'A response_url did not answer; updating the message with chat.update');
    return false;
  }
}

/**
 * Whether the request's client channel is still one of its client's channels, read as it is
 * delivered: a channel unlinked since (and perhaps linked to another client) gets nothing more
 * of this request, whatever was recorded when it was asked for. When it is, the delivery's calls
 * to it that wait for their turn in Slack's pace check again before they go: a channel moved
 * meanwhile gets nothing (ChannelMoved: the delivery is tried again, and finds it unlinked).
 */
function clientChannelLinkedAndGuarded(request: Pick<RequestRecord, 'key' | 'clientChannelId' | 'clientKey'>, client: Pick<Client, 'key' | 'channels'>): boolean {
  if (client.channels.includes(request.clientChannelId)) {
    guardCalls(
      new CallGuard(async (channel) => channel !== request.clientChannelId || Boolean((await findClientByKey(request.clientKey))?.channels.includes(channel))),
    );
    return true;
  }
  logger.info(
    { request: request.key, client: client.key, channel: request.clientChannelId },
    "The request's channel is no longer linked to its client; nothing of it is shown there any more",
  );
  return false;
}

/** The request's root message in the client channel and its triage message, from the record. */
async function deliverRequest(deps: DeliveryDeps, key: string, lease: Lease): Promise<void> {
  const loaded = await loadRequestWithClient(key);
  if (!loaded) return;
  const { request, client } = loaded;
  const clientSide = await deps.tokens.clientForClientSide(request.requesterTeamId);
  const ours = await deps.tokens.clientFor();
  if (!clientSide || !ours) throw notInstalled(request.clientChannelId);
  // The link back from the request to the duplicates merged into it (they point at it).
  const view = { ...request, duplicates: (await duplicatesOf(key)).map((d) => d.key) };
  type Surface = [RequestSurface, WebClient, string, string | null | undefined, () => Promise<RenderedMessage>];
  const clientSurface: Surface = ['client', clientSide, request.clientChannelId, request.clientMessageTs, async () => renderClientMessage(view)];
  const surfaces: Surface[] = [
    ...(clientChannelLinkedAndGuarded(request, client) ? [clientSurface] : []),
    ['triage', ours, request.triageChannelId, request.triageMessageTs, async () => renderTriageMessage({ ...view, budget: request.estimatedAt ? await budgetOf(key) : undefined }, client.name)],
  ];
  const posted: Partial<Record<RequestSurface, string>> = {};
  const failures: DeliveryFailure[] = [];
  // Both surfaces settle before anything is decided: a root posted while the other surface had
  // to wait for Slack's pace must be recorded, or the next attempt would post a second root.
  const via = lease.effect.respondVia;
  const outcomes = await Promise.allSettled(
    surfaces.map(async ([surface, slack, channel, ts, render]) => {
      const message = await render();
      if (via && ts && via.messageTs === ts) {
        const responded = await respondWith(via, message);
        await forgetRespondVia(lease.effect._id, via.url);
        if (responded) return;
      }
      const newTs = await showMessage(slack, channel, ts, message);
      if (newTs) posted[surface] = newTs;
    }),
  );
  const other = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected' && !(o.reason instanceof DeliveryFailure));
  for (const outcome of outcomes) if (outcome.status === 'rejected' && outcome.reason instanceof DeliveryFailure) failures.push(outcome.reason);
  await recordShown(key, posted, failures.length === 0 && !other ? request.revision : null);
  if (other) throw other.reason;
  // A permanent problem is the one to report (a manager must act); otherwise the first.
  const failure = failures.find((f) => !isTransientSlackError(f.code)) ?? failures[0];
  if (failure) {
    if (failure.channel === request.clientChannelId && isChannelProblem(failure.code)) {
      // The requester is told once, by DM: a message in the channel would fail the same way.
      await deps.wake([
        await recordPost({
          id: `guidance|${key}`,
          priority: 'interactive',
          payload: { to: { user: request.requesterId }, workspace: 'client', teamId: request.requesterTeamId ?? undefined, text: channelGuidance(key, failure.code) } satisfies SlackPost,
        }),
      ]);
    }
    throw failure;
  }
}

/**
 * A request's messages not posted yet take their turns in their channels' buckets before the
 * request is read or rendered, from the channels its ask recorded (`firstPost`). A burst of
 * requests into one channel (one message a second) leaves most of them far from their turn:
 * each is put off to it without a read or a render, instead of being read and rendered once to
 * find its turn and again when it comes. A turn that comes soon is kept in the delivery's slots,
 * so the call goes in it without asking the bucket again. A turn taken for a message that is not
 * posted after all (posted meanwhile, or its channel unlinked) goes unused: the channel loses a
 * slot, which errs on Slack's side.
 */
async function takeFirstPostTurns(deps: DeliveryDeps, effect: Effect, slots: SlotBook): Promise<void> {
  const first = firstPostSchema.safeParse(effect.payload.firstPost);
  const pacer = deps.pacer;
  if (!pacer || !first.success) return;
  const { clientChannelId, triageChannelId, teamId } = first.data;
  const clientSide = clientChannelId ? await deps.tokens.clientForClientSide(teamId) : undefined;
  const ours = triageChannelId ? await deps.tokens.clientFor() : undefined;
  const buckets = new Map<string, PacedBucket>();
  for (const [client, channel] of [
    [clientSide, clientChannelId],
    [ours, triageChannelId],
  ] as const) {
    const bucket = client && channel ? bucketFor('chat.postMessage', { channel }, workspaceOf(client.token)) : undefined;
    if (bucket) buckets.set(bucket.key, bucket);
  }
  if (buckets.size === 0) return;
  const turns = await Promise.allSettled([...buckets.values()].map((bucket) => pacer.take(bucket, effect.priority, slots)));
  const failed = turns.find((t): t is PromiseRejectedResult => t.status === 'rejected' && !(t.reason instanceof PaceLater));
  if (failed) throw failed.reason;
  const now = Date.now();
  [...buckets.keys()].forEach((key, i) => {
    if (turns[i]?.status === 'fulfilled') slots.hold(key, now);
  });
  // Every turn is far off: back then (settleFailure keeps the slots), nothing read.
  const later = turns.flatMap((t) => (t.status === 'rejected' ? [(t.reason as PaceLater).waitMs] : []));
  if (later.length === turns.length) throw new PaceLater(Math.min(...later));
}

/** `tokens` whose Slack clients are each looked up once, for the length of one delivery attempt. */
function tokensOncePerAttempt(tokens: SlackTokens): SlackTokens {
  const ours = new Map<string, Promise<WebClient | undefined>>();
  const clientSide = new Map<string, Promise<WebClient | undefined>>();
  const once = (cache: Map<string, Promise<WebClient | undefined>>, key: string, look: () => Promise<WebClient | undefined>) => {
    const found = cache.get(key) ?? look();
    cache.set(key, found);
    return found;
  };
  return {
    ...tokens,
    clientFor: (teamId) => once(ours, teamId ?? '', () => tokens.clientFor(teamId)),
    clientForClientSide: (teamId) => once(clientSide, teamId ?? '', () => tokens.clientForClientSide(teamId)),
  };
}

/** An estimate in the request's thread: posted once, updated in place when decided or superseded. */
async function deliverEstimate(deps: DeliveryDeps, estimateId: string): Promise<void> {
  const estimate = await requireEstimate(estimateId);
  const loaded = await loadRequestWithClient(estimate.requestKey);
  if (!loaded || !clientChannelLinkedAndGuarded(loaded.request, loaded.client)) return;
  const { request } = loaded;
  if (!request.clientMessageTs) throw await waitForRequest(request.key, request.clientChannelId);
  const client = await deps.tokens.clientForClientSide(request.requesterTeamId);
  if (!client) throw notInstalled(request.clientChannelId);
  const approvers = estimate.messageTs ? [] : loaded.client.approvers;
  const message = renderEstimateMessage({ ...estimate, id: estimate._id.toHexString() }, approvers.length > 0 ? approvers : [request.requesterId]);
  const ts = await showMessage(client, request.clientChannelId, estimate.messageTs, message, request.clientMessageTs);
  if (ts) await recordEstimateMessage(estimate._id, ts);
}

/**
 * A thread reply whose root is not posted yet waits for it; if the root's delivery has failed
 * for good (or a manager dismissed it), this one fails with the same error (a manager retries or
 * dismisses it too) rather than waiting for a root that will not come.
 */
async function waitForRequest(key: string, channel: string): Promise<Error> {
  const root = await findEffect(`request|${key}`);
  if (root?.state === 'failed' || root?.state === 'dismissed') return new DeliveryFailure(root.lastError ?? 'unknown_error', root.errorChannel ?? channel);
  return new NotYet(2000);
}

const homePayload = z.object({ userId: z.string(), clientKeys: z.array(z.string()), teamId: z.string().optional() });

async function deliverHome(deps: DeliveryDeps, lease: Lease): Promise<Date | undefined> {
  const { deliveredAt } = lease.effect;
  if (deliveredAt && Date.now() - deliveredAt.getTime() < deps.homeIntervalMs) return new Date(deliveredAt.getTime() + deps.homeIntervalMs);
  const viewer = homePayload.parse(lease.effect.payload);
  const client = await deps.tokens.clientForClientSide(viewer.teamId);
  if (!client) throw notInstalled();
  const view = renderHome(await homeFor(viewer.userId, viewer.clientKeys, deps.config.defaultTimezone));
  await slackCall(undefined, () => client.views.publish({ user_id: viewer.userId, view }));
  return undefined;
}

async function deliverPost(deps: DeliveryDeps, lease: Lease): Promise<void> {
  const post = postSchema.parse(lease.effect.payload);
  const client = post.workspace === 'client' ? await deps.tokens.clientForClientSide(post.teamId) : await deps.tokens.clientFor();
  let channel: string;
  let threadTs: string | undefined;
  if ('thread' in post.to || 'triageThread' in post.to) {
    const key = 'thread' in post.to ? post.to.thread : post.to.triageThread;
    const loaded = await loadRequestWithClient(key);
    if (!loaded) return;
    const { request } = loaded;
    if ('thread' in post.to && !clientChannelLinkedAndGuarded(request, loaded.client)) return;
    channel = 'thread' in post.to ? request.clientChannelId : request.triageChannelId;
    threadTs = ('thread' in post.to ? request.clientMessageTs : request.triageMessageTs) ?? undefined;
    if (!threadTs) throw await waitForRequest(key, channel);
  } else if ('channel' in post.to) {
    channel = post.to.channel;
  } else if ('replace' in post.to) {
    const { channel: where, ts } = post.to.replace;
    if (!client) throw notInstalled(where);
    await slackCall(where, () => client.chat.update({ channel: where, ts, text: post.text, blocks: (post.blocks as KnownBlock[] | undefined) ?? [] }));
    return;
  } else {
    channel = post.to.user;
  }
  if (!client) throw notInstalled(channel);
  if (!lease.effect.postedTs) {
    if (post.csv && 'user' in post.to) {
      // A file goes to a conversation, not a user: open the DM first.
      const user = post.to.user;
      const opened = await slackCall(user, () => client.conversations.open({ users: user }));
      channel = opened.channel?.id ?? channel;
    }
    const blocks = post.blocks as KnownBlock[] | undefined;
    const postTo = (where: string) => slackCall(where, () => client.chat.postMessage({ channel: where, text: post.text, ...(blocks ? { blocks } : {}), ...(threadTs ? { thread_ts: threadTs } : {}) }));
    let posted;
    try {
      posted = await postTo(channel);
    } catch (error) {
      if (!(post.fallbackUser && error instanceof DeliveryFailure && isChannelProblem(error.code))) throw error;
      // Not allowed in that channel: the person who asked gets it by DM instead.
      const user = post.fallbackUser;
      const opened = await slackCall(user, () => client.conversations.open({ users: user }));
      channel = opened.channel?.id ?? user;
      posted = await postTo(channel);
    }
    await recordPosted(lease, posted.channel ?? channel, posted.ts ?? '');
  }
  if (post.csv) {
    const csv = post.csv;
    const target = lease.effect.postedChannel ?? channel;
    await slackCall(target, () =>
      client.filesUploadV2({ channel_id: target, filename: csv.filename, title: csv.title, content: csv.content, ...(csv.comment ? { initial_comment: csv.comment } : {}) }),
    );
  }
}

// ---- the lease and the outcome ----

export type DeliveryOutcome = { status: 'done' | 'busy' | 'failed' } | { status: 'later'; at: Date };

/** Delivers the effect `id` if something is owed and nobody else is at it. */
export async function deliverEffect(deps: DeliveryDeps, id: string): Promise<DeliveryOutcome> {
  const lease = await leaseEffect(id);
  if (!lease) return { status: 'busy' };
  const { effect } = lease;
  if (effect.done >= effect.wanted) {
    await deps.wake([await completeEffect(lease)]);
    return { status: 'done' };
  }
  if (effect.dueAt.getTime() > Date.now() + 50) {
    const wakeup = await postponeEffect(lease, effect.dueAt, effect.reservations ?? []);
    return { status: 'later', at: wakeup.dueAt };
  }
  // The slots in Slack's pace it was postponed with: its calls go in them without asking again.
  const slots = new SlotBook(effect.reservations ?? []);
  try {
    const later = await withPriority(effect.priority, async () => {
      switch (effect.kind) {
        case 'request': {
          // The turns and the posts need the same installations: looked up once (in distributed
          // mode each is a read of MongoDB).
          const attempt = { ...deps, tokens: tokensOncePerAttempt(deps.tokens) };
          await takeFirstPostTurns(attempt, effect, slots);
          await deliverRequest(attempt, String(effect.payload.key), lease);
          return undefined;
        }
        case 'estimate':
          await deliverEstimate(deps, String(effect.payload.estimateId));
          return undefined;
        case 'home':
          return deliverHome(deps, lease);
        case 'post':
          await deliverPost(deps, lease);
          return undefined;
      }
    }, slots);
    if (later) {
      const wakeup = await postponeEffect(lease, later, slots.held());
      return { status: 'later', at: wakeup.dueAt };
    }
    await deps.wake([await completeEffect(lease)]);
    await deps.observe?.(effect.kind, Date.now() - effect.askedAt.getTime());
    return { status: 'done' };
  } catch (error) {
    return settleFailure(deps, lease, error, slots);
  }
}

async function settleFailure(deps: DeliveryDeps, lease: Lease, error: unknown, slots: SlotBook): Promise<DeliveryOutcome> {
  const id = lease.effect._id;
  if (error instanceof PaceLater || error instanceof NotYet || error instanceof ChannelMoved) {
    // Back at the first slot it holds (exactly when its turn comes), or when the wait is over.
    const now = Date.now();
    const held = slots.held(now);
    const at = Math.max(now + 50, Math.min(now + error.waitMs, ...held.map((r) => r.at.getTime())));
    const wakeup = await postponeEffect(lease, new Date(at), held);
    return { status: 'later', at: wakeup.dueAt };
  }
  if (error instanceof DeliveryFailure && error.code === 'ratelimited') {
    // Slack's own 429 (our pace should have avoided it): wait as long as it says, no attempt counted.
    const wakeup = await postponeEffect(lease, new Date(Date.now() + (error.retryAfterMs ?? 1000)));
    return { status: 'later', at: wakeup.dueAt };
  }
  const failure =
    error instanceof DeliveryFailure
      ? { error: error.code, channel: error.channel, permanent: !isTransientSlackError(error.code) }
      : { error: 'internal_error', channel: undefined, permanent: false };
  if (!(error instanceof DeliveryFailure)) logger.error({ err: error, effect: id }, 'Delivering a Slack effect failed; it will be tried again');
  const next = await failAttempt(lease, failure, new Date(), deps.config.slackRetry);
  if (!next) {
    logger.warn({ effect: id, slackError: failure.error, channel: failure.channel }, 'A Slack effect failed for good; managers see it on their Home and can retry it');
    return { status: 'failed' };
  }
  logger.info({ effect: id, slackError: failure.error, attempt: lease.effect.attempts + 1 }, 'A Slack effect failed; it will be tried again with backoff');
  return { status: 'later', at: next.dueAt };
}
