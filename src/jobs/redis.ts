// Redis connections for BullMQ and for readiness checks.
import { Redis } from 'ioredis';

/** BullMQ needs maxRetriesPerRequest: null on worker connections (blocking commands). */
export function createRedisConnection(url: string, options: { forWorker?: boolean } = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: options.forWorker ? null : 1,
    enableOfflineQueue: options.forWorker ?? false,
    lazyConnect: false,
  });
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
