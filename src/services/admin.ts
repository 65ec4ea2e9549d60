// Client and staff set-up by managers (`/help admin …`): every use case checks the actor is a
// manager, validates like the seed file, writes through services/clients.ts (which audits every
// real change) and returns what happened.
import { ClientModel } from '../db/client';
import { StaffModel, type StaffRole } from '../db/staff';
import { mergeClientSettings, type AdminRole } from '../domain/adminCommand';
import { DEFAULT_SLA_MINUTES, toClientFields, type AccountingSettings, type ClientFields } from '../domain/clientSettings';
import { PRIORITIES } from '../domain/lifecycle';
import { DEFAULT_WAITING_ON_CLIENT_DAYS } from '../domain/timers';
import { onCallAt, type Rota } from '../domain/onCall';
import { DEFAULT_MAX_OPEN_PER_ENGINEER, type WorkingHours } from '../domain/roundRobin';
import { getRota } from './onCall';
import { ErrorCode, UserFacingError } from '../errors';
import { logger } from '../logger';
import { channelsOwnedElsewhere, setStaffRoles, upsertClient, type UpsertOutcome } from './clients';
import { findClientByKey, staffRoles, type Actor, type Client } from './directory';

export const NOT_A_MANAGER = 'Only managers can change the set-up.';

/** Refuses anyone whose staff roles do not include manager; `action` names the attempt in the log. */
export async function requireManager(actor: Actor, action: string): Promise<void> {
  const roles = await staffRoles(actor.userId);
  if (roles.includes('manager')) return;
  logger.warn({ user: actor.userId, channel: actor.channelId, action }, 'Admin command refused: not a manager; nothing was changed');
  throw new UserFacingError(ErrorCode.Forbidden, NOT_A_MANAGER);
}

/** Client settings that failed validation; `problems` has one line per bad field, as typed. */
export class ClientSettingsRejected extends UserFacingError {
  constructor(
    readonly key: string,
    readonly problems: string[],
  ) {
    super(ErrorCode.InvalidInput, `Nothing was changed for ${key}:\n${problems.join('\n')}`);
    this.name = 'ClientSettingsRejected';
  }
}

export interface AdminConfiguration {
  clients: ClientFields[];
  engineers: string[];
  managers: string[];
  /** Engineers with working hours set, or away, for round robin. */
  engineerNotes?: Array<{ userId: string; hours?: WorkingHours | undefined; away: boolean }>;
  onCall?: { rota: Rota; now: string | undefined } | undefined;
}

export interface ClientChange {
  outcome: UpsertOutcome;
  client: ClientFields;
}

export interface ChannelChange {
  action: 'link' | 'unlink';
  outcome: 'updated' | 'unchanged';
  key: string;
  channelId: string;
}

export interface StaffChange {
  action: 'add' | 'remove';
  role: AdminRole;
  userId: string;
  outcome: UpsertOutcome;
  roles: StaffRole[];
}

function clientFieldsFromRecord(doc: Client): ClientFields {
  const sla = doc.slaMinutes;
  return {
    key: doc.key,
    name: doc.name,
    channels: [...doc.channels],
    hourlyRateMinor: doc.hourlyRateMinor,
    currency: doc.currency,
    billingMode: doc.billingMode,
    incrementMinutes: doc.incrementMinutes,
    minimumMinutes: doc.minimumMinutes,
    approvers: [...doc.approvers],
    members: [...(doc.members ?? [])],
    repositories: [...(doc.repositories ?? [])],
    timezone: doc.timezone,
    autoApproveMinutes: doc.autoApproveMinutes,
    waitingOnClientDays: doc.waitingOnClientDays ?? DEFAULT_WAITING_ON_CLIENT_DAYS,
    assignment: doc.assignment ?? 'manual',
    maxOpenPerEngineer: doc.maxOpenPerEngineer ?? DEFAULT_MAX_OPEN_PER_ENGINEER,
    monthlyBudgetMinutes: doc.monthlyBudgetMinutes ?? undefined,
    slaMinutes: {
      low: sla.low ?? DEFAULT_SLA_MINUTES.low,
      normal: sla.normal ?? DEFAULT_SLA_MINUTES.normal,
      high: sla.high ?? DEFAULT_SLA_MINUTES.high,
      urgent: sla.urgent ?? DEFAULT_SLA_MINUTES.urgent,
    } satisfies Record<(typeof PRIORITIES)[number], number>,
    businessHours: {
      alwaysOpen: doc.businessHours.alwaysOpen,
      days: [...doc.businessHours.days],
      start: doc.businessHours.start,
      end: doc.businessHours.end,
    },
    accounting: accountingFromRecord(doc.accounting),
  };
}

/** The stored accounting settings, only the fields that are set (undefined when none is). */
function accountingFromRecord(stored: Client['accounting']): AccountingSettings | undefined {
  if (!stored) return undefined;
  const kept: AccountingSettings = {};
  if (stored.contactName != null) kept.contactName = stored.contactName;
  if (stored.accountCode != null) kept.accountCode = stored.accountCode;
  if (stored.taxType != null) kept.taxType = stored.taxType;
  if (stored.itemName != null) kept.itemName = stored.itemName;
  if (stored.paymentTermsDays != null) kept.paymentTermsDays = stored.paymentTermsDays;
  return Object.keys(kept).length > 0 ? kept : undefined;
}

async function existingClient(key: string): Promise<ClientFields> {
  const doc = await findClientByKey(key);
  if (!doc) {
    throw new UserFacingError(ErrorCode.NotFound, `There is no client ${key}. Add it first with \`admin client ${key} name: …, hourlyRate: …\`.`);
  }
  return clientFieldsFromRecord(doc);
}

async function refuseChannelsOfOthers(key: string, channels: string[]): Promise<void> {
  const conflicts = await channelsOwnedElsewhere(key, channels);
  if (conflicts.length === 0) return;
  throw new UserFacingError(
    ErrorCode.Conflict,
    conflicts.map(({ channel, owner }) => `<#${channel}> already belongs to ${owner}; unlink it there first.`).join('\n'),
  );
}

const isDuplicateKey = (error: unknown) =>
  typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === 11000;

/** Writes a client, turning a lost race on the unique key or channel index into a clear answer. */
async function writeClient(fields: ClientFields, actorId: string): Promise<UpsertOutcome> {
  try {
    return await upsertClient(fields, actorId);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    throw new UserFacingError(ErrorCode.Conflict, `Someone changed the set-up at the same moment; nothing was written for ${fields.key}. Please try again.`);
  }
}

export async function adminConfiguration(actor: Actor): Promise<AdminConfiguration> {
  await requireManager(actor, 'show');
  const [clients, staff] = await Promise.all([ClientModel.find().sort({ key: 1 }).lean(), StaffModel.find().sort({ userId: 1 }).lean()]);
  const withRole = (role: StaffRole) => staff.filter((s) => s.roles.includes(role)).map((s) => s.userId);
  const engineerNotes = staff
    .filter((s) => s.roles.includes('engineer') && (s.hours || s.available === false))
    .map((s) => ({ userId: s.userId, hours: (s.hours as WorkingHours | null | undefined) ?? undefined, away: s.available === false }));
  const rota = await getRota();
  return {
    clients: clients.map(clientFieldsFromRecord),
    engineers: withRole('engineer'),
    managers: withRole('manager'),
    engineerNotes,
    onCall: rota ? { rota, now: onCallAt(rota, new Date()) } : undefined,
  };
}

/** Adds a client or merges `given` (seed-file field names) over its settings. */
export async function saveClientSettings(actor: Actor, key: string, given: Record<string, unknown>): Promise<ClientChange> {
  await requireManager(actor, 'client');
  const doc = await findClientByKey(key);
  const merged = mergeClientSettings(key, doc ? clientFieldsFromRecord(doc) : undefined, given);
  if (!merged.ok) throw new ClientSettingsRejected(key, merged.problems);
  const fields = toClientFields(merged.settings);
  await refuseChannelsOfOthers(key, fields.channels);
  return { outcome: await writeClient(fields, actor.userId), client: fields };
}

export async function linkChannel(actor: Actor, key: string, channelId: string): Promise<ChannelChange> {
  await requireManager(actor, 'channel.link');
  const client = await existingClient(key);
  if (client.channels.includes(channelId)) return { action: 'link', outcome: 'unchanged', key, channelId };
  await refuseChannelsOfOthers(key, [channelId]);
  await writeClient({ ...client, channels: [...client.channels, channelId] }, actor.userId);
  return { action: 'link', outcome: 'updated', key, channelId };
}

export async function unlinkChannel(actor: Actor, key: string, channelId: string): Promise<ChannelChange> {
  await requireManager(actor, 'channel.unlink');
  const client = await existingClient(key);
  if (!client.channels.includes(channelId)) {
    throw new UserFacingError(ErrorCode.InvalidInput, `<#${channelId}> is not linked to ${key}, so there is nothing to unlink.`);
  }
  await writeClient({ ...client, channels: client.channels.filter((c) => c !== channelId) }, actor.userId);
  return { action: 'unlink', outcome: 'updated', key, channelId };
}

/** Gives or takes one role, keeping the person's other role. */
export async function changeStaffRole(actor: Actor, action: 'add' | 'remove', role: AdminRole, userId: string): Promise<StaffChange> {
  await requireManager(actor, `${role}.${action}`);
  if (action === 'remove' && role === 'manager' && userId === actor.userId) {
    throw new UserFacingError(
      ErrorCode.InvalidState,
      'You cannot remove your own manager role, so there is always a manager left. Ask another manager to do it.',
    );
  }
  const current = await staffRoles(userId);
  const has = current.includes(role);
  if ((action === 'add') === has) return { action, role, userId, outcome: 'unchanged', roles: current };
  const roles = action === 'add' ? [...current, role] : current.filter((r) => r !== role);
  const outcome = await setStaffRoles(userId, roles, actor.userId);
  return { action, role, userId, outcome, roles: [...roles].sort() };
}
