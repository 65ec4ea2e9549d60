// Merging a duplicate into the request it duplicates: the duplicate ends as `merged`, pointing at
// the other (`mergedInto`); the other request's side (its duplicates, whom it tells) is read from
// that pointer. Only within one client.
//
// Both requests must still allow the merge when it is written, and two merges can race (A into B
// while B goes into A, or into C). Without transactions, a merge first holds both records, each
// with one guarded update that also checks its state, always the lower-numbered first so that two
// merges sharing a request meet on the same one first and exactly one gets both holds. The loser
// lets go and looks again, and is then told why it cannot merge. The duplicate's transition is
// guarded by its hold and lets it go in the same write; finishing transitions (close, cancel,
// merge) wait for another merge's hold. A crash leaves holds that are harmless after MERGE_HOLD_MS.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RequestModel, type RequestRecord } from '../db/request';
import { FINISHED_STATES, MERGE_TARGET_STATES, TRANSITIONS, isFinished, type RequestState } from '../domain/lifecycle';
import { parseRequestKey } from '../domain/requestKey';
import { cutText } from '../domain/text';
import { ErrorCode, UserFacingError } from '../errors';
import type { Actor } from './directory';
import { checkTransition, notHeldByMerge, transitionRequest } from './requestLifecycle';
import { findRequest, type LoadedRequest } from './requestQueries';
import { authorise } from './authorisation';

export interface MergeInput {
  key: string;
  into: string;
  actor: Actor;
}

/** Checks everything a merge needs short of writing it; returns the request merged into. */
export async function checkMerge(input: MergeInput): Promise<RequestRecord> {
  return (await checkBoth(input)).target;
}

async function checkBoth(input: MergeInput): Promise<{ duplicate: RequestRecord; target: RequestRecord }> {
  const duplicate = await checkTransition({ key: input.key, action: 'merge', actor: input.actor });
  const intoKey = parseRequestKey(input.into)?.key;
  const target = intoKey ? await findRequest(intoKey) : null;
  if (!target) throw new UserFacingError(ErrorCode.NotFound, `I can't find ${cutText(input.into, 20)} to merge ${duplicate.key} into.`);
  if (target.key === duplicate.key) throw new UserFacingError(ErrorCode.InvalidInput, `${duplicate.key} can't be merged into itself.`);
  if (target.clientKey !== duplicate.clientKey) {
    throw new UserFacingError(ErrorCode.InvalidInput, `${duplicate.key} and ${target.key} belong to different clients; only requests of the same client can be merged.`);
  }
  if (target.state === 'merged' && target.mergedInto === duplicate.key) throw justMerged(target.key, duplicate.key);
  if (target.state === 'merged' && target.mergedInto) {
    throw new UserFacingError(ErrorCode.InvalidState, `${target.key} was itself merged into ${target.mergedInto}; merge ${duplicate.key} into ${target.mergedInto} instead.`);
  }
  if (isFinished(target.state as RequestState)) {
    throw new UserFacingError(ErrorCode.InvalidState, `${target.key} is ${target.state}; merge ${duplicate.key} into a request that is still open.`);
  }
  await authorise('merge', input.actor, target);
  await refuseIfMergedInto(duplicate, target);
  return { duplicate, target };
}

/** The other merge of the pair won the race (or came first): there is nothing left to do. */
function justMerged(duplicateKey: string, intoKey: string): UserFacingError {
  return new UserFacingError(ErrorCode.InvalidState, `${duplicateKey} was just merged into ${intoKey}; they are one request now.`);
}

/**
 * A request others were merged into is not merged on (their pointers would reach a finished
 * request): the other way round keeps everyone on one open request. Checked again under the
 * merge's hold, when no merge into the duplicate can slip in.
 */
async function refuseIfMergedInto(duplicate: Held, target: Held): Promise<void> {
  const merged = await RequestModel.findOne({ mergedInto: duplicate.key, state: 'merged' }, { key: 1 }).lean();
  if (merged?.key === target.key) throw justMerged(target.key, duplicate.key);
  if (merged) {
    throw new UserFacingError(ErrorCode.InvalidState, `${merged.key} was merged into ${duplicate.key}, so ${duplicate.key} stays open; merge ${target.key} into ${duplicate.key} instead.`);
  }
}

/** How long a merge waits for another merge holding one of its requests, before saying so. */
const HOLD_WAIT_MS = 2_000;

/** Merges `key` into `into`; returns both as they are now. */
export async function mergeRequest(input: MergeInput): Promise<{ duplicate: LoadedRequest; target: RequestRecord }> {
  const waitUntil = Date.now() + HOLD_WAIT_MS;
  for (;;) {
    // Checked again after every wait: a merge that won the race may have made this one wrong.
    const { duplicate, target } = await checkBoth(input);
    const hold = randomUUID();
    if (await holdBoth(hold, duplicate, target)) {
      try {
        await refuseIfMergedInto(duplicate, target);
        const merged = await transitionRequest({ key: duplicate.key, action: 'merge', actor: input.actor, set: { mergedInto: target.key }, mergeHold: hold });
        return { duplicate: merged, target: (await findRequest(target.key)) ?? target };
      } finally {
        await letGo(hold, [duplicate, target]);
      }
    }
    if (Date.now() > waitUntil) {
      throw new UserFacingError(ErrorCode.Conflict, `${duplicate.key} or ${target.key} is being merged right now; nothing was changed. Try again in a moment.`);
    }
    await sleep(20 + Math.floor(Math.random() * 30));
  }
}

type Held = Pick<RequestRecord, 'key' | 'number'>;

/**
 * Holds the duplicate (in a state it may be merged from) and the target (in a state it may be
 * merged into), lower number first; lets go of what it held if either is not to be had.
 */
async function holdBoth(hold: string, duplicate: Held, target: Held): Promise<boolean> {
  const sides = [
    { key: duplicate.key, number: duplicate.number, states: TRANSITIONS.merge.from as readonly RequestState[] },
    { key: target.key, number: target.number, states: MERGE_TARGET_STATES },
  ].sort((a, b) => a.number - b.number);
  const held: Held[] = [];
  for (const side of sides) {
    const result = await RequestModel.updateOne(
      { key: side.key, state: { $in: [...side.states] }, ...notHeldByMerge() },
      { $set: { mergeHold: { id: hold, at: new Date() } } },
    );
    if (result.modifiedCount !== 1) {
      await letGo(hold, held);
      return false;
    }
    held.push(side);
  }
  return true;
}

async function letGo(hold: string, requests: Held[]): Promise<void> {
  if (requests.length === 0) return;
  await RequestModel.updateMany({ key: { $in: requests.map((r) => r.key) }, 'mergeHold.id': hold }, { $unset: { mergeHold: '' } });
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
