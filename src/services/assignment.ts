// Round-robin assignment (client `assignment: round_robin`): a new request is offered to the next
// engineer in turn (domain/roundRobin.ts); it is theirs when they accept, or when they have not
// declined within OFFER_MINUTES and can still take it; a decline offers it to the next one. Each offer is one guarded
// update of the request, and every offer, acceptance and skip is audited.
import { ClientModel } from '../db/client';
import { RequestModel, type RequestRecord } from '../db/request';
import { StaffModel } from '../db/staff';
import { OPEN_STATES } from '../domain/lifecycle';
import { DEFAULT_MAX_OPEN_PER_ENGINEER, OFFER_MINUTES, nextEngineer, notWorkingNow, type PassedOver, type WorkingHours } from '../domain/roundRobin';
import { ErrorCode, UserFacingError } from '../errors';
import { recordAudit } from './audit';
import type { Actor } from './directory';
import { transitionRequest } from './requestLifecycle';
import { findRequest, type LoadedRequest } from './requestQueries';

export interface Offer {
  key: string;
  to: string;
  at: Date;
  expiresAt: Date;
}

/** The engineers as round robin sees them now: availability, hours and open requests assigned. */
async function engineersNow() {
  const staff = await StaffModel.find({ roles: 'engineer' }).lean();
  const loads = await RequestModel.aggregate<{ _id: string; open: number }>([
    { $match: { assigneeId: { $in: staff.map((s) => s.userId) }, state: { $in: [...OPEN_STATES] } } },
    { $group: { _id: '$assigneeId', open: { $sum: 1 } } },
  ]);
  const load = new Map(loads.map((l) => [l._id, l.open]));
  return staff.map((s) => ({ userId: s.userId, available: s.available !== false, hours: (s.hours as WorkingHours | null | undefined) ?? undefined, openAssigned: load.get(s.userId) ?? 0 }));
}

/**
 * Offers the request to the next engineer in turn, when its client assigns by round robin and it
 * is open, unassigned and not on offer. Undefined when there is nothing to offer (or nobody fits:
 * it then waits in the triage queue like any other, and that is audited once). `request` is the
 * record as last read: the offer is written only if it has not changed since.
 */
export async function offerNext({ request, client }: LoadedRequest, now = new Date()): Promise<Offer | undefined> {
  if (request.state !== 'open' || request.assigneeId || request.offer) return undefined;
  if (client.assignment !== 'round_robin') return undefined;
  const declined = request.offerSkipped ?? [];
  const { pick, passedOver } = nextEngineer(await engineersNow(), client.roundRobinLast ?? undefined, declined, client.maxOpenPerEngineer ?? DEFAULT_MAX_OPEN_PER_ENGINEER, now);
  const audit = (action: string, after: Record<string, unknown>) =>
    recordAudit({ actorId: 'system', action, entityType: 'request', entityId: request.key, clientKey: request.clientKey, after });
  if (!pick) {
    // Once until an offer is made: a re-render asks again and must not audit again.
    const marked = await RequestModel.updateOne({ _id: request._id, offerNobodyAt: { $exists: false } }, { $set: { offerNobodyAt: now } });
    if (marked.modifiedCount === 1) await audit('request.offer_none', { passedOver: withoutDeclined(passedOver) });
    return undefined;
  }
  const offer = { to: pick, at: now, expiresAt: new Date(now.getTime() + OFFER_MINUTES * 60_000) };
  const written = await RequestModel.updateOne(
    { _id: request._id, state: 'open', assigneeId: { $exists: false }, offer: { $exists: false }, revision: request.revision },
    { $set: { offer }, $unset: { offerNobodyAt: '' }, $inc: { revision: 1 } },
  );
  if (written.modifiedCount !== 1) return undefined; // claimed or offered meanwhile
  await ClientModel.updateOne({ key: client.key }, { $set: { roundRobinLast: pick } }, { timestamps: false });
  await audit('request.offered', { to: pick, expiresAt: offer.expiresAt, passedOver: withoutDeclined(passedOver) });
  return { key: request.key, ...offer };
}

const withoutDeclined = (passedOver: PassedOver[]) => passedOver.filter((p) => p.reason !== 'declined');

/** The offered engineer declines: the request is offered to the next one (the caller asks). */
export async function declineOffer(key: string, actor: Actor): Promise<RequestRecord> {
  const request = await findRequest(key);
  if (!request) throw new UserFacingError(ErrorCode.NotFound, `I can't find ${key}.`);
  if (request.offer?.to !== actor.userId || request.state !== 'open') {
    throw new UserFacingError(ErrorCode.Conflict, `${request.key} is not on offer to you any more${request.assigneeId ? `: it is with <@${request.assigneeId}>` : ''}.`);
  }
  const result = await RequestModel.updateOne(
    { _id: request._id, state: 'open', 'offer.to': actor.userId, revision: request.revision },
    { $unset: { offer: '' }, $push: { offerSkipped: actor.userId }, $inc: { revision: 1 } },
  );
  if (result.modifiedCount !== 1) throw new UserFacingError(ErrorCode.Conflict, `${request.key} changed meanwhile; look at it again.`);
  await recordAudit({ actorId: actor.userId, action: 'request.offer_declined', entityType: 'request', entityId: request.key, clientKey: request.clientKey, after: { by: actor.userId } });
  return (await findRequest(key)) as RequestRecord;
}

export type OfferExpiry =
  | { outcome: 'assigned'; changed: LoadedRequest }
  /** The engineer can no longer take it: the offer is withdrawn, and the caller offers it again. */
  | { outcome: 'withdrawn'; from: string; reason: 'not_an_engineer' | 'away' | 'off_hours' };

/**
 * The offer made at `offeredAt` ran out without a decline: the request becomes the offered
 * engineer's, as if they had claimed it, if they are still an engineer and working now (they may
 * have left the staff or set themselves away since). Otherwise the offer is withdrawn, so that
 * the request goes to the next one in turn or waits in triage. Nothing happens (undefined) if it
 * was accepted, declined or claimed.
 */
export async function expireOffer(key: string, offeredAt: Date, now = new Date()): Promise<OfferExpiry | undefined> {
  const request = await findRequest(key);
  const offer = request?.offer;
  if (!request || !offer || request.state !== 'open' || offer.at.getTime() !== offeredAt.getTime()) return undefined;
  const audit = (action: string, after: Record<string, unknown>) =>
    recordAudit({ actorId: 'system', action, entityType: 'request', entityId: request.key, clientKey: request.clientKey, after });
  const engineer = await StaffModel.findOne({ userId: offer.to, roles: 'engineer' }).lean();
  const reason = engineer
    ? notWorkingNow({ available: engineer.available !== false, hours: (engineer.hours as WorkingHours | null | undefined) ?? undefined }, now)
    : 'not_an_engineer';
  if (reason) {
    const withdrawn = await RequestModel.updateOne(
      { _id: request._id, state: 'open', assigneeId: { $exists: false }, 'offer.at': offer.at, revision: request.revision },
      { $unset: { offer: '' }, $inc: { revision: 1 } },
    );
    if (withdrawn.modifiedCount !== 1) return undefined; // taken, declined or claimed meanwhile
    await audit('request.offer_withdrawn', { from: offer.to, reason });
    return { outcome: 'withdrawn', from: offer.to, reason };
  }
  const claimed = await transitionRequest({ key, action: 'claim', actor: { userId: offer.to }, asSystem: true });
  await audit('request.offer_expired', { assignedTo: offer.to });
  return { outcome: 'assigned', changed: claimed };
}

/** Available or away, from the engineer's own Home tab. */
/** False when the person is not an engineer (only engineers are offered requests). */
export async function setAvailability(userId: string, available: boolean): Promise<boolean> {
  const staff = await StaffModel.findOne({ userId, roles: 'engineer' }).lean();
  if (!staff) return false;
  if ((staff.available !== false) === available) return true;
  await StaffModel.updateOne({ userId }, { $set: { available } });
  await recordAudit({ actorId: userId, action: available ? 'staff.available' : 'staff.away', entityType: 'staff', entityId: userId, after: { available } });
  return true;
}

/** Open, unassigned requests of round-robin clients that nobody is being offered (oldest first). */
export async function waitingForAnOffer(limit = 20): Promise<string[]> {
  const clients = (await ClientModel.find({ assignment: 'round_robin' }, { key: 1 }).lean()).map((c) => c.key);
  if (clients.length === 0) return [];
  const waiting = await RequestModel.find({ clientKey: { $in: clients }, state: 'open', assigneeId: { $exists: false }, offer: { $exists: false } }, { key: 1 })
    .sort({ createdAt: 1 })
    .limit(limit)
    .lean();
  return waiting.map((r) => r.key);
}

export async function availabilityOf(userId: string): Promise<boolean> {
  return (await StaffModel.findOne({ userId }, { available: 1 }).lean())?.available !== false;
}

/** Working hours kept with an engineer's staff record (seed file, `/help admin engineer hours`). */
export async function setWorkingHours(userId: string, hours: WorkingHours | undefined, actorId: string): Promise<'updated' | 'unchanged' | 'not_engineer'> {
  const staff = await StaffModel.findOne({ userId, roles: 'engineer' }).lean();
  if (!staff) return 'not_engineer';
  const before = staff.hours ?? undefined;
  if (JSON.stringify(before ?? null) === JSON.stringify(hours ?? null)) return 'unchanged';
  await StaffModel.updateOne({ userId }, hours ? { $set: { hours } } : { $unset: { hours: '' } });
  await recordAudit({ actorId, action: 'staff.hours', entityType: 'staff', entityId: userId, before: { hours: before ?? null }, after: { hours: hours ?? null } });
  return 'updated';
}
