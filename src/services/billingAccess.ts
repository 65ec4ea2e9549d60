// Who may see a client's billing summaries: managers any client's; a client's approvers only their
// own, asked from one of the client's channels. The words of a refusal are domain/permissions.ts's.
import { BILLING_REFUSAL, colleagueBillingRefusal, seesClientMoney } from '../domain/permissions';
import { cutText } from '../domain/text';
import { ErrorCode, UserFacingError } from '../errors';
import { logger } from '../logger';
import { actorFacts, findClientByChannel, findClientByKey, staffRoles, type Actor, type Client } from './directory';

export type BillingRole = 'manager' | 'approver';
export type BillingAccess = { ok: true; client: Client; role: BillingRole } | { ok: false; reason: 'needs_client_key' };

/**
 * The client whose billing `actor` asks for (`clientKey`, or the client of the channel they are
 * in) and whether they may see it: managers any client; a client's approvers (any member of its
 * channel when it lists none) only their own, asked from one of its channels. Whether a client
 * exists is only told to managers, so nobody else can probe for client keys.
 */
export async function billingAccess(actor: Actor, clientKey?: string): Promise<BillingAccess> {
  const isManager = (await staffRoles(actor.userId)).includes('manager');
  const client = clientKey
    ? await findClientByKey(clientKey)
    : actor.channelId
      ? await findClientByChannel(actor.channelId)
      : null;
  if (!client) {
    if (!isManager) throw refuse(actor, clientKey);
    if (!clientKey) return { ok: false, reason: 'needs_client_key' };
    throw new UserFacingError(ErrorCode.NotFound, `I don't know a client called ${cutText(clientKey, 10)}.`);
  }
  if (isManager) return { ok: true, client, role: 'manager' };
  const facts = await actorFacts(actor, client);
  const inClientChannel = actor.channelId !== undefined && client.channels.includes(actor.channelId);
  if (seesClientMoney(facts) && inClientChannel) return { ok: true, client, role: 'approver' };
  // In the client's own channel the client is no secret: a colleague is told why not.
  throw refuse(actor, clientKey, inClientChannel && facts.isColleague && !facts.sideUnknown ? colleagueBillingRefusal(client.key) : BILLING_REFUSAL);
}

function refuse(actor: Actor, clientKey: string | undefined, message = BILLING_REFUSAL): UserFacingError {
  logger.warn({ user: actor.userId, channel: actor.channelId, client: clientKey }, 'Refused a billing summary to someone not allowed to see it; nothing was generated');
  return new UserFacingError(ErrorCode.Forbidden, message);
}
