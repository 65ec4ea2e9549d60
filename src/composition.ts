// The composition both processes share: builds what listeners and triggers act through (the paced
// Slack clients, the durable delivery with its wake-ups, the timers and the members cache).
import type { RedisConnection } from './jobs/redis';
import type { Config } from './config';
import { createWakeups, type Wakeups } from './jobs/deliveryQueue';
import { createTimerScheduler } from './jobs/timerScheduler';
import { recordDelivered } from './observability/metrics';
import { setPeopleSource } from './services/people';
import { createDelivery } from './slack/delivery';
import type { DeliveryDeps } from './slack/delivery/deliverer';
import { createDirectDelivery, type DirectDelivery } from './slack/delivery/direct';
import { createLocalPacer } from './slack/delivery/localPacer';
import { createRedisPacer, unpaced } from './slack/delivery/pacer';
import { createMembership } from './slack/membership';
import { slackPeopleSource } from './slack/people';
import type { Effects } from './slack/requestUpdates';
import { createTokens } from './slack/tokens';

/** Effects, with what delivers them: the wake-ups (queue), delivery without the queue, and the deliverer's needs. */
export type AppEffects = Effects & { wakeups: Wakeups; direct: DirectDelivery; deliveryDeps: DeliveryDeps };

/**
 * What listeners and jobs act through, on one Redis connection that fails fast (a person waits):
 * the paced Slack clients, the durable delivery, the timers and the channel-members cache.
 */
export function createEffects(config: Config, redis: RedisConnection): AppEffects {
  const pacer = config.slack.pace === 'off' ? unpaced : createRedisPacer(redis, config.queuePrefix, createLocalPacer(config.slack.paceProcessesWithoutRedis));
  const queued = createWakeups(config, redis);
  const tokens = createTokens(config, pacer);
  const deliveryDeps: DeliveryDeps = {
    config,
    tokens,
    wake: async (due) => {
      await wakeups.wake(due);
    },
    homeIntervalMs: config.homeRefreshIntervalMs,
    observe: (kind, lagMs) => recordDelivered(redis, config.queuePrefix, kind, lagMs),
    pacer,
  };
  const direct = createDirectDelivery(deliveryDeps, (due) => queued.wake(due));
  // A wake-up that cannot be queued (Redis is unreachable): what a person waits for is delivered
  // by this process at once; the rest by the worker's sweep, which delivers without the queue too.
  const wakeups: Wakeups = {
    async wake(due) {
      const unqueued = await queued.wake(due);
      direct.deliver(unqueued.filter((w) => w.priority === 'interactive'));
      return unqueued;
    },
    async close() {
      await Promise.all([queued.close(), direct.close()]);
    },
  };
  // Permission checks ask Slack which side a person is on through these tokens.
  setPeopleSource(
    slackPeopleSource(
      () => tokens.clientFor(),
      async () => ({ teamId: await tokens.homeTeamId(), enterpriseId: await tokens.homeEnterpriseId() }),
    ),
  );
  return {
    config,
    tokens,
    timers: createTimerScheduler(config, redis),
    delivery: createDelivery(wakeups),
    membership: createMembership(redis, config.queuePrefix),
    wakeups,
    direct,
    deliveryDeps,
  };
}
