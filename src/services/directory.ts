// Who is who: clients by channel or key, staff roles, and the facts permission checks need.
import { ClientModel } from '../db/client';
import { StaffModel, type StaffRole } from '../db/staff';
import type { ActorFacts } from '../domain/permissions';
import { sideOf } from './people';

export type Client = NonNullable<Awaited<ReturnType<typeof findClientByKey>>>;

export async function findClientByChannel(channelId: string) {
  return ClientModel.findOne({ channels: channelId }).lean();
}

export async function findClientByKey(key: string) {
  return ClientModel.findOne({ key }).lean();
}

export async function staffRoles(userId: string): Promise<StaffRole[]> {
  const staff = await StaffModel.findOne({ userId }).lean();
  return (staff?.roles ?? []) as StaffRole[];
}

export interface Actor {
  userId: string;
  /** The channel the action came from, when it came from one. */
  channelId?: string | undefined;
}

interface RequestFacts {
  clientKey: string;
  requesterId: string;
  assigneeId?: string | null | undefined;
}

/**
 * The facts about `actor` that permission rules need, relative to a request's client. A client
 * member belongs to the client's side: named in its settings (approvers, members), or, in one of
 * its channels (or as the request's requester), someone from another Slack organisation (Slack
 * Connect) or a guest of our workspace. Our own full members there who are not staff (account
 * managers, sales) are colleagues: they read and comment, but do not decide for the client.
 */
export async function actorFacts(actor: Actor, client: Client, request?: RequestFacts): Promise<ActorFacts> {
  const roles = await staffRoles(actor.userId);
  const isStaff = roles.length > 0;
  const inClientChannel = actor.channelId !== undefined && client.channels.includes(actor.channelId);
  const isRequester = request?.requesterId === actor.userId;
  const isListedApprover = client.approvers.includes(actor.userId);
  const isNamed = isListedApprover || (client.members ?? []).includes(actor.userId);
  const present = inClientChannel || isRequester;
  // Our engineers work in client channels too; being there must not make them the client (or let
  // them approve their own estimates). Staff count as the client only when named as such, and
  // are never asked about: Slack is asked only about people whose side decides something.
  const side = isNamed || isStaff || !present ? undefined : await sideOf(actor.userId);
  const isClientMember = isNamed || side === 'client_org' || side === 'guest';
  return {
    isManager: roles.includes('manager'),
    isEngineer: roles.includes('engineer'),
    isClientMember,
    isColleague: present && !isStaff && !isClientMember,
    sideUnknown: side === 'unknown',
    isApprover: client.approvers.length > 0 ? isListedApprover : isClientMember && !isStaff,
    isRequester,
    isAssignee: request?.assigneeId === actor.userId,
  };
}

export async function listClients() {
  return ClientModel.find({}, { key: 1, name: 1, channels: 1, timezone: 1 }).sort({ key: 1 }).lean();
}

export async function staffWithRole(role: StaffRole): Promise<string[]> {
  return (await StaffModel.find({ roles: role }, { userId: 1 }).sort({ userId: 1 }).lean()).map((s) => s.userId);
}
