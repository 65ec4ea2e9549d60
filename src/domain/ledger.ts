// The audit ledger's hash chain, as pure rules. Every audit event belongs to one chain (its
// client's, or the shared chain for events about no client) and holds its position in it (seq,
// from 1), the hash of the event before it (prevHash; GENESIS for the first) and its own hash:
// SHA-256 of prevHash, a newline, and the event's canonical content (RFC 8785 JSON, which fixes key
// order and number form, so anyone can recompute it from an export). Editing any event, removing
// one, or reordering them breaks a link that verifyChain names.
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { NUMBER_COLUMNS, monthLines, outstandingAdjustments, type BillingLine, type EstimateFacts, type IssuedMonth, type RequestHistory, type Terms } from './billingLines';
import { monthBounds } from './periods';
import { wellFormed } from './text';

export const GENESIS = '0'.repeat(64);
/** The chain of events that concern no client (staff changes, say). */
export const SHARED_CHAIN = '-';

/** What an event's hash covers: every field but the hashes themselves. */
export interface LedgerContent {
  chain: string;
  seq: number;
  at: Date | string;
  actorId: string;
  action: string;
  entityType: string;
  entityId: string;
  clientKey?: string | null | undefined;
  before?: unknown;
  after?: unknown;
}

export interface LedgerLink extends LedgerContent {
  prevHash: string;
  hash: string;
}

export function chainOf(clientKey: string | null | undefined): string {
  return clientKey ?? SHARED_CHAIN;
}

/**
 * A value as it is stored and read back: undefined fields dropped (MongoDB would keep them as
 * null, or not at all), every string (keys too) well-formed, as MongoDB's UTF-8 stores it (a lone
 * surrogate becomes U+FFFD; hashed as written, it would never match the event read back),
 * everything else as it is. Dates stay dates; canonical JSON writes them as ISO strings either way.
 */
export function storable(value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value);
  if (value === undefined || value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (typeof (value as { toHexString?: unknown }).toHexString === 'function') return (value as { toHexString(): string }).toHexString();
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : storable(item)));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== undefined) out[wellFormed(key)] = storable(item);
  return out;
}

export function canonicalContent(event: LedgerContent): string {
  // Every field as stored: its strings well-formed, like the before and after.
  const content = storable({
    chain: event.chain,
    seq: event.seq,
    at: new Date(event.at).toISOString(),
    actorId: event.actorId,
    action: event.action,
    entityType: event.entityType,
    entityId: event.entityId,
    clientKey: event.clientKey ?? null,
    before: storable(event.before) ?? null,
    after: storable(event.after) ?? null,
  });
  const text = canonicalize(content);
  if (text === undefined) throw new Error('canonicalContent: nothing to write');
  return text;
}

export function linkHash(prevHash: string, event: LedgerContent): string {
  return createHash('sha256').update(`${prevHash}\n${canonicalContent(event)}`).digest('hex');
}

export interface ChainProblem {
  seq: number;
  problem: string;
}

/**
 * Checks one chain's events (in seq order as read): positions 1, 2, 3… without gaps, each event's
 * prevHash the hash of the one before, and each hash that of its own content. `head` is where the
 * chain said it ended, if known: fewer events than that means events at the end were removed.
 */
export function verifyChain(events: readonly LedgerLink[], head?: { seq: number; hash: string }): ChainProblem[] {
  const problems: ChainProblem[] = [];
  let expected = 1;
  let prevHash = GENESIS;
  for (const event of events) {
    if (event.seq !== expected) {
      problems.push({
        seq: expected,
        problem: event.seq > expected ? `events #${expected}${event.seq - 1 > expected ? `–#${event.seq - 1}` : ''} are missing` : `#${event.seq} appears twice`,
      });
    } else if (event.prevHash !== prevHash) {
      problems.push({ seq: event.seq, problem: `#${event.seq} (${event.action} ${event.entityId}) does not follow the event before it: its prevHash is not that event's hash` });
    }
    if (linkHash(event.prevHash, event) !== event.hash) {
      problems.push({ seq: event.seq, problem: `#${event.seq} (${event.action} ${event.entityId} at ${new Date(event.at).toISOString()}) was changed after it was written: its content does not match its hash` });
    }
    expected = event.seq + 1;
    prevHash = event.hash;
  }
  if (head && head.seq >= expected) {
    problems.push({ seq: expected, problem: `the chain's head says it ends at #${head.seq}, but the last event is #${expected - 1}: events at the end were removed` });
  } else if (head && head.seq === expected - 1 && head.hash !== prevHash) {
    problems.push({ seq: head.seq, problem: `the chain's head does not match event #${head.seq}` });
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Billing from the ledger alone
// ---------------------------------------------------------------------------------------------

type Fields = Record<string, unknown>;
const fieldsOf = (value: unknown): Fields => (value && typeof value === 'object' ? (value as Fields) : {});
const dateOf = (value: unknown): Date | undefined => (value instanceof Date || typeof value === 'string' ? new Date(value) : undefined);
const numberOf = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/**
 * A client's request histories as its audit events tell them (in chain order): requests from
 * `request.opened` and their transitions (state, close, cancellation), estimates from
 * `estimate.posted` / `estimate.topup_requested` and their decisions (with the terms approved),
 * time from `time.logged`, `time.edited` and `time.deleted`. Nothing else is read, so the result
 * depends on the ledger only.
 */
export function historiesFromLedger(events: readonly Pick<LedgerContent, 'at' | 'action' | 'entityType' | 'entityId' | 'after'>[]): RequestHistory[] {
  const requests = new Map<string, RequestHistory['request']>();
  const estimates = new Map<string, EstimateFacts[]>();
  const entries = new Map<string, { requestKey: string; workDate: string; minutes: number; billable: boolean }>();
  for (const event of events) {
    const after = fieldsOf(event.after);
    const at = new Date(event.at);
    if (event.entityType === 'request') {
      if (event.action === 'request.opened') {
        requests.set(event.entityId, {
          key: event.entityId,
          number: numberOf(after.number) ?? Number(event.entityId.split('-').pop()),
          title: typeof after.title === 'string' ? after.title : '',
          createdAt: dateOf(after.createdAt) ?? at,
          state: 'open',
        });
        continue;
      }
      const request = requests.get(event.entityId);
      if (!request) continue;
      if (typeof after.state === 'string') request.state = after.state;
      if ('closedAt' in after) request.closedAt = dateOf(after.closedAt);
      if ('cancelledAt' in after) request.cancelledAt = dateOf(after.cancelledAt);
      if ('mergedAt' in after) request.mergedAt = dateOf(after.mergedAt);
    } else if (event.entityType === 'estimate') {
      const [requestKey = '', v = ''] = event.entityId.split('/v');
      const version = Number(v);
      const versions = estimates.get(requestKey) ?? [];
      if (event.action === 'estimate.posted' || event.action === 'estimate.topup_requested') {
        versions.push({
          version,
          kind: event.action === 'estimate.posted' ? 'estimate' : 'topup',
          decision: 'pending',
          highMinutes: numberOf(after.highMinutes) ?? 0,
          hourlyRateMinor: numberOf(after.hourlyRateMinor) ?? 0,
          amountMinor: numberOf(after.amountMinor) ?? 0,
          createdAt: at,
        });
        estimates.set(requestKey, versions);
        continue;
      }
      const estimate = versions.find((e) => e.version === version);
      if (!estimate || typeof after.decision !== 'string') continue;
      estimate.decision = after.decision;
      estimate.decidedAt = dateOf(after.decidedAt) ?? at;
      const terms = fieldsOf(after.terms);
      if (terms.billingMode === 'upfront' || terms.billingMode === 'on_completion') {
        estimate.terms = { billingMode: terms.billingMode, incrementMinutes: numberOf(terms.incrementMinutes) ?? 1, minimumMinutes: numberOf(terms.minimumMinutes) ?? 0 };
      }
    } else if (event.entityType === 'time_entry') {
      if (event.action === 'time.logged') {
        entries.set(event.entityId, {
          requestKey: String(after.requestKey ?? ''),
          workDate: String(after.workDate ?? ''),
          minutes: numberOf(after.minutes) ?? 0,
          billable: after.billable === true,
        });
      } else if (event.action === 'time.edited') {
        const entry = entries.get(event.entityId);
        if (!entry) continue;
        entry.minutes = numberOf(after.minutes) ?? entry.minutes;
        if (typeof after.billable === 'boolean') entry.billable = after.billable;
      } else if (event.action === 'time.deleted') {
        entries.delete(event.entityId);
      }
    }
  }
  return [...requests.values()].map((request) => ({
    request,
    estimates: estimates.get(request.key) ?? [],
    entries: [...entries.values()].filter((e) => e.requestKey === request.key && e.billable).map((e) => ({ workDate: e.workDate, minutes: e.minutes })),
  }));
}

/** An issued month as its billing.issued event recorded it. */
export interface IssuedRecord extends IssuedMonth {
  seq: number;
  terms: Terms;
  ledgerHead: { seq: number; hash: string };
  /** Recorded since issued summaries carry their currency and totals into the ledger. */
  currency?: string | undefined;
  totals?: Record<string, unknown> | undefined;
  /** The instants the month ran between; recorded since months are contiguous across a change of timezone. */
  bounds?: { start: Date; end: Date } | undefined;
}

export interface LineDisagreement {
  requestKey: string;
  adjustsPeriod?: string | null | undefined;
  column: string;
  recorded: number | 'missing';
  recomputed: number | 'missing';
}

/** Line-by-line differences in the number columns between two versions of a month. */
export function compareLines(recorded: readonly BillingLine[], recomputed: readonly BillingLine[]): LineDisagreement[] {
  const id = (l: BillingLine) => `${l.requestKey}|${l.adjustment ? `adjusts ${l.adjustsPeriod ?? ''}` : ''}`;
  const ids = [...new Set([...recorded.map(id), ...recomputed.map(id)])];
  const out: LineDisagreement[] = [];
  for (const key of ids) {
    const a = recorded.find((l) => id(l) === key);
    const b = recomputed.find((l) => id(l) === key);
    const sample = (a ?? b)!;
    const base = { requestKey: sample.requestKey, ...(sample.adjustment ? { adjustsPeriod: sample.adjustsPeriod } : {}) };
    if (!a || !b) {
      out.push({ ...base, column: 'line', recorded: a ? a.amountMinor : 'missing', recomputed: b ? b.amountMinor : 'missing' });
      continue;
    }
    for (const column of NUMBER_COLUMNS) if (a[column] !== b[column]) out.push({ ...base, column, recorded: a[column], recomputed: b[column] });
  }
  return out;
}

/**
 * An issued month recomputed from the ledger alone: the events up to the head it recorded, the
 * terms it recorded, and the months issued before it as their own events recorded them.
 */
export function recomputeIssued(issued: IssuedRecord, events: readonly (LedgerContent & { seq: number })[], earlier: readonly IssuedRecord[]): BillingLine[] {
  const known = events.filter((e) => e.seq <= issued.ledgerHead.seq);
  const histories = historiesFromLedger(known);
  const linesOfMonth = (record: IssuedRecord) => {
    const own = monthBounds(record.period, record.terms.timezone);
    return monthLines(record.terms, histories, record.bounds ? { ...own, start: new Date(record.bounds.start), end: new Date(record.bounds.end) } : own);
  };
  const before = earlier.filter((e) => e.period < issued.period && e.seq < issued.seq);
  const recomputed = new Map(before.map((e) => [e.period, linesOfMonth(e)]));
  return [...linesOfMonth(issued), ...outstandingAdjustments(issued.period, before, recomputed)];
}

// ---------------------------------------------------------------------------------------------
// A summary against the record the ledger kept of it
// ---------------------------------------------------------------------------------------------

export interface FieldDisagreement {
  field: string;
  recorded: unknown;
  stored: unknown;
}

/**
 * Field-by-field differences between what the ledger recorded at issue and a stored summary:
 * every column of the totals (either side's), the currency, and the terms the month was billed
 * under. A field the record does not carry (recorded before it was kept) is not compared.
 */
export function compareIssued(
  recorded: Pick<IssuedRecord, 'terms' | 'currency' | 'totals'>,
  stored: { currency?: unknown; totals?: unknown } & Partial<Record<keyof Terms, unknown>>,
): FieldDisagreement[] {
  const out: FieldDisagreement[] = [];
  if (recorded.totals) {
    const storedTotals = fieldsOf(stored.totals);
    for (const column of [...new Set([...Object.keys(recorded.totals), ...Object.keys(storedTotals)])]) {
      if (recorded.totals[column] !== storedTotals[column]) out.push({ field: `totals.${column}`, recorded: recorded.totals[column], stored: storedTotals[column] });
    }
  }
  if (recorded.currency !== undefined && recorded.currency !== stored.currency) out.push({ field: 'currency', recorded: recorded.currency, stored: stored.currency });
  for (const field of ['billingMode', 'hourlyRateMinor', 'incrementMinutes', 'minimumMinutes', 'timezone'] as const) {
    if (recorded.terms[field] !== stored[field]) out.push({ field, recorded: recorded.terms[field], stored: stored[field] });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// A head someone kept (printed on an issued summary): is it still in the chain?
// ---------------------------------------------------------------------------------------------

/** A full hash, or the start of one: at least 16 hex characters (64 bits), at most 64. */
export const HEAD_PATTERN = /^[0-9a-f]{16,64}$/;

export type HeadLookup =
  | { found: 'one'; seq: number; hash: string }
  | { found: 'none' }
  | { found: 'several'; seqs: number[] };

/**
 * The position of the event whose hash is (or starts with) `head`, lower-case hex. The chain's
 * start (GENESIS, position 0) counts too: a month issued before the chain had any event was
 * computed from it.
 */
export function findHead(events: readonly Pick<LedgerLink, 'seq' | 'hash'>[], head: string): HeadLookup {
  const matches = [...(GENESIS.startsWith(head) ? [{ seq: 0, hash: GENESIS }] : []), ...events.filter((e) => typeof e.hash === 'string' && e.hash.startsWith(head))];
  const [only] = matches;
  if (matches.length === 1 && only) return { found: 'one', seq: only.seq, hash: only.hash };
  if (matches.length === 0) return { found: 'none' };
  return { found: 'several', seqs: matches.map((m) => m.seq) };
}
