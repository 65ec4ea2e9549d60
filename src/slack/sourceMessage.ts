// Reads a message someone reacted to, and its permalink, through the Web API.
import type { WebClient } from '@slack/web-api';
import { logger } from '../logger';

export interface SlackMessage {
  ts: string;
  text: string;
  user?: string | undefined;
  botId?: string | undefined;
  threadTs?: string | undefined;
}

/** Top-level messages come from history; thread replies only from their thread. */
export async function fetchMessage(client: WebClient, channel: string, ts: string): Promise<SlackMessage | undefined> {
  const toMessage = (m: { ts?: string; text?: string; user?: string; bot_id?: string; thread_ts?: string }) =>
    m.ts === ts ? { ts, text: m.text ?? '', user: m.user, botId: m.bot_id, threadTs: m.thread_ts } : undefined;
  const history = await client.conversations.history({ channel, latest: ts, inclusive: true, limit: 1 });
  const top = history.messages?.map(toMessage).find(Boolean);
  if (top) return top;
  const replies = await client.conversations.replies({ channel, ts, latest: ts, inclusive: true, limit: 1 });
  return replies.messages?.map(toMessage).find(Boolean);
}

export async function permalinkOf(client: WebClient, channel: string, ts: string): Promise<string | undefined> {
  try {
    return (await client.chat.getPermalink({ channel, message_ts: ts })).permalink;
  } catch (error) {
    logger.warn({ err: error, channel }, 'No permalink for the source message; the request will not link to it');
    return undefined;
  }
}
