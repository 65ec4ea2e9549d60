// Client and staff set-up, shared by the seed file and `/help admin`: validated upserts that
// record an audit event for every real change and do nothing when nothing changed.
import { isDeepStrictEqual } from 'node:util';
import { ClientModel } from '../db/client';
import { EstimateModel } from '../db/estimate';
import { ErrorCode, UserFacingError } from '../errors';
import { StaffModel, type StaffRole } from '../db/staff';
import type { ClientFields } from '../domain/clientSettings';
import { recordAudit } from './audit';
import { markHomeViewerStaff } from './home';

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

function comparable(fields: ClientFields) {
  return JSON.parse(JSON.stringify(fields)) as Record<string, unknown>;
}

function storedFields(doc: Record<string, unknown>, names: string[]) {
  const picked: Record<string, unknown> = {};
  for (const name of names) picked[name] = doc[name];
  return JSON.parse(JSON.stringify(picked)) as Record<string, unknown>;
}

/**
 * Why client `key` cannot go from currency `from` (undefined: a new client) to `to`, if it cannot:
 * its estimates (and so its time and bills) are in the old one, and amounts are stored in that
 * currency's minor units.
 */
export async function currencyChangeRefusal(key: string, from: string | undefined, to: string): Promise<string | undefined> {
  if (from === undefined || from === to) return undefined;
  if (!(await EstimateModel.exists({ clientKey: key }))) return undefined;
  return `${key} already has estimates in ${from}, so its currency can't change to ${to}; set the client up again under a new key for ${to}`;
}

export async function upsertClient(fields: ClientFields, actorId: string): Promise<UpsertOutcome> {
  const existing = await ClientModel.findOne({ key: fields.key }).lean();
  const refusal = await currencyChangeRefusal(fields.key, existing?.currency, fields.currency);
  if (refusal) throw new UserFacingError(ErrorCode.Conflict, `Nothing was changed: ${refusal}.`);
  const after = comparable(fields);
  if (existing) {
    // Every field of a client, the optional ones too: one left out (a budget or accounting taken
    // out of the file) is a change to make, not a field to skip.
    const before = storedFields(existing as unknown as Record<string, unknown>, Object.keys(fields));
    if (isDeepStrictEqual(before, after)) return 'unchanged';
    const unset = {
      ...(fields.monthlyBudgetMinutes === undefined ? { monthlyBudgetMinutes: '' } : {}),
      ...(fields.accounting === undefined ? { accounting: '' } : {}),
    };
    await ClientModel.updateOne({ key: fields.key }, { $set: after, ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}) });
    await recordAudit({ actorId, action: 'client.updated', entityType: 'client', entityId: fields.key, clientKey: fields.key, before, after });
    return 'updated';
  }
  await ClientModel.create(fields);
  await recordAudit({ actorId, action: 'client.created', entityType: 'client', entityId: fields.key, clientKey: fields.key, after });
  return 'created';
}

/** Channels in `channels` that already belong to a client other than `key`. */
export async function channelsOwnedElsewhere(key: string, channels: string[]) {
  if (channels.length === 0) return [];
  const owners = await ClientModel.find({ channels: { $in: channels }, key: { $ne: key } }, { key: 1, channels: 1 }).lean();
  return owners.flatMap((o) => o.channels.filter((c) => channels.includes(c)).map((channel) => ({ channel, owner: o.key })));
}

export async function setStaffRoles(userId: string, roles: StaffRole[], actorId: string): Promise<UpsertOutcome> {
  const sorted = [...new Set(roles)].sort();
  const existing = await StaffModel.findOne({ userId }).lean();
  const before = existing ? [...existing.roles].sort() : [];
  if (existing && isDeepStrictEqual(before, sorted)) return 'unchanged';
  await StaffModel.updateOne({ userId }, { $set: { roles: sorted } }, { upsert: true });
  await markHomeViewerStaff(userId, sorted.length > 0);
  await recordAudit({ actorId, action: 'staff.roles_set', entityType: 'staff', entityId: userId, before: { roles: before }, after: { roles: sorted } });
  return existing ? 'updated' : 'created';
}
