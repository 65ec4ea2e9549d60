// Paces Slack calls under Slack's limits, shared by every process: each bucket (workspace, method
// and, for chat.postMessage, channel) is a GCRA token bucket kept in Redis, so two web processes
// and two workers draw on one quota, as Slack counts it. A 429 that gets through anyway pauses
// that bucket alone for Slack's Retry-After; unrelated calls go on.
//
// Why a script of our own rather than rate-limiter-flexible or BullMQ's limiter: both count fixed
// windows, which allow two windows' worth of calls around a window's edge; Slack refills
// continuously, so a fixed window would still draw 429s. GCRA is one Redis key per bucket and
// one atomic script, using Redis's clock so every process agrees on the time.
import type { RedisConnection } from '../../jobs/redis';
import type { PacedBucket } from '../../domain/slackDelivery';
import type { Reservation } from '../../services/outbox';
import { logger } from '../../logger';

// A take asks for the next free slot of the bucket: the time it conforms, given what was taken
// and reserved before. Within `horizon` ms the slot is RESERVED (the bucket's TAT moves on by one
// interval) and its wait returned with 1: the caller goes at that time without asking again. Past
// the horizon, or while the bucket is paused, nothing is taken and the wait is returned with 0.
const TAKE = `
local pause = redis.call('PTTL', KEYS[2])
if pause > 0 then return {pause, 0} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local allowance = tonumber(ARGV[2])
local horizon = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat + interval - allowance * interval - now
if wait > horizon then return {wait, 0} end
if wait < 0 then wait = 0 end
redis.call('SET', KEYS[1], tat + interval, 'PX', tat + interval - now + 1000)
return {wait, 1}
`;

/**
 * Thrown when a call cannot go soon: the work is better rescheduled than held. When a delivery's
 * slot was reserved, it is in the delivery's SlotBook and `waitMs` runs to it.
 */
export class PaceLater extends Error {
  constructor(readonly waitMs: number) {
    super(`Slack's limit for this call is reached for ${waitMs} ms`);
    this.name = 'PaceLater';
  }
}

/** Who is waiting for a call: a person (interactive) or nobody in the moment (background). */
export type CallPriority = 'interactive' | 'background';

/**
 * The slots one effect holds while it is delivered: those it was postponed with (from its record)
 * and those reserved during this attempt. A slot is used once: taking it removes it, and what is
 * left is saved with the effect's postponement (services/slackEffects.ts), so a slot is neither
 * lost between two attempts nor used twice.
 */
export class SlotBook {
  private readonly slots = new Map<string, number>();

  constructor(held: ReadonlyArray<Reservation> = []) {
    for (const r of held) this.slots.set(r.bucket, r.at.getTime());
  }

  /** Removes and returns the slot held in `bucket`, if any (epoch ms). */
  use(bucket: string): number | undefined {
    const at = this.slots.get(bucket);
    this.slots.delete(bucket);
    return at;
  }

  hold(bucket: string, at: number): void {
    this.slots.set(bucket, at);
  }

  /**
   * The slots not used yet, to keep with the effect; those past by more than SLOT_KEPT_MS were
   * not needed by the attempt that just ran, and are let go.
   */
  held(now = Date.now()): Reservation[] {
    return [...this.slots].filter(([, at]) => at >= now - SLOT_KEPT_MS).map(([bucket, at]) => ({ bucket, at: new Date(at) }));
  }
}

export interface Pacer {
  /**
   * Takes a turn in the bucket. Inside a delivery (`slots` given) the call reserves the bucket's
   * next free slot: it waits for it in place when it is near, or is told to come back exactly
   * then (PaceLater, the slot kept in `slots`), and when it comes back it goes without asking
   * again. Outside a delivery a person's call waits up to INTERACTIVE_WAIT_MS, background work up
   * to BACKGROUND_WAIT_MS, then fails (PaceLater). No call goes unpaced.
   */
  take(bucket: PacedBucket, priority: CallPriority, slots?: SlotBook): Promise<void>;
  /** Slack answered 429: nothing in this bucket goes for `ms`. */
  pause(bucket: PacedBucket, ms: number): Promise<void>;
  /** Counts a 429 by method, for /metrics (kept in Redis, so every process reports the app's total). */
  countRateLimited(method: string): Promise<void>;
}

/** A person is waiting: their call waits its turn this long at most, then fails (PaceLater). */
export const INTERACTIVE_WAIT_MS = 10_000;
/** Background work waits this long in place; longer, and it is rescheduled. */
export const BACKGROUND_WAIT_MS = 1000;
/** How far ahead a delivery may reserve a slot (a backlog longer than that asks again later). */
export const RESERVE_HORIZON_MS = 15 * 60_000;

/**
 * How late a reserved slot may still be used. A call a little late is absorbed by the margin we
 * keep under Slack's burst (two calls); one much later would add a call to those going at that
 * later time, so its slot is given up and a new one asked for.
 */
export function slotGraceMs(bucket: PacedBucket): number {
  return Math.max(1000, 2 * bucket.intervalMs);
}

/** A slot this far past that an attempt did not use is not kept for the next one. */
const SLOT_KEPT_MS = 500;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const RATE_LIMITED_HASH = 'slack:ratelimited';

/**
 * The two keys of a bucket's script: its turn (GCRA) and its pause after a 429. Redis Cluster
 * runs a script only when all its keys hash to one slot, so both carry the bucket as one hash
 * tag. The first `{…}` of a key is its tag: under a prefix that has one (`{adhoc}`, which BullMQ
 * needs on Cluster), every key of the app shares the prefix's slot; under a plain prefix each
 * bucket has a slot of its own. Either way a bucket's two keys are in one slot.
 */
export function paceKeys(prefix: string, bucket: PacedBucket): readonly [turn: string, pause: string] {
  return [`${prefix}:pace:{${bucket.key}}`, `${prefix}:pause:{${bucket.key}}`];
}

/**
 * `local` paces this process alone while Redis is unreachable (localPacer.ts: a conservative share
 * of Slack's limits), so an outage of Redis never lets calls go unpaced.
 */
export function createRedisPacer(redis: RedisConnection, prefix: string, local: Pacer): Pacer {
  redis.defineCommand('slackPaceTake', { numberOfKeys: 2, lua: TAKE });
  const take = redis as RedisConnection & {
    slackPaceTake(bucket: string, pause: string, interval: number, allowance: number, horizon: number): Promise<[number, number]>;
  };
  const keys = (bucket: PacedBucket) => paceKeys(prefix, bucket);

  return {
    async take(bucket, priority, slots) {
      // A person's call waits in place up to INTERACTIVE_WAIT_MS (it does not have to come back),
      // background work up to BACKGROUND_WAIT_MS.
      const inPlace = priority === 'interactive' ? INTERACTIVE_WAIT_MS : BACKGROUND_WAIT_MS;
      const reserved = slots?.use(bucket.key);
      if (reserved !== undefined) {
        const early = reserved - Date.now();
        if (early > inPlace) {
          // Woken before its slot (another ask, the sweep): it keeps the slot and comes back then.
          slots?.hold(bucket.key, reserved);
          throw new PaceLater(early);
        }
        if (early > 0) await sleep(early);
        // Its own slot, reserved before: it goes without asking the bucket again.
        if (-early <= slotGraceMs(bucket)) return;
        // Too late for its slot: that one is given up, and a new one asked for.
      }
      const [tatKey, pauseKey] = keys(bucket);
      const allowance = priority === 'interactive' ? bucket.burst : bucket.burst - bucket.reserve;
      let answer: [number, number];
      try {
        answer = await take.slackPaceTake(tatKey, pauseKey, bucket.intervalMs, allowance, slots ? RESERVE_HORIZON_MS : inPlace);
      } catch (error) {
        // Redis is down: this process paces itself alone, on its share of Slack's limits.
        logger.debug({ err: error, bucket: bucket.key }, 'Could not reach the shared pace; pacing this call in this process');
        return local.take(bucket, priority);
      }
      const wait = Number(answer[0]);
      if (Number(answer[1]) !== 1) throw new PaceLater(wait);
      if (wait <= 0) return;
      if (wait <= inPlace) {
        await sleep(wait);
        return;
      }
      // Reserved, but later than is worth holding a worker for: the effect is postponed to it.
      slots?.hold(bucket.key, Date.now() + wait);
      throw new PaceLater(wait);
    },
    async pause(bucket, ms) {
      await redis.set(keys(bucket)[1], '1', 'PX', Math.max(1, Math.ceil(ms))).catch(() => local.pause(bucket, ms));
    },
    async countRateLimited(method) {
      await redis.hincrby(`${prefix}:${RATE_LIMITED_HASH}`, method, 1).catch(() => undefined);
    },
  };
}

/** SLACK_PACE=off: for a Slack that does not limit (a local fake in tests that say so). 429s are still counted. */
export const unpaced: Pacer = {
  take: async () => undefined,
  pause: async () => undefined,
  countRateLimited: async () => undefined,
};
