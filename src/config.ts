// The environment, validated once at start-up. The only module that reads process.env.
import { z } from 'zod';
import { channelIdSchema, timezoneSchema } from './domain/clientSettings';
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
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
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
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be letters, digits, - or _')
      .default('adhoc'),
    SLACK_PACE: z.enum(['published', 'off'], 'must be published or off').default('published'),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number({ error: 'must be a whole number of milliseconds' }).int().min(1000).max(120_000).default(10_000),
    HOME_REFRESH_INTERVAL_MS: z.coerce.number({ error: 'must be a whole number of milliseconds' }).int().min(100).max(600_000).default(5000),
    ACK_BUDGET_MS: z.coerce.number({ error: 'must be a whole number of milliseconds' }).int().min(0).max(2500).default(300),
  });

type Environment = z.output<typeof environmentSchema>;

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
  redisUrl: string;
  queuePrefix: string;
  /** How long a process may take to stop on SIGTERM before it drops what is left (durable anyway). */
  shutdownTimeoutMs: number;
  /** A person's Home tab is published at most this often. */
  homeRefreshIntervalMs: number;
  /**
   * A command whose answer is not ready within this long is acknowledged with "Working on it…" at
   * once, and answered through its response URL when it is.
   */
  ackBudgetMs: number;
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
      const missing = env[name] === undefined || env[name]?.trim() === '';
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
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    homeRefreshIntervalMs: e.HOME_REFRESH_INTERVAL_MS,
    ackBudgetMs: e.ACK_BUDGET_MS,
    defaultTimezone: e.DEFAULT_TIMEZONE,
    logLevel: e.LOG_LEVEL,
    githubWebhookSecret: e.GITHUB_WEBHOOK_SECRET,
    githubWebhookReadTimeoutMs: e.GITHUB_WEBHOOK_READ_TIMEOUT_MS,
  };
}
