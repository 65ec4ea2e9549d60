// Paces Slack calls under Slack's limits, shared by every process: each bucket (workspace, method
// and, for chat.postMessage, channel) is a GCRA token bucket kept in Redis, so two web processes
// and two workers draw on one quota, as Slack counts it. A 429 that gets through anyway pauses
// that bucket alone for Slack's Retry-After; unrelated calls go on.
//
// Why a script of our own rather than rate-limiter-flexible or BullMQ's limiter: both count fixed
// windows, which allow two windows' worth of calls around a window's edge; Slack refills
// continuously, so a fixed window would still draw 429s. GCRA is one Redis key per bucket and
// one atomic script, using Redis's clock so every process agrees on the time.
import type { Redis } from 'ioredis';
import type { PacedBucket } from '../../domain/slackDelivery';
import { logger } from '../../logger';
import type { CallPriority } from './priority';

const TAKE = `
local pause = redis.call('PTTL', KEYS[2])
if pause > 0 then return pause end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local allowance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat + interval - allowance * interval - now
if wait > 0 then return wait end
redis.call('SET', KEYS[1], tat + interval, 'PX', tat + interval - now + 1000)
return 0
`;

/** Thrown to background work when the wait for its bucket is long: it is better rescheduled than held. */
export class PaceLater extends Error {
  constructor(readonly waitMs: number) {
    super(`Slack's limit for this call is reached for ${waitMs} ms`);
    this.name = 'PaceLater';
  }
}

export interface Pacer {
  /**
   * Waits for a turn in the bucket. Background work that would wait long is told to come back
   * later (PaceLater); a person's call waits up to INTERACTIVE_WAIT_MS. No call goes unpaced.
   */
  take(bucket: PacedBucket, priority: CallPriority): Promise<void>;
  /** Slack answered 429: nothing in this bucket goes for `ms`. */
  pause(bucket: PacedBucket, ms: number): Promise<void>;
  /** Counts a 429 by method, for /metrics (kept in Redis, so every process reports the app's total). */
  countRateLimited(method: string): Promise<void>;
}

/** A person is waiting: their call waits its turn this long at most, then fails (PaceLater). */
export const INTERACTIVE_WAIT_MS = 10_000;
/** Background work waits this long in place; longer, and it is rescheduled. */
export const BACKGROUND_WAIT_MS = 1000;

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
export function createRedisPacer(redis: Redis, prefix: string, local: Pacer): Pacer {
  redis.defineCommand('slackPaceTake', { numberOfKeys: 2, lua: TAKE });
  const take = redis as Redis & { slackPaceTake(bucket: string, pause: string, interval: number, allowance: number): Promise<number> };
  const keys = (bucket: PacedBucket) => paceKeys(prefix, bucket);

  return {
    async take(bucket, priority) {
      const [tatKey, pauseKey] = keys(bucket);
      const allowance = priority === 'interactive' ? bucket.burst : bucket.burst - bucket.reserve;
      let waited = 0;
      for (;;) {
        let wait: number;
        try {
          wait = Number(await take.slackPaceTake(tatKey, pauseKey, bucket.intervalMs, allowance));
        } catch (error) {
          // Redis is down: this process paces itself alone, on its share of Slack's limits.
          logger.debug({ err: error, bucket: bucket.key }, 'Could not reach the shared pace; pacing this call in this process');
          return local.take(bucket, priority);
        }
        if (wait <= 0) return;
        if (priority === 'background' && wait > BACKGROUND_WAIT_MS) throw new PaceLater(wait);
        if (priority === 'interactive' && waited + wait > INTERACTIVE_WAIT_MS) throw new PaceLater(wait);
        await sleep(wait);
        waited += wait;
      }
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
