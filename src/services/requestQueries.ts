// Reading requests: one by its key (with its client, for everything that follows a change), and
// read-only questions with the visibility rules applied: a client's members see only their
// client's requests; staff see all.
import { RequestModel } from '../db/request';
import { OPEN_STATES } from '../domain/lifecycle';
import { ErrorCode, UserFacingError, isUserFacingError } from '../errors';
import { parseRequestKey } from '../domain/requestKey';
import { cutText } from '../domain/text';
import { authorise } from './authorisation';
import { findClientByChannel, findClientByKey, staffRoles, type Actor } from './directory';


export async function findRequest(keyText: string) {
  const parsed = parseRequestKey(keyText);
  if (!parsed) return null;
  return RequestModel.findOne({ key: parsed.key }).lean();
}

/** The same words whether a request does not exist or the reader may not see it. */
export function notFoundMessage(keyText: string): string {
  const key = parseRequestKey(keyText)?.key ?? cutText(keyText, 20);
  return `I couldn't find a request called ${key}.`;
}

export async function requireRequest(keyText: string) {
  const request = await findRequest(keyText);
  if (!request) {
    throw new UserFacingError(ErrorCode.NotFound, notFoundMessage(keyText));
  }
  return request;
}

export type LoadedRequest = NonNullable<Awaited<ReturnType<typeof loadRequestWithClient>>>;

/** A request and its client, read once for everything that follows a change. */
export async function loadRequestWithClient(key: string) {
  const request = await findRequest(key);
  if (!request) return undefined;
  const client = await findClientByKey(request.clientKey);
  return client ? { request, client } : undefined;
}

export const LIST_LIMIT = 20;

export interface RequestList {
  scope: 'all' | { clientKey: string; clientName: string };
  requests: Awaited<ReturnType<typeof findOpen>>;
  total: number;
}

function findOpen(filter: Record<string, unknown>) {
  return RequestModel.find({ ...filter, state: { $in: OPEN_STATES } })
    .sort({ createdAt: -1 })
    .limit(LIST_LIMIT)
    .lean();
}

export async function listOpenRequests(actor: Actor): Promise<RequestList> {
  const roles = await staffRoles(actor.userId);
  const client = actor.channelId ? await findClientByChannel(actor.channelId) : null;
  if (client) {
    const filter = { clientKey: client.key };
    const [requests, total] = await Promise.all([
      findOpen(filter),
      RequestModel.countDocuments({ ...filter, state: { $in: OPEN_STATES } }),
    ]);
    return { scope: { clientKey: client.key, clientName: client.name }, requests, total };
  }
  if (roles.length > 0) {
    const [requests, total] = await Promise.all([findOpen({}), RequestModel.countDocuments({ state: { $in: OPEN_STATES } })]);
    return { scope: 'all', requests, total };
  }
  throw new UserFacingError(
    ErrorCode.NotAClientChannel,
    "This channel isn't linked to a client, so there is nothing to list here. Try it in your team's support channel.",
  );
}

/** One request, if the actor may see it. Unknown and forbidden look the same, so keys don't leak. */
export async function requestForViewer(actor: Actor, key: string) {
  const request = await requireRequest(key);
  try {
    await authorise('view', actor, request);
  } catch (error) {
    if (isUserFacingError(error) && error.code === ErrorCode.Forbidden) {
      throw new UserFacingError(ErrorCode.NotFound, notFoundMessage(request.key));
    }
    throw error;
  }
  return request;
}
