// Redis as it runs at scale, started for one test file: a Redis Cluster (one node holding all
// 16,384 slots, which is enough for Redis to enforce Cluster's rules, CROSSSLOT included), a
// Sentinel watching a Redis server, and a replica it can fail over to. Real redis-server
// processes, stopped by the test.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort, redisServerBinary, stopChild, waitForLine } from '../../scripts/services';
import { until } from './until';

export interface RunningRedis {
  port: number;
  stop(): Promise<void>;
}

export interface RunningCluster extends RunningRedis {
  /** Every node's port; `port` is the first's. */
  ports: number[];
  /** The port of the node that serves `slot`. */
  portServing(slot: number): number;
}

const SLOTS = 16_384;

/**
 * A Redis Cluster of `nodes` masters (one by default) sharing the 16,384 slots in even ranges, in
 * order. One node serving every slot is enough for Redis to enforce Cluster's rules (CROSSSLOT);
 * with two, a key is served by one node only and the other answers MOVED for it, as in production.
 * A plain client on `port` reaches the first node.
 */
export async function startRedisCluster(nodes = 1): Promise<RunningCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'adhoc-cluster-'));
  const children: ReturnType<typeof spawn>[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => stopChild(child)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    const busPorts: number[] = [];
    const ranges: Array<[number, number]> = [];
    for (let i = 0; i < nodes; i += 1) {
      const [port, busPort] = [await freePort(), await freePort()];
      const child = spawn(
        redisServerBinary(),
        // The bus port is set, not port + 10000, which may be taken or past 65535.
        ['--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, `nodes-${i}.conf`), '--dir', dir],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      children.push(child);
      await waitForLine(child, /Ready to accept connections/, 'redis-server (cluster)', 20_000);
      child.stdout?.resume();
      child.stderr?.resume();
      ports.push(port);
      busPorts.push(busPort);
      ranges.push([Math.floor((i * SLOTS) / nodes), Math.floor(((i + 1) * SLOTS) / nodes) - 1]);
    }
    const admins = ports.map((port) => new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 }));
    try {
      await Promise.all(admins.map((admin, i) => admin.call('CLUSTER', 'ADDSLOTSRANGE', String(ranges[i]![0]), String(ranges[i]![1]))));
      // The bus port is not port + 10000, so MEET is told it.
      for (let i = 1; i < nodes; i += 1) await admins[0]!.call('CLUSTER', 'MEET', '127.0.0.1', String(ports[i]), String(busPorts[i]));
      for (const admin of admins) {
        await until(
          () => admin.call('CLUSTER', 'INFO').then((info) => String(info).includes('cluster_state:ok') && String(info).includes(`cluster_known_nodes:${nodes}`), () => false),
          'the cluster to come up',
          15_000,
        );
      }
    } finally {
      for (const admin of admins) admin.disconnect();
    }
    const portServing = (slot: number) => ports[ranges.findIndex(([from, to]) => slot >= from && slot <= to)]!;
    return { port: ports[0]!, ports, portServing, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * One redis-server process in a directory of its own, on a free port: started with `args` (given
 * the port and the directory), ready once it prints `ready` and `settled` (asked through a client
 * on its port) is true. Stopped, the directory goes too.
 */
async function startRedisProcess(
  what: string,
  args: (port: number, dir: string) => string[],
  ready: RegExp,
  settled: { what: string; check: (probe: Redis) => Promise<boolean> },
): Promise<RunningRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), 'adhoc-redis-'));
  const port = await freePort();
  const child = spawn(redisServerBinary(), args(port, dir), { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForLine(child, ready, what, 20_000);
    child.stdout?.resume();
    child.stderr?.resume();
    const probe = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    try {
      await until(() => settled.check(probe).catch(() => false), settled.what, 20_000);
    } finally {
      probe.disconnect();
    }
    return { port, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A Redis server replicating the one on `masterPort`, once its first sync is done. */
export async function startRedisReplica(masterPort: number): Promise<RunningRedis> {
  // The master sends its first copy at once, not after the 5 s it waits by default for more replicas.
  const master = new Redis(masterPort, '127.0.0.1', { maxRetriesPerRequest: 1 });
  try {
    await master.config('SET', 'repl-diskless-sync-delay', '0');
  } finally {
    master.disconnect();
  }
  // A replica writes the RDB it receives to its directory: one of its own.
  return startRedisProcess(
    'redis-server --replicaof',
    (port, dir) => ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--replicaof', '127.0.0.1', String(masterPort)],
    /Ready to accept connections/,
    { what: 'the replica to sync with its master', check: async (probe) => (await probe.info('replication')).includes('master_link_status:up') },
  );
}

/**
 * A Sentinel on its own port watching the Redis server on `masterPort` under `name` (quorum 1).
 * `downAfterMs`: how long the master may not answer before the sentinel fails it over to a
 * replica (Sentinel's default is 30 s). `replicas`: how many replicas to wait for it to know.
 */
export async function startRedisSentinel(masterPort: number, name: string, options: { downAfterMs?: number; replicas?: number } = {}): Promise<RunningRedis> {
  const failover = options.downAfterMs === undefined ? [] : [`sentinel down-after-milliseconds ${name} ${options.downAfterMs}`, `sentinel failover-timeout ${name} ${Math.max(options.downAfterMs * 3, 3000)}`];
  const replicas = options.replicas ?? 0;
  return startRedisProcess(
    'redis-server --sentinel',
    (port, dir) => {
      // Sentinel rewrites its configuration file, so it must be a file of its own.
      const file = path.join(dir, 'sentinel.conf');
      writeFileSync(file, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`, ...failover, ''].join('\n'));
      return [file, '--sentinel'];
    },
    /\+monitor master/,
    {
      what: 'the sentinel to know its master and replicas',
      check: async (probe) => {
        const master = await probe.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name);
        const known = replicas === 0 ? [] : await probe.call('SENTINEL', 'REPLICAS', name);
        return Array.isArray(master) && Array.isArray(known) && known.length >= replicas;
      },
    },
  );
}

/**
 * The Redis Cluster slot of a key: CRC16/XMODEM of its hash tag (the text between the first `{`
 * and the next `}`, when not empty) or of the whole key, modulo 16,384 (Redis's cluster spec).
 */
export function clusterSlot(key: string): number {
  let hashed = Buffer.from(key);
  const open = hashed.indexOf('{');
  if (open >= 0) {
    const close = hashed.indexOf('}', open + 1);
    if (close > open + 1) hashed = hashed.subarray(open + 1, close);
  }
  let crc = 0;
  for (const byte of hashed) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}
