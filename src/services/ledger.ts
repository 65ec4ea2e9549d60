// Verifying the audit ledger (npm run verify): every link of every client's hash chain (and that a
// chain with events has its head), every issued billing summary recomputed from the audit events
// alone (domain/ledger.ts) and compared, line by line, with what was issued; every stored issued
// summary against its billing.issued event (lines, totals, currency, terms) and the reverse; and,
// given a head a client kept, that the chain still holds it. Reads MongoDB only.
import { AuditChainModel } from '../db/auditChain';
import { AuditEventModel } from '../db/auditEvent';
import { BillingSummaryModel } from '../db/billingSummary';
import { EstimateModel } from '../db/estimate';
import { MissingTermsError } from '../domain/billing';
import type { BillingLine, Terms } from '../domain/billingLines';
import { compareIssued, compareLines, findHead, recomputeIssued, verifyChain, type IssuedRecord, type LedgerLink } from '../domain/ledger';
import { periodLabel } from '../domain/periods';

export interface ChainReport {
  chain: string;
  events: number;
  /** Events of this client written before the ledger existed: they carry no link to check. */
  unchained: number;
  problems: string[];
}

export interface SummaryReport {
  clientKey: string;
  period: string;
  problems: string[];
}

/** `--head`: whether the client's chain still holds a head they kept. */
export interface HeadReport {
  chain: string;
  /** The hash, or its start, as given (lower case). */
  given: string;
  /** The event it is the hash of. */
  at?: { seq: number; hash: string } | undefined;
  /** The issued months computed from it, with the position of their billing.issued events. */
  issued: Array<{ period: string; seq: number }>;
  problems: string[];
}

export interface LedgerReport {
  chains: ChainReport[];
  summaries: SummaryReport[];
  head?: HeadReport | undefined;
  ok: boolean;
}

type StoredEvent = LedgerLink & { seq: number };

async function chainEvents(chain: string): Promise<StoredEvent[]> {
  return (await AuditEventModel.find({ chain }).sort({ seq: 1 }).lean()) as unknown as StoredEvent[];
}

function issuedRecord(event: StoredEvent): IssuedRecord | undefined {
  const after = (event.after ?? {}) as {
    period?: string;
    terms?: Terms;
    lines?: BillingLine[];
    ledgerHead?: { seq: number; hash: string };
    currency?: string;
    totals?: Record<string, unknown>;
    bounds?: { start: Date; end: Date };
  };
  if (!after.period || !after.terms || !after.lines || !after.ledgerHead) return undefined;
  return {
    seq: event.seq,
    period: after.period,
    terms: after.terms,
    lines: after.lines,
    ledgerHead: after.ledgerHead,
    currency: after.currency,
    totals: after.totals,
    bounds: after.bounds,
  };
}

/** One disagreement in plain words: `a` is the record being checked, `b` what it is checked against. */
function describe(d: ReturnType<typeof compareLines>[number], a: string, b: string): string {
  const line = `${d.requestKey}${d.adjustsPeriod ? ` (adjustment for ${d.adjustsPeriod})` : ''}`;
  if (d.column === 'line') return d.recorded === 'missing' ? `${line} is missing from ${a} but in ${b}` : `${line} is in ${a} but not in ${b}`;
  return `${line}: ${d.column} is ${d.recorded} in ${a}, ${d.recomputed} in ${b}`;
}

/**
 * Checks one client's chain and issued summaries, or every chain when no client is given; with
 * `head` (a client's, lower-case hex, domain/ledger.ts HEAD_PATTERN), also that the chain still
 * holds it.
 */
export async function verifyLedger(options: { clientKey?: string | undefined; head?: string | undefined } = {}): Promise<LedgerReport> {
  if (options.head !== undefined && !options.clientKey) throw new Error('verifyLedger: a head is checked in one client\'s chain: give the client');
  let headReport: HeadReport | undefined;
  const chains = options.clientKey
    ? [options.clientKey]
    : [...new Set([...(await AuditChainModel.distinct('_id')).map(String), ...(await AuditEventModel.distinct('chain')).filter((c): c is string => typeof c === 'string')])].sort();
  const chainReports: ChainReport[] = [];
  const summaryReports: SummaryReport[] = [];
  for (const chain of chains) {
    const events = await chainEvents(chain);
    const head = await AuditChainModel.findById(chain).lean();
    const unchained = await AuditEventModel.countDocuments({ clientKey: chain, chain: { $exists: false } });
    const problems = [
      ...headMissing(events, head),
      ...verifyChain(events, head ? { seq: head.seq, hash: head.hash } : undefined).map((p) => p.problem),
      ...(await unbillable(chain)),
    ];
    chainReports.push({ chain, events: events.length, unchained, problems });
    summaryReports.push(...(await verifySummaries(chain, events)));
    if (options.head !== undefined) headReport = checkHead(chain, events, options.head, problems.length === 0);
  }
  const ok = chainReports.every((c) => c.problems.length === 0) && summaryReports.every((s) => s.problems.length === 0) && (headReport?.problems.length ?? 0) === 0;
  return { chains: chainReports, summaries: summaryReports, ...(headReport ? { head: headReport } : {}), ok };
}

/**
 * A chain with events has a head (db/auditChain.ts), written with its first event: without it,
 * removing the events at the end of the chain would not show, so its absence is itself a problem.
 */
function headMissing(events: readonly StoredEvent[], head: unknown): string[] {
  const chained = events.filter((e) => typeof e.seq === 'number');
  if (chained.length === 0 || head) return [];
  return [`the chain has ${chained.length} events but no head record (where it ends): it was removed, so events removed from the end would not show`];
}

/**
 * Whether the chain still holds `given` (a hash, or its start) at its position: an event has that
 * hash, every link from the first event to the last holds (so nothing before or after it was
 * changed, removed or re-hashed), and the month issued from it is still in the ledger. A chain
 * rewritten after the head was handed out no longer has an event with that hash; one whose tail
 * was cut (the head record moved back too) no longer has the billing.issued event computed from it.
 */
function checkHead(chain: string, events: readonly StoredEvent[], given: string, chainHolds: boolean): HeadReport {
  const report: HeadReport = { chain, given, issued: [], problems: [] };
  const found = findHead(events, given);
  if (found.found === 'none') {
    report.problems.push(`no event of ${chain}'s chain has a hash starting ${given}: the chain no longer holds that head (the events up to it were changed and re-hashed, or removed)`);
    return report;
  }
  if (found.found === 'several') {
    report.problems.push(`the hashes of events ${found.seqs.map((s) => `#${s}`).join(', ')} all start ${given}: give more of the hash`);
    return report;
  }
  report.at = { seq: found.seq, hash: found.hash };
  for (const event of events) {
    if (event.action !== 'billing.issued' || event.seq <= found.seq) continue;
    const record = issuedRecord(event);
    if (record && record.ledgerHead.seq === found.seq && record.ledgerHead.hash === found.hash) report.issued.push({ period: record.period, seq: event.seq });
  }
  const last = events.at(-1)?.seq ?? 0;
  if (!chainHolds) report.problems.push(`it is the hash of #${found.seq}, but the chain does not hold (see above), so it cannot show that nothing up to #${found.seq} or after it was changed`);
  else if (report.issued.length === 0) {
    report.problems.push(
      `it is the hash of #${found.seq}, but no billing.issued event after it (the chain now ends at #${last}) says it was computed from it: if it came from an issued summary, that summary's record was removed from the end of the chain`,
    );
  }
  return report;
}

/** Requests billing refuses: approved without stored terms (before terms were stored). */
async function unbillable(clientKey: string): Promise<string[]> {
  const approvals = await EstimateModel.find({ clientKey, decision: 'approved', $or: [{ terms: { $exists: false } }, { terms: null }] }, { requestKey: 1, version: 1 }).sort({ requestKey: 1, version: 1 }).lean();
  const byRequest = new Map<string, number[]>();
  for (const a of approvals) byRequest.set(a.requestKey, [...(byRequest.get(a.requestKey) ?? []), a.version]);
  return [...byRequest].map(([key, versions]) => new MissingTermsError(key, versions).message);
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
    let recomputed: BillingLine[];
    try {
      recomputed = recomputeIssued(record, events, records);
    } catch (error) {
      if (!(error instanceof MissingTermsError)) throw error;
      records.push(record);
      reports.push({ clientKey, period: record.period, problems: [`it cannot be recomputed from the ledger: ${error.message}`] });
      continue;
    }
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
  const all = await BillingSummaryModel.find({ clientKey }).sort({ period: 1 }).lean();
  const stored = all.filter((s) => s.status === 'issued');
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
    report.problems.push(...storedAgainstRecord(record, summary));
  }
  for (const problem of issuedWithoutSummary(clientKey, issuedEvents, all)) {
    const report = reports.find((r) => r.period === problem.period);
    if (report) report.problems.push(problem.text);
    else reports.push({ clientKey, period: problem.period, problems: [problem.text] });
  }
  return reports.sort((a, b) => a.period.localeCompare(b.period));
}

/** A stored issued summary's totals, currency and terms against what its billing.issued event recorded. */
function storedAgainstRecord(record: IssuedRecord, summary: Record<string, unknown>): string[] {
  const show = (value: unknown) => (value === undefined ? 'missing' : typeof value === 'string' ? value : JSON.stringify(value));
  return compareIssued(record, summary).map((d) => `${d.field} is ${show(d.recorded)} in the summary the ledger recorded at issue, ${show(d.stored)} in the stored summary`);
}

/** Every billing.issued event must have its issued summary stored: removing or un-issuing one shows. */
function issuedWithoutSummary(clientKey: string, issuedEvents: readonly StoredEvent[], stored: ReadonlyArray<{ period: string; status: string }>): Array<{ period: string; text: string }> {
  const out: Array<{ period: string; text: string }> = [];
  for (const event of issuedEvents) {
    const period = issuedRecord(event)?.period ?? event.entityId.split('/')[1] ?? '?';
    const summary = stored.find((s) => s.period === period);
    if (summary?.status === 'issued') continue;
    const where = `the ledger says it was issued (#${event.seq}), but`;
    out.push({ period, text: summary ? `${where} the stored ${periodLabel(period)} summary for ${clientKey} is a ${summary.status}` : `${where} there is no stored ${periodLabel(period)} summary for ${clientKey}` });
  }
  return out;
}
