// Brings the Slack messages of a request up to date with the record: posts them the first time,
// updates them in place afterwards. MongoDB is the truth; if Slack fails, the request keeps a
// syncedRevision below its revision and a later sync catches up.
import type { WebClient } from '@slack/web-api';
import { logger } from '../logger';
import { budgetOf } from '../services/estimates';
import { loadRequestWithClient, type LoadedRequest } from '../services/requestLifecycle';
import { recordShown, type RequestSurface } from '../services/requestMessages';
import type { SlackTokens } from './tokens';
import { renderClientMessage, renderTriageMessage, type RenderedMessage } from './views/requestMessages';

export interface SyncResult {
  ok: boolean;
  /** Slack's error code when a message could not be posted or updated, e.g. not_in_channel. */
  errors: Partial<Record<RequestSurface, string>>;
}

export function slackErrorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const data = (error as { data?: { error?: unknown } }).data;
    if (typeof data?.error === 'string') return data.error;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return 'unknown_error';
}

/** Posts the message, or updates it where it is; returns the ts of a newly posted one. */
async function showMessage(client: WebClient, channel: string, ts: string | null | undefined, message: RenderedMessage): Promise<string | undefined> {
  if (ts) {
    await client.chat.update({ channel, ts, text: message.text, blocks: message.blocks });
    return undefined;
  }
  const posted = await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks });
  return posted.ts;
}

export async function syncRequest(tokens: SlackTokens, key: string, loaded?: LoadedRequest): Promise<SyncResult> {
  const found = loaded ?? (await loadRequestWithClient(key));
  if (!found) return { ok: false, errors: {} };
  const { request, client } = found;
  // The client's message goes out with the client's own installation when it has one; the
  // triage message is in our workspace, so with ours.
  const clientSide = await tokens.clientForClientSide(request.requesterTeamId);
  const ours = await tokens.clientFor();
  if (!client || !clientSide || !ours) {
    logger.warn({ request: key }, 'No Slack client for this request; its messages stay as they are');
    return { ok: false, errors: {} };
  }
  const errors: SyncResult['errors'] = {};
  const surfaces: Array<[RequestSurface, WebClient, string, string | null | undefined, RenderedMessage]> = [
    ['client', clientSide, request.clientChannelId, request.clientMessageTs, renderClientMessage(request)],
    ['triage', ours, request.triageChannelId, request.triageMessageTs, renderTriageMessage({ ...request, budget: request.estimatedAt ? await budgetOf(key) : undefined }, client.name)],
  ];
  // Both messages at once, then one write for what they became.
  const posted: Partial<Record<RequestSurface, string>> = {};
  await Promise.all(
    surfaces.map(async ([surface, slack, channel, ts, message]) => {
      try {
        const newTs = await showMessage(slack, channel, ts, message);
        if (newTs) posted[surface] = newTs;
      } catch (error) {
        errors[surface] = slackErrorCode(error);
        logger.warn(
          { request: key, surface, channel, slackError: errors[surface] },
          'Could not show the request in Slack; the record is unchanged and a later sync will retry',
        );
      }
    }),
  );
  const ok = Object.keys(errors).length === 0;
  await recordShown(key, posted, ok ? request.revision : null);
  return { ok, errors };
}
