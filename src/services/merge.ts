// Merging a duplicate into the request it duplicates: the duplicate ends as `merged`, pointing at
// the other (`mergedInto`), in one guarded transition of the duplicate's own record; the other
// request's side (its duplicates, whom it tells) is read from that pointer, so nothing can be half
// written. Only within one client.
import { RequestModel, type RequestRecord } from '../db/request';
import { FINISHED_STATES, isFinished, type RequestState } from '../domain/lifecycle';
import { parseRequestKey } from '../domain/requestKey';
import { cutText } from '../domain/text';
import { ErrorCode, UserFacingError } from '../errors';
import type { Actor } from './directory';
import { authorise, checkTransition, findRequest, transitionRequest } from './requestLifecycle';

export interface MergeInput {
  key: string;
  into: string;
  actor: Actor;
}

/** Checks everything a merge needs short of writing it; returns the request merged into. */
export async function checkMerge(input: MergeInput): Promise<RequestRecord> {
  const duplicate = await checkTransition({ key: input.key, action: 'merge', actor: input.actor });
  const intoKey = parseRequestKey(input.into)?.key;
  const target = intoKey ? await findRequest(intoKey) : null;
  if (!target) throw new UserFacingError(ErrorCode.NotFound, `I can't find ${cutText(input.into, 20)} to merge ${duplicate.key} into.`);
  if (target.key === duplicate.key) throw new UserFacingError(ErrorCode.InvalidInput, `${duplicate.key} can't be merged into itself.`);
  if (target.clientKey !== duplicate.clientKey) {
    throw new UserFacingError(ErrorCode.InvalidInput, `${duplicate.key} and ${target.key} belong to different clients; only requests of the same client can be merged.`);
  }
  if (target.state === 'merged' && target.mergedInto) {
    throw new UserFacingError(ErrorCode.InvalidState, `${target.key} was itself merged into ${target.mergedInto}; merge ${duplicate.key} into ${target.mergedInto} instead.`);
  }
  if (isFinished(target.state as RequestState)) {
    throw new UserFacingError(ErrorCode.InvalidState, `${target.key} is ${target.state}; merge ${duplicate.key} into a request that is still open.`);
  }
  await authorise('merge', input.actor, target);
  return target;
}

/** Merges `key` into `into`; returns both as they are now. */
export async function mergeRequest(input: MergeInput): Promise<{ duplicate: RequestRecord; target: RequestRecord }> {
  const target = await checkMerge(input);
  const duplicate = await transitionRequest({ key: input.key, action: 'merge', actor: input.actor, set: { mergedInto: target.key } });
  return { duplicate, target };
}

/** The requests merged into `key`, oldest first, with whom each was asked by. */
export async function duplicatesOf(key: string): Promise<Array<{ key: string; requesterId: string }>> {
  const found = await RequestModel.find({ mergedInto: key, state: 'merged' }, { key: 1, requesterId: 1, number: 1 }).sort({ number: 1 }).lean();
  return found.map((r) => ({ key: r.key, requesterId: r.requesterId }));
}

/** Open requests of the client that `key` could be merged into (for the picker), newest first. */
export async function mergeCandidates(key: string, limit = 100): Promise<Array<{ key: string; title: string }>> {
  const request = await findRequest(key);
  if (!request) return [];
  const open = await RequestModel.find({ clientKey: request.clientKey, key: { $ne: request.key }, state: { $nin: [...FINISHED_STATES] } }, { key: 1, title: 1 })
    .sort({ createdAt: -1 })
    .limit(limit)
    .lean();
  return open.map((r) => ({ key: r.key, title: r.title }));
}
