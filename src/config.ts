// The environment, validated once at start-up. The only module that reads process.env.
import { z } from 'zod';
import { channelIdSchema, timezoneSchema } from './domain/clientSettings';
import { DEFAULT_RETRY_BACKOFF, type RetryBackoff } from './domain/slackDelivery';
import { ENCRYPTION_KEY_FORMAT, parseEncryptionKey } from './domain/tokenCipher';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const channelId = channelIdSchema;
const timezone = timezoneSchema;

const environmentSchema = z
  .object({
    NODE_ENV: optionalText,
    SLACK_BOT_TOKEN: optionalText.pipe(z.string().startsWith('xoxb-', 'must be a bot token (xoxb-…)').optional()),
    SLACK_SIGNING_SECRET: optionalText,
    SLACK_APP_TOKEN: optionalText.pipe(z.string().startsWith('xapp-', 'must be an app-level token (xapp-…)').optional()),
    SLACK_SOCKET_MODE: booleanFlag,
    SLACK_CLIENT_ID: optionalText,
    SLACK_CLIENT_SECRET: optionalText,
    SLACK_STATE_SECRET: optionalText.pipe(z.string().min(16, 'must be at least 16 characters (e.g. `openssl rand -hex 32`)').optional()),
    INSTALLATION_ENCRYPTION_KEY: optionalText,
    SLACK_HOME_TEAM_ID: optionalText.pipe(z.string().regex(/^T[A-Z0-9]{2,}$/, 'must be a Slack team ID such as T0123ABCD').optional()),
    SLACK_API_URL: optionalText.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional()),
    PORT: z.coerce.number({ error: 'must be a whole number from 0 to 65535' }).int().min(0).max(65535).default(3000),
    // Off unless set: /metrics is then served on its own listener, never on PORT (which Slack reaches).
    METRICS_PORT: optionalText.pipe(
      z.string().regex(/^\d{1,5}$/, 'must be a whole number from 0 to 65535').transform(Number).pipe(z.number().max(65535, 'must be a whole number from 0 to 65535')).optional(),
    ),
    METRICS_HOST: optionalText.pipe(z.union([z.ipv4(), z.ipv6(), z.literal('localhost')], 'must be an IP address to listen on, such as 127.0.0.1').optional()),
    MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI'),
    REDIS_URL: z.string().transform((value, ctx) => {
      const target = parseRedisUrl(value);
      if (typeof target !== 'string') return target;
      ctx.addIssue({ code: 'custom', message: target });
      return z.NEVER;
    }),
    TRIAGE_CHANNEL_ID: channelId,
    MANAGER_CHANNEL_ID: optionalText.pipe(channelId.optional()),
    GITHUB_WEBHOOK_SECRET: optionalText.pipe(z.string().min(16, 'must be at least 16 characters (the secret set on the GitHub webhook)').optional()),
    GITHUB_WEBHOOK_READ_TIMEOUT_MS: z.coerce.number({ error: 'must be a whole number of milliseconds' }).int().min(100).max(60_000).default(5000),
    HELP_COMMAND: z
      .string()
      .regex(/^\/[a-z0-9_-]{1,31}$/, 'must be a slash command such as /help')
      .default('/help'),
    INTAKE_REACTION: z
      .string()
      .regex(/^[a-z0-9_+-]{1,100}$/, 'must be an emoji name without colons, such as sos')
      .default('sos'),
    DEFAULT_TIMEZONE: timezone.default('Europe/London'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // One {hash tag} may be part of it: `{adhoc}` puts every key in one Redis Cluster slot, as BullMQ needs.
    QUEUE_PREFIX: z
      .string()
      .max(42, 'must be at most 40 letters, digits, - or _ (plus one pair of braces)')
      .regex(/^(?=.*[A-Za-z0-9_-])[A-Za-z0-9_-]*(\{[A-Za-z0-9_-]+\})?[A-Za-z0-9_-]*$/, 'must be letters, digits, - or _, with at most one {hash tag} such as {adhoc}')
      .default('adhoc'),
    SLACK_PACE: z.enum(['published', 'off'], 'must be published or off').default('published'),
    SLACK_PACE_PROCESSES: z.coerce.number({ error: 'must be a whole number from 1 to 100' }).int().min(1).max(100).default(2),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number({ error: 'must be a whole number of milliseconds' }).int().min(1000).max(120_000).default(10_000),
    HOME_REFRESH_INTERVAL_MS: z.coerce.number({ error: 'must be a whole number of milliseconds' }).int().min(100).max(600_000).default(5000),
    // A Slack delivery that failed is tried again after SLACK_RETRY_FIRST_MS, doubled at each failure up to SLACK_RETRY_LONGEST_MS.
    SLACK_RETRY_FIRST_MS: z.coerce.number({ error: 'must be a whole number of milliseconds' }).int().min(10).max(60_000).default(DEFAULT_RETRY_BACKOFF.firstMs),
    SLACK_RETRY_LONGEST_MS: z.coerce.number({ error: 'must be a whole number of milliseconds' }).int().min(10).max(3_600_000).default(DEFAULT_RETRY_BACKOFF.longestMs),
    ACK_BUDGET_MS: z.coerce.number({ error: 'must be a whole number of milliseconds' }).int().min(0).max(2500).default(300),
    WORKER_NICE: z.coerce.number({ error: 'must be a whole number from 0 to 19' }).int().min(0).max(19).default(19),
  })
  .refine((e) => e.SLACK_RETRY_LONGEST_MS >= e.SLACK_RETRY_FIRST_MS, { path: ['SLACK_RETRY_LONGEST_MS'], message: 'must be at least SLACK_RETRY_FIRST_MS' })
  // On a Cluster, BullMQ's scripts touch several keys of a queue at once: they must share a slot.
  .refine((e) => !('cluster' in e.REDIS_URL) || /\{[^}]+\}/.test(e.QUEUE_PREFIX), {
    path: ['QUEUE_PREFIX'],
    message: 'must have a {hash tag}, such as {adhoc}, when REDIS_URL is a Redis Cluster: BullMQ needs every key of a queue in one slot',
    // Said as it is even when QUEUE_PREFIX was left to its default: it is not missing, it is wrong.
    params: { acrossVariables: true },
  });

type Environment = z.output<typeof environmentSchema>;

/**
 * Where Redis is: one server (a redis:// or rediss:// URL, as ioredis reads it), a master found
 * through Sentinel, or a Redis Cluster reached through some of its nodes.
 */
export type RedisTarget =
  | { url: string }
  | {
      /** Nodes to start from: the client learns the others, and which serves each slot, from them. */
      cluster: Array<{ host: string; port: number }>;
      username?: string;
      password?: string;
      tls: boolean;
    }
  | {
      sentinels: Array<{ host: string; port: number }>;
      /** The master's name, as the sentinels monitor it. */
      name: string;
      username?: string;
      password?: string;
      /** When the sentinels themselves require a password (their `requirepass`). */
      sentinelPassword?: string;
      db: number;
    };

const SENTINEL_FORM = 'redis+sentinel://[[user]:password@]host:26379[,host2:26379…]/mastername[/db]';
const SENTINEL_PORT = 26379;
const CLUSTER_FORM = 'redis+cluster://[[user]:password@]host:6379[,host2:6379…] (rediss+cluster:// for TLS)';
const REDIS_PORT = 6379;

function decoded(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new Error(`has a badly escaped ${what}`);
  }
}

/** One `host[:port]` of a sentinel or cluster node list; IPv6 in brackets. */
function nodeAddress(text: string, what: 'sentinel' | 'node', defaultPort: number): { host: string; port: number } {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(text);
  if (!match?.[1]) throw new Error(`has a ${what} address "${text}" that is not host or host:port`);
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (port < 1 || port > 65535) throw new Error(`has a ${what} port ${port} outside 1-65535`);
  return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port };
}

/** `user:password` of a URL, decoded; either may be empty. */
function credentials(userinfo: string | undefined): { username?: string; password?: string } {
  if (userinfo === undefined) return {};
  const colon = userinfo.indexOf(':');
  const username = decoded(colon < 0 ? userinfo : userinfo.slice(0, colon), 'user name');
  const password = colon < 0 ? '' : decoded(userinfo.slice(colon + 1), 'password');
  return { ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

/** redis+cluster://[[user]:password@]host:6379[,host2:6379…]: a Redis Cluster, from these nodes. */
function parseClusterUrl(value: string): RedisTarget | string {
  const match = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#@]*)\/?$/.exec(value);
  if (!match) return `must have the form ${CLUSTER_FORM}: a cluster has no database number or options`;
  const [, scheme, userinfo, hosts = ''] = match;
  try {
    if (hosts === '') throw new Error('names no node');
    return { cluster: hosts.split(',').map((h) => nodeAddress(h, 'node', REDIS_PORT)), ...credentials(userinfo), tls: scheme === 'rediss' };
  } catch (error) {
    return `${(error as Error).message} (${CLUSTER_FORM})`;
  }
}

/**
 * REDIS_URL: a redis:// or rediss:// URL for one server;
 * redis+sentinel://[[user]:password@]host1:26379[,host2:26379…]/mastername[/db][?sentinelPassword=…]
 * for a master that Sentinel watches (ioredis then asks the sentinels where the master is, and
 * again after a failover; the password is the master's); or
 * redis+cluster://[[user]:password@]host1:6379[,host2:6379…] for a Redis Cluster (ioredis learns
 * which node serves each slot and follows the cluster's redirections and failovers). Returns a
 * message when it is none of these.
 */
export function parseRedisUrl(value: string): RedisTarget | string {
  if (/^rediss?:\/\//.test(value)) return { url: value };
  if (/^rediss?\+cluster:\/\//.test(value)) return parseClusterUrl(value);
  if (!value.startsWith('redis+sentinel://')) return `must be a redis:// or rediss:// URL, ${SENTINEL_FORM}, or ${CLUSTER_FORM}`;
  const match = /^redis\+sentinel:\/\/(?:([^@/]*)@)?([^/?#@]*)(?:\/([^/?#]*))?(?:\/([^/?#]*))?\/?(?:\?([^#]*))?$/.exec(value);
  if (!match) return `must have the form ${SENTINEL_FORM}`;
  const [, userinfo, hosts = '', name = '', db, query] = match;
  try {
    if (hosts === '') throw new Error('names no sentinel');
    const sentinels = hosts.split(',').map((h) => nodeAddress(h, 'sentinel', SENTINEL_PORT));
    if (name === '') throw new Error("names no master: the sentinels' name for it comes after the hosts (…:26379/mymaster)");
    if (db !== undefined && db !== '' && !/^\d{1,5}$/.test(db)) throw new Error(`has a database "${db}" that is not a whole number`);
    const target: Extract<RedisTarget, { sentinels: unknown }> = { sentinels, name: decoded(name, 'master name'), db: db ? Number(db) : 0, ...credentials(userinfo) };
    for (const pair of (query ?? '').split('&').filter((p) => p !== '')) {
      const equals = pair.indexOf('=');
      const key = equals < 0 ? pair : pair.slice(0, equals);
      const raw = equals < 0 ? '' : pair.slice(equals + 1);
      if (key !== 'sentinelPassword') throw new Error(`has an unknown option "${key}" (the one option is sentinelPassword)`);
      target.sentinelPassword = decoded(raw, 'sentinel password');
    }
    return target;
  } catch (error) {
    return `${(error as Error).message} (${SENTINEL_FORM})`;
  }
}

/** Distributed (OAuth) mode: client organisations install the app too; installations live in MongoDB. */
export interface Distribution {
  clientId: string;
  clientSecret: string;
  stateSecret: string;
  /** AES-256-GCM key that seals the installations (bot tokens) stored in MongoDB. */
  encryptionKey: Buffer;
  /** Our own workspace, where engineers work and the triage channel lives. */
  homeTeamId: string;
}

export interface Config {
  slack: {
    /** Our workspace's bot token; in distributed mode optional (else from our own installation). */
    botToken: string | undefined;
    signingSecret: string | undefined;
    appToken: string | undefined;
    socketMode: boolean;
    apiUrl: string | undefined;
    /** published: every call paced under Slack's published limits; off: unpaced (a Slack without limits). */
    pace: 'published' | 'off';
    /**
     * How many processes (web and workers) call Slack at once: while Redis, and with it the shared
     * pace, is unreachable, each process paces itself alone at this share of Slack's limits.
     */
    paceProcessesWithoutRedis: number;
    helpCommand: string;
    intakeReaction: string;
    triageChannelId: string;
    managerChannelId: string | undefined;
    /** Set in distributed mode only. */
    distribution: Distribution | undefined;
  };
  /** Key that seals modal private_metadata against tampering (derived from the Slack secret). */
  metadataSecret: string;
  port: number;
  /** Where GET /metrics is served (its own listener, not `port`); undefined: not served. */
  metrics: { host: string; port: number } | undefined;
  mongodbUri: string;
  /** REDIS_URL as given; connect through createRedisConnection(config.redis), which understands Sentinel and Cluster too. */
  redisUrl: string;
  redis: RedisTarget;
  queuePrefix: string;
  /** How long a process may take to stop on SIGTERM before it drops what is left (durable anyway). */
  shutdownTimeoutMs: number;
  /** A person's Home tab is published at most this often. */
  homeRefreshIntervalMs: number;
  /** How long a failed Slack delivery waits before it is tried again (doubling from the first to the longest). */
  slackRetry: RetryBackoff;
  /**
   * A command whose answer is not ready within this long is acknowledged with "Working on it…" at
   * once, and answered through its response URL when it is.
   */
  ackBudgetMs: number;
  /**
   * The worker process's nice value (0 leaves it as started): on a host it shares with web
   * processes, they get the CPU first, since Slack waits 3 s for them and the worker's deliveries
   * wait on Slack's pace anyway.
   */
  workerNice: number;
  defaultTimezone: string;
  logLevel: Environment['LOG_LEVEL'];
  /** The secret GitHub signs webhook deliveries with; POST /webhooks/github answers 404 without it. */
  githubWebhookSecret: string | undefined;
  /** A GitHub delivery's body must have arrived within this long after its headers, or it is answered 408. */
  githubWebhookReadTimeoutMs: number;
}

/** Thrown when the environment is unusable; `problems` holds one line per bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const DISTRIBUTION_VARIABLES = ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET'] as const;

/** Distributed mode is chosen by setting all three OAuth variables. */
function isDistributed(env: Record<string, string | undefined>): boolean {
  return DISTRIBUTION_VARIABLES.every((name) => (env[name] ?? '').trim() !== '');
}

/** Which Slack credentials are needed depends on the mode, so these checks sit beside the schema. */
function missingCredentials(env: Record<string, string | undefined>): string[] {
  const present = (name: string) => (env[name] ?? '').trim() !== '';
  const socketMode = ['true', '1', 'yes'].includes((env.SLACK_SOCKET_MODE ?? '').trim());
  const problems: string[] = [];
  const oauthSet = DISTRIBUTION_VARIABLES.filter(present);
  if (oauthSet.length > 0 && oauthSet.length < DISTRIBUTION_VARIABLES.length) {
    // Half a distributed set-up is a mistake, not single-workspace mode.
    for (const name of DISTRIBUTION_VARIABLES.filter((n) => !present(n))) {
      problems.push(`${name} is missing (distributed mode needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET together)`);
    }
  }
  if (isDistributed(env)) {
    const key = env.INSTALLATION_ENCRYPTION_KEY ?? '';
    if (key.trim() === '') {
      problems.push(`INSTALLATION_ENCRYPTION_KEY is missing (required in distributed mode: ${ENCRYPTION_KEY_FORMAT})`);
    } else if (!parseEncryptionKey(key)) {
      problems.push(`INSTALLATION_ENCRYPTION_KEY must be ${ENCRYPTION_KEY_FORMAT}`);
    }
    if (!present('SLACK_HOME_TEAM_ID')) problems.push('SLACK_HOME_TEAM_ID is missing (required in distributed mode: the team ID of your own workspace, T…)');
  } else if (!present('SLACK_BOT_TOKEN')) {
    problems.push('SLACK_BOT_TOKEN is missing (the bot token of your workspace, xoxb-…)');
  }
  if (socketMode && !present('SLACK_APP_TOKEN')) problems.push('SLACK_APP_TOKEN is missing (required when SLACK_SOCKET_MODE=true)');
  if (!socketMode && !present('SLACK_SIGNING_SECRET')) {
    problems.push('SLACK_SIGNING_SECRET is missing (required in HTTP mode; or set SLACK_SOCKET_MODE=true and SLACK_APP_TOKEN)');
  }
  return problems;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = environmentSchema.safeParse(env);
  const problems = missingCredentials(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path.join('.') || 'environment';
      const acrossVariables = issue.code === 'custom' && (issue.params as { acrossVariables?: boolean } | undefined)?.acrossVariables === true;
      const missing = !acrossVariables && (env[name] === undefined || env[name]?.trim() === '');
      problems.push(missing ? `${name} is missing` : `${name} ${issue.message}`);
    }
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError([...new Set(problems)]);
  const e = parsed.data;
  const distribution: Distribution | undefined =
    isDistributed(env) && e.SLACK_CLIENT_ID && e.SLACK_CLIENT_SECRET && e.SLACK_STATE_SECRET && e.SLACK_HOME_TEAM_ID
      ? {
          clientId: e.SLACK_CLIENT_ID,
          clientSecret: e.SLACK_CLIENT_SECRET,
          stateSecret: e.SLACK_STATE_SECRET,
          encryptionKey: parseEncryptionKey(e.INSTALLATION_ENCRYPTION_KEY ?? '') ?? Buffer.alloc(0),
          homeTeamId: e.SLACK_HOME_TEAM_ID,
        }
      : undefined;
  return {
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      socketMode: e.SLACK_SOCKET_MODE,
      apiUrl: e.SLACK_API_URL,
      pace: e.SLACK_PACE,
      paceProcessesWithoutRedis: e.SLACK_PACE_PROCESSES,
      helpCommand: e.HELP_COMMAND,
      intakeReaction: e.INTAKE_REACTION,
      triageChannelId: e.TRIAGE_CHANNEL_ID,
      managerChannelId: e.MANAGER_CHANNEL_ID,
      distribution,
    },
    metadataSecret: `adhoc-help:${e.SLACK_SIGNING_SECRET ?? e.SLACK_APP_TOKEN ?? ''}`,
    port: e.PORT,
    metrics: e.METRICS_PORT === undefined ? undefined : { host: e.METRICS_HOST ?? '127.0.0.1', port: e.METRICS_PORT },
    mongodbUri: e.MONGODB_URI,
    redisUrl: env.REDIS_URL ?? '',
    redis: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    homeRefreshIntervalMs: e.HOME_REFRESH_INTERVAL_MS,
    slackRetry: { firstMs: e.SLACK_RETRY_FIRST_MS, longestMs: e.SLACK_RETRY_LONGEST_MS },
    ackBudgetMs: e.ACK_BUDGET_MS,
    workerNice: e.WORKER_NICE,
    defaultTimezone: e.DEFAULT_TIMEZONE,
    logLevel: e.LOG_LEVEL,
    githubWebhookSecret: e.GITHUB_WEBHOOK_SECRET,
    githubWebhookReadTimeoutMs: e.GITHUB_WEBHOOK_READ_TIMEOUT_MS,
  };
}

/**
 * The crash point named by CRASH_AT (tests only; src/crashPoints.ts), read on each call and apart
 * from loadConfig: a test's child process may set it without the rest of the environment.
 */
export function crashPointFromEnvironment(env: Record<string, string | undefined> = process.env): string | undefined {
  return env.CRASH_AT;
}
