// GET /metrics in Prometheus's text format (prom-client). What is shared by every process — the
// effects in MongoDB, the 429s and delivery lag counted in Redis, the BullMQ queues — is read at
// scrape time, so any web process reports the app's totals; the ack latency of `/help` is this
// process's own. Served on its own listener (METRICS_HOST:METRICS_PORT), never on the port Slack
// reaches: it says how busy the app is and has no credentials of its own.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import type { RedisConnection } from '../jobs/redis';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Config } from '../config';
import { DELIVERY_QUEUE } from '../jobs/deliveryQueue';
import { MAINTENANCE_QUEUE, queueOptions } from '../jobs/queues';
import { TIMERS_QUEUE } from '../jobs/timerScheduler';
import { logger } from '../logger';
import { effectCounts } from '../services/outbox';
import { RATE_LIMITED_HASH } from '../slack/delivery/pacer';

export const DELIVERY_LAG_HASH = 'slack:delivery-lag';

export interface Metrics {
  registry: Registry;
  /** Milliseconds from receiving a `/help` to acknowledging it. */
  observeAck(ms: number): void;
  close(): Promise<void>;
}

/** Counts a delivered effect and how long it waited, for every process's /metrics. */
export async function recordDelivered(redis: RedisConnection, prefix: string, kind: string, lagMs: number): Promise<void> {
  await redis
    .multi()
    .hincrby(`${prefix}:${DELIVERY_LAG_HASH}`, `count:${kind}`, 1)
    .hincrby(`${prefix}:${DELIVERY_LAG_HASH}`, `sum_ms:${kind}`, Math.max(0, Math.round(lagMs)))
    .exec()
    .catch(() => undefined);
}

async function hashOf(redis: RedisConnection, key: string): Promise<Record<string, string>> {
  try {
    return await redis.hgetall(key);
  } catch {
    return {};
  }
}

export function createMetrics(config: Config, redis: RedisConnection): Metrics {
  const registry = new Registry();
  const queues = [DELIVERY_QUEUE, TIMERS_QUEUE, MAINTENANCE_QUEUE].map((name) => new Queue(name, queueOptions(config, redis)));
  for (const queue of queues) queue.on('error', () => undefined);
  const prefix = config.queuePrefix;

  new Gauge({
    name: 'adhoc_slack_effects',
    help: 'Slack effects (messages, updates, DMs, Home tabs, files) by kind and state: pending, done (delivered), failed or dismissed (given up by a manager)',
    labelNames: ['kind', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await effectCounts();
      for (const c of counts.byKindAndState) this.set({ kind: c.kind, state: c.state }, c.count);
    },
  });
  new Gauge({
    name: 'adhoc_slack_oldest_pending_effect_seconds',
    help: 'How long the oldest pending Slack effect has been waiting (0 when none)',
    registers: [registry],
    async collect() {
      const counts = await effectCounts();
      this.set(counts.oldestPendingAt ? Math.max(0, (Date.now() - counts.oldestPendingAt.getTime()) / 1000) : 0);
    },
  });
  new Counter({
    name: 'adhoc_slack_rate_limited_total',
    help: 'HTTP 429 answers received from Slack, by Web API method (all processes)',
    labelNames: ['method'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [method, count] of Object.entries(await hashOf(redis, `${prefix}:${RATE_LIMITED_HASH}`))) this.inc({ method }, Number(count));
    },
  });
  const lag = sharedRead(() => hashOf(redis, `${prefix}:${DELIVERY_LAG_HASH}`));
  new Counter({
    name: 'adhoc_slack_delivery_lag_seconds_sum',
    help: 'Total time effects waited between their latest ask and their delivery, by kind (all processes)',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [field, value] of Object.entries(await lag())) if (field.startsWith('sum_ms:')) this.inc({ kind: field.slice(7) }, Number(value) / 1000);
    },
  });
  new Counter({
    name: 'adhoc_slack_delivery_lag_seconds_count',
    help: 'Effects delivered, by kind (all processes)',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [field, value] of Object.entries(await lag())) if (field.startsWith('count:')) this.inc({ kind: field.slice(6) }, Number(value));
    },
  });
  new Gauge({
    name: 'adhoc_queue_jobs',
    help: 'BullMQ jobs by queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const queue of queues) {
        try {
          const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed');
          for (const [state, count] of Object.entries(counts)) this.set({ queue: queue.name, state }, count);
        } catch (error) {
          logger.debug({ err: error, queue: queue.name }, 'Could not count the jobs of a queue for /metrics');
        }
      }
    },
  });
  const ack = new Histogram({
    name: 'adhoc_help_command_ack_seconds',
    help: 'Time from receiving a /help command to acknowledging it (this process)',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3],
    registers: [registry],
  });

  return {
    registry,
    observeAck: (ms) => ack.observe(ms / 1000),
    async close() {
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}

/** One read shared by the metrics of one scrape (both lag counters read the same hash). */
function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= read().finally(() => setTimeout(() => (pending = undefined), 100).unref());
    return pending;
  };
}

export interface MetricsServer {
  /** The port bound (METRICS_PORT=0 picks a free one). */
  port: number;
  close(): Promise<void>;
}

/** Serves GET /metrics (and nothing else) on `host:port`. */
export async function serveMetrics(metrics: Metrics, host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
      },
      (error: unknown) => {
        logger.warn({ err: error }, 'Could not collect /metrics; the scrape gets a 503');
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('metrics unavailable\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
