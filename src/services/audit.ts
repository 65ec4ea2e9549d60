// Appends audit events; the only writer of the audit collection. An event is recorded with its
// change in one insert, unchained: no head read, no position to race for, so recording one costs
// the same however busy its client's chain is. The chainer (linkChain, run by the worker every few
// seconds) then links each chain's waiting events in order, (at, _id), as links of the client's
// hash chain (domain/ledger.ts): one chainer per chain at a time, under a lease on the chain's head
// (db/auditChain.ts); each link is one guarded update of one event, and the unique (chain, seq)
// index keeps the chain linear even if two chainers ever overlapped. A chainer that dies part-way
// leaves a prefix linked; the next one goes on from the last linked event.
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Types } from 'mongoose';
import { crashPoint } from '../crashPoints';
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

/**
 * Records an event, to be linked into its client's chain by the chainer. With `id` (derived from
 * the change it records), recording it again is a no-op: a sweep may repeat what a process that
 * died did or did not get to.
 */
export async function recordAudit(entry: AuditEntry, options: { id?: Types.ObjectId } = {}): Promise<void> {
  const event = {
    ...(options.id ? { _id: options.id } : {}),
    pendingChain: chainOf(entry.clientKey),
    at: entry.at ?? new Date(),
    actorId: entry.actorId,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    ...(entry.clientKey ? { clientKey: entry.clientKey } : {}),
    ...(entry.before !== undefined ? { before: storable(entry.before) } : {}),
    ...(entry.after !== undefined ? { after: storable(entry.after) } : {}),
  };
  try {
    await AuditEventModel.create(event);
  } catch (error) {
    if (options.id && isDuplicateKey(error)) return;
    throw error;
  }
}

/**
 * The id of the event that records one change (`name` says which: the record and its revision),
 * for recordAudit's `id`: recorded again (a retry, the next change, the sweep) it is the same
 * event, so it is recorded once. Its first four bytes are the time, as in any ObjectId.
 */
export function derivedEventId(name: string, at: Date): Types.ObjectId {
  const id = Buffer.alloc(12);
  id.writeUInt32BE(Math.floor(at.getTime() / 1000) >>> 0, 0);
  createHash('sha256').update(name).digest().copy(id, 4, 0, 8);
  return new Types.ObjectId(id);
}

/** A chainer holds a chain this long at most without renewing (it renews with every batch). */
export const CHAIN_LEASE_MS = 30_000;
/** Events linked per read (and per lease renewal). */
const LINK_BATCH = 200;
/** How long chainHead waits for another chainer to let go of the chain. */
const HEAD_WAIT_MS = CHAIN_LEASE_MS + 5_000;

/** Takes the chain's lease (creating its head at position 0 if it has none); undefined when another chainer holds it. */
async function takeLease(chain: string): Promise<string | undefined> {
  const owner = randomUUID();
  const now = new Date();
  const leaseUntil = new Date(now.getTime() + CHAIN_LEASE_MS);
  const taken = await AuditChainModel.updateOne(
    { _id: chain, $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: { $lte: now } }] },
    { $set: { leaseOwner: owner, leaseUntil } },
  );
  if (taken.modifiedCount === 1) return owner;
  if (taken.matchedCount === 1) return undefined;
  try {
    await AuditChainModel.create({ _id: chain, seq: 0, hash: GENESIS, leaseOwner: owner, leaseUntil });
    return owner;
  } catch (error) {
    if (isDuplicateKey(error)) return undefined;
    throw error;
  }
}

async function releaseLease(chain: string, owner: string): Promise<void> {
  await AuditChainModel.updateOne({ _id: chain, leaseOwner: owner }, { $unset: { leaseOwner: 1, leaseUntil: 1 } });
}

/** Renews the lease; false when it was lost (it ran out and another chainer took it). */
async function renewLease(chain: string, owner: string): Promise<boolean> {
  const renewed = await AuditChainModel.updateOne({ _id: chain, leaseOwner: owner }, { $set: { leaseUntil: new Date(Date.now() + CHAIN_LEASE_MS) } });
  return renewed.matchedCount === 1;
}

/**
 * Links the chain's waiting events while holding its lease; returns how many it linked. The chain
 * goes on from its last linked event (the truth; the head may be behind it after a crash), and the
 * head is moved on after each batch.
 */
async function linkHeld(chain: string, owner: string): Promise<number> {
  const last = await AuditEventModel.findOne({ chain, seq: { $exists: true } }, { seq: 1, hash: 1 }).sort({ seq: -1 }).lean();
  let seq = last?.seq ?? 0;
  let prevHash = last?.hash ?? GENESIS;
  let linked = 0;
  for (;;) {
    const waiting = await AuditEventModel.find({ pendingChain: chain }).sort({ at: 1, _id: 1 }).limit(LINK_BATCH).lean();
    let stop = false;
    for (const event of waiting) {
      const content: LedgerContent = { ...event, chain, seq: seq + 1 };
      const hash = linkHash(prevHash, content);
      // The one change an event ever gets, past the model's append-only refusals: its link, once.
      // Guarded by still waiting; the unique (chain, seq) index refuses a position taken by a
      // chainer that overlapped this one (its lease ran out): this one then stops.
      try {
        const done = await AuditEventModel.collection.updateOne(
          { _id: event._id, pendingChain: chain },
          { $set: { chain, seq: seq + 1, prevHash, hash }, $unset: { pendingChain: '' } },
        );
        if (done.modifiedCount !== 1) stop = true;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        stop = true;
      }
      if (stop) break;
      seq += 1;
      prevHash = hash;
      linked += 1;
      crashPoint('audit.chain.linked');
    }
    if (seq > 0) await AuditChainModel.updateOne({ _id: chain, seq: { $lt: seq } }, { $set: { seq, hash: prevHash } });
    if (stop || waiting.length < LINK_BATCH || !(await renewLease(chain, owner))) return linked;
  }
}

/**
 * Links a chain's waiting events, unless another chainer holds the chain (undefined then: that one
 * links them). Safe to run anywhere, any number of times.
 */
export async function linkChain(chain: string): Promise<number | undefined> {
  const owner = await takeLease(chain);
  if (!owner) return undefined;
  try {
    return await linkHeld(chain, owner);
  } finally {
    await releaseLease(chain, owner);
  }
}

/** The chainer's round: links the waiting events of every chain that has some. Returns how many it linked. */
export async function linkPendingEvents(): Promise<number> {
  const chains = (await AuditEventModel.distinct('pendingChain')).filter((c): c is string => typeof c === 'string');
  let linked = 0;
  for (const chain of chains) linked += (await linkChain(chain)) ?? 0;
  return linked;
}

/**
 * Where a chain ends, for a record that must say which events it was computed from: the chain's
 * waiting events are linked first (waiting for the lease if a chainer holds it), so the head covers
 * every event recorded before the call.
 */
export async function chainHead(clientKey: string | undefined): Promise<{ seq: number; hash: string }> {
  const chain = chainOf(clientKey);
  const giveUpAt = Date.now() + HEAD_WAIT_MS;
  for (;;) {
    const owner = await takeLease(chain);
    if (owner) {
      try {
        await linkHeld(chain, owner);
        const head = await AuditChainModel.findById(chain).lean();
        return { seq: head?.seq ?? 0, hash: head?.hash ?? GENESIS };
      } finally {
        await releaseLease(chain, owner);
      }
    }
    if (Date.now() > giveUpAt) throw new Error(`Audit chain ${chain} stayed leased by another chainer for ${HEAD_WAIT_MS} ms`);
    await sleep(50);
  }
}

export async function auditTrail(entityType: AuditEntry['entityType'], entityId: string) {
  return AuditEventModel.find({ entityType, entityId }).sort({ at: 1, _id: 1 }).lean();
}
