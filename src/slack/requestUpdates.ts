// What follows every change to a request, from any surface or job: bring its Slack messages up
// to date, tell the thread when someone needs to know, and (re)schedule its timers.
import type { Config } from '../config';
import type { RequestRecord } from '../db/request';
import type { RequestAction } from '../domain/lifecycle';
import { syncTimersQuietly, type TimerScheduler } from '../jobs/timerScheduler';
import { loadRequestWithClient, transitionRequest, type LoadedRequest, type TransitionInput } from '../services/requestLifecycle';
import { showEstimate } from './estimateSync';
import { refreshHomes } from './home';
import { postInThread } from './notify';
import { syncRequest, type SyncResult } from './sync';
import type { SlackTokens } from './tokens';
import { threadNotice } from './views/notices';

export interface Effects {
  config: Config;
  tokens: SlackTokens;
  timers: TimerScheduler;
}

/**
 * The request's messages and timers, after any change; says what Slack refused, if anything.
 * `current` is the request and its client as just written, when the caller has them.
 */
export async function showRequest(effects: Effects, key: string, current?: LoadedRequest): Promise<SyncResult> {
  // Read once: the messages, the timers and the Home tabs all need the same request and client.
  const loaded = current ?? (await loadRequestWithClient(key));
  const result = await syncRequest(effects.tokens, key, loaded);
  await syncTimersQuietly(effects.timers, key, loaded);
  await refreshHomes(effects.tokens, effects.config, key, loaded);
  return result;
}

/** Slack errors that mean the app cannot post in the client's channel until someone acts. */
export const CHANNEL_PROBLEMS = ['not_in_channel', 'channel_not_found', 'is_archived'];

export function channelGuidance(key: string, result: SyncResult): string | undefined {
  const problem = result.errors.client;
  if (!problem || !CHANNEL_PROBLEMS.includes(problem)) return undefined;
  return problem === 'is_archived'
    ? `${key} is saved, but this channel is archived, so I can't post its thread here. Ask your account manager to link an active channel.`
    : `${key} is saved, but I can't post in this channel yet. Invite me with \`/invite @Ad-hoc Help\` and I'll post it here within a minute.`;
}

export async function transitionAndShow(effects: Effects, input: TransitionInput): Promise<RequestRecord> {
  const updated = await transitionRequest(input);
  await showTransition(effects, input.action, updated, input.actor.userId);
  return updated;
}

/** The Slack half of a transition, for callers that must answer Slack in between. */
export async function showTransition(effects: Effects, action: RequestAction, updated: RequestRecord, actorId: string): Promise<void> {
  await showRequest(effects, updated.key);
  const notice = threadNotice(action, updated, actorId);
  if (notice) await postInThread(effects.tokens, updated.key, notice);
}

/** After an estimate is posted or decided: its message (and any it superseded) and the request. */
export async function showEstimateChange(effects: Effects, requestKey: string, estimateIds: string[]): Promise<void> {
  for (const id of estimateIds) await showEstimate(effects.tokens, id);
  await showRequest(effects, requestKey);
}
