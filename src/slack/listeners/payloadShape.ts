// Global middleware: the IDs in a Slack payload are checked with zod before any listener reads
// them. A request is signed by Slack, but a field that is not a plain ID (an object such as
// {"$gt": ""} would reach a database query) is refused here, whatever listener it was meant for.
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { z } from 'zod';
import { logger } from '../../logger';

const id = z.string().min(1).max(255).regex(/^[A-Za-z0-9._-]+$/);
const optionalId = id.optional();

const idFields = z
  .object({
    user: z.union([id, z.object({ id, team_id: optionalId }).loose()]).optional(),
    user_id: optionalId,
    team_id: optionalId,
    channel_id: optionalId,
    channel: z.union([id, z.object({ id }).loose()]).optional(),
    team: z.union([id, z.object({ id }).loose(), z.null()]).optional(),
    ts: optionalId,
    thread_ts: optionalId,
    event_ts: optionalId,
    item: z.object({ channel: optionalId, ts: optionalId }).loose().optional(),
    container: z.object({ channel_id: optionalId, message_ts: optionalId }).loose().optional(),
    message: z.object({ ts: optionalId, thread_ts: optionalId }).loose().optional(),
  })
  .loose();

export const refuseMalformedIds: Middleware<AnyMiddlewareArgs> = async (args) => {
  const { body, next } = args;
  const parts: unknown[] = [body];
  if (typeof body === 'object' && body !== null && 'event' in body) parts.push((body as { event: unknown }).event);
  for (const part of parts) {
    const checked = idFields.safeParse(part);
    if (!checked.success) {
      logger.warn({ fields: checked.error.issues.map((i) => i.path.join('.')) }, 'Refused a Slack payload whose IDs are not plain IDs; no listener was called');
      // Acknowledged (so Slack does not retry it) and otherwise ignored.
      if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
      return;
    }
  }
  await next();
};
