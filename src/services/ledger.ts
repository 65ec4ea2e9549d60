// Verifying the audit ledger (npm run verify): every link of every client's hash chain, and every
// issued billing summary recomputed from the audit events alone (domain/ledger.ts) and compared,
// line by line, with what was issued. Reads MongoDB only.
import { AuditChainModel } from '../db/auditChain';
import { AuditEventModel } from '../db/auditEvent';
import { BillingSummaryModel } from '../db/billingSummary';
import type { BillingLine, Terms } from '../domain/billingLines';
import { compareLines, recomputeIssued, verifyChain, type IssuedRecord, type LedgerLink } from '../domain/ledger';

export interface ChainReport {
  chain: string;
  events: number;
  /** Events of this client written before the ledger existed: they carry no link to check. */
  unchained: number;
  /** Events recorded in the last minute and not linked yet: the worker's chainer links them shortly. */
  pending: number;
  problems: string[];
}

export interface SummaryReport {
  clientKey: string;
  period: string;
  problems: string[];
}

export interface LedgerReport {
  chains: ChainReport[];
  summaries: SummaryReport[];
  ok: boolean;
}

type StoredEvent = LedgerLink & { seq: number };

async function chainEvents(chain: string): Promise<StoredEvent[]> {
  return (await AuditEventModel.find({ chain }).sort({ seq: 1 }).lean()) as unknown as StoredEvent[];
}

function issuedRecord(event: StoredEvent): IssuedRecord | undefined {
  const after = (event.after ?? {}) as { period?: string; terms?: Terms; lines?: BillingLine[]; ledgerHead?: { seq: number; hash: string } };
  if (!after.period || !after.terms || !after.lines || !after.ledgerHead) return undefined;
  return { seq: event.seq, period: after.period, terms: after.terms, lines: after.lines, ledgerHead: after.ledgerHead };
}

/** One disagreement in plain words: `a` is the record being checked, `b` what it is checked against. */
function describe(d: ReturnType<typeof compareLines>[number], a: string, b: string): string {
  const line = `${d.requestKey}${d.adjustsPeriod ? ` (adjustment for ${d.adjustsPeriod})` : ''}`;
  if (d.column === 'line') return d.recorded === 'missing' ? `${line} is missing from ${a} but in ${b}` : `${line} is in ${a} but not in ${b}`;
  return `${line}: ${d.column} is ${d.recorded} in ${a}, ${d.recomputed} in ${b}`;
}

/** Checks one client's chain and issued summaries, or every chain when no client is given. */
export async function verifyLedger(options: { clientKey?: string | undefined } = {}): Promise<LedgerReport> {
  const chains = options.clientKey
    ? [options.clientKey]
    : [...new Set([...(await AuditChainModel.distinct('_id')).map(String), ...(await chainNames('chain')), ...(await chainNames('pendingChain'))])].sort();
  const chainReports: ChainReport[] = [];
  const summaryReports: SummaryReport[] = [];
  for (const chain of chains) {
    const events = await chainEvents(chain);
    const head = await AuditChainModel.findById(chain).lean();
    const unchained = await AuditEventModel.countDocuments({ clientKey: chain, chain: { $exists: false }, pendingChain: { $exists: false } });
    const waiting = await waitingEvents(chain);
    chainReports.push({
      chain,
      events: events.length,
      unchained,
      pending: waiting.pending,
      problems: [...verifyChain(events, head ? { seq: head.seq, hash: head.hash } : undefined).map((p) => p.problem), ...waiting.problems],
    });
    summaryReports.push(...(await verifySummaries(chain, events)));
  }
  const ok = chainReports.every((c) => c.problems.length === 0) && summaryReports.every((s) => s.problems.length === 0);
  return { chains: chainReports, summaries: summaryReports, ok };
}

const chainNames = async (field: 'chain' | 'pendingChain') => (await AuditEventModel.distinct(field)).filter((c): c is string => typeof c === 'string');

/** Events are linked within seconds of being recorded; one still waiting after this is flagged. */
export const UNCHAINED_LIMIT_MS = 60_000;

/**
 * A chain's events not linked yet: pending when recorded within the last minute, a problem when
 * older (the chainer is not running, or cannot link them), with the oldest named.
 */
export async function waitingEvents(chain: string, now = new Date()): Promise<{ pending: number; problems: string[] }> {
  const limit = new Date(now.getTime() - UNCHAINED_LIMIT_MS);
  const stale = await AuditEventModel.find({ pendingChain: chain, at: { $lt: limit } }, { at: 1, action: 1, entityId: 1 }).sort({ at: 1, _id: 1 }).lean();
  const pending = await AuditEventModel.countDocuments({ pendingChain: chain, at: { $gte: limit } });
  const oldest = stale[0];
  if (!oldest) return { pending, problems: [] };
  return {
    pending,
    problems: [
      `${stale.length} event${stale.length === 1 ? ' was' : 's were'} recorded more than a minute ago and never linked into the chain (the oldest: ${oldest.action} ${oldest.entityId} at ${oldest.at.toISOString()}): is the worker's chainer running?`,
    ],
  };
}

async function verifySummaries(clientKey: string, events: StoredEvent[]): Promise<SummaryReport[]> {
  const reports: SummaryReport[] = [];
  const issuedEvents = events.filter((e) => e.action === 'billing.issued');
  const records: IssuedRecord[] = [];
  for (const event of issuedEvents) {
    const record = issuedRecord(event);
    const period = record?.period ?? event.entityId.split('/')[1] ?? '?';
    if (!record) {
      reports.push({ clientKey, period, problems: [`its billing.issued event (#${event.seq}) does not record the lines, terms and ledger head it was issued with (issued before the ledger)`] });
      continue;
    }
    const recomputed = recomputeIssued(record, events, records);
    records.push(record);
    const problems: string[] = [];
    // The head it recorded must still be in the chain: a ledger rewritten after the month was
    // issued (every link re-hashed, so each holds on its own) no longer has it.
    const atHead = events.find((e) => e.seq === record.ledgerHead.seq);
    if (record.ledgerHead.seq > 0 && atHead?.hash !== record.ledgerHead.hash) {
      problems.push(`it was computed from the ledger up to #${record.ledgerHead.seq} with hash ${record.ledgerHead.hash.slice(0, 12)}…, but that event's hash is now ${atHead?.hash?.slice(0, 12) ?? 'missing'}…: the ledger before it was rewritten`);
    }
    problems.push(...compareLines(record.lines, recomputed).map((d) => describe(d, 'the issued summary', `the month recomputed from the ledger up to #${record.ledgerHead.seq}`)));
    reports.push({ clientKey, period, problems });
  }
  // The stored summaries must be the ones the ledger recorded, and every issued one must be there.
  const stored = await BillingSummaryModel.find({ clientKey, status: 'issued' }).sort({ period: 1 }).lean();
  for (const summary of stored) {
    const record = records.find((r) => r.period === summary.period);
    let report = reports.find((r) => r.period === summary.period);
    if (!report) {
      report = { clientKey, period: summary.period, problems: [] };
      reports.push(report);
    }
    if (!record) {
      if (!issuedEvents.some((e) => e.entityId === `${clientKey}/${summary.period}`)) report.problems.push('it is issued, but the ledger has no billing.issued event for it');
      continue;
    }
    report.problems.push(...compareLines(record.lines, summary.lines as BillingLine[]).map((d) => describe(d, 'the summary the ledger recorded at issue', 'the stored summary')));
  }
  return reports.sort((a, b) => a.period.localeCompare(b.period));
}
