// Short notices in a request's client thread (claimed, resolved, closed…): Slack does not notify
// anyone of an edited message, so the people who need to act get a reply in the thread.
import { logger } from '../logger';
import { findRequest } from '../services/requestLifecycle';
import type { SlackTokens } from './tokens';

export async function postInThread(tokens: SlackTokens, key: string, text: string): Promise<void> {
  const request = await findRequest(key);
  const client = request ? await tokens.clientForClientSide(request.requesterTeamId) : undefined;
  if (!request?.clientMessageTs || !client) {
    logger.warn({ request: key }, 'The request has no thread yet; the notice was not posted');
    return;
  }
  try {
    await client.chat.postMessage({ channel: request.clientChannelId, thread_ts: request.clientMessageTs, text });
  } catch (error) {
    logger.warn({ request: key, err: error }, 'Could not post a notice in the thread; the record is unchanged');
  }
}
