// What each person's Home tab shows, by role: a client's people, engineers, managers.
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import { EstimateModel } from '../db/estimate';
import { HomeViewerModel } from '../db/homeViewer';
import { RequestModel } from '../db/request';
import type { StaffRole } from '../db/staff';
import { TimeEntryModel } from '../db/timeEntry';
import type { DigestNumbers } from '../domain/digest';
import { OPEN_STATES, PRIORITIES } from '../domain/lifecycle';
import { seesClientMoney } from '../domain/permissions';
import { availabilityOf } from './assignment';
import { adjustmentsSoFar, findIssuedSummary, monthChargesSoFar } from './billing';
import { digestFor } from './digest';
import { decidesForClient, findClientByKey, staffRoles, type Client } from './directory';
import { failedEffects, type FailedDelivery } from './outbox';
import { UserFacingError } from '../errors';

dayjs.extend(utc);
dayjs.extend(timezone);

/** Lists are cut here; the view says how many more there are. */
export const HOME_LIST_LIMIT = 15;

type Request = Awaited<ReturnType<typeof openRequestsOf>>['items'][number];

async function openRequestsOf(filter: Record<string, unknown>, sort: Record<string, 1 | -1>) {
  const query = { ...filter, state: { $in: OPEN_STATES } };
  const [items, total] = await Promise.all([RequestModel.find(query).sort(sort).limit(HOME_LIST_LIMIT).lean(), RequestModel.countDocuments(query)]);
  return { items, total };
}

export interface ClientHome {
  key: string;
  name: string;
  currency: string;
  open: { items: Request[]; total: number };
  /** Estimates waiting for this person's decision (approvers only). */
  awaitingDecision: Array<{ id: string; requestKey: string; version: number; highMinutes: number; amountMinor: number }>;
  /**
   * This month: billable time logged (what the budget counts), and what the month's bill charges
   * so far, from the billing rules themselves (increments, minimums, tranches, upfront approvals).
   */
  month: {
    label: string;
    billableMinutes: number;
    budgetMinutes: number | undefined;
    /** The month's money: only for those who see the client's billing (domain/permissions.ts seesClientMoney). */
    bill: MonthBill | undefined;
  };
}

export interface MonthBill {
  /** Undefined when billing refuses a request of the month (billingRefusal says why). */
  billedMinor: number | undefined;
  billingRefusal?: string | undefined;
  /**
   * Corrections to issued months that this month's bill carries (what they add to it; negative:
   * a credit), by the month they correct, oldest first: billedMinor plus these is the month's
   * summary's "to invoice".
   */
  corrections: Array<{ period: string; netMinor: number }>;
}

export interface HomeData {
  userId: string;
  clients: ClientHome[];
  engineer?:
    | { queue: { items: Request[]; total: number }; mine: { items: Request[]; total: number }; loggedThisWeekMinutes: number; available: boolean }
    | undefined;
  manager?:
    | {
        digest: DigestNumbers;
        awaitingApproval: { items: Request[]; total: number };
        breached: { items: Request[]; total: number };
        /** Slack effects kept as failed (a channel the app was removed from, an archived one…). */
        failedDeliveries: { items: FailedDelivery[]; total: number };
      }
    | undefined;
  timezone: string;
}

async function clientHome(userId: string, roles: StaffRole[], key: string, now: Date): Promise<ClientHome | undefined> {
  const client = await findClientByKey(key);
  if (!client) return undefined;
  // Home lists the client because Slack says the person is in one of its channels. Who decides
  // estimates and who sees the money are the rules of approving and of `/help billing`: not our
  // colleagues in the channel, and not the client's people who do not approve.
  const facts = { isManager: roles.includes('manager'), isApprover: await decidesForClient(userId, client) };
  const month = dayjs(now).tz(client.timezone).format('YYYY-MM');
  const [open, pending, logged, bill] = await Promise.all([
    openRequestsOf({ clientKey: key }, { createdAt: -1 }),
    facts.isApprover ? EstimateModel.find({ clientKey: key, decision: 'pending' }).sort({ createdAt: 1 }).limit(HOME_LIST_LIMIT).lean() : Promise.resolve([]),
    TimeEntryModel.aggregate<{ minutes: number }>([
      { $match: { clientKey: key, billable: true, deletedAt: { $exists: false }, workDate: { $gte: `${month}-01`, $lte: `${month}-31` } } },
      { $group: { _id: null, minutes: { $sum: '$minutes' } } },
    ]),
    seesClientMoney(facts) ? monthBill(client, month) : Promise.resolve(undefined),
  ]);
  const billableMinutes = logged[0]?.minutes ?? 0;
  return {
    key,
    name: client.name,
    currency: client.currency,
    open,
    awaitingDecision: pending.map((e) => ({ id: e._id.toHexString(), requestKey: e.requestKey, version: e.version, highMinutes: e.highMinutes, amountMinor: e.amountMinor })),
    month: {
      label: dayjs.tz(`${month}-01 12:00`, client.timezone).format('MMMM YYYY'),
      billableMinutes,
      budgetMinutes: client.monthlyBudgetMinutes ?? undefined,
      bill,
    },
  };
}

async function monthBill(client: Client, month: string): Promise<MonthBill> {
  const [charges, corrections] = await Promise.all([refusedOrValue(monthChargesSoFar(client, month)), refusedOrValue(correctionsOn(client, month))]);
  return {
    billedMinor: 'refused' in charges ? undefined : charges.value.netMinor,
    billingRefusal: 'refused' in charges ? charges.refused : 'refused' in corrections ? corrections.refused : undefined,
    corrections: 'refused' in corrections ? [] : corrections.value,
  };
}

/**
 * Billing refuses a month with a request it cannot price (an approval without stored terms): Home
 * says so instead of failing the whole tab.
 */
async function refusedOrValue<T>(work: Promise<T>): Promise<{ value: T } | { refused: string }> {
  try {
    return { value: await work };
  } catch (error) {
    if (error instanceof UserFacingError) return { refused: error.message };
    throw error;
  }
}

/**
 * The adjustments to issued months on `month`'s bill, net by month corrected: outstanding ones
 * while the month is a draft, the ones it carried once issued.
 */
async function correctionsOn(client: Client, month: string): Promise<MonthBill['corrections']> {
  const issued = await findIssuedSummary(client.key, month);
  const lines = issued ? issued.lines.filter((l) => l.adjustment) : await adjustmentsSoFar(client, month);
  const byPeriod = new Map<string, number>();
  for (const line of lines) {
    const period = line.adjustsPeriod ?? month;
    byPeriod.set(period, (byPeriod.get(period) ?? 0) + line.amountMinor + line.reconciliationMinor);
  }
  return [...byPeriod.entries()].filter(([, netMinor]) => netMinor !== 0).sort(([a], [b]) => a.localeCompare(b)).map(([period, netMinor]) => ({ period, netMinor }));
}

/** Monday 00:00 of the current week in `zone`, as YYYY-MM-DD. */
function weekStart(now: Date, zone: string): string {
  const local = dayjs(now).tz(zone);
  return local.subtract((local.day() + 6) % 7, 'day').format('YYYY-MM-DD');
}

export async function homeFor(userId: string, clientKeys: string[], zone: string, now = new Date()): Promise<HomeData> {
  const roles = await staffRoles(userId);
  const clients = (await Promise.all(clientKeys.map((k) => clientHome(userId, roles, k, now)))).filter((c): c is ClientHome => Boolean(c));
  const data: HomeData = { userId, clients, timezone: zone };
  if (roles.includes('engineer') || roles.includes('manager')) {
    // Unclaimed queue: most urgent first, then oldest.
    const unclaimed = await RequestModel.find({ state: 'open' }).lean();
    const rank = (p: string) => PRIORITIES.length - PRIORITIES.indexOf(p as (typeof PRIORITIES)[number]);
    unclaimed.sort((a, b) => rank(a.priority) - rank(b.priority) || a.createdAt.getTime() - b.createdAt.getTime());
    const [mine, logged] = await Promise.all([
      openRequestsOf({ assigneeId: userId }, { createdAt: 1 }),
      TimeEntryModel.aggregate<{ minutes: number }>([
        { $match: { engineerId: userId, deletedAt: { $exists: false }, workDate: { $gte: weekStart(now, zone) } } },
        { $group: { _id: null, minutes: { $sum: '$minutes' } } },
      ]),
    ]);
    data.engineer = {
      queue: { items: unclaimed.slice(0, HOME_LIST_LIMIT), total: unclaimed.length },
      mine,
      loggedThisWeekMinutes: logged[0]?.minutes ?? 0,
      available: await availabilityOf(userId),
    };
  }
  if (roles.includes('manager')) {
    const [digest, awaitingApproval, breached, failedDeliveries] = await Promise.all([
      digestFor(new Date(now.getTime() - 7 * 24 * 60 * 60 * 1000), now, zone),
      openRequestsOf({ state: 'awaiting_approval' }, { estimatedAt: 1 }),
      openRequestsOf({ slaBreachedAt: { $exists: true } }, { slaBreachedAt: -1 }),
      failedEffects(50),
    ]);
    data.manager = { digest, awaitingApproval, breached, failedDeliveries };
  }
  return data;
}

export async function rememberHomeViewer(userId: string, clientKeys: string[], teamId?: string): Promise<void> {
  const fields = { clientKeys, lastOpenedAt: new Date(), ...(teamId ? { teamId } : {}) };
  const staff = (await staffRoles(userId)).length > 0;
  await HomeViewerModel.updateOne({ _id: userId }, staff ? { $set: { ...fields, staff: true } } : { $set: fields, $unset: { staff: 1 } }, { upsert: true });
}

/** Keeps a Home viewer's staff mark right when their roles change (see homeViewersFor). */
export async function markHomeViewerStaff(userId: string, staff: boolean): Promise<void> {
  await HomeViewerModel.updateOne({ _id: userId }, staff ? { $set: { staff: true } } : { $unset: { staff: 1 } });
}

/**
 * Home viewers who care about a change to a request of `clientKey` involving `people`: those
 * who belong to the client, those people, and our staff. One query: staff are marked as such.
 */
export async function homeViewersFor(clientKey: string, people: string[]): Promise<Viewer[]> {
  return homeViewers({ $or: [{ clientKeys: clientKey }, { _id: { $in: people } }, { staff: true }] });
}

/** Our staff's Home viewers: a change managers see on every Home of theirs (failed deliveries). */
export function staffHomeViewers(): Promise<Viewer[]> {
  return homeViewers({ staff: true });
}

interface Viewer {
  userId: string;
  clientKeys: string[];
  teamId?: string | undefined;
}

async function homeViewers(filter: Record<string, unknown>): Promise<Viewer[]> {
  const viewers = await HomeViewerModel.find(filter).lean();
  return viewers.map((v) => ({ userId: v._id, clientKeys: v.clientKeys, teamId: v.teamId ?? undefined }));
}
