// Whether someone may act on a request, checked on the server for every action from facts about
// them (domain/permissions.ts holds the rules and the words of a refusal).
import type { RequestRecord } from '../db/request';
import { isAllowed, refusalForRole, type Permission } from '../domain/permissions';
import { ErrorCode, UserFacingError } from '../errors';
import { logger } from '../logger';
import { actorFacts, requireClient, type Actor, type Client } from './directory';

/** Throws a UserFacingError unless `actor` may do `permission` on the request; logs refusals. */
export async function authorise(
  permission: Permission,
  actor: Actor,
  request: Pick<RequestRecord, 'key' | 'clientKey' | 'requesterId' | 'assigneeId'>,
): Promise<Client> {
  const client = await requireClient(request.clientKey);
  const facts = await actorFacts(actor, client, request);
  if (!isAllowed(permission, facts)) {
    logger.warn(
      { request: request.key, user: actor.userId, channel: actor.channelId, permission },
      'Refused an action the user is not allowed to take; nothing was changed',
    );
    throw new UserFacingError(ErrorCode.Forbidden, refusalForRole(permission, facts, client.key));
  }
  return client;
}
