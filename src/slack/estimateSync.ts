// Shows estimates in the request's client thread: posted once, updated in place when decided
// or superseded, so stale buttons say why they no longer work.
import { logger } from '../logger';
import { recordEstimateMessage, requireEstimate, type Estimate } from '../services/estimates';
import { findClientByKey } from '../services/directory';
import { findRequest } from '../services/requestLifecycle';
import type { SlackTokens } from './tokens';
import { renderEstimateMessage } from './views/estimateMessage';
import { slackErrorCode } from './sync';

export function estimateView(e: Estimate) {
  return { ...e, id: e._id.toHexString() };
}

export async function showEstimate(tokens: SlackTokens, estimateId: string): Promise<void> {
  const estimate = await requireEstimate(estimateId);
  const request = await findRequest(estimate.requestKey);
  const client = request ? await tokens.clientForClientSide(request.requesterTeamId) : undefined;
  if (!request?.clientMessageTs || !client) return;
  const approvers = estimate.messageTs ? [] : ((await findClientByKey(estimate.clientKey))?.approvers ?? [request.requesterId]);
  const message = renderEstimateMessage(estimateView(estimate), approvers.length > 0 ? approvers : [request.requesterId]);
  try {
    if (estimate.messageTs) {
      await client.chat.update({ channel: request.clientChannelId, ts: estimate.messageTs, text: message.text, blocks: message.blocks });
    } else {
      const posted = await client.chat.postMessage({
        channel: request.clientChannelId,
        thread_ts: request.clientMessageTs,
        text: message.text,
        blocks: message.blocks,
      });
      if (posted.ts) await recordEstimateMessage(estimate._id, posted.ts);
    }
  } catch (error) {
    logger.warn({ request: estimate.requestKey, version: estimate.version, slackError: slackErrorCode(error) }, 'Could not show the estimate in Slack; the record is unchanged');
  }
}
