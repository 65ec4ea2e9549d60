// What is said on a request without changing its state: an engineer's first reply, a question to
// the client and the client's answer, something added in the thread. Each is a guarded, audited
// change to the record, like a transition (services/requestLifecycle.ts).
import { RequestModel, type RequestRecord } from '../db/request';
import { startWaiting, stopWaiting } from '../domain/clientWaits';
import { isFinished, stateLabel } from '../domain/lifecycle';
import { parseRequestKey } from '../domain/requestKey';
import { ADDED_TEXT_LIMIT, cleanText } from '../domain/requestText';
import { cutText } from '../domain/text';
import { ErrorCode, UserFacingError } from '../errors';
import { recordAudit } from './audit';
import { authorise } from './authorisation';
import { actorFacts, requireClient, type Actor } from './directory';
import { findRequest, requireRequest } from './requestQueries';

const now = () => new Date();

/** Records the first response (an engineer's first reply in the thread) without a state change. */
export async function recordFirstResponse(key: string, userId: string): Promise<boolean> {
  const at = now();
  const result = await RequestModel.updateOne(
    { key, firstResponseAt: { $exists: false } },
    { $set: { firstResponseAt: at }, $inc: { revision: 1 } },
  );
  if (result.modifiedCount !== 1) return false;
  const clientKey = parseRequestKey(key)?.clientKey;
  await recordAudit({
    actorId: userId,
    action: 'request.first_response',
    entityType: 'request',
    entityId: key,
    // The key names its client; without it a per-client export missed this event.
    ...(clientKey ? { clientKey } : {}),
    after: { firstResponseAt: at },
  });
  return true;
}

/**
 * An engineer asked the client something: the request now waits on the client, which stops its
 * SLA clock until the client answers in the thread. Not a state change, but a change to the
 * record, so it is guarded and audited like one.
 */
export async function askClient(key: string, actor: Actor): Promise<RequestRecord> {
  const request = await requireRequest(key);
  await authorise('estimate', actor, request); // staff working the request
  if (isFinished(request.state) || request.state === 'open') {
    throw new UserFacingError(ErrorCode.InvalidState, `${request.key} is ${stateLabel(request.state).toLowerCase()}; claim it before asking the client.`);
  }
  const waits = startWaiting(request.clientWaits, now());
  if (waits !== request.clientWaits) {
    const result = await RequestModel.updateOne({ _id: request._id, revision: request.revision }, { $set: { clientWaits: waits }, $inc: { revision: 1 } });
    if (result.modifiedCount !== 1) throw new UserFacingError(ErrorCode.Conflict, `${request.key} changed just now; please try again.`);
    await recordAudit({ actorId: actor.userId, action: 'request.question_asked', entityType: 'request', entityId: request.key, clientKey: request.clientKey, after: { waitingOnClient: true } });
  }
  return requireRequest(key);
}

/** The client answered in the thread: a wait on them (a question, not an estimate) ends. */
export async function clientAnswered(key: string, userId: string): Promise<boolean> {
  const request = await findRequest(key);
  if (!request || request.state === 'awaiting_approval' || !request.clientWaits.some((w) => !w.to)) return false;
  // Only the client's side answers for the client: a colleague's reply in the thread does not.
  const facts = await actorFacts({ userId, channelId: request.clientChannelId }, await requireClient(request.clientKey), request);
  if (!facts.isClientMember) return false;
  const result = await RequestModel.updateOne(
    { _id: request._id, revision: request.revision },
    { $set: { clientWaits: stopWaiting(request.clientWaits, now()) }, $inc: { revision: 1 } },
  );
  if (result.modifiedCount !== 1) return false;
  await recordAudit({ actorId: userId, action: 'request.client_answered', entityType: 'request', entityId: request.key, clientKey: request.clientKey, after: { waitingOnClient: false } });
  return true;
}

/**
 * Something said to the app inside a request's thread (a mention there), which adds to that
 * request rather than opening another: audited, and answering the client's wait when it is the
 * client's. Anyone who may comment on the request may add to it.
 */
export async function addToRequest(key: string, actor: Actor, text: string): Promise<{ request: RequestRecord; answered: boolean }> {
  const request = await requireRequest(key);
  await authorise('comment', actor, request);
  await recordAudit({
    actorId: actor.userId,
    action: 'request.added_to',
    entityType: 'request',
    entityId: request.key,
    clientKey: request.clientKey,
    after: { text: cutText(cleanText(text), ADDED_TEXT_LIMIT) },
  });
  const answered = await clientAnswered(request.key, actor.userId);
  return { request, answered };
}
