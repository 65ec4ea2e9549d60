// The one way Slack effects leave the app. Listeners and jobs hand it what Slack must show; it is
// recorded in MongoDB (see services/outbox.ts) and a worker delivers it (deliverer.ts; while
// Redis is unreachable, direct.ts), paced under Slack's limits (pacer.ts). Only what a person
// waits for in the moment (opening a modal with a 3-second trigger, an ephemeral answer) is called
// directly, through the paced client.
import type { Wakeups } from '../../jobs/deliveryQueue';
import { askEffect, recordPost, type EffectPriority, type RespondVia, type Wakeup } from '../../services/outbox';
import type { FirstPost, SlackPost } from './posts';

export interface HomeViewer {
  userId: string;
  clientKeys: string[];
  teamId?: string | undefined;
}

export interface Delivery {
  /**
   * The request's root and triage messages, rendered from the record when delivered. `firstPost`:
   * where they go, while they are not posted yet. `respondVia`: the change came from a click on
   * one of them, whose response_url can update that message.
   */
  showRequest(key: string, opts?: { firstPost?: FirstPost | undefined; respondVia?: Omit<RespondVia, 'at'> | undefined }): Promise<void>;
  /** Estimate messages in their request's thread, rendered from the record when delivered. */
  showEstimates(estimateIds: string[]): Promise<void>;
  /** Home tabs, at most one publish per person per interval, with the data of that moment. */
  refreshHomes(viewers: HomeViewer[], priority?: EffectPriority): Promise<void>;
  /** A one-off message; `id` makes it once (the same id again posts nothing). */
  post(id: string, post: SlackPost, priority?: EffectPriority): Promise<void>;
  /** Schedules deliveries already recorded (e.g. failed ones a manager retries). */
  wake(wakeups: Wakeup[]): Promise<void>;
}

export function createDelivery(wakeups: Wakeups): Delivery {
  return {
    async showRequest(key, opts = {}) {
      const respondVia = opts.respondVia ? { ...opts.respondVia, at: new Date() } : undefined;
      // A person clicked and looks at the message: their change goes before background re-renders.
      const priority = opts.firstPost || respondVia ? 'interactive' : 'background';
      // A first post's channels ride with the ask: the delivery takes their turns in Slack's pace
      // before it reads the request (deliverer.ts takeFirstPostTurns).
      const payload = opts.firstPost ? { key, firstPost: opts.firstPost } : { key };
      await wakeups.wake([await askEffect({ id: `request|${key}`, kind: 'request', priority, payload, respondVia })]);
    },
    async showEstimates(estimateIds) {
      const asks = await Promise.all(estimateIds.map((id) => askEffect({ id: `estimate|${id}`, kind: 'estimate', priority: 'interactive', payload: { estimateId: id } })));
      await wakeups.wake(asks);
    },
    async refreshHomes(viewers, priority = 'background') {
      const asks = await Promise.all(
        viewers.map((v) => askEffect({ id: `home|${v.userId}`, kind: 'home', priority, payload: { userId: v.userId, clientKeys: v.clientKeys, ...(v.teamId ? { teamId: v.teamId } : {}) } })),
      );
      await wakeups.wake(asks);
    },
    async post(id, post, priority = 'background') {
      await wakeups.wake([await recordPost({ id, priority, payload: { ...post } })]);
    },
    async wake(due) {
      await wakeups.wake(due);
    },
  };
}
