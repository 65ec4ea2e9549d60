// A transition as every surface performs it: change the record through the lifecycle service,
// then bring Slack up to date and tell the thread when someone needs to know.
import type { RequestRecord } from '../db/request';
import type { RequestAction } from '../domain/lifecycle';
import { transitionRequest, type TransitionInput } from '../services/requestLifecycle';
import { postInThread } from './notify';
import { syncRequest } from './sync';
import type { SlackTokens } from './tokens';
import { threadNotice } from './views/notices';

export async function transitionAndShow(tokens: SlackTokens, input: TransitionInput): Promise<RequestRecord> {
  const updated = await transitionRequest(input);
  await showTransition(tokens, input.action, updated, input.actor.userId);
  return updated;
}

/** The Slack half of a transition, for callers that must answer Slack in between. */
export async function showTransition(tokens: SlackTokens, action: RequestAction, updated: RequestRecord, actorId: string): Promise<void> {
  await syncRequest(tokens, updated.key);
  const notice = threadNotice(action, updated, actorId);
  if (notice) await postInThread(tokens, updated.key, notice);
}
