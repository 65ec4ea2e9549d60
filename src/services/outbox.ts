// The record of what the app owes Slack (see db/slackEffect.ts): asking for an effect, the lease
// that lets one deliverer at a time work on it, and its outcome. Nothing here talks to Slack.
import { randomUUID } from 'node:crypto';
import { EFFECT_KINDS, EFFECT_STATES, SlackEffectModel, type EFFECT_PRIORITIES } from '../db/slackEffect';
import { DEFAULT_RETRY_BACKOFF, MAX_DELIVERY_ATTEMPTS, retryDelayMs, type RetryBackoff } from '../domain/slackDelivery';

export type EffectKind = (typeof EFFECT_KINDS)[number];
export type EffectPriority = (typeof EFFECT_PRIORITIES)[number];
export type EffectState = (typeof EFFECT_STATES)[number];

/** What to schedule so that a worker wakes up for an effect (a BullMQ job; Redis may be down). */
export interface Wakeup {
  id: string;
  /** The ask this wake-up is for: with the id, a deterministic job id. */
  wanted: number;
  dueAt: Date;
  priority: EffectPriority;
}

export interface Effect {
  _id: string;
  kind: EffectKind;
  state: EffectState;
  priority: EffectPriority;
  wanted: number;
  done: number;
  dueAt: Date;
  attempts: number;
  payload: Record<string, unknown>;
  postedTs?: string | null | undefined;
  postedChannel?: string | null | undefined;
  respondVia?: RespondVia | null | undefined;
  lastError?: string | null | undefined;
  errorChannel?: string | null | undefined;
  failedAt?: Date | null | undefined;
  dismissedBy?: string | null | undefined;
  dismissedAt?: Date | null | undefined;
  createdAt: Date;
  askedAt: Date;
  deliveredAt?: Date | null | undefined;
  doneAt?: Date | null | undefined;
  leaseOwner?: string | null | undefined;
  leaseUntil?: Date | null | undefined;
  reservations?: Reservation[] | null | undefined;
}

/** A slot reserved for the effect in one of Slack's paces (a bucket): its call goes then, unasked. */
export interface Reservation {
  bucket: string;
  at: Date;
}

/** Where a click came from: its message and the response_url Slack gave with it. */
export interface RespondVia {
  url: string;
  messageTs: string;
  at: Date;
}

export interface EffectAsk {
  id: string;
  kind: EffectKind;
  priority: EffectPriority;
  payload: Record<string, unknown>;
  respondVia?: RespondVia | undefined;
}

const LEASE_MS = 60_000;

function isLeased(effect: Pick<Effect, 'leaseUntil'>, now: Date): boolean {
  return Boolean(effect.leaseUntil && effect.leaseUntil.getTime() > now.getTime());
}

/**
 * Asks for a rendered effect (a request's messages, an estimate's, a Home tab) to be brought up to
 * date. Asks coalesce: while one is pending, more asks add nothing but a count, and whatever the
 * record says when it is delivered is what Slack shows. Returns the wake-up to schedule, or
 * undefined when one is already scheduled.
 */
export async function askEffect(ask: EffectAsk, now = new Date()): Promise<Wakeup | undefined> {
  const before = await SlackEffectModel.findOneAndUpdate(
    { _id: ask.id },
    {
      $inc: { wanted: 1 },
      $set: {
        state: 'pending',
        askedAt: now,
        payload: ask.payload,
        ...(ask.priority === 'interactive' ? { priority: 'interactive' } : {}),
        ...(ask.respondVia ? { respondVia: ask.respondVia } : {}),
      },
      $setOnInsert: { kind: ask.kind, done: 0, attempts: 0, dueAt: now, createdAt: now, ...(ask.priority === 'interactive' ? {} : { priority: ask.priority }) },
      // Owed again: no longer expiring as done (or as dismissed).
      $unset: { doneAt: 1, dismissedAt: 1, dismissedBy: 1 },
    },
    { upsert: true, returnDocument: 'before' },
  ).lean<Effect>();
  const wanted = (before?.wanted ?? 0) + 1;
  // A failed (or dismissed) effect asked again (something changed) gets a fresh set of attempts.
  // Rare, so its own write, rather than a second round trip on every ask (two per new request,
  // once per change).
  if (before?.state === 'failed' || before?.state === 'dismissed') {
    await SlackEffectModel.updateOne({ _id: ask.id, state: 'pending', wanted }, { $set: { attempts: 0, dueAt: now }, $unset: { failedAt: 1 } });
  }
  const priority = ask.priority === 'interactive' ? 'interactive' : (before?.priority ?? ask.priority);
  if (!before || before.state !== 'pending') return { id: ask.id, wanted, dueAt: now, priority };
  // Being delivered: the deliverer sees the new ask when it finishes and schedules itself again.
  if (isLeased(before, now)) return undefined;
  // Pending with a wake-up already scheduled; a person now waiting on it earns one of its own.
  if (before.priority === 'background' && ask.priority === 'interactive') return { id: ask.id, wanted, dueAt: now, priority };
  if (before.done >= before.wanted) return { id: ask.id, wanted, dueAt: before.dueAt, priority };
  return undefined;
}

/** The response_url has been used (or refused): later updates go through chat.update. */
export async function forgetRespondVia(id: string, url: string): Promise<void> {
  await SlackEffectModel.updateOne({ _id: id, 'respondVia.url': url }, { $unset: { respondVia: 1 } });
}

/** Records a one-off post (a notice, a reminder, a digest) once: the same id again changes nothing. */
export async function recordPost(ask: Omit<EffectAsk, 'kind'>, now = new Date()): Promise<Wakeup | undefined> {
  const result = await SlackEffectModel.updateOne(
    { _id: ask.id },
    {
      $setOnInsert: {
        kind: 'post',
        state: 'pending',
        priority: ask.priority,
        payload: ask.payload,
        wanted: 1,
        done: 0,
        attempts: 0,
        dueAt: now,
        createdAt: now,
        askedAt: now,
      },
    },
    { upsert: true },
  );
  return result.upsertedCount === 1 ? { id: ask.id, wanted: 1, dueAt: now, priority: ask.priority } : undefined;
}

export interface Lease {
  effect: Effect;
  owner: string;
}

/** Takes the effect for delivery; undefined when someone else holds it or nothing is owed. */
export async function leaseEffect(id: string, now = new Date()): Promise<Lease | undefined> {
  const owner = randomUUID();
  const taken = await SlackEffectModel.updateOne(
    { _id: id, state: 'pending', $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: null }, { leaseUntil: { $lte: now } }] },
    { $set: { leaseOwner: owner, leaseUntil: new Date(now.getTime() + LEASE_MS) } },
  );
  if (taken.modifiedCount !== 1) return undefined;
  const effect = await SlackEffectModel.findById(id).lean<Effect>();
  if (!effect || effect.leaseOwner !== owner) return undefined;
  return { effect, owner };
}

const RELEASE = { $unset: { leaseOwner: 1, leaseUntil: 1 } } as const;

/**
 * Delivered what was asked up to `lease.effect.wanted`. Returns the wake-up for asks that came
 * in meanwhile (they are owed a delivery of their own), or undefined when the effect is done.
 */
export async function completeEffect(lease: Lease, now = new Date()): Promise<Wakeup | undefined> {
  const { effect, owner } = lease;
  const finished = { done: effect.wanted, deliveredAt: now, attempts: 0, priority: 'background' };
  // A post is never delivered again: what it said (a billing CSV, say) goes, its id stays to dedupe it.
  const forgotten = effect.kind === 'post' ? { payload: postPayloadAfter(effect.payload, 'delivered') } : {};
  const done = await SlackEffectModel.updateOne(
    { _id: effect._id, leaseOwner: owner, wanted: effect.wanted },
    { $set: { ...finished, ...forgotten, state: 'done', doneAt: now }, $unset: { ...RELEASE.$unset, lastError: 1, errorChannel: 1, failedAt: 1, reservations: 1 } },
  );
  if (done.modifiedCount === 1) return undefined;
  const again = await SlackEffectModel.findOneAndUpdate(
    { _id: effect._id, leaseOwner: owner },
    { $set: { done: effect.wanted, deliveredAt: now, attempts: 0, dueAt: now }, $unset: { ...RELEASE.$unset, lastError: 1, errorChannel: 1, failedAt: 1, reservations: 1 } },
    { returnDocument: 'after' },
  ).lean<Effect>();
  return again ? { id: again._id, wanted: again.wanted, dueAt: now, priority: again.priority } : undefined;
}

/**
 * What a post keeps of its payload once it is delivered or dismissed: where it was addressed (ids
 * only) and which of the two, none of what it said. Where it went is kept in postedChannel and
 * postedTs.
 */
function postPayloadAfter(payload: Record<string, unknown>, outcome: 'delivered' | 'dismissed'): Record<string, unknown> {
  return { ...(payload.to === undefined ? {} : { to: payload.to }), [outcome]: true };
}

/** Records that a post went out, before any later step (a file upload) that may fail. */
export async function recordPosted(lease: Lease, channel: string, ts: string): Promise<void> {
  await SlackEffectModel.updateOne({ _id: lease.effect._id, leaseOwner: lease.owner }, { $set: { postedTs: ts, postedChannel: channel } });
  lease.effect.postedTs = ts;
  lease.effect.postedChannel = channel;
}

/**
 * Not now, through no fault of its own (Slack's pace, a thread not posted yet): no attempt counted.
 * `reservations`: the slots it holds in Slack's pace, kept with it in the same write (any it held
 * before are replaced: those it used are gone).
 */
export async function postponeEffect(lease: Lease, until: Date, reservations: Reservation[] = []): Promise<Wakeup> {
  const slots = reservations.length > 0 ? { $set: { dueAt: until, reservations }, $unset: RELEASE.$unset } : { $set: { dueAt: until }, $unset: { ...RELEASE.$unset, reservations: 1 } };
  await SlackEffectModel.updateOne({ _id: lease.effect._id, leaseOwner: lease.owner }, slots);
  return { id: lease.effect._id, wanted: lease.effect.wanted, dueAt: until, priority: lease.effect.priority };
}

export interface FailedAttempt {
  error: string;
  channel?: string | undefined;
  permanent: boolean;
}

/**
 * A failed attempt: tried again with backoff, unless Slack's answer is permanent or the attempts
 * are used up; then the effect is kept as failed, with Slack's error, for a manager to act on.
 * Returns the wake-up of the next attempt, if there is one.
 */
export async function failAttempt(lease: Lease, failure: FailedAttempt, now = new Date(), backoff: RetryBackoff = DEFAULT_RETRY_BACKOFF): Promise<Wakeup | undefined> {
  const attempts = lease.effect.attempts + 1;
  const where = failure.channel ? { errorChannel: failure.channel } : {};
  if (failure.permanent || attempts >= MAX_DELIVERY_ATTEMPTS) {
    await SlackEffectModel.updateOne(
      { _id: lease.effect._id, leaseOwner: lease.owner },
      { $set: { state: 'failed', attempts, lastError: failure.error, failedAt: now, ...where }, $unset: { ...RELEASE.$unset, reservations: 1 } },
    );
    return undefined;
  }
  const dueAt = new Date(now.getTime() + retryDelayMs(attempts, backoff));
  // Slots it held are given up: the next attempt, after a backoff, asks for its own.
  await SlackEffectModel.updateOne({ _id: lease.effect._id, leaseOwner: lease.owner }, { $set: { attempts, dueAt, lastError: failure.error, ...where }, $unset: { ...RELEASE.$unset, reservations: 1 } });
  return { id: lease.effect._id, wanted: lease.effect.wanted, dueAt, priority: lease.effect.priority };
}

export async function findEffect(id: string): Promise<Effect | null> {
  return SlackEffectModel.findById(id).lean<Effect>();
}

/** Pending effects whose wake-up should have come by now (lost while Redis was down), oldest first. */
export async function overdueEffects(olderThan: Date, limit: number): Promise<Wakeup[]> {
  const found = await SlackEffectModel.find({ state: 'pending', dueAt: { $lt: olderThan } }, { wanted: 1, dueAt: 1, priority: 1, leaseUntil: 1 })
    .sort({ dueAt: 1 })
    .limit(limit)
    .lean<Effect[]>();
  const now = new Date();
  return found.filter((e) => !isLeased(e, now)).map((e) => ({ id: e._id, wanted: e.wanted, dueAt: now, priority: e.priority }));
}

export interface FailedDelivery {
  id: string;
  kind: EffectKind;
  error: string;
  channel: string | undefined;
  failedAt: Date;
}

/** Effects kept as failed, newest first (a manager's Home shows them grouped by channel). */
export async function failedEffects(limit = 200): Promise<{ items: FailedDelivery[]; total: number }> {
  const [found, total] = await Promise.all([
    SlackEffectModel.find({ state: 'failed' }).sort({ failedAt: -1 }).limit(limit).lean<Effect[]>(),
    SlackEffectModel.countDocuments({ state: 'failed' }),
  ]);
  return {
    items: found.map((e) => ({ id: e._id, kind: e.kind, error: e.lastError ?? 'unknown_error', channel: e.errorChannel ?? undefined, failedAt: e.failedAt ?? e.askedAt })),
    total,
  };
}

/** `/help admin retry [#channel]`: failed effects (of one channel) are pending again; returns their wake-ups. */
export async function retryFailedEffects(channel?: string, now = new Date()): Promise<Wakeup[]> {
  const filter = { state: 'failed' as const, ...(channel ? { errorChannel: channel } : {}) };
  const found = await SlackEffectModel.find(filter, { wanted: 1, priority: 1 }).lean<Effect[]>();
  if (found.length === 0) return [];
  await SlackEffectModel.updateMany({ ...filter, _id: { $in: found.map((e) => e._id) } }, { $set: { state: 'pending', attempts: 0, dueAt: now }, $unset: { failedAt: 1 } });
  return found.map((e) => ({ id: e._id, wanted: e.wanted, dueAt: now, priority: e.priority }));
}

/**
 * `/help admin dismiss [#channel]`: failed effects (of one channel) are given up by `by`. They are
 * never tried again unless something asks for them anew (a rendered effect, when its subject
 * changes); a post's id still dedupes it, and what it said (a billing CSV, say) is dropped as if
 * delivered. Each keeps its last error and who dismissed it, and expires like a delivered one.
 * Guarded per effect, so one retried meanwhile is left alone. Returns how many were dismissed.
 */
export async function dismissFailedEffects(by: string, channel?: string, now = new Date()): Promise<number> {
  const filter = { state: 'failed' as const, ...(channel ? { errorChannel: channel } : {}) };
  const found = await SlackEffectModel.find(filter, { kind: 1, 'payload.to': 1 }).lean<Array<Pick<Effect, '_id' | 'kind' | 'payload'>>>();
  if (found.length === 0) return 0;
  const given = { state: 'dismissed', dismissedBy: by, dismissedAt: now, doneAt: now };
  const result = await SlackEffectModel.bulkWrite(
    found.map((e) => ({
      updateOne: {
        filter: { _id: e._id, state: 'failed' },
        update: { $set: { ...given, ...(e.kind === 'post' ? { payload: postPayloadAfter(e.payload, 'dismissed') } : {}) }, $unset: { reservations: 1 } },
      },
    })),
    { ordered: false },
  );
  return result.modifiedCount;
}

export interface EffectCounts {
  byKindAndState: Array<{ kind: string; state: string; count: number }>;
  oldestPendingAt: Date | undefined;
}

/** How stale /metrics' effect counts may be: one count per kind and state at most this often. */
export const EFFECT_COUNTS_MAX_AGE_MS = 15_000;

let lastCounts: { at: number; counts: Promise<EffectCounts> } | undefined;

/**
 * For /metrics: how many effects of each kind are pending, done and failed, and the oldest
 * pending. Each number is one count on the { kind, state } index (never a $group over the
 * collection), and the whole is read at most once per `maxAgeMs`, however often it is scraped.
 */
export function effectCounts(maxAgeMs = EFFECT_COUNTS_MAX_AGE_MS, now = Date.now()): Promise<EffectCounts> {
  if (lastCounts && now - lastCounts.at < maxAgeMs) return lastCounts.counts;
  const current = { at: now, counts: countEffects() };
  lastCounts = current;
  // A failed read is not kept: the next scrape tries again.
  current.counts.catch(() => {
    if (lastCounts === current) lastCounts = undefined;
  });
  return current.counts;
}

async function countEffects(): Promise<EffectCounts> {
  const pairs = EFFECT_KINDS.flatMap((kind) => EFFECT_STATES.map((state) => ({ kind, state })));
  const [counts, oldest] = await Promise.all([
    Promise.all(pairs.map((p) => SlackEffectModel.countDocuments(p))),
    SlackEffectModel.findOne({ state: 'pending' }, { askedAt: 1 }).sort({ dueAt: 1 }).lean<Effect>(),
  ]);
  return {
    byKindAndState: pairs.map((p, i) => ({ ...p, count: counts[i] ?? 0 })),
    oldestPendingAt: oldest?.askedAt,
  };
}
