// Delivery without the queue, for while Redis is unreachable. MongoDB holds the effects and their
// leases, so any process may deliver one: the web process delivers the effects a person waits for
// (whose wake-up it could not queue) itself, and the worker's sweep delivers every effect that is
// due. An effect is still delivered once: deliverEffect leases it first, and an effect found done
// (a wake-up queued before, or the sweep, once Redis is back) is left alone.
import { logger } from '../../logger';
import type { Wakeup } from '../../services/outbox';
import { deliverEffect, type DeliveryDeps } from './deliverer';

export interface DirectDelivery {
  /**
   * Delivers these effects in this process, each when it is due (a timer). One that must wait
   * (Slack's pace, its thread not posted yet, a retry's backoff) is queued again if Redis is back,
   * else tried here again when due, at most MAX_LOCAL_TRIES times; the worker's sweep has the rest.
   */
  deliver(wakeups: Wakeup[]): void;
  /** Delivers these effects now, a few at a time (the worker's sweep); one that must wait is left for the next sweep. */
  deliverNow(wakeups: Wakeup[]): Promise<void>;
  /** Stops the timers and waits for the deliveries in hand. */
  close(): Promise<void>;
}

/** How often one effect is tried again in this process before it is left to the worker's sweep. */
export const MAX_LOCAL_TRIES = 30;
/** Timers held at once at most; past this, effects are left to the worker's sweep. */
export const MAX_LOCAL_TIMERS = 1000;
const SWEEP_CONCURRENCY = 8;

/**
 * `queue` queues wake-ups and returns those it could not (jobs/deliveryQueue.ts, without any
 * fallback: this module is the fallback).
 */
export function createDirectDelivery(deps: DeliveryDeps, queue: (wakeups: Wakeup[]) => Promise<Wakeup[]>): DirectDelivery {
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  let closed = false;

  function track(work: Promise<void>): Promise<void> {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
    return work;
  }

  /** One delivery; returns the wake-up for its next turn if it must wait and Redis still cannot queue it. */
  async function attempt(wakeup: Wakeup): Promise<Wakeup | undefined> {
    try {
      const outcome = await deliverEffect(deps, wakeup.id);
      if (outcome.status !== 'later') return undefined;
      const [unqueued] = await queue([{ ...wakeup, dueAt: outcome.at }]);
      return unqueued;
    } catch (error) {
      // MongoDB unreachable, say: the effect is still pending, and the worker's sweep finds it.
      logger.warn({ err: error, effect: wakeup.id }, 'Could not deliver a Slack effect without the queue; the worker sweep will');
      return undefined;
    }
  }

  function schedule(wakeup: Wakeup, tries: number): void {
    if (closed) return;
    if (tries >= MAX_LOCAL_TRIES || timers.size >= MAX_LOCAL_TIMERS) {
      logger.info({ effect: wakeup.id, tries }, 'Left a Slack effect to the worker sweep');
      return;
    }
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        void track(
          attempt(wakeup).then((next) => {
            if (next) schedule(next, tries + 1);
          }),
        );
      },
      Math.max(0, wakeup.dueAt.getTime() - Date.now()),
    );
    timers.add(timer);
  }

  return {
    deliver(wakeups) {
      for (const wakeup of wakeups) schedule(wakeup, 0);
    },
    async deliverNow(wakeups) {
      const waiting = [...wakeups];
      const lane = async () => {
        for (let next = waiting.shift(); next && !closed; next = waiting.shift()) await attempt(next);
      };
      await track(Promise.all(Array.from({ length: SWEEP_CONCURRENCY }, lane)).then(() => undefined));
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...inFlight]);
    },
  };
}
