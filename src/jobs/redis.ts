// Redis connections for BullMQ and for readiness checks. Every connection the app makes (BullMQ's
// included: they are given these) comes from here, so one server, a Sentinel-watched master and a
// Redis Cluster are all reached the same way.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisTarget } from '../config';
import { logger } from '../logger';

/** A connection to one server (or a Sentinel-watched master), or to a Redis Cluster. */
export type RedisConnection = Redis | Cluster;

/**
 * BullMQ needs maxRetriesPerRequest: null on worker connections (blocking commands). `target` is
 * REDIS_URL as parsed by the config, or a plain redis:// URL.
 */
export function createRedisConnection(target: RedisTarget | string, options: { forWorker?: boolean } = {}): RedisConnection {
  const behaviour: RedisOptions = {
    maxRetriesPerRequest: options.forWorker ? null : 1,
    enableOfflineQueue: options.forWorker ?? false,
    lazyConnect: false,
  };
  const where = typeof target === 'string' ? { url: target } : target;
  const redis = connect(where, behaviour);
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

function connect(where: RedisTarget, behaviour: RedisOptions): RedisConnection {
  if ('url' in where) return new Redis(where.url, behaviour);
  if ('cluster' in where) {
    // ioredis asks the nodes which of them serves each slot, follows MOVED and ASK, and asks again
    // after a failover. Every key of the app is under QUEUE_PREFIX's {hash tag}, so in one slot.
    // The offline queue is the cluster's to keep: its node connections need theirs to learn the
    // slots (ioredis cannot start a cluster with them off).
    const { cluster: nodes, tls, ...auth } = where;
    const { enableOfflineQueue, ...perNode } = behaviour;
    return new Cluster(nodes, {
      redisOptions: { ...auth, ...perNode, ...(tls ? { tls: {} } : {}) },
      enableOfflineQueue: enableOfflineQueue ?? true,
      ...(tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    });
  }
  // Through Sentinel, ioredis asks the sentinels for the master and asks again after a failover.
  return new Redis({ ...where, ...behaviour });
}

export async function isRedisReachable(redis: RedisConnection, timeoutMs = 1000): Promise<boolean> {
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
export function waitUntilReady(redis: RedisConnection, timeoutMs: number): Promise<boolean> {
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
