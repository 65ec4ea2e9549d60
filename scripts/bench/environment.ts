// Where the numbers come from: the machine, Node, the MongoDB-wire server and Redis, plus the
// configuration and database names every section uses (a database and queue prefix of its own).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config';

export const SIGNING_SECRET = 'bench-signing-secret';
export const BOT_TOKEN = 'xoxb-bench-ours';
export const TRIAGE_CHANNEL = 'C0TRIAGE';

export function uniqueName(prefix: string): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

/** `base` with the database name replaced, so every section writes only to a database of its own. */
export function databaseUri(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface BenchEnvValues {
  apiUrl: string;
  mongodbUri: string;
  redisUrl: string;
  queuePrefix: string;
  /** Anything else, e.g. SLACK_PACE. */
  extra?: Record<string, string>;
}

/** The environment of an app the bench runs: in its own process (a worker beside it) or in the bench's. */
export function benchEnv(values: BenchEnvValues): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: values.apiUrl,
    PORT: '0',
    MONGODB_URI: values.mongodbUri,
    REDIS_URL: values.redisUrl,
    TRIAGE_CHANNEL_ID: TRIAGE_CHANNEL,
    QUEUE_PREFIX: values.queuePrefix,
    LOG_LEVEL: 'silent',
    ...values.extra,
  };
}

export function benchConfig(values: BenchEnvValues): Config {
  return loadConfig(benchEnv(values));
}

export interface MachineInfo {
  nproc: number;
  memory: string;
  cpuModel: string;
  node: string;
  platform: string;
  mongodb: string;
  redis: string;
  /** Median round trip of a Redis PING over loopback: what one network call costs on this machine. */
  loopbackRoundTripMs: number | null;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    return line?.split(':')[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

function freeMemory(): string {
  try {
    const lines = execFileSync('free', ['-h'], { encoding: 'utf8' }).trim().split('\n');
    const mem = lines.find((l) => l.startsWith('Mem:'))?.split(/\s+/);
    return mem ? `${mem[1]} total, ${mem[6] ?? mem[3]} available` : lines.join(' ');
  } catch {
    return `${Math.round(os.totalmem() / 2 ** 30)} GiB total`;
  }
}

function mongoJavaServerVersion(): string {
  const lib = path.join(__dirname, '..', 'mongo-test-server', 'lib');
  const jar = existsSync(lib) ? readdirSync(lib).find((f) => /^mongo-java-server-core-.+\.jar$/.test(f)) : undefined;
  return jar?.replace(/^mongo-java-server-core-/, '').replace(/\.jar$/, '') ?? 'unknown version';
}

/** Describes the MongoDB-wire server behind `uri`; `ours` when startLocalServices started it. */
export async function describeMongo(uri: string, ours: boolean): Promise<string> {
  if (ours) return `mongo-java-server ${mongoJavaServerVersion()} (in-memory MongoDB-wire server, started by the bench; it reports MongoDB 7.0)`;
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    await connection.asPromise();
    const info = await connection.db?.admin().command({ buildInfo: 1 });
    const host = new URL(uri).host;
    return `MongoDB ${String(info?.version ?? 'unknown')} at ${host} (MONGODB_URI)`;
  } finally {
    await connection.close();
  }
}

export async function describeRedis(url: string, ours: boolean): Promise<{ description: string; roundTripMs: number | null }> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    const times: number[] = [];
    for (let i = 0; i < 500; i++) {
      const started = performance.now();
      await redis.ping();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    return {
      description: `Redis ${version}${ours ? ' (started by the bench, persistence off)' : ` at ${new URL(url).host} (REDIS_URL)`}`,
      roundTripMs: median === undefined ? null : Math.round(median * 1000) / 1000,
    };
  } finally {
    redis.disconnect();
  }
}

export function machineInfo(mongodb: string, redis: string, loopbackRoundTripMs: number | null): MachineInfo {
  return {
    nproc: os.availableParallelism(),
    memory: freeMemory(),
    cpuModel: cpuModel(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    mongodb,
    redis,
    loopbackRoundTripMs,
  };
}
