// Incoming Slack events, deduplicated: remembers which event ids were handled, so a redelivery is
// recognised (the outgoing side is services/outbox.ts).
import { SlackEventModel } from '../db/slackEvent';
import { isDuplicateKey } from './sequence';

/** True the first time an event ID is seen; false for every redelivery. */
export async function isFirstDelivery(eventId: string): Promise<boolean> {
  try {
    await SlackEventModel.create({ _id: eventId, receivedAt: new Date() });
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}
