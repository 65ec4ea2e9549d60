// Monthly billing summaries, the reads and writes: the histories a month can concern, drafts that
// are regenerated in place, issuing, the adjustments that carry later changes to an issued month
// into a later month. Who may see them is services/billingAccess.ts; the CSV, domain/billingCsv.ts.
// The rules (which requests a month bills and what each line says, adjustments, totals) are pure,
// in domain/billingLines.ts and domain/billing.ts, so the verifier recomputes a summary from the
// audit ledger with the same code.
//
// A month is a calendar month in the client's timezone, except that it starts at the instant the
// issued month before it ended (so months meet when the timezone changes), and an issued month
// keeps the instants it was issued with. Each line is what the month added to a request's charge,
// so every month's lines add up, over the months, to exactly the request's charge.
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import type { Types } from 'mongoose';
import { z } from 'zod';
import { AuditEventModel } from '../db/auditEvent';
import { BillingSummaryModel, type BillingLine, type BillingSummaryRecord, type BillingTotals } from '../db/billingSummary';
import { EstimateModel } from '../db/estimate';
import { RequestModel } from '../db/request';
import { TimeEntryModel } from '../db/timeEntry';
import {
  billingTotals,
  differences,
  monthLines,
  NUMBER_COLUMNS,
  numbersOf,
  outstandingAdjustments,
  ownLines,
  type RequestHistory,
  type Terms,
} from '../domain/billingLines';
import { MissingTermsError } from '../domain/billing';
import { ISSUE_REFUSAL } from '../domain/permissions';
import { contiguousBounds, isPeriod, monthBounds, nextPeriod, periodLabel, previousPeriodOf, type IssuedBounds, type PeriodBounds } from '../domain/periods';
import { cutText } from '../domain/text';
import { ErrorCode, UserFacingError } from '../errors';
import { logger } from '../logger';
import { crashPoint } from '../crashPoints';
import { chainHead, derivedEventId, recordAudit, type AuditEntry } from './audit';
import { findClientByKey, staffRoles, type Actor, type Client } from './directory';
import { isDuplicateKey } from './sequence';

dayjs.extend(utc);
dayjs.extend(timezone);

export type BillingSummary = BillingSummaryRecord & { _id: Types.ObjectId };
export type { BillingLine, BillingTotals, Terms };

// ---------------------------------------------------------------------------------------------
// Months
// ---------------------------------------------------------------------------------------------

function requirePeriod(period: string): void {
  if (!isPeriod(period)) throw new UserFacingError(ErrorCode.InvalidInput, 'Give the month as YYYY-MM, like 2026-11.');
}

/** The month's bounds (domain/periods.ts), for a month as the user typed it. */
export function periodBounds(period: string, zone: string): PeriodBounds {
  requirePeriod(period);
  return monthBounds(period, zone);
}

// ---------------------------------------------------------------------------------------------
// Lines
// ---------------------------------------------------------------------------------------------

/** An issued month is recomputed under the terms it was issued with, not the client's current ones. */
function termsOf(summary: BillingSummary): Terms {
  return {
    key: summary.clientKey,
    billingMode: summary.billingMode,
    hourlyRateMinor: summary.hourlyRateMinor,
    incrementMinutes: summary.incrementMinutes,
    minimumMinutes: summary.minimumMinutes,
    timezone: summary.timezone,
  };
}

/** The instants an issued month ran between, as it was issued. */
function issuedBounds(summary: Pick<BillingSummary, 'period' | 'timezone' | 'periodStart' | 'periodEnd'>): PeriodBounds {
  const own = monthBounds(summary.period, summary.timezone);
  return { ...own, start: summary.periodStart ?? own.start, end: summary.periodEnd ?? own.end };
}

/**
 * The bounds `period` is billed between now (domain/periods.ts contiguousBounds): from where the
 * issued month before it ended, to where an issued month after it began, else the local midnights
 * in the client's timezone of today. An issued month keeps the bounds it was issued with.
 */
async function boundsFor(client: Pick<Client, 'key' | 'timezone'>, period: string): Promise<PeriodBounds> {
  const [previous, next] = await Promise.all([findSummary(client.key, previousPeriodOf(period)), findSummary(client.key, nextPeriod(period))]);
  const issued = (s: BillingSummary | null): IssuedBounds | undefined => (s?.status === 'issued' ? issuedBounds(s) : undefined);
  return contiguousBounds(period, client.timezone, { previous: issued(previous), next: issued(next) });
}

/**
 * The month's own lines (domain/billingLines.ts monthLines) between `bounds`, for the requests the
 * month can concern: closed, cancelled, with an approval, or with billable time in it. A request
 * that cannot be billed (an approval without stored terms) refuses the whole month, naming it.
 */
export async function computeMonthLines(client: Terms, bounds: PeriodBounds): Promise<BillingLine[]> {
  const inMonth = { $gte: bounds.start, $lt: bounds.end };
  const [closed, cancelled, merged, approved, logged] = await Promise.all([
    RequestModel.find({ clientKey: client.key, closedAt: inMonth }, { key: 1 }).lean(),
    RequestModel.find({ clientKey: client.key, cancelledAt: inMonth }, { key: 1 }).lean(),
    RequestModel.find({ clientKey: client.key, mergedAt: inMonth }, { key: 1 }).lean(),
    EstimateModel.find({ clientKey: client.key, decision: 'approved', decidedAt: inMonth }, { requestKey: 1 }).lean(),
    TimeEntryModel.find(
      { clientKey: client.key, billable: true, deletedAt: { $exists: false }, workDate: { $gte: bounds.firstDay, $lt: bounds.nextFirstDay } },
      { requestKey: 1 },
    ).lean(),
  ]);
  const keys = [...new Set([...closed.map((r) => r.key), ...cancelled.map((r) => r.key), ...merged.map((r) => r.key), ...approved.map((e) => e.requestKey), ...logged.map((e) => e.requestKey)])];
  if (keys.length === 0) return [];
  // Estimates and time entries are also scoped to the client: a request key can only ever carry
  // its own client's records, and a server that scans (mongo-java-server keeps no secondary
  // indexes) then tests the long `$in` only on this client's documents.
  const [requests, estimates, entries] = await Promise.all([
    RequestModel.find({ key: { $in: keys } }).lean(),
    EstimateModel.find({ clientKey: client.key, requestKey: { $in: keys } }).lean(),
    TimeEntryModel.find(
      { clientKey: client.key, requestKey: { $in: keys }, billable: true, deletedAt: { $exists: false } },
      { requestKey: 1, workDate: 1, minutes: 1 },
    ).lean(),
  ]);
  const estimatesOf = byRequest(estimates);
  const entriesOf = byRequest(entries);
  const histories: RequestHistory[] = requests.map((request) => ({ request, estimates: estimatesOf.get(request.key) ?? [], entries: entriesOf.get(request.key) ?? [] }));
  try {
    return monthLines(client, histories, bounds);
  } catch (error) {
    if (error instanceof MissingTermsError) {
      logger.warn({ client: client.key, request: error.requestKey, versions: error.versions }, 'Refused to bill a request approved without stored terms');
      throw new UserFacingError(ErrorCode.InvalidState, error.message);
    }
    throw error;
  }
}

function byRequest<T extends { requestKey: string }>(items: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(item.requestKey);
    if (group) group.push(item);
    else groups.set(item.requestKey, [item]);
  }
  return groups;
}

/**
 * Changes to issued months not billed yet, to go into `period`'s draft (domain/billingLines.ts
 * outstandingAdjustments), each issued month recomputed under the terms it was issued with.
 * Issuing checks the draft again, so an adjustment that two drafts both show is still billed only
 * once.
 */
async function adjustmentsFor(client: Client, period: string): Promise<BillingLine[]> {
  const issued = (await BillingSummaryModel.find({ clientKey: client.key, status: 'issued', period: { $lt: period } }).lean()) as BillingSummary[];
  const recomputed = new Map<string, BillingLine[]>();
  for (const summary of issued) recomputed.set(summary.period, await computeMonthLines(termsOf(summary), issuedBounds(summary)));
  return outstandingAdjustments(period, issued, recomputed);
}

interface Computed {
  bounds: PeriodBounds;
  lines: BillingLine[];
  totals: BillingTotals;
}

async function computeDraft(client: Client, period: string): Promise<Computed> {
  const bounds = await boundsFor(client, period);
  const lines = [...(await computeMonthLines(client, bounds)), ...(await adjustmentsFor(client, period))];
  return { bounds, lines, totals: billingTotals(lines) };
}

/**
 * What the month's own lines charge so far, computed exactly as its summary will be (issued: as it
 * was issued). Read-only, for the Home tab; adjustments to earlier months are left to the summary,
 * which recomputes every issued month to find them.
 */
export async function monthChargesSoFar(client: Client, period: string): Promise<BillingTotals> {
  const issued = await findSummary(client.key, period);
  if (issued?.status === 'issued') return billingTotals(ownLines(issued));
  requirePeriod(period);
  return billingTotals(await computeMonthLines(client, await boundsFor(client, period)));
}

// ---------------------------------------------------------------------------------------------
// Adjustments so far, for the Home tab
// ---------------------------------------------------------------------------------------------

/**
 * A change this long before an issue is looked at again: issuing computes the numbers a moment
 * before it writes them, and a change made in between is not in them.
 */
const ISSUE_MARGIN_MS = 5 * 60_000;

const estimateAuditSchema = z.object({ decision: z.string(), decidedAt: z.coerce.date() });

/**
 * The adjustments `period`'s draft carries now (the same as adjustmentsFor gives), cheaply enough
 * for a Home tab refreshed on every change. Recomputing an issued month is only needed when
 * something it is computed from changed since it was last billed: when a summary is issued, every
 * issued month before it has been recomputed and its difference carried (issuing checks the draft
 * again), so an issued month with no change since the latest issue of it or of a later month
 * comes to exactly what has been billed for it. The changes that can reach a past month are time
 * entries logged, edited or deleted with a work date in or before it, and approvals recorded late
 * with a decision time in or before it; closes, cancellations and merges are stamped when they
 * happen, so they fall in the month they happen in.
 */
export async function adjustmentsSoFar(client: Client, period: string): Promise<BillingLine[]> {
  const issued = ((await BillingSummaryModel.find({ clientKey: client.key, status: 'issued', period: { $lt: period } }).lean()) as BillingSummary[]).sort((a, b) =>
    a.period.localeCompare(b.period),
  );
  if (issued.length === 0) return [];
  // Since when each month could have changed unseen: its own issue or a later month's, whichever came last.
  const since = new Map<string, number>();
  let latest = 0;
  for (const summary of [...issued].reverse()) {
    latest = Math.max(latest, summary.issuedAt ? summary.issuedAt.getTime() : 0);
    since.set(summary.period, latest - ISSUE_MARGIN_MS);
  }
  const earliest = new Date(Math.min(...since.values()));
  const [entries, decisions] = await Promise.all([
    TimeEntryModel.find(
      { clientKey: client.key, $or: [{ createdAt: { $gt: earliest } }, { updatedAt: { $gt: earliest } }, { deletedAt: { $gt: earliest } }] },
      { requestKey: 1, workDate: 1, createdAt: 1, updatedAt: 1, deletedAt: 1 },
    ).lean(),
    AuditEventModel.find({ clientKey: client.key, entityType: 'estimate', at: { $gt: earliest } }, { at: 1, entityId: 1, after: 1 }).lean(),
  ]);
  const changes = [
    ...entries.map((e) => ({ requestKey: e.requestKey, at: Math.max(e.createdAt.getTime(), e.updatedAt?.getTime() ?? 0, e.deletedAt?.getTime() ?? 0), day: e.workDate })),
    ...decisions.flatMap((event) => {
      const after = estimateAuditSchema.safeParse(event.after);
      if (!after.success || after.data.decision !== 'approved') return [];
      return [{ requestKey: event.entityId.split('/')[0] ?? '', at: event.at.getTime(), day: dayjs(after.data.decidedAt).utc().format('YYYY-MM-DD') }];
    }),
  ];
  // A change to a request's history reaches the months from its date to the request's end (its
  // close, cancellation or merge: nothing is logged or approved after it), or every later month
  // while it goes on. Work dates never change; a month of slack each side keeps a month whose
  // timezone moved covered.
  const ended = new Map<string, string>();
  const keys = [...new Set(changes.map((c) => c.requestKey))];
  for (const r of keys.length > 0 ? await RequestModel.find({ clientKey: client.key, key: { $in: keys } }, { key: 1, closedAt: 1, cancelledAt: 1, mergedAt: 1 }).lean() : []) {
    const end = r.closedAt ?? r.cancelledAt ?? r.mergedAt;
    if (end) ended.set(r.key, dayjs(end).utc().format('YYYY-MM'));
  }
  const reaches = (change: (typeof changes)[number], period: string) => {
    if (change.day >= `${nextPeriod(period)}-02`) return false;
    const end = ended.get(change.requestKey);
    if (end === undefined) return true;
    const last = end > change.day.slice(0, 7) ? end : change.day.slice(0, 7);
    return period <= nextPeriod(last);
  };
  const changed = (summary: BillingSummary) => {
    const from = since.get(summary.period) ?? 0;
    return changes.some((c) => c.at > from && reaches(c, summary.period));
  };
  const recomputed = new Map<string, BillingLine[]>();
  for (const summary of issued) {
    recomputed.set(summary.period, changed(summary) ? await computeMonthLines(termsOf(summary), issuedBounds(summary)) : billedFor(summary.period, issued));
  }
  return outstandingAdjustments(period, issued, recomputed);
}

/** The month's summary when it is issued. */
export async function findIssuedSummary(clientKey: string, period: string): Promise<BillingSummary | null> {
  const summary = await findSummary(clientKey, period);
  return summary?.status === 'issued' ? summary : null;
}

/** What has been billed for an issued month: its lines plus the adjustments carried for it, per request. */
function billedFor(period: string, issued: readonly BillingSummary[]): BillingLine[] {
  const lines = issued.flatMap((s) => s.lines.filter((l) => (s.period === period && !l.adjustment) || (l.adjustment && l.adjustsPeriod === period)));
  const byKey = new Map<string, BillingLine>();
  for (const line of lines) {
    const sum = byKey.get(line.requestKey);
    if (!sum) byKey.set(line.requestKey, { ...line, adjustment: false, adjustsPeriod: undefined });
    else for (const column of NUMBER_COLUMNS) sum[column] += line[column];
  }
  return [...byKey.values()];
}

/** Everything a reader of the draft sees. */
function contentOf(lines: BillingLine[]): string {
  return JSON.stringify(
    lines.map((l) => [
      numbersOf([l]),
      l.title,
      l.state,
      new Date(l.openedAt).getTime(),
      l.closedAt ? new Date(l.closedAt).getTime() : null,
      l.cancelledAt ? new Date(l.cancelledAt).getTime() : null,
    ]),
  );
}

// ---------------------------------------------------------------------------------------------
// Drafts and issuing
// ---------------------------------------------------------------------------------------------

export interface GeneratedSummary {
  summary: BillingSummary;
  /** Issued summaries only: recomputing the month now gives different charges. */
  changedSinceIssue: boolean;
  /** When the month is issued and changed: the month whose draft now carries the adjustments. */
  adjustmentsIn?: string | undefined;
}

function entityId(clientKey: string, period: string): string {
  return `${clientKey}/${period}`;
}

async function requireBillingClient(clientKey: string): Promise<Client> {
  const client = await findClientByKey(clientKey);
  if (!client) throw new UserFacingError(ErrorCode.NotFound, `I don't know a client called ${cutText(clientKey, 10)}.`);
  return client;
}

async function findSummary(clientKey: string, period: string): Promise<BillingSummary | null> {
  return (await BillingSummaryModel.findOne({ clientKey, period }).lean()) as BillingSummary | null;
}

type SaveResult = { saved: BillingSummary } | { issued: BillingSummary };

/**
 * Writes `computed` as the month's draft: creates it, or replaces the draft read as `existing`
 * (guarded by its revision, and by status so an issued summary is never touched). Nothing is
 * written when the draft already says exactly this.
 */
async function saveDraft(client: Client, period: string, computed: Computed, actorId: string, existing: BillingSummary | null): Promise<SaveResult | undefined> {
  const fields = {
    clientName: client.name,
    timezone: client.timezone,
    currency: client.currency,
    billingMode: client.billingMode,
    hourlyRateMinor: client.hourlyRateMinor,
    incrementMinutes: client.incrementMinutes,
    minimumMinutes: client.minimumMinutes,
    periodStart: computed.bounds.start,
    periodEnd: computed.bounds.end,
    lines: computed.lines,
    totals: computed.totals,
    generatedAt: new Date(),
    generatedBy: actorId,
  };
  const terms = (s: Pick<BillingSummary, 'clientName' | 'timezone' | 'currency' | 'billingMode' | 'hourlyRateMinor' | 'incrementMinutes' | 'minimumMinutes' | 'periodStart' | 'periodEnd'>) =>
    JSON.stringify([s.clientName, s.timezone, s.currency, s.billingMode, s.hourlyRateMinor, s.incrementMinutes, s.minimumMinutes, s.periodStart?.getTime(), s.periodEnd?.getTime()]);
  if (existing && contentOf(existing.lines) === contentOf(computed.lines) && terms(existing) === terms(fields)) return { saved: existing };
  if (!existing) {
    try {
      await BillingSummaryModel.create({ clientKey: client.key, period, status: 'draft', ...fields, revision: 1 });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return undefined; // someone else created it first; the caller looks again
    }
  } else {
    const replaced = await BillingSummaryModel.updateOne(
      { _id: existing._id, status: 'draft', revision: existing.revision },
      { $set: { ...fields, revision: existing.revision + 1 } },
    );
    if (replaced.modifiedCount !== 1) return undefined;
  }
  const saved = await findSummary(client.key, period);
  if (!saved) return undefined;
  if (saved.status === 'issued') return { issued: saved };
  await recordAudit({
    actorId,
    action: 'billing.generated',
    entityType: 'billing_summary',
    entityId: entityId(client.key, period),
    clientKey: client.key,
    ...(existing ? { before: { revision: existing.revision, totals: existing.totals } } : {}),
    after: { revision: saved.revision, totals: saved.totals, lines: saved.lines.length, adjustments: saved.lines.filter((l) => l.adjustment).length },
  });
  logger.info({ client: client.key, period, revision: saved.revision, lines: saved.lines.length }, 'Billing summary draft generated');
  return { saved };
}

const SAVE_ATTEMPTS = 5;

async function generateDraft(client: Client, period: string, actorId: string): Promise<GeneratedSummary> {
  for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
    const existing = await findSummary(client.key, period);
    if (existing?.status === 'issued') return issuedSummary(client, existing, actorId);
    const result = await saveDraft(client, period, await computeDraft(client, period), actorId, existing);
    if (!result) continue; // another generation or an issue got there first: look again
    if ('issued' in result) return issuedSummary(client, result.issued, actorId);
    return { summary: result.saved, changedSinceIssue: false };
  }
  throw new UserFacingError(ErrorCode.Conflict, 'This billing summary is being changed by someone else right now. Please try again.');
}

/**
 * An issued month as it was issued, with whether it would come out differently now. Differences
 * not billed yet are put into the next month's draft as adjustment lines (when that month is not
 * issued too; otherwise the next draft generated after it picks them up).
 */
async function issuedSummary(client: Client, summary: BillingSummary, actorId: string): Promise<GeneratedSummary> {
  const now = await computeMonthLines(termsOf(summary), issuedBounds(summary));
  const changedSinceIssue = differences(now, ownLines(summary), summary.period).length > 0;
  if (!changedSinceIssue) return { summary, changedSinceIssue };
  const next = nextPeriod(summary.period);
  const following = await findSummary(client.key, next);
  if (following?.status === 'issued') return { summary, changedSinceIssue };
  const draft = await generateDraft(client, next, actorId);
  const carried = draft.summary.lines.some((l) => l.adjustment && l.adjustsPeriod === summary.period);
  return { summary, changedSinceIssue, adjustmentsIn: carried ? next : undefined };
}

/**
 * The month's summary: the draft, computed now and saved (regenerating replaces the draft), or
 * the issued summary, never changed. Does not check who asks: callers do (billingAccess), and the
 * monthly run generates as the system.
 */
export async function generateBillingSummary(clientKey: string, period: string, actorId: string): Promise<GeneratedSummary> {
  requirePeriod(period);
  return generateDraft(await requireBillingClient(clientKey), period, actorId);
}

export type IssueOutcome =
  | { outcome: 'issued'; summary: BillingSummary }
  /** The numbers had changed since the draft was generated: the draft was regenerated instead. */
  | { outcome: 'changed'; summary: BillingSummary };

function alreadyIssued(summary: BillingSummary): UserFacingError {
  const who = summary.issuedBy ? ` by <@${summary.issuedBy}>` : '';
  const when = summary.issuedAt ? ` on ${dayjs(summary.issuedAt).tz(summary.timezone).format('D MMM YYYY')}` : '';
  return new UserFacingError(ErrorCode.Conflict, `The ${periodLabel(summary.period)} summary for ${summary.clientKey} was already issued${who}${when}.`);
}

/**
 * Draft → issued, for managers only. The draft is recomputed first: if its numbers changed since
 * it was generated, it is regenerated and not issued, so nobody issues numbers they did not see.
 * The update is guarded by status and revision, so a double click issues once.
 */
export async function issueBillingSummary(clientKey: string, period: string, actor: Actor): Promise<IssueOutcome> {
  if (!(await staffRoles(actor.userId)).includes('manager')) {
    logger.warn({ user: actor.userId, client: clientKey, period }, 'Refused to issue a billing summary for a non-manager; nothing was changed');
    throw new UserFacingError(ErrorCode.Forbidden, ISSUE_REFUSAL);
  }
  requirePeriod(period);
  const client = await requireBillingClient(clientKey);
  const summary = await findSummary(clientKey, period);
  if (!summary) {
    throw new UserFacingError(ErrorCode.NotFound, `There is no ${periodLabel(period)} summary for ${clientKey} yet; generate it first.`);
  }
  if (summary.status === 'issued') throw alreadyIssued(summary);

  // Read before the numbers are computed: the ledger's events up to here are what they come from.
  const ledgerHead = await chainHead(clientKey);
  const fresh = await computeDraft(client, period);
  const sameBounds = summary.periodStart?.getTime() === fresh.bounds.start.getTime() && summary.periodEnd?.getTime() === fresh.bounds.end.getTime();
  if (numbersOf(fresh.lines) !== numbersOf(summary.lines) || !sameBounds) {
    const result = await saveDraft(client, period, fresh, actor.userId, summary);
    const current = result && 'saved' in result ? result.saved : await findSummary(clientKey, period);
    if (!current) throw new Error(`Billing summary ${entityId(clientKey, period)} disappeared`);
    if (current.status === 'issued') throw alreadyIssued(current);
    return { outcome: 'changed', summary: current };
  }

  const issuedAt = new Date();
  const updated = await BillingSummaryModel.updateOne(
    { _id: summary._id, status: 'draft', revision: summary.revision },
    { $set: { status: 'issued', issuedAt, issuedBy: actor.userId, revision: summary.revision + 1, ledgerHead, owedAfterIssue: { audit: true, clientCopy: true } } },
  );
  const current = await findSummary(clientKey, period);
  if (!current) throw new Error(`Billing summary ${entityId(clientKey, period)} disappeared`);
  if (updated.modifiedCount !== 1) {
    if (current.status === 'issued') throw alreadyIssued(current);
    throw new UserFacingError(ErrorCode.Conflict, 'This summary changed while you were issuing it. Please look at the latest version and try again.');
  }
  crashPoint('billing.issued');
  await appendIssuedEvent(current);
  logger.info({ client: clientKey, period, revision: current.revision }, 'Billing summary issued');
  return { outcome: 'issued', summary: current };
}

/**
 * The `billing.issued` event of an issued summary: everything needed to check the month against
 * the ledger alone (its terms, bounds, lines and where the ledger stood when they were computed),
 * all read from the summary itself, so the sweep can write it for a process that died first.
 */
function issuedEvent(summary: BillingSummary): AuditEntry {
  const bounds = issuedBounds(summary);
  return {
    actorId: summary.issuedBy ?? 'system',
    action: 'billing.issued',
    entityType: 'billing_summary',
    entityId: entityId(summary.clientKey, summary.period),
    clientKey: summary.clientKey,
    before: { status: 'draft', revision: summary.revision - 1 },
    after: {
      status: 'issued',
      revision: summary.revision,
      period: summary.period,
      terms: termsOf(summary),
      currency: summary.currency,
      // The instants the month ran between (after a change of timezone, not its own midnights).
      bounds: { start: bounds.start, end: bounds.end },
      ledgerHead: summary.ledgerHead,
      lines: summary.lines,
      totals: summary.totals,
    },
    ...(summary.issuedAt ? { at: summary.issuedAt } : {}),
  };
}

/** One id per issue of a summary, so writing its event again (the sweep after a crash) is a no-op. */
function issuedEventId(summary: BillingSummary): Types.ObjectId {
  return derivedEventId(`billing-issued/${summary._id.toHexString()}/r${summary.revision}`, summary.issuedAt ?? new Date(0));
}

/** Appends the summary's `billing.issued` event if its issue still owes it, then says it is done. */
export async function appendIssuedEvent(summary: BillingSummary): Promise<void> {
  if (summary.status !== 'issued' || !summary.owedAfterIssue?.audit) return;
  await recordAudit(issuedEvent(summary), { id: issuedEventId(summary) });
  await BillingSummaryModel.updateOne({ _id: summary._id, revision: summary.revision }, { $unset: { 'owedAfterIssue.audit': '' } });
}

/** The client's copy of an issued summary is recorded for delivery: its issue no longer owes it. */
export async function clientCopyRecorded(summary: BillingSummary): Promise<void> {
  await BillingSummaryModel.updateOne({ _id: summary._id, revision: summary.revision }, { $unset: { 'owedAfterIssue.clientCopy': '' } });
}

/** Issued summaries whose event or client copy is still owed, issued before `before` (the worker's sweep). */
export async function summariesOwedAfterIssue(before: Date, limit: number): Promise<BillingSummary[]> {
  return (await BillingSummaryModel.find({
    status: 'issued',
    issuedAt: { $lt: before },
    $or: [{ 'owedAfterIssue.audit': true }, { 'owedAfterIssue.clientCopy': true }],
  })
    .limit(limit)
    .lean()) as BillingSummary[];
}
