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

/** The client a request refers to: one that is missing is a broken record, not a user's mistake. */
export async function requireClient(key: string): Promise<Client> {
  const client = await findClientByKey(key);
  if (!client) throw new Error(`Request refers to missing client ${key}`);
  return client;
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
  const inClientChannel = actor.channelId !== undefined && client.channels.includes(actor.channelId);
  return factsAbout(actor.userId, client, inClientChannel || request?.requesterId === actor.userId, request);
}

/**
 * Whether someone Slack lists as a member of one of the client's channels (Home's client list
 * comes from channel membership) decides for the client: actorFacts' isApprover. Slack is asked
 * about them only when the client lists no approvers, as only then does their side decide it.
 */
export async function decidesForClient(userId: string, client: Client): Promise<boolean> {
  if (client.approvers.length > 0) return client.approvers.includes(userId);
  return (await factsAbout(userId, client, true)).isApprover;
}

async function factsAbout(userId: string, client: Client, present: boolean, request?: RequestFacts): Promise<ActorFacts> {
  const roles = await staffRoles(userId);
  const isStaff = roles.length > 0;
  const isRequester = request?.requesterId === userId;
  const isListedApprover = client.approvers.includes(userId);
  const isNamed = isListedApprover || (client.members ?? []).includes(userId);
  // Our engineers work in client channels too; being there must not make them the client (or let
  // them approve their own estimates). Staff count as the client only when named as such, and
  // are never asked about: Slack is asked only about people whose side decides something.
  const side = isNamed || isStaff || !present ? undefined : await sideOf(userId);
  const isClientMember = isNamed || side === 'client_org' || side === 'guest';
  return {
    isManager: roles.includes('manager'),
    isEngineer: roles.includes('engineer'),
    isClientMember,
    isColleague: present && !isStaff && !isClientMember,
    sideUnknown: side === 'unknown',
    isApprover: client.approvers.length > 0 ? isListedApprover : isClientMember && !isStaff,
    isRequester,
    isAssignee: request?.assigneeId === userId,
  };
}

export async function listClients() {
  return ClientModel.find({}, { key: 1, name: 1, channels: 1, timezone: 1 }).sort({ key: 1 }).lean();
}

export async function staffWithRole(role: StaffRole): Promise<string[]> {
  return (await StaffModel.find({ roles: role }, { userId: 1 }).sort({ userId: 1 }).lean()).map((s) => s.userId);
}
