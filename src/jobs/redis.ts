// Redis connections for BullMQ and for readiness checks. Every connection the app makes (BullMQ's
// included: they are given these) comes from here, so one server and a Sentinel-watched master
// are both reached the same way.
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisTarget } from '../config';
import { logger } from '../logger';

/**
 * BullMQ needs maxRetriesPerRequest: null on worker connections (blocking commands). `target` is
 * REDIS_URL as parsed by the config, or a plain redis:// URL.
 */
export function createRedisConnection(target: RedisTarget | string, options: { forWorker?: boolean } = {}): Redis {
  const behaviour: RedisOptions = {
    maxRetriesPerRequest: options.forWorker ? null : 1,
    enableOfflineQueue: options.forWorker ?? false,
    lazyConnect: false,
  };
  const where = typeof target === 'string' ? { url: target } : target;
  // Through Sentinel, ioredis asks the sentinels for the master and asks again after a failover.
  const redis = 'url' in where ? new Redis(where.url, behaviour) : new Redis({ ...where, ...behaviour });
  // ioredis reconnects by itself; say so once per outage instead of once per retry.
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err: error.message }, 'Redis is unreachable; reconnecting. Jobs are scheduled once it is back');
  });
  redis.on('ready', () => {
    if (down) logger.info('Redis is reachable again');
    down = false;
  });
  return redis;
}

export async function isRedisReachable(redis: Redis, timeoutMs = 1000): Promise<boolean> {
  try {
    const pong = await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs).unref()),
    ]);
    return pong === 'PONG';
  } catch {
    return false;
  }
}

/** Resolves when the connection is ready, or after `timeoutMs` (false) without failing. */
export function waitUntilReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    timer.unref();
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once('ready', onReady);
  });
}
