// Logging time, with the budget guard: billable minutes never go past what the client approved
// (the request's estimate plus approved top-ups, and the client's monthly budget) without a
// top-up. The request's billableMinutesLogged and the client's month counter (db/monthlyUsage.ts)
// are moved only by guarded increments, in logging and editing alike, so two engineers logging at
// once cannot both slip past either budget. Edits and deletes are guarded by the entry's revision,
// so what they reserve or give back is computed from the entry they actually changed. What a
// crash between a reservation and its write leaves behind is repaired by the worker's sweep
// (services/counters.ts). A modal submitted twice (Slack's
// retry, a second click) logs once and reserves once: its view.id is unique on the entry.
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import { Types } from 'mongoose';
import { EstimateModel } from '../db/estimate';
import { MonthlyUsageModel } from '../db/monthlyUsage';
import { RequestModel, type RequestRecord } from '../db/request';
import { TimeEntryModel, type TimeEntryRecord } from '../db/timeEntry';
import { formatDuration } from '../domain/duration';
import { monthBounds } from '../domain/periods';
import { crashPoint } from '../crashPoints';
import { ErrorCode, UserFacingError } from '../errors';
import { logger } from '../logger';
import { recordAudit } from './audit';
import { budgetOf, type Budget } from './estimates';
import { findClientByKey, staffRoles, type Actor, type Client } from './directory';
import { transitionRequest } from './requestLifecycle';
import { requireRequest } from './requestQueries';
import { authorise } from './authorisation';
import { isDuplicateKey } from './sequence';

dayjs.extend(utc);
dayjs.extend(timezone);

export type TimeEntry = TimeEntryRecord & { _id: Types.ObjectId };

const LOGGABLE_STATES = ['claimed', 'awaiting_approval', 'approved', 'declined', 'in_progress', 'resolved'];
const BILLABLE_STATES = ['approved', 'in_progress', 'resolved'];
export const NOTE_MAX = 500;

export interface LogTimeInput {
  key: string;
  actor: Actor;
  minutes: number;
  note: string;
  billable: boolean;
  /** When the work was done; defaults to now. */
  at?: Date;
  /** The Slack view.id of the modal that submitted it: the same submission again logs nothing more. */
  submissionId?: string;
}

export interface LoggedTime {
  entry: TimeEntry;
  budget: Budget;
  monthly?: MonthlyBudget | undefined;
  /** This submission had already logged the entry: nothing more was logged or reserved. */
  repeated: boolean;
}

export interface MonthlyBudget {
  month: string;
  capMinutes: number;
  usedMinutes: number;
}

/** YYYY-MM-DD of an instant in the client's timezone. */
export function workDateFor(at: Date, zone: string): string {
  return dayjs(at).tz(zone).format('YYYY-MM-DD');
}

/** What a client's month counter should hold: the billable minutes of its live entries worked in the month. */
export async function billableMinutesOfMonth(clientKey: string, month: string, zone: string): Promise<number> {
  const bounds = monthBounds(month, zone);
  const [used] = await TimeEntryModel.aggregate<{ minutes: number }>([
    { $match: { clientKey, billable: true, deletedAt: { $exists: false }, workDate: { $gte: bounds.firstDay, $lt: bounds.nextFirstDay } } },
    { $group: { _id: null, minutes: { $sum: '$minutes' } } },
  ]);
  return used?.minutes ?? 0;
}

/** What each request's counter (billableMinutesLogged) should hold: the billable minutes of its live entries (absent: none). */
export async function billableMinutesOfRequests(requestKeys: string[]): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  for (let from = 0; from < requestKeys.length; from += 500) {
    const used = await TimeEntryModel.aggregate<{ _id: string; minutes: number }>([
      { $match: { requestKey: { $in: requestKeys.slice(from, from + 500) }, billable: true, deletedAt: { $exists: false } } },
      { $group: { _id: '$requestKey', minutes: { $sum: '$minutes' } } },
    ]);
    for (const { _id, minutes } of used) totals.set(_id, minutes);
  }
  return totals;
}

/** The client's month counter, created from the entries already logged the first time it is needed. */
async function monthCounter(clientKey: string, month: string, zone: string): Promise<number> {
  const existing = await MonthlyUsageModel.findOne({ clientKey, month }).lean();
  if (existing) return existing.billableMinutes;
  const used = await billableMinutesOfMonth(clientKey, month, zone);
  try {
    await MonthlyUsageModel.create({ clientKey, month, billableMinutes: used });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error; // another first entry of the month created it
  }
  return (await MonthlyUsageModel.findOne({ clientKey, month }).lean())?.billableMinutes ?? 0;
}

/** The month's cap: the client's monthly budget plus the top-ups approved in the month. */
async function monthlyCap(client: Client, month: string): Promise<number | undefined> {
  if (!client.monthlyBudgetMinutes) return undefined;
  // The window is the month's own DST-correct bounds: start.add(1, 'month') kept October's summer
  // offset, so a top-up approved 23:00-24:00 on 31 October (London) counted in no month.
  const bounds = monthBounds(month, client.timezone);
  const topUps = await EstimateModel.find(
    { clientKey: client.key, kind: 'topup', decision: 'approved', decidedAt: { $gte: bounds.start, $lt: bounds.end } },
    { highMinutes: 1 },
  ).lean();
  return client.monthlyBudgetMinutes + topUps.reduce((sum, e) => sum + e.highMinutes, 0);
}

async function monthlyBudget(client: Client, workDate: string): Promise<MonthlyBudget | undefined> {
  const month = workDate.slice(0, 7);
  const capMinutes = await monthlyCap(client, month);
  if (capMinutes === undefined) return undefined;
  return { month, capMinutes, usedMinutes: await monthCounter(client.key, month, client.timezone) };
}

/**
 * Reserves `minutes` of the work date's month for the client: a guarded increment that holds only
 * while the month stays within its cap (no guard without a cap). Returns the month's figures
 * before this time, or throws the refusal.
 */
async function reserveMonth(client: Client, workDate: string, minutes: number, requestKey: string): Promise<MonthlyBudget | undefined> {
  const month = workDate.slice(0, 7);
  const [capMinutes, usedMinutes] = await Promise.all([monthlyCap(client, month), monthCounter(client.key, month, client.timezone)]);
  const guard = capMinutes === undefined ? {} : { billableMinutes: { $lte: capMinutes - minutes } };
  const reserved = await MonthlyUsageModel.updateOne({ clientKey: client.key, month, ...guard }, { $inc: { billableMinutes: minutes } });
  if (reserved.modifiedCount === 1) return capMinutes === undefined ? undefined : { month, capMinutes, usedMinutes };
  const used = await monthCounter(client.key, month, client.timezone);
  throw new UserFacingError(
    ErrorCode.InvalidState,
    `That would take ${client.name} past its monthly budget (${formatDuration(used)} of ${formatDuration(capMinutes ?? 0)} used in ${month}). ` +
      `Ask for a top-up (\`estimate ${requestKey} +${topUpSuggestion(used + minutes - (capMinutes ?? 0))}\`), or log it as non-billable.`,
  );
}

/** Gives minutes back to the work date's month (an entry deleted, shortened or made non-billable). */
async function releaseMonth(clientKey: string, workDate: string, minutes: number): Promise<void> {
  await MonthlyUsageModel.updateOne({ clientKey, month: workDate.slice(0, 7) }, { $inc: { billableMinutes: -minutes } });
}

/** What to ask for: the shortfall rounded up to the next half hour, written as a command takes it. */
export function topUpSuggestion(shortfallMinutes: number): string {
  return formatDuration(Math.max(30, Math.ceil(shortfallMinutes / 30) * 30)).replace(' ', '');
}

function overBudget(key: string, minutes: number, budget: Budget): UserFacingError {
  const shortfall = minutes - Math.max(0, budget.remainingMinutes);
  return new UserFacingError(
    ErrorCode.InvalidState,
    `Logging ${formatDuration(minutes)} as billable would go past what the client approved for ${key} ` +
      `(${formatDuration(budget.usedMinutes)} of ${formatDuration(budget.approvedMinutes)} used, ${formatDuration(Math.max(0, budget.remainingMinutes))} left). ` +
      `Ask for a top-up (\`estimate ${key} +${topUpSuggestion(shortfall)}\`)${budget.pendingTopUp ? ' — one is already waiting for the client' : ''}, or log it as non-billable.`,
  );
}

/** What a modal submission already logged, with the budget as it is now; null when it has logged nothing yet. */
async function loggedBySubmission(input: LogTimeInput, requestKey: string, client: Client): Promise<LoggedTime | null> {
  if (!input.submissionId) return null;
  const entry = await TimeEntryModel.findOne({ submissionId: input.submissionId }).lean();
  if (!entry) return null;
  // One modal is one engineer logging on one request; anything else is not a repeat of it.
  if (entry.requestKey !== requestKey || entry.engineerId !== input.actor.userId) {
    throw new Error(`Submission ${input.submissionId} already logged time entry ${entry._id.toHexString()} on ${entry.requestKey} by ${entry.engineerId}`);
  }
  logger.info({ request: requestKey, entry: entry._id.toHexString(), submission: input.submissionId }, 'Time submitted again; answering with the entry already logged, logging nothing');
  const monthly = entry.billable ? await monthlyBudget(client, entry.workDate) : undefined;
  return { entry, budget: await budgetOf(requestKey), monthly, repeated: true };
}

/**
 * Checks billable time against the request's and the month's budget and reserves it on both with
 * guarded increments (the request first; the month's refusal gives the request's back); returns
 * the month's figures before this time.
 */
async function reserveBillable(input: LogTimeInput, request: Pick<RequestRecord, 'key' | 'state'>, client: Client, workDate: string): Promise<MonthlyBudget | undefined> {
  await reserveRequest(
    request.key,
    input.minutes,
    request.state,
    `${request.key} has no approved estimate yet, so time can't be billable. Post an estimate for the client to approve, or log it as non-billable.`,
  );
  try {
    return await reserveMonth(client, workDate, input.minutes, request.key);
  } catch (refusal) {
    await RequestModel.updateOne({ key: request.key }, { $inc: { billableMinutesLogged: -input.minutes } });
    throw refusal;
  }
}

/** The request's share of a reservation: within its approved estimate plus approved top-ups. */
async function reserveRequest(key: string, minutes: number, state: string, noEstimate: string): Promise<void> {
  const budget = await budgetOf(key);
  if (!BILLABLE_STATES.includes(state) || budget.approvedMinutes === 0) throw new UserFacingError(ErrorCode.InvalidState, noEstimate);
  const reserved = await RequestModel.updateOne(
    { key, billableMinutesLogged: { $lte: budget.approvedMinutes - minutes } },
    { $inc: { billableMinutesLogged: minutes } },
  );
  if (reserved.modifiedCount !== 1) throw overBudget(key, minutes, await budgetOf(key));
}

export async function logTime(input: LogTimeInput): Promise<LoggedTime> {
  const request = await requireRequest(input.key);
  const client = await authorise('logTime', input.actor, request);
  // Before the checks and the reservation: a repeat gets what the first submission logged,
  // whatever happened since, and reserves nothing.
  const earlier = await loggedBySubmission(input, request.key, client);
  if (earlier) return earlier;
  if (!LOGGABLE_STATES.includes(request.state)) {
    throw new UserFacingError(ErrorCode.InvalidState, `${request.key} is ${request.state.replace('_', ' ')}; time can't be logged on it.`);
  }
  const workDate = workDateFor(input.at ?? new Date(), client.timezone);
  let monthly: MonthlyBudget | undefined;
  if (input.billable) {
    try {
      monthly = await reserveBillable(input, request, client, workDate);
    } catch (refusal) {
      if (!(refusal instanceof UserFacingError)) throw refusal;
      // A twin of this submission, running alongside, may have logged the time (and so used the
      // budget) since we looked: then the answer is its entry, not a refusal.
      const twin = await loggedBySubmission(input, request.key, client);
      if (twin) return twin;
      throw refusal;
    }
  }
  // Reserved, not yet written: a crash here leaves both counters too high until the sweep's
  // reconciliation (services/counters.ts) finds them.
  if (input.billable) crashPoint('time.reserved');
  let entry: TimeEntry;
  try {
    entry = (
      await TimeEntryModel.create({
        requestKey: request.key,
        clientKey: request.clientKey,
        engineerId: input.actor.userId,
        minutes: input.minutes,
        workDate,
        note: input.note,
        billable: input.billable,
        createdAt: new Date(),
        ...(input.submissionId ? { submissionId: input.submissionId } : {}),
      })
    ).toObject();
  } catch (error) {
    if (input.billable) {
      await RequestModel.updateOne({ key: request.key }, { $inc: { billableMinutesLogged: -input.minutes } });
      await releaseMonth(request.clientKey, workDate, input.minutes);
    }
    // The unique submission index refused it: a twin of this submission logged it first.
    const twin = isDuplicateKey(error) ? await loggedBySubmission(input, request.key, client) : null;
    if (twin) return twin;
    throw error;
  }
  await recordAudit({
    actorId: input.actor.userId,
    action: 'time.logged',
    entityType: 'time_entry',
    entityId: entry._id.toHexString(),
    clientKey: request.clientKey,
    after: { requestKey: request.key, minutes: entry.minutes, billable: entry.billable, workDate, note: entry.note },
  });
  if (input.billable && request.state === 'approved') {
    await transitionRequest({ key: request.key, action: 'startWork', actor: input.actor }).catch(() => undefined);
  }
  const budget = await budgetOf(request.key);
  if (monthly) monthly = { ...monthly, usedMinutes: monthly.usedMinutes + input.minutes };
  return { entry, budget, monthly, repeated: false };
}

/** The entry, if the actor may change it (its author or a manager). */
export async function timeEntryForEdit(id: string, actor: Actor): Promise<TimeEntry> {
  const entry = Types.ObjectId.isValid(id) ? await TimeEntryModel.findOne({ _id: id, deletedAt: { $exists: false } }).lean() : null;
  if (!entry) throw new UserFacingError(ErrorCode.NotFound, "I couldn't find that time entry; it may have been deleted.");
  const roles = await staffRoles(actor.userId);
  if (entry.engineerId !== actor.userId && !roles.includes('manager')) {
    throw new UserFacingError(ErrorCode.Forbidden, 'Only the engineer who logged this time, or a manager, can change it.');
  }
  return entry;
}

export interface TimeEntryChange {
  minutes?: number;
  note?: string;
  billable?: boolean;
}

/** An entry's revision; entries logged before revisions existed have none and read as 0. */
function revisionOf(entry: Pick<TimeEntry, 'revision'>): number {
  return entry.revision ?? 0;
}

/** The update filter that holds only while the entry is still the revision read (and not deleted). */
function unchangedSince(entry: TimeEntry) {
  const revision = revisionOf(entry);
  return { _id: entry._id, deletedAt: { $exists: false }, revision: revision === 0 ? { $in: [0, null] } : revision };
}

function describeEntry(entry: Pick<TimeEntry, 'minutes' | 'billable'>): string {
  return `${formatDuration(entry.minutes)}${entry.billable ? ' (billable)' : ' (non-billable)'}`;
}

/**
 * Changes an entry, guarded by its revision. An edit sets the values the person chose looking at
 * the entry (`seenRevision`: the revision their edit form showed), so one made on an entry that
 * changed since is refused with what it is now, rather than silently overwriting someone else's
 * change; they look again and decide. Minutes reserved or given back are the difference from the
 * revision the guarded update actually replaced.
 */
export async function editTimeEntry(id: string, actor: Actor, change: TimeEntryChange, seenRevision?: number): Promise<TimeEntry> {
  const entry = await timeEntryForEdit(id, actor);
  if (seenRevision !== undefined && seenRevision !== revisionOf(entry)) throw changedMeanwhile(entry);
  const next = { minutes: change.minutes ?? entry.minutes, note: change.note ?? entry.note, billable: change.billable ?? entry.billable };
  const delta = (next.billable ? next.minutes : 0) - (entry.billable ? entry.minutes : 0);
  if (delta > 0) {
    // More billable time is reserved exactly as logging it would be: the request's budget and the
    // month's cap, each a guarded increment.
    const request = await requireRequest(entry.requestKey);
    const client = await findClientByKey(entry.clientKey);
    if (!client) throw new Error(`Time entry ${entry._id.toHexString()} refers to missing client ${entry.clientKey}`);
    await reserveRequest(entry.requestKey, delta, request.state, `${entry.requestKey} has no approved estimate, so this time can't become billable.`);
    try {
      await reserveMonth(client, entry.workDate, delta, entry.requestKey);
    } catch (refusal) {
      await RequestModel.updateOne({ key: entry.requestKey }, { $inc: { billableMinutesLogged: -delta } });
      throw refusal;
    }
  }
  const updatedAt = new Date();
  const written = await TimeEntryModel.updateOne(unchangedSince(entry), { $set: { ...next, updatedAt }, $inc: { revision: 1 } });
  if (written.modifiedCount !== 1) {
    if (delta > 0) await release(entry, delta);
    const now = await TimeEntryModel.findById(entry._id).lean();
    if (!now || now.deletedAt) throw new UserFacingError(ErrorCode.Conflict, 'That entry was deleted while you were editing it.');
    throw changedMeanwhile(now);
  }
  if (delta < 0) await release(entry, -delta);
  await recordAudit({
    actorId: actor.userId,
    action: 'time.edited',
    entityType: 'time_entry',
    entityId: entry._id.toHexString(),
    clientKey: entry.clientKey,
    before: { minutes: entry.minutes, note: entry.note, billable: entry.billable },
    after: next,
  });
  // What the guarded update wrote (not a re-read, which could already hold a later change).
  return { ...entry, ...next, updatedAt, revision: revisionOf(entry) + 1 };
}

function changedMeanwhile(now: TimeEntry): UserFacingError {
  return new UserFacingError(
    ErrorCode.Conflict,
    `That entry changed while you were editing it: it is now ${describeEntry(now)}. Open Edit again to change it.`,
  );
}

/** Gives billable minutes of an entry back to its request and its month. */
async function release(entry: Pick<TimeEntry, 'requestKey' | 'clientKey' | 'workDate'>, minutes: number): Promise<void> {
  await RequestModel.updateOne({ key: entry.requestKey }, { $inc: { billableMinutesLogged: -minutes } });
  await releaseMonth(entry.clientKey, entry.workDate, minutes);
}

/** A delete that lost to an edit reads the entry again this many times before giving up. */
const DELETE_ATTEMPTS = 5;

/**
 * Deletes (marks) an entry, guarded by its revision, and gives back the billable minutes of the
 * revision it deleted. A delete that loses to an edit reads the entry again and deletes that: the
 * person asked for the entry to go whatever its minutes are, and what is given back is what the
 * entry held when it went (a delete racing an edit used to give back the minutes of a stale read).
 */
export async function deleteTimeEntry(id: string, actor: Actor): Promise<TimeEntry> {
  for (let attempt = 0; attempt < DELETE_ATTEMPTS; attempt++) {
    const entry = await timeEntryForEdit(id, actor).catch((error: unknown) => {
      // Gone since the first read: someone else deleted it.
      if (attempt > 0 && error instanceof UserFacingError && error.code === ErrorCode.NotFound) {
        throw new UserFacingError(ErrorCode.Conflict, 'That entry was already deleted.');
      }
      throw error;
    });
    const deletedAt = new Date();
    const deleted = await TimeEntryModel.updateOne(unchangedSince(entry), { $set: { deletedAt, deletedBy: actor.userId }, $inc: { revision: 1 } });
    if (deleted.modifiedCount !== 1) continue; // edited or deleted meanwhile: read it again
    if (entry.billable) await release(entry, entry.minutes);
    await recordAudit({
      actorId: actor.userId,
      action: 'time.deleted',
      entityType: 'time_entry',
      entityId: entry._id.toHexString(),
      clientKey: entry.clientKey,
      before: { minutes: entry.minutes, note: entry.note, billable: entry.billable, workDate: entry.workDate },
      after: null,
    });
    return { ...entry, deletedAt, deletedBy: actor.userId, revision: revisionOf(entry) + 1 };
  }
  throw new UserFacingError(ErrorCode.Conflict, 'That entry kept changing while you deleted it. Please try again.');
}

export async function timeEntriesOf(requestKey: string): Promise<TimeEntry[]> {
  return TimeEntryModel.find({ requestKey, deletedAt: { $exists: false } }).sort({ createdAt: 1 }).lean();
}
