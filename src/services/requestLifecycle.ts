// The one owner of request state: every transition between states (a request is opened by
// services/intake.ts). Every surface (command, button, modal, reaction, trigger) comes through
// here, so a rule is written once.
// Transitions are single-document updates guarded by the expected state and revision, so two
// people acting at once give exactly one winner.
import { Types } from 'mongoose';
import { crashPoint } from '../crashPoints';
import { RequestModel, type RequestRecord } from '../db/request';
import {
  canTransition,
  isFinished,
  MERGE_HOLD_MS,
  nextState,
  refusalForState,
  type RequestAction,
} from '../domain/lifecycle';
import { startWaiting, stopWaiting, type ClientWaits } from '../domain/clientWaits';
import { storable } from '../domain/ledger';
import { ErrorCode, UserFacingError } from '../errors';
import { logger } from '../logger';
import { derivedEventId, recordAudit } from './audit';
import { authorise } from './authorisation';
import { requireClient, type Actor } from './directory';
import { requireRequest, type LoadedRequest } from './requestQueries';

export interface TransitionInput {
  key: string;
  action: RequestAction;
  actor: Actor;
  /** Fields to set along with the state, e.g. the resolution summary. */
  set?: Partial<Pick<RequestRecord, 'resolution' | 'cancelReason' | 'rating' | 'assigneeId' | 'mergedInto'>>;
  /** Skips the role check; only for the system itself (jobs), never for a Slack user. */
  asSystem?: boolean;
  /**
   * The estimate decision written in the same update (services/estimates.ts), and the estimate the
   * request must still be waiting on: `none` for a request estimated before decisions were kept
   * on it.
   */
  estimate?: { set: CurrentEstimate; expect?: { version: number } | 'none' };
  /** The merge holding this request (services/merge.ts): its own hold does not stop it, and goes with the change. */
  mergeHold?: string;
}

export type CurrentEstimate = NonNullable<RequestRecord['currentEstimate']>;

const now = () => new Date();

/** Milestones and side fields that an action sets by itself. */
function automaticFields(
  action: RequestAction,
  request: { firstResponseAt?: Date | null | undefined; clientWaits: ClientWaits; offer?: unknown; offerSkipped?: unknown; offerNobodyAt?: unknown },
  actorId: string,
): Record<string, unknown> {
  const at = now();
  switch (action) {
    case 'claim':
      return {
        assigneeId: actorId,
        claimedAt: at,
        ...(request.firstResponseAt ? {} : { firstResponseAt: at }),
        // A round-robin offer ends with the claim, whoever claims.
        ...(request.offer ? { offer: undefined } : {}),
        ...(request.offerSkipped ? { offerSkipped: undefined } : {}),
        ...(request.offerNobodyAt ? { offerNobodyAt: undefined } : {}),
      };
    case 'unclaim':
      return { assigneeId: undefined };
    case 'estimate':
      return { estimatedAt: at, clientWaits: startWaiting(request.clientWaits, at) };
    case 'approve':
      return { approvedAt: at, clientWaits: stopWaiting(request.clientWaits, at) };
    case 'decline':
      return { clientWaits: stopWaiting(request.clientWaits, at) };
    case 'resolve':
      // A resolved request no longer waits on the client's answer.
      return { resolvedAt: at, ...(request.clientWaits.some((w) => !w.to) ? { clientWaits: stopWaiting(request.clientWaits, at) } : {}) };
    case 'confirm':
    case 'autoClose':
      return { closedAt: at };
    case 'reopen':
      return { resolvedAt: undefined };
    case 'cancel':
      return { cancelledAt: at };
    case 'merge':
      return { mergedAt: at };
    case 'rate':
      return { ratedAt: at };
    default:
      return {};
  }
}

/** A merge holds the request now (services/merge.ts); a hold older than MERGE_HOLD_MS is a crash's leftover. */
export function heldByMerge(request: Pick<RequestRecord, 'mergeHold'>, at = now()): boolean {
  return !!request.mergeHold && request.mergeHold.at.getTime() > at.getTime() - MERGE_HOLD_MS;
}

/** The guard that lets a change through unless another merge holds the request. */
export function notHeldByMerge(own?: string): Record<string, unknown> {
  const stale = new Date(now().getTime() - MERGE_HOLD_MS);
  return { $or: [{ mergeHold: { $exists: false } }, { 'mergeHold.at': { $lt: stale } }, ...(own ? [{ 'mergeHold.id': own }] : [])] };
}

function conflictMessage(action: RequestAction, current: RequestRecord): string {
  if (isFinished(nextState(current.state, action)) && canTransition(current.state, action) && heldByMerge(current)) {
    return `${current.key} is being merged right now; nothing was changed. Try again in a moment.`;
  }
  if (action === 'claim' && current.assigneeId) {
    return `Too late: <@${current.assigneeId}> has already claimed ${current.key}.`;
  }
  if (action === 'rate' && current.rating) return `${current.key} has already been rated. Thank you!`;
  return `${current.key} changed while you were acting on it. ${refusalForState(current.state, action)}`;
}

/**
 * Loads the request and checks that the actor may take the action in its current state; throws
 * the UserFacingError to show otherwise. Buttons that open a modal call this before opening it.
 */
export async function checkTransition(input: Pick<TransitionInput, 'key' | 'action' | 'actor' | 'asSystem'>) {
  return (await checkedTransition(input)).request;
}

/** checkTransition, with the client authorise read (none for the system, which is not authorised). */
async function checkedTransition(input: Pick<TransitionInput, 'key' | 'action' | 'actor' | 'asSystem'>) {
  const request = await requireRequest(input.key);
  const client = input.asSystem ? undefined : await authorise(input.action, input.actor, request);
  if (!canTransition(request.state, input.action)) {
    if (input.action === 'claim' && request.assigneeId) throw new UserFacingError(ErrorCode.Conflict, conflictMessage('claim', request));
    throw new UserFacingError(ErrorCode.InvalidState, `${request.key}: ${refusalForState(request.state, input.action)}`);
  }
  if (input.action === 'rate' && request.rating) {
    throw new UserFacingError(ErrorCode.Conflict, conflictMessage('rate', request));
  }
  return { request, client };
}

/**
 * Applies the transition; returns the request as written and its client (read once here, so what
 * follows the change, its messages, timers, Home tabs and notice, reads neither again).
 */
export async function transitionRequest(input: TransitionInput): Promise<LoadedRequest> {
  const checked = await checkedTransition(input);
  const { request } = checked;
  const to = nextState(request.state, input.action);
  const fields: Record<string, unknown> = {
    ...automaticFields(input.action, request, input.actor.userId),
    ...input.set,
    state: to,
  };
  // The change it is, with its audit event, written in the same update: a process that dies
  // before appending the event leaves it here (appendChangeEvent). Not audited as a field.
  const before: Record<string, unknown> = {};
  for (const name of Object.keys(fields)) before[name] = request[name as keyof RequestRecord];
  const audit = { at: now(), actorId: input.asSystem ? 'system' : input.actor.userId, action: `request.${input.action}`, before: storable(before), after: storable(fields) };
  const lastChange = { action: input.action, actorId: input.actor.userId, revision: request.revision + 1, audit };
  const toSet: Record<string, unknown> = {};
  const toUnset: Record<string, ''> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) toUnset[name] = '';
    else toSet[name] = value;
  }
  const expected = input.estimate?.expect;
  const estimateGuard =
    expected === undefined ? {} : expected === 'none' ? { currentEstimate: { $exists: false } } : { 'currentEstimate.version': expected.version, 'currentEstimate.decision': 'pending' as const };
  if (input.estimate) toSet.currentEstimate = input.estimate.set;
  // The change before this one may still hold an event its process died before appending: this
  // update replaces it, so it is appended first.
  await appendChangeEvent(request);
  // A request a merge holds cannot end meanwhile: the merge checked that it may go into it.
  const mergeGuard = isFinished(to) ? notHeldByMerge(input.mergeHold) : {};
  if (input.mergeHold) toUnset.mergeHold = '';
  const result = await RequestModel.updateOne(
    { _id: request._id, state: request.state, revision: request.revision, ...estimateGuard, ...mergeGuard },
    { $set: { ...toSet, lastChange }, ...(Object.keys(toUnset).length ? { $unset: toUnset } : {}), $inc: { revision: 1 } },
  );
  if (result.modifiedCount !== 1) {
    const current = await requireRequest(input.key);
    throw new UserFacingError(ErrorCode.Conflict, conflictMessage(input.action, current));
  }
  crashPoint('request.changed');
  await appendChangeEvent({ _id: request._id, key: request.key, clientKey: request.clientKey, lastChange });
  logger.info({ request: request.key, action: input.action, from: request.state, to }, 'Request changed');
  return { request: await requireRequest(request.key), client: checked.client ?? (await requireClient(request.clientKey)) };
}

type ChangeHolder = Pick<RequestRecord, 'key' | 'clientKey' | 'lastChange'> & { _id: Types.ObjectId };

/**
 * The audit event of a request's change, by the request and revision: appended again (a retry, the
 * next change, the sweep) it is the same event, so it is recorded once.
 */
export function changeEventId(requestId: Types.ObjectId, revision: number, at: Date): Types.ObjectId {
  return derivedEventId(`request-change/${requestId.toHexString()}/r${revision}`, at);
}

/**
 * Appends the audit event a request's last change holds, if it still holds one, then lets go of
 * it (only if the change is still the last: a newer one holds its own).
 */
export async function appendChangeEvent(request: ChangeHolder): Promise<void> {
  const change = request.lastChange;
  const audit = change?.audit;
  if (!change || !audit) return;
  await recordAudit(
    { at: audit.at, actorId: audit.actorId, action: audit.action, entityType: 'request', entityId: request.key, clientKey: request.clientKey, before: audit.before, after: audit.after },
    { id: changeEventId(request._id, change.revision, audit.at) },
  );
  await RequestModel.updateOne({ _id: request._id, 'lastChange.revision': change.revision }, { $unset: { 'lastChange.audit': '' } }, { timestamps: false });
}

/** The worker's sweep: appends the audit events of changes whose process died before it did. Returns how many. */
export async function appendMissingChangeEvents(limit: number): Promise<number> {
  const waiting = await RequestModel.find({ 'lastChange.audit.at': { $exists: true } }, { key: 1, clientKey: 1, lastChange: 1 })
    .sort({ 'lastChange.audit.at': 1 })
    .limit(limit)
    .lean();
  for (const request of waiting) await appendChangeEvent(request);
  return waiting.length;
}
