// The rules of delivering to Slack, pure: which of Slack's answers are worth trying again, how long
// to wait before the next try, and how the published rate limits translate into our own pace.

/** Slack errors that pass: a retry later can succeed without anyone acting. Anything else is permanent. */
const TRANSIENT_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
  'unknown_error',
  'http_error',
  'request_error',
]);

export function isTransientSlackError(code: string): boolean {
  return TRANSIENT_ERRORS.has(code);
}

/** Errors that mean the app cannot reach a channel until someone acts (invite it, link another channel). */
export const CHANNEL_PROBLEMS = ['not_in_channel', 'channel_not_found', 'is_archived'] as const;

export function isChannelProblem(code: string): boolean {
  return (CHANNEL_PROBLEMS as readonly string[]).includes(code);
}

/** After this many failed attempts an effect is kept as failed (about 15 minutes of trying by default). */
export const MAX_DELIVERY_ATTEMPTS = 20;

/** The wait before the first retry, doubled at each failure up to the longest. */
export interface RetryBackoff {
  firstMs: number;
  longestMs: number;
}

/** 1 s doubling to one minute (SLACK_RETRY_FIRST_MS / SLACK_RETRY_LONGEST_MS change it). */
export const DEFAULT_RETRY_BACKOFF: RetryBackoff = { firstMs: 1000, longestMs: 60_000 };

/** Exponential backoff: 1 s, 2 s, 4 s … capped at one minute by default. `attempts` counts failures so far (≥ 1). */
export function retryDelayMs(attempts: number, backoff: RetryBackoff = DEFAULT_RETRY_BACKOFF): number {
  return Math.min(backoff.longestMs, backoff.firstMs * 2 ** Math.max(0, attempts - 1));
}

// ---- Slack's published Web API limits and our pace under them ----

/** Calls a minute per tier (per method, per workspace, per app). */
export const TIER_PER_MINUTE = { 1: 1, 2: 20, 3: 50, 4: 100 } as const;
export type Tier = keyof typeof TIER_PER_MINUTE;

export const METHOD_TIERS: Readonly<Record<string, Tier>> = {
  'chat.update': 3,
  'chat.delete': 3,
  'chat.getPermalink': 4,
  'chat.postEphemeral': 4,
  'conversations.open': 3,
  'conversations.info': 3,
  'conversations.history': 3,
  'conversations.replies': 3,
  'conversations.members': 4,
  'reactions.add': 3,
  'reactions.remove': 2,
  'users.info': 4,
  'users.list': 2,
  'views.open': 4,
  'views.push': 4,
  'views.update': 4,
  'views.publish': 4,
  'files.getUploadURLExternal': 4,
  'files.completeUploadExternal': 4,
};

/** chat.postMessage: about one message a second per channel, with short bursts. */
export const POST_MESSAGE_PER_CHANNEL = { perMinute: 60, burst: 3 } as const;

/**
 * We pace a little under Slack's figures (rate and burst), so that small differences in timing
 * between our clock and Slack's never turn into a 429.
 */
export const PACE_FACTOR = 0.92;
const BURST_MARGIN = 2;

export interface Pace {
  /** Milliseconds between two calls at the sustained rate. */
  intervalMs: number;
  /** How many calls may go at once after a quiet spell. */
  burst: number;
  /** Calls of the burst that background work leaves for people who are waiting. */
  reserve: number;
}

export interface PacedBucket extends Pace {
  /** What shares one quota: the workspace, the method and, for chat.postMessage, the channel. */
  key: string;
}

function paceFor(perMinute: number, burst: number): Pace {
  const ours = Math.max(1, burst - BURST_MARGIN);
  return { intervalMs: Math.ceil(60_000 / (perMinute * PACE_FACTOR)), burst: ours, reserve: Math.ceil(ours / 10) };
}

/** The bucket a call draws on, or undefined for calls Slack does not limit this way (auth.test, OAuth…). */
export function bucketFor(method: string, args: Record<string, unknown>, workspace: string): PacedBucket | undefined {
  if (method === 'chat.postMessage') {
    const channel = typeof args.channel === 'string' ? args.channel : 'unknown';
    return { key: `${workspace}|${method}|${channel}`, intervalMs: Math.ceil(60_000 / (POST_MESSAGE_PER_CHANNEL.perMinute * PACE_FACTOR)), burst: POST_MESSAGE_PER_CHANNEL.burst, reserve: 1 };
  }
  const tier = METHOD_TIERS[method];
  if (!tier) return undefined;
  const perMinute = TIER_PER_MINUTE[tier];
  return { key: `${workspace}|${method}`, ...paceFor(perMinute, perMinute) };
}
