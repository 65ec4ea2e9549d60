// Appends audit events; the only writer of the audit collection. Each append is a link of its
// client's hash chain (domain/ledger.ts): appends to one chain are serialised by the unique
// (chain, seq) index, so under concurrency each takes the next free position and the chain stays
// linear; the chain's head (db/auditChain.ts) is moved on after each.
import { AuditChainModel } from '../db/auditChain';
import { AuditEventModel } from '../db/auditEvent';
import { GENESIS, chainOf, linkHash, storable, type LedgerContent } from '../domain/ledger';
import { isDuplicateKey } from './sequence';

export interface AuditEntry {
  actorId: string;
  action: string;
  entityType: 'request' | 'client' | 'staff' | 'estimate' | 'time_entry' | 'billing_summary';
  entityId: string;
  clientKey?: string | undefined;
  before?: unknown;
  after?: unknown;
  at?: Date;
}

/** Appends racing for one chain try again; each try loses only to an append that succeeded. */
const APPEND_ATTEMPTS = 200;

/**
 * Appends of one process to one chain wait for each other (the unique index still serialises
 * appends from several processes): otherwise each of N appends at once would try every position
 * the others took first.
 */
const appending = new Map<string, Promise<void>>();

export async function recordAudit(entry: AuditEntry): Promise<void> {
  const chain = chainOf(entry.clientKey);
  const before = appending.get(chain) ?? Promise.resolve();
  const mine = before.then(() => append(chain, entry));
  const settled = mine.catch(() => undefined);
  appending.set(chain, settled);
  void settled.then(() => {
    if (appending.get(chain) === settled) appending.delete(chain);
  });
  return mine;
}

async function append(chain: string, entry: AuditEntry): Promise<void> {
  const fields = {
    chain,
    at: entry.at ?? new Date(),
    actorId: entry.actorId,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    ...(entry.clientKey ? { clientKey: entry.clientKey } : {}),
    ...(entry.before !== undefined ? { before: storable(entry.before) } : {}),
    ...(entry.after !== undefined ? { after: storable(entry.after) } : {}),
  };
  const head = await AuditChainModel.findById(chain).lean();
  let seq = (head?.seq ?? 0) + 1;
  let prevHash = head?.hash ?? GENESIS;
  for (let attempt = 0; attempt < APPEND_ATTEMPTS; attempt++) {
    const content: LedgerContent = { ...fields, seq };
    const hash = linkHash(prevHash, content);
    try {
      await AuditEventModel.create({ ...content, prevHash, hash });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // The position is taken: by an append running alongside, or by one that died before moving
      // the head. The chain goes on from the event there.
      const taken = await AuditEventModel.findOne({ chain, seq }, { hash: 1 }).lean();
      if (!taken?.hash) throw error;
      prevHash = taken.hash;
      seq += 1;
      continue;
    }
    await moveHead(chain, seq, hash);
    return;
  }
  throw new Error(`Could not append ${entry.action} ${entry.entityId} to audit chain ${chain} after ${APPEND_ATTEMPTS} attempts`);
}

/** The head only moves forward. */
async function moveHead(chain: string, seq: number, hash: string): Promise<void> {
  const moved = await AuditChainModel.updateOne({ _id: chain, seq: { $lt: seq } }, { $set: { seq, hash } });
  if (moved.matchedCount === 1) return;
  try {
    await AuditChainModel.create({ _id: chain, seq, hash });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    await AuditChainModel.updateOne({ _id: chain, seq: { $lt: seq } }, { $set: { seq, hash } });
  }
}

/** Where a chain ends now, for a record that must say which events it was computed from. */
export async function chainHead(clientKey: string | undefined): Promise<{ seq: number; hash: string }> {
  const head = await AuditChainModel.findById(chainOf(clientKey)).lean();
  return { seq: head?.seq ?? 0, hash: head?.hash ?? GENESIS };
}

export async function auditTrail(entityType: AuditEntry['entityType'], entityId: string) {
  return AuditEventModel.find({ entityType, entityId }).sort({ at: 1, _id: 1 }).lean();
}
