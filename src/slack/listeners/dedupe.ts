// Global middleware: an event Slack delivers again (same event_id, after a timeout or an error on
// our side) is acknowledged and dropped, so it creates nothing twice.
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { logger } from '../../logger';
import { isFirstDelivery } from '../../services/inboundDedupe';

function eventIdOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const id = (body as { event_id?: unknown }).event_id;
  return typeof id === 'string' && id.length > 0 && id.length <= 100 ? id : undefined;
}

export const dropRedeliveredEvents: Middleware<AnyMiddlewareArgs> = async ({ body, next }) => {
  const eventId = eventIdOf(body);
  if (eventId && !(await isFirstDelivery(eventId))) {
    logger.info({ eventId }, 'Slack delivered an event again; it was handled already, so nothing is done');
    return;
  }
  await next();
};
