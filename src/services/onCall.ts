// On call (#13): an urgent request that comes in outside its client's working hours is sent
// straight to whoever is on call (domain/onCall.ts), by DM with Claim; unclaimed after the urgent
// first-response target's reminder point it goes to the next person on the rota, then to the
// managers. Each page is one guarded update of the request, audited.
import { OnCallRotaModel } from '../db/onCallRota';
import { RequestModel } from '../db/request';
import { StaffModel } from '../db/staff';
import { ErrorCode, UserFacingError } from '../errors';
import { isWorkingTime } from '../domain/businessTime';
import { nextOnRota, onCallAt, type Rota } from '../domain/onCall';
import { recordAudit } from './audit';
import { findRequest, type LoadedRequest } from './requestQueries';

const ROTA_ID = 'rota';

export async function getRota(): Promise<Rota | undefined> {
  const rota = await OnCallRotaModel.findById(ROTA_ID).lean();
  return rota ? { engineers: [...rota.engineers], startsOn: rota.startsOn, timezone: rota.timezone } : undefined;
}

/** Sets the rota; every one on it must be one of our engineers (told by name otherwise, nothing written). */
export async function setRota(rota: Rota, actorId: string): Promise<'updated' | 'unchanged'> {
  const engineers = new Set((await StaffModel.find({ userId: { $in: rota.engineers }, roles: 'engineer' }, { userId: 1 }).lean()).map((s) => s.userId));
  const others = rota.engineers.filter((u) => !engineers.has(u)).map((u) => `<@${u}>`);
  if (others.length > 0) {
    throw new UserFacingError(ErrorCode.InvalidInput, `${others.join(', ')} ${others.length > 1 ? 'are' : 'is'} not one of our engineers; add them first with \`engineer add\`.`);
  }
  const before = await getRota();
  if (JSON.stringify(before ?? null) === JSON.stringify(rota)) return 'unchanged';
  await OnCallRotaModel.updateOne({ _id: ROTA_ID }, { $set: rota }, { upsert: true });
  await recordAudit({ actorId, action: 'oncall.rota', entityType: 'staff', entityId: 'oncall', before: before ? { ...before } : null, after: { ...rota } });
  return 'updated';
}

export interface Page {
  key: string;
  /** An engineer, or `managers` at the last step. */
  to: string;
  at: Date;
  step: number;
}

/**
 * Pages whoever is on call about an urgent, open, unassigned request that arrived outside its
 * client's working hours; once per request. Undefined when there is nothing to page. `request` is
 * the record as last read: the page is written only if it has not changed since.
 */
export async function pageIfDue({ request, client }: LoadedRequest, now = new Date()): Promise<Page | undefined> {
  if (request.priority !== 'urgent' || request.state !== 'open' || request.assigneeId || request.page) return undefined;
  if (isWorkingTime(request.createdAt, { timezone: client.timezone, hours: client.businessHours })) return undefined;
  const rota = await getRota();
  const to = rota ? onCallAt(rota, now) : undefined;
  if (!to) return undefined;
  const page = { to, at: now, step: 0 };
  const written = await RequestModel.updateOne({ _id: request._id, state: 'open', page: { $exists: false }, revision: request.revision }, { $set: { page }, $inc: { revision: 1 } });
  if (written.modifiedCount !== 1) return undefined;
  await recordAudit({ actorId: 'system', action: 'request.paged', entityType: 'request', entityId: request.key, clientKey: request.clientKey, after: { to, step: 0 } });
  return { key: request.key, ...page };
}

/**
 * The page made at `pagedAt` went unanswered: the next person on the rota, then the managers.
 * Nothing happens if the request was claimed or paged again meanwhile.
 */
export async function escalatePage(key: string, pagedAt: Date, now = new Date()): Promise<Page | undefined> {
  const request = await findRequest(key);
  const page = request?.page;
  if (!request || !page || request.state !== 'open' || request.assigneeId || page.at.getTime() !== pagedAt.getTime() || page.step >= 2) return undefined;
  const rota = await getRota();
  const next = page.step === 0 && rota ? nextOnRota(rota, page.to) : undefined;
  const escalated = next ? { to: next, at: now, step: 1 } : { to: 'managers', at: now, step: 2 };
  const written = await RequestModel.updateOne({ _id: request._id, 'page.at': page.at, state: 'open' }, { $set: { page: escalated }, $inc: { revision: 1 } });
  if (written.modifiedCount !== 1) return undefined;
  await recordAudit({ actorId: 'system', action: 'request.page_escalated', entityType: 'request', entityId: request.key, clientKey: request.clientKey, before: { to: page.to }, after: { to: escalated.to, step: escalated.step } });
  return { key: request.key, ...escalated };
}
