// Slack's published Web API rate limits (https://docs.slack.dev/apis/web-api/rate-limits), as data,
// with the pure helpers the Slack fake and the tests share: which bucket a call draws from, and how
// long Slack would need at least to serve a set of calls.

export type SlackTier = 'Tier 1' | 'Tier 2' | 'Tier 3' | 'Tier 4' | 'Special';

export interface MethodLimit {
  tier: SlackTier;
  /** The most calls served back to back: the size of the token bucket, which starts full. */
  capacity: number;
  /** The sustained rate: tokens put back into the bucket per second. */
  perSecond: number;
  /** Whether each channel has a bucket of its own (within the team); otherwise one bucket per team. */
  perChannel: boolean;
}

/** Calls per minute of each tier, per method, per workspace, per app. */
export const TIER_PER_MINUTE: Readonly<Record<Exclude<SlackTier, 'Special'>, number>> = {
  'Tier 1': 1,
  'Tier 2': 20,
  'Tier 3': 50,
  'Tier 4': 100,
};

// A tier's bucket holds a full minute's quota, so a burst of a minute's calls is fine and then they trickle.
function tier(name: Exclude<SlackTier, 'Special'>): MethodLimit {
  const perMinute = TIER_PER_MINUTE[name];
  return { tier: name, capacity: perMinute, perSecond: perMinute / 60, perChannel: false };
}

/**
 * The limits of the methods the app calls. Methods not listed (auth.test, oauth.v2.access,
 * apps.connections.open, the fake's `upload_url` and `response_url` pseudo-methods, unknown methods)
 * are not limited by the fake.
 */
export const SLACK_PUBLISHED_LIMITS: Readonly<Record<string, MethodLimit>> = {
  // "1 message per second per channel, short bursts allowed": the burst is a guess of 5.
  'chat.postMessage': { tier: 'Special', capacity: 5, perSecond: 1, perChannel: true },
  'chat.update': tier('Tier 3'),
  'chat.delete': tier('Tier 3'),
  'conversations.open': tier('Tier 3'),
  'conversations.info': tier('Tier 3'),
  'conversations.history': tier('Tier 3'),
  'conversations.replies': tier('Tier 3'),
  'reactions.add': tier('Tier 3'),
  'reactions.remove': tier('Tier 2'),
  'users.list': tier('Tier 2'),
  'chat.postEphemeral': tier('Tier 4'),
  'chat.getPermalink': tier('Tier 4'),
  'views.open': tier('Tier 4'),
  'views.push': tier('Tier 4'),
  'views.update': tier('Tier 4'),
  'views.publish': tier('Tier 4'),
  'users.info': tier('Tier 4'),
  'conversations.members': tier('Tier 4'),
  'files.getUploadURLExternal': tier('Tier 4'),
  'files.completeUploadExternal': tier('Tier 4'),
};

export function limitOf(method: string): MethodLimit | undefined {
  return Object.hasOwn(SLACK_PUBLISHED_LIMITS, method) ? SLACK_PUBLISHED_LIMITS[method] : undefined;
}

/** The DM channel the fake opens for a user (conversations.open, or chat.postMessage to a user ID). */
export function dmChannelId(userId: string): string {
  return `D${userId}`;
}

/** The channel a message lands in: posting to a user ID lands in the app's DM with that user. */
export function messageChannel(requested: string): string {
  return /^[UW]/.test(requested) ? dmChannelId(requested) : requested;
}

/**
 * The bucket a call draws from, e.g. `views.open/T0OURS` or `chat.postMessage/T0OURS/C0ACME`;
 * undefined for a method Slack's published limits (as the fake knows them) do not cover.
 */
export function bucketOf(method: string, teamId: string, args: Record<string, unknown>): string | undefined {
  const limit = limitOf(method);
  if (limit === undefined) return undefined;
  if (!limit.perChannel) return `${method}/${teamId}`;
  const channel = typeof args.channel === 'string' ? messageChannel(args.channel) : '';
  return `${method}/${teamId}/${channel}`;
}

/** How long Slack keeps a trigger_id usable after the interaction that carried it. */
export const TRIGGER_LIFETIME_MS = 3000;

// `<ms since epoch>.<counter>.<random hex>`: 13 digits keeps hand-written IDs like `1.2.a` out.
const TRIGGER_ID = /^(\d{13})\.\d+\.[0-9a-f]+$/;

export function formatTriggerId(issuedAtMs: number, counter: number, randomHex: string): string {
  return `${Math.floor(issuedAtMs)}.${counter}.${randomHex}`;
}

/** When a trigger_id made by formatTriggerId was issued; undefined for any other format. */
export function triggerIssuedAt(triggerId: string): number | undefined {
  const match = TRIGGER_ID.exec(triggerId);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

export interface TimedCall {
  method: string;
  teamId: string;
  args: Record<string, unknown>;
  /** When the call was first attempted, in milliseconds (RecordedCall.at). */
  at: number;
}

/**
 * The shortest time, in seconds from the earliest `at`, in which Slack's limits let every one of
 * `calls` succeed; 0 for no calls.
 *
 * Each bucket starts full at the earliest `at` and is simulated in order of the calls' times: a call is
 * served at its own time if the bucket holds a token then, otherwise as soon as one has been put back
 * (and never before the call before it in the same bucket). The answer is the latest serve time over
 * all calls; calls to unlimited methods are served at their own time. For n calls at once into a bucket
 * of capacity C and rate r this is max(0, (n - C) / r).
 *
 * Pass each logical call once: a call Slack refused and the app retried appears in `fake.calls` twice
 * (429, then 200), so filter the refused attempts out first (`c => !c.rateLimited`).
 */
export function minimumSeconds(calls: readonly TimedCall[]): number {
  if (calls.length === 0) return 0;
  const start = Math.min(...calls.map((call) => call.at));
  const byBucket = new Map<string, { limit: MethodLimit; times: number[] }>();
  let latest = 0;
  for (const call of calls) {
    const seconds = (call.at - start) / 1000;
    latest = Math.max(latest, seconds);
    const bucket = bucketOf(call.method, call.teamId, call.args);
    const limit = limitOf(call.method);
    if (bucket === undefined || limit === undefined) continue;
    const entry = byBucket.get(bucket) ?? { limit, times: [] };
    entry.times.push(seconds);
    byBucket.set(bucket, entry);
  }
  for (const { limit, times } of byBucket.values()) {
    latest = Math.max(latest, lastServeTime(limit, times));
  }
  return latest;
}

// One bucket, first come first served, starting full at time 0.
function lastServeTime(limit: MethodLimit, times: number[]): number {
  let tokens = limit.capacity;
  let now = 0;
  for (const attempted of [...times].sort((a, b) => a - b)) {
    const at = Math.max(attempted, now);
    tokens = Math.min(limit.capacity, tokens + (at - now) * limit.perSecond);
    now = at;
    if (tokens < 1) {
      now += (1 - tokens) / limit.perSecond;
      tokens = 1;
    }
    tokens -= 1;
  }
  return now;
}
