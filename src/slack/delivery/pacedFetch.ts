// Every Slack Web API call of the app, whichever WebClient makes it (ours, or the one Bolt hands a
// listener), goes through this fetch: it first takes its turn in the shared pace (pacer.ts), and a
// 429 that gets through anyway pauses that call's bucket alone; a call that waited for its turn is
// checked by its delivery's guard before it goes. The WebClients are built with
// rejectRateLimitedCalls, so @slack/web-api never pauses its whole queue: one throttled Home
// refresh must not hold up a modal.
import { createHash } from 'node:crypto';
import { bucketFor } from '../../domain/slackDelivery';
import type { Pacer } from './pacer';
import { currentGuard, currentPriority, currentSlots } from './priority';

/**
 * A call that waited this long for its turn is checked by its delivery's guard before it goes
 * (one read of the record); a call that went at once was decided moments ago.
 */
export const GUARD_AFTER_WAIT_MS = 100;

/** Buckets are per workspace; the token stands for it (hashed: no token is written to Redis). */
export function workspaceOf(token: string | undefined): string {
  return createHash('sha256')
    .update(token ?? '')
    .digest('hex')
    .slice(0, 16);
}

function methodOf(url: string): string | undefined {
  try {
    return /\/api\/([A-Za-z0-9._]+)$/.exec(new URL(url).pathname)?.[1];
  } catch {
    return undefined;
  }
}

function argsOf(body: unknown): Record<string, unknown> {
  if (typeof body === 'string') return Object.fromEntries(new URLSearchParams(body));
  if (body instanceof URLSearchParams) return Object.fromEntries(body);
  if (body instanceof FormData) {
    const channel = body.get('channel');
    return typeof channel === 'string' ? { channel } : {};
  }
  return {};
}

function tokenOf(headers: unknown): string | undefined {
  const value = new Headers(headers as ConstructorParameters<typeof Headers>[0]).get('authorization');
  return value?.replace(/^Bearer\s+/i, '');
}

export function pacedFetch(pacer: Pacer, base: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = methodOf(url);
    if (!method) return base(input, init);
    const args = argsOf(init?.body);
    const bucket = bucketFor(method, args, workspaceOf(tokenOf(init?.headers) ?? (typeof args.token === 'string' ? args.token : undefined)));
    if (bucket) {
      const guard = currentGuard();
      const channel = typeof args.channel === 'string' ? args.channel : undefined;
      if (guard && channel) guard.refuseKnown(channel);
      const asked = Date.now();
      await pacer.take(bucket, currentPriority(), currentSlots());
      // It waited for its turn: what the delivery decided before may have changed meanwhile.
      if (guard && channel && Date.now() - asked >= GUARD_AFTER_WAIT_MS) await guard.check(channel);
    }
    const response = await base(input, init);
    if (response.status === 429) {
      const retryAfter = Number(response.headers.get('retry-after') ?? '1');
      await pacer.countRateLimited(method);
      if (bucket) await pacer.pause(bucket, (Number.isFinite(retryAfter) ? retryAfter : 1) * 1000);
    }
    return response;
  };
}
