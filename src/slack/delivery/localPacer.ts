// The pace a process keeps on its own while Redis, where the shared pace lives (pacer.ts), is
// unreachable. The processes can no longer see each other's calls, so each assumes it is one of
// `processes` calling Slack at once and takes that share of every limit: the bucket's interval
// multiplied by `processes`, its burst divided by it (at least one call). With the default of two
// (a web process and a worker), the app as a whole stays within Slack's limits as long as no more
// processes than that call the same bucket; more processes than assumed may draw 429s, which
// still pause the bucket here and are retried like any other.
import type { PacedBucket } from '../../domain/slackDelivery';
import { BACKGROUND_WAIT_MS, INTERACTIVE_WAIT_MS, PaceLater, type Pacer } from './pacer';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Buckets untouched for this long are forgotten (their turn has long come back). */
const FORGET_AFTER_MS = 10 * 60_000;

export function createLocalPacer(processes: number, clock: () => number = Date.now): Pacer {
  const share = Math.max(1, Math.floor(processes));
  /** The theoretical arrival time of each bucket's next call (GCRA, as in pacer.ts). */
  const tats = new Map<string, number>();
  const pausedUntil = new Map<string, number>();
  let sweptAt = clock();

  function forgetOld(now: number): void {
    if (now - sweptAt < FORGET_AFTER_MS) return;
    sweptAt = now;
    for (const [key, tat] of tats) if (tat < now - FORGET_AFTER_MS) tats.delete(key);
    for (const [key, until] of pausedUntil) if (until < now) pausedUntil.delete(key);
  }

  /** 0 when the call may go now (its turn is taken), else how long to wait. */
  function tryTake(bucket: PacedBucket, allowance: number): number {
    const now = clock();
    forgetOld(now);
    const pause = (pausedUntil.get(bucket.key) ?? 0) - now;
    if (pause > 0) return pause;
    const interval = bucket.intervalMs * share;
    const tat = Math.max(tats.get(bucket.key) ?? 0, now);
    const wait = tat + interval - allowance * interval - now;
    if (wait > 0) return wait;
    tats.set(bucket.key, tat + interval);
    return 0;
  }

  return {
    async take(bucket, priority) {
      const burst = priority === 'interactive' ? bucket.burst : bucket.burst - bucket.reserve;
      const allowance = Math.max(1, Math.floor(burst / share));
      let waited = 0;
      for (;;) {
        const wait = tryTake(bucket, allowance);
        if (wait <= 0) return;
        if (priority === 'background' && wait > BACKGROUND_WAIT_MS) throw new PaceLater(wait);
        if (priority === 'interactive' && waited + wait > INTERACTIVE_WAIT_MS) throw new PaceLater(wait);
        await sleep(wait);
        waited += wait;
      }
    },
    async pause(bucket, ms) {
      pausedUntil.set(bucket.key, Math.max(pausedUntil.get(bucket.key) ?? 0, clock() + ms));
    },
    async countRateLimited() {
      // Counted in Redis only (pacer.ts); while it is unreachable, the 429s are in the logs.
    },
  };
}
