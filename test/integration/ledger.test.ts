// The audit ledger (#14) on the real MongoDB-wire server: every audit event a link of its client's
// hash chain, linear under concurrent appends; issued summaries that record the chain head they
// were computed from; and the verifier (services/ledger.ts, `npm run verify`) that checks every
// link and recomputes every issued month from the audit events alone, naming the event or line
// that disagrees when someone edits, removes or rewrites a record. The history is made through
// the real services; tampering goes around them, straight to the collections.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import { main as verifyCommand } from '../../scripts/verify';
import { connectDatabase, disconnectDatabase } from '../../src/db/connection';
import { runCommand } from '../support/command';
import { AuditEventModel } from '../../src/db/auditEvent';
import { BillingSummaryModel } from '../../src/db/billingSummary';
import { GENESIS, linkHash } from '../../src/domain/ledger';
import { setLogLevel } from '../../src/logger';
import { CHAIN_LEASE_MS, linkPendingEvents, recordAudit } from '../../src/services/audit';
import { generateBillingSummary, issueBillingSummary } from '../../src/services/billing';
import { decideEstimate, postEstimate } from '../../src/services/estimates';
import { UNCHAINED_LIMIT_MS, verifyLedger } from '../../src/services/ledger';
import { transitionRequest } from '../../src/services/requestLifecycle';
import { openRequest } from '../../src/services/intake';
import { applySeed } from '../../src/services/seed';
import { editTimeEntry, logTime } from '../../src/services/timeEntries';
import { STAFF, TRIAGE, testDatabaseUri } from '../support/testEnv';
import { periodLabel, periodOf, nextPeriod } from '../../src/domain/periods';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

const BOSS = 'U0LEDGBOSS';
const DEV = 'U0LEDGDEV';
const SEED = `
managers: [${STAFF.manager}]
engineers: [${STAFF.engineer}]
clients:
  - key: LEDG
    name: Ledger Ltd
    channels: [C0LEDG]
    hourlyRate: 100
    incrementMinutes: 1
    minimumMinutes: 0
    approvers: [${BOSS}]
    members: [${DEV}]
    timezone: Europe/London
`;

let uri: string;
const thisMonth = periodOf(new Date(), 'Europe/London');
const following = nextPeriod(thisMonth);
const raw = () => mongoose.connection.db!.collection('auditevents');
const rawSummaries = () => mongoose.connection.db!.collection('billingsummaries');
const rawHeads = () => mongoose.connection.db!.collection('auditchains');

beforeAll(async () => {
  setLogLevel(process.env.TEST_LOG_LEVEL ?? 'silent');
  uri = testDatabaseUri();
  await connectDatabase(uri);
  await applySeed(SEED);
  await history();
});
afterAll(async () => {
  await mongoose.connection.db?.dropDatabase();
  await disconnectDatabase();
});

let entryId: string;

/**
 * Two requests, estimated, approved, worked and closed this month; the month issued; then an entry
 * of the first made shorter (an adjustment for this month) and the following month issued with it.
 */
async function history() {
  const engineer = { userId: STAFF.engineer };
  for (const [title, minutes] of [['Rotate the keys', 90], ['Fix the backups', 45]] as const) {
    const { request } = await openRequest({ channelId: 'C0LEDG', requesterId: DEV, title, category: 'maintenance', priority: 'normal', source: 'command', triageChannelId: TRIAGE });
    await transitionRequest({ key: request.key, action: 'claim', actor: engineer });
    const posted = await postEstimate({ key: request.key, actor: engineer, lowMinutes: 120, highMinutes: 120, assumptions: '' });
    await decideEstimate({ estimateId: posted.estimate._id.toHexString(), actor: { userId: BOSS, channelId: 'C0LEDG' }, approve: true });
    const logged = await logTime({ key: request.key, actor: engineer, minutes, note: 'work', billable: true });
    entryId ??= logged.entry._id.toHexString();
    await transitionRequest({ key: request.key, action: 'resolve', actor: engineer, set: { resolution: 'done' } });
    await transitionRequest({ key: request.key, action: 'confirm', actor: { userId: DEV, channelId: 'C0LEDG' } });
  }
  await generateBillingSummary('LEDG', thisMonth, STAFF.manager);
  expect((await issueBillingSummary('LEDG', thisMonth, { userId: STAFF.manager })).outcome).toBe('issued');
  await editTimeEntry(entryId, { userId: STAFF.engineer }, { minutes: 60 });
  const next = await generateBillingSummary('LEDG', following, STAFF.manager);
  expect(next.summary.lines.filter((l) => l.adjustment)).toHaveLength(1);
  expect((await issueBillingSummary('LEDG', following, { userId: STAFF.manager })).outcome).toBe('issued');
  // The worker's chainer links what was recorded since (the last issue's own event among them).
  await linkPendingEvents();
}

/** Runs `work` on the tampered collections, then puts every document back as it was. */
async function tampered<T>(collection: 'auditevents' | 'billingsummaries' | 'auditchains', work: () => Promise<T>): Promise<T> {
  const db = mongoose.connection.db!;
  const saved = await db.collection(collection).find({}).toArray();
  try {
    return await work();
  } finally {
    await db.collection(collection).deleteMany({});
    if (saved.length > 0) await db.collection(collection).insertMany(saved);
  }
}

describe('the ledger', () => {
  it('chains every audit event of the client, and holds when nobody has touched it', async () => {
    const events = await AuditEventModel.find({ chain: 'LEDG' }).sort({ seq: 1 }).lean();
    expect(events.length).toBeGreaterThan(20);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]?.prevHash).toBe(GENESIS);
    for (let i = 1; i < events.length; i++) expect(events[i]?.prevHash).toBe(events[i - 1]?.hash);
    const report = await verifyLedger({ clientKey: 'LEDG' });
    expect(report.chains).toEqual([{ chain: 'LEDG', events: events.length, unchained: 0, pending: 0, problems: [] }]);
    expect(report.summaries.map((s) => [s.period, s.problems])).toEqual([
      [thisMonth, []],
      [following, []],
    ]);
    expect(report.ok).toBe(true);
  });

  it('records on an issued summary the chain head it was computed from', async () => {
    const issued = await BillingSummaryModel.findOne({ clientKey: 'LEDG', period: thisMonth }).lean();
    const atHead = await AuditEventModel.findOne({ chain: 'LEDG', seq: issued?.ledgerHead?.seq }).lean();
    expect(atHead?.hash).toBe(issued?.ledgerHead?.hash);
    // Issuing linked the events waiting before it first, so the head covers every one of them:
    // the issue's own event (recorded after) comes right after it.
    const issuedEvent = await AuditEventModel.findOne({ chain: 'LEDG', action: 'billing.issued', entityId: `LEDG/${thisMonth}` }).lean();
    expect(issuedEvent?.seq).toBe(issued!.ledgerHead!.seq + 1);
    expect(issuedEvent?.prevHash).toBe(issued?.ledgerHead?.hash);
  });

  it('names an event whose content was edited after it was written', async () => {
    const logged = await AuditEventModel.findOne({ chain: 'LEDG', action: 'time.logged', entityId: entryId }).lean();
    const report = await tampered('auditevents', async () => {
      await raw().updateOne({ _id: logged!._id }, { $set: { 'after.minutes': 30 } });
      return verifyLedger({ clientKey: 'LEDG' });
    });
    expect(report.ok).toBe(false);
    expect(report.chains[0]?.problems).toEqual([
      `#${logged!.seq} (time.logged ${entryId} at ${logged!.at.toISOString()}) was changed after it was written: its content does not match its hash`,
    ]);
    // And the month recomputed from the edited ledger no longer matches what was issued.
    expect(report.summaries.find((s) => s.period === thisMonth)?.problems.join('\n')).toMatch(/LEDG-1: \w+ is \d+ in the issued summary, \d+ in the month recomputed from the ledger/);
  });

  it('names events removed from the middle or the end of the chain', async () => {
    const middle = await AuditEventModel.findOne({ chain: 'LEDG', seq: 5 }).lean();
    const gap = await tampered('auditevents', async () => {
      await raw().deleteOne({ _id: middle!._id });
      return verifyLedger({ clientKey: 'LEDG' });
    });
    expect(gap.chains[0]?.problems).toContain('events #5 are missing');

    const last = await AuditEventModel.find({ chain: 'LEDG' }).sort({ seq: -1 }).limit(2).lean();
    const cut = await tampered('auditevents', async () => {
      await raw().deleteMany({ _id: { $in: last.map((e) => e._id) } });
      return verifyLedger({ clientKey: 'LEDG' });
    });
    const end = last[0]!.seq!;
    expect(cut.chains[0]?.problems).toEqual([`the chain's head says it ends at #${end}, but the last event is #${end - 2}: events at the end were removed`]);
  });

  it('names a rewritten chain by the head the issued summary recorded', async () => {
    // Someone edits an early event and re-hashes every link after it (and the head), so each link
    // holds on its own: the issued months still give it away.
    const report = await tampered('auditevents', () =>
      tampered('auditchains', async () => {
        const logged = await AuditEventModel.findOne({ chain: 'LEDG', action: 'time.logged', entityId: entryId }).lean();
        await raw().updateOne({ _id: logged!._id }, { $set: { 'after.minutes': 30 } });
        let prevHash = GENESIS;
        for (const event of await AuditEventModel.find({ chain: 'LEDG' }).sort({ seq: 1 }).lean()) {
          const hash = linkHash(prevHash, { ...event, seq: event.seq!, chain: event.chain! });
          await raw().updateOne({ _id: event._id }, { $set: { prevHash, hash } });
          prevHash = hash;
        }
        await mongoose.connection.db!.collection('auditchains').updateOne({ _id: 'LEDG' as never }, { $set: { hash: prevHash } });
        return verifyLedger({ clientKey: 'LEDG' });
      }),
    );
    expect(report.chains[0]?.problems).toEqual([]);
    expect(report.ok).toBe(false);
    const problems = report.summaries.flatMap((s) => s.problems).join('\n');
    expect(problems).toMatch(/in the issued summary, \d+ in the month recomputed from the ledger/);
    const issued = await BillingSummaryModel.findOne({ clientKey: 'LEDG', period: thisMonth }).lean();
    expect(problems).toContain(`it was computed from the ledger up to #${issued!.ledgerHead!.seq} with hash ${issued!.ledgerHead!.hash.slice(0, 12)}…, but that event's hash is now`);
  });

  it('names a stored summary line that differs from the one issued', async () => {
    const report = await tampered('billingsummaries', async () => {
      await mongoose.connection.db!.collection('billingsummaries').updateOne({ clientKey: 'LEDG', period: thisMonth }, { $set: { 'lines.0.amountMinor': 1 } });
      return verifyLedger({ clientKey: 'LEDG' });
    });
    const issued = await BillingSummaryModel.findOne({ clientKey: 'LEDG', period: thisMonth }).lean();
    expect(report.summaries.find((s) => s.period === thisMonth)?.problems).toEqual([
      `LEDG-1: amountMinor is ${issued!.lines[0]!.amountMinor} in the summary the ledger recorded at issue, 1 in the stored summary`,
    ]);
  });

  it('fails when a chain has events but its head record was removed', async () => {
    const events = await AuditEventModel.countDocuments({ chain: 'LEDG' });
    const report = await tampered('auditchains', async () => {
      await rawHeads().deleteOne({ _id: 'LEDG' as never });
      return verifyLedger({ clientKey: 'LEDG' });
    });
    expect(report.ok).toBe(false);
    expect(report.chains[0]?.problems).toEqual([`the chain has ${events} events but no head record (where it ends): it was removed, so events removed from the end would not show`]);
  });

  it("names a stored summary's totals, currency or terms that differ from the ones issued", async () => {
    const issued = await BillingSummaryModel.findOne({ clientKey: 'LEDG', period: thisMonth }).lean();
    const report = await tampered('billingsummaries', async () => {
      await rawSummaries().updateOne({ clientKey: 'LEDG', period: thisMonth }, { $set: { 'totals.netMinor': 1, currency: 'USD', incrementMinutes: 15 } });
      return verifyLedger({ clientKey: 'LEDG' });
    });
    expect(report.ok).toBe(false);
    expect(report.summaries.find((s) => s.period === thisMonth)?.problems).toEqual([
      `totals.netMinor is ${issued!.totals.netMinor} in the summary the ledger recorded at issue, 1 in the stored summary`,
      'currency is GBP in the summary the ledger recorded at issue, USD in the stored summary',
      'incrementMinutes is 1 in the summary the ledger recorded at issue, 15 in the stored summary',
    ]);
    expect(report.summaries.find((s) => s.period === following)?.problems).toEqual([]);
  });

  it('fails for a billing.issued event with no issued summary stored, and for an issued summary with no event', async () => {
    const event = await AuditEventModel.findOne({ chain: 'LEDG', action: 'billing.issued', entityId: `LEDG/${thisMonth}` }).lean();
    const month = periodLabel(thisMonth);
    const removed = await tampered('billingsummaries', async () => {
      await rawSummaries().deleteOne({ clientKey: 'LEDG', period: thisMonth });
      return verifyLedger({ clientKey: 'LEDG' });
    });
    expect(removed.ok).toBe(false);
    expect(removed.summaries.find((s) => s.period === thisMonth)?.problems).toEqual([`the ledger says it was issued (#${event!.seq}), but there is no stored ${month} summary for LEDG`]);
    const unissued = await tampered('billingsummaries', async () => {
      await rawSummaries().updateOne({ clientKey: 'LEDG', period: thisMonth }, { $set: { status: 'draft' } });
      return verifyLedger({ clientKey: 'LEDG' });
    });
    expect(unissued.summaries.find((s) => s.period === thisMonth)?.problems).toEqual([`the ledger says it was issued (#${event!.seq}), but the stored ${month} summary for LEDG is a draft`]);
    const noEvent = await tampered('auditevents', async () => {
      await raw().deleteOne({ _id: event!._id });
      return verifyLedger({ clientKey: 'LEDG' });
    });
    expect(noEvent.ok).toBe(false);
    expect(noEvent.summaries.find((s) => s.period === thisMonth)?.problems).toContain('it is issued, but the ledger has no billing.issued event for it');
  });

  describe('--head: the head printed on an issued summary, kept by the client', () => {
    let head: { seq: number; hash: string };
    let issuedAt: number;
    beforeAll(async () => {
      const issued = await BillingSummaryModel.findOne({ clientKey: 'LEDG', period: thisMonth }).lean();
      head = { seq: issued!.ledgerHead!.seq, hash: issued!.ledgerHead!.hash };
      issuedAt = (await AuditEventModel.findOne({ chain: 'LEDG', action: 'billing.issued', entityId: `LEDG/${thisMonth}` }).lean())!.seq!;
    });

    /** Keeps the events up to `seq` (the rest removed) and moves the head record back to the last one kept. */
    async function cutAfter(seq: number) {
      await raw().deleteMany({ chain: 'LEDG', seq: { $gt: seq } });
      const last = await AuditEventModel.findOne({ chain: 'LEDG', seq }).lean();
      await rawHeads().updateOne({ _id: 'LEDG' as never }, { $set: { seq, hash: last!.hash } });
    }

    it('holds, given the whole hash or its first 16 characters, and names the month computed from it', async () => {
      for (const given of [head.hash, head.hash.slice(0, 16)]) {
        const report = await verifyLedger({ clientKey: 'LEDG', head: given });
        expect(report.head).toEqual({ chain: 'LEDG', given, at: head, issued: [{ period: thisMonth, seq: issuedAt }], problems: [] });
        expect(report.ok).toBe(true);
      }
    });

    it('fails when the events after it were removed, even with the head record moved back to match', async () => {
      const report = await tampered('auditevents', () =>
        tampered('auditchains', async () => {
          await cutAfter(head.seq);
          return verifyLedger({ clientKey: 'LEDG', head: head.hash.slice(0, 16) });
        }),
      );
      expect(report.chains[0]?.problems).toEqual([]);
      expect(report.ok).toBe(false);
      expect(report.head?.problems).toEqual([
        `it is the hash of #${head.seq}, but no billing.issued event after it (the chain now ends at #${head.seq}) says it was computed from it: if it came from an issued summary, that summary's record was removed from the end of the chain`,
      ]);
    });

    it("fails when the head's own event was removed", async () => {
      const report = await tampered('auditevents', () =>
        tampered('auditchains', async () => {
          await cutAfter(head.seq - 1);
          return verifyLedger({ clientKey: 'LEDG', head: head.hash });
        }),
      );
      expect(report.ok).toBe(false);
      expect(report.head?.problems).toEqual([
        `no event of LEDG's chain has a hash starting ${head.hash}: the chain no longer holds that head (the events up to it were changed and re-hashed, or removed)`,
      ]);
    });

    it('fails when the chain was recomputed: every link re-hashed after an early event was edited', async () => {
      const report = await tampered('auditevents', () =>
        tampered('auditchains', async () => {
          await raw().updateOne({ chain: 'LEDG', seq: 2 }, { $set: { actorId: 'U0SOMEONEELSE' } });
          let prevHash = GENESIS;
          for (const event of await AuditEventModel.find({ chain: 'LEDG' }).sort({ seq: 1 }).lean()) {
            const hash = linkHash(prevHash, { ...event, seq: event.seq!, chain: event.chain! });
            await raw().updateOne({ _id: event._id }, { $set: { prevHash, hash } });
            prevHash = hash;
          }
          await rawHeads().updateOne({ _id: 'LEDG' as never }, { $set: { hash: prevHash } });
          return verifyLedger({ clientKey: 'LEDG', head: head.hash.slice(0, 16) });
        }),
      );
      expect(report.chains[0]?.problems).toEqual([]);
      expect(report.ok).toBe(false);
      expect(report.head?.problems).toEqual([
        `no event of LEDG's chain has a hash starting ${head.hash.slice(0, 16)}: the chain no longer holds that head (the events up to it were changed and re-hashed, or removed)`,
      ]);
    });

    it('fails when the chain around it does not hold', async () => {
      const report = await tampered('auditevents', async () => {
        await raw().updateOne({ chain: 'LEDG', seq: head.seq + 1 }, { $set: { actorId: 'U0SOMEONEELSE' } });
        return verifyLedger({ clientKey: 'LEDG', head: head.hash });
      });
      expect(report.ok).toBe(false);
      expect(report.head?.problems).toEqual([
        `it is the hash of #${head.seq}, but the chain does not hold (see above), so it cannot show that nothing up to #${head.seq} or after it was changed`,
      ]);
    });

    it('is checked by `npm run verify -- --client LEDG --head <hex>`: 0 when it holds, 1 when it does not, 2 for a usage mistake', async () => {
      // In-process (the command's main): `npm run verify` as a process is tested below.
      const verify = (...args: string[]) => runCommand(verifyCommand, args, { MONGODB_URI: uri });
      const [held, missing, short, alone] = await Promise.all([
        verify('--client', 'LEDG', '--head', head.hash.slice(0, 16).toUpperCase()),
        verify('--client', 'LEDG', '--head', 'f'.repeat(64)),
        verify('--client', 'LEDG', '--head', head.hash.slice(0, 15)),
        verify('--head', head.hash),
      ]);
      expect(held.code).toBe(0);
      expect(held.stdout).toContain(`✓ LEDG's chain holds the head ${head.hash.slice(0, 16)} at #${head.seq}: the ${periodLabel(thisMonth)} summary (issued in #${issuedAt}) was computed from it`);
      expect(held.stdout).toContain('The ledger holds.');
      expect(missing.code).toBe(1);
      expect(missing.stdout).toContain(`✗ LEDG's chain does NOT hold the head ffffffffffffffff…:`);
      expect(missing.stdout).toContain('The ledger does NOT hold');
      expect(short.code).toBe(2);
      expect(short.stderr).toContain('--head: give the hash as printed, at least its first 16 hex characters');
      expect(alone.code).toBe(2);
      expect(alone.stderr).toContain('--head: say whose chain to look in, with --client');
    }, 60_000);
  });

  it('records many events of one chain at once unchained, and the chainer links them into one line', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        recordAudit({ actorId: 'U0X', action: 'test.appended', entityType: 'client', entityId: `CONC/${i}`, clientKey: 'CONC', after: { i, nested: {}, list: [1, undefined] } }),
      ),
    );
    // Recorded with no position: the unique (chain, seq) index takes any number of them.
    expect(await AuditEventModel.countDocuments({ pendingChain: 'CONC', chain: { $exists: false }, seq: { $exists: false }, hash: { $exists: false } })).toBe(40);
    const report = await verifyLedger({ clientKey: 'CONC' });
    expect(report.chains[0]).toMatchObject({ events: 0, pending: 40, problems: [] });

    // Chainers running at once (several workers): one holds the chain, the others leave it.
    const linked = await Promise.all([linkPendingEvents(), linkPendingEvents(), linkPendingEvents()]);
    expect(linked.reduce((a, b) => a + b, 0)).toBe(40);
    const events = await AuditEventModel.find({ chain: 'CONC' }).sort({ seq: 1 }).lean();
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(events.every((e) => e.pendingChain === undefined)).toBe(true);
    // In the order they were recorded: by time, then id.
    const order = [...events].sort((a, b) => a.at.getTime() - b.at.getTime() || a._id.toHexString().localeCompare(b._id.toHexString()));
    expect(events.map((e) => e.entityId)).toEqual(order.map((e) => e.entityId));
    expect(new Set(events.map((e) => (e.after as { i: number }).i)).size).toBe(40);
    expect(await mongoose.connection.db!.collection('auditchains').findOne({ _id: 'CONC' as never })).toEqual({ _id: 'CONC', seq: 40, hash: events[39]?.hash });
    expect(await verifyLedger({ clientKey: 'CONC' })).toMatchObject({ ok: true, chains: [{ events: 40, pending: 0, problems: [] }] });
    expect(await linkPendingEvents()).toBe(0);
  });

  it('goes on where a chainer killed part-way stopped, once its lease runs out', async () => {
    for (let i = 0; i < 5; i++) await recordAudit({ actorId: 'U0X', action: 'test.appended', entityType: 'client', entityId: `CONC/crash${i}`, clientKey: 'CONC' });
    // A chainer of its own, killed (SIGKILL) right after linking its first event: the head not
    // moved, the lease still held.
    const script = "require('./src/db/connection').connectDatabase(process.env.MONGODB_URI).then(() => require('./src/services/audit').linkPendingEvents())";
    // Node itself with tsx's loader, so the process killed is the one run here.
    const killed = await run(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', MONGODB_URI: uri, CRASH_AT: 'audit.chain.linked' } }).catch((error: { signal?: string; stderr: string }) => error);
    expect((killed as { signal?: string }).signal).toBe('SIGKILL');
    expect((killed as { stderr: string }).stderr).toContain('CRASH_AT reached: audit.chain.linked');
    expect(await AuditEventModel.countDocuments({ pendingChain: 'CONC' })).toBe(4);
    const head = await mongoose.connection.db!.collection('auditchains').findOne({ _id: 'CONC' as never });
    expect(head).toMatchObject({ seq: 40 });
    expect(head?.leaseUntil).toBeInstanceOf(Date);

    // While the dead chainer's lease lasts, nobody else links the chain…
    expect(await linkPendingEvents()).toBe(0);
    // …and when it has run out (moved back here rather than waited for), the next one goes on from the event it linked.
    expect(CHAIN_LEASE_MS).toBeLessThanOrEqual(60_000);
    await mongoose.connection.db!.collection('auditchains').updateOne({ _id: 'CONC' as never }, { $set: { leaseUntil: new Date(Date.now() - 1) } });
    expect(await linkPendingEvents()).toBe(4);
    const last = await AuditEventModel.find({ chain: 'CONC' }).sort({ seq: -1 }).limit(6).lean();
    expect(last.map((e) => e.seq)).toEqual([45, 44, 43, 42, 41, 40]);
    expect(last.map((e) => e.entityId).slice(0, 5).reverse()).toEqual(['CONC/crash0', 'CONC/crash1', 'CONC/crash2', 'CONC/crash3', 'CONC/crash4']);
    expect(await mongoose.connection.db!.collection('auditchains').findOne({ _id: 'CONC' as never })).toEqual({ _id: 'CONC', seq: 45, hash: last[0]?.hash });
    expect((await verifyLedger({ clientKey: 'CONC' })).ok).toBe(true);
  }, 60_000);

  it('flags events left unchained for more than a minute, and counts younger ones as pending', async () => {
    const old = new Date(Date.now() - UNCHAINED_LIMIT_MS - 5_000);
    await recordAudit({ actorId: 'U0X', action: 'test.fresh', entityType: 'client', entityId: 'LATE/fresh', clientKey: 'LATE' });
    const fresh = await verifyLedger({ clientKey: 'LATE' });
    expect(fresh.chains).toEqual([{ chain: 'LATE', events: 0, unchained: 0, pending: 1, problems: [] }]);
    expect(fresh.ok).toBe(true);

    await recordAudit({ actorId: 'U0X', action: 'test.stuck', entityType: 'client', entityId: 'LATE/stuck', clientKey: 'LATE', at: old });
    const stuck = await verifyLedger({ clientKey: 'LATE' });
    expect(stuck.ok).toBe(false);
    expect(stuck.chains[0]?.problems).toEqual([
      `1 event was recorded more than a minute ago and never linked into the chain (the oldest: test.stuck LATE/stuck at ${old.toISOString()}): is the worker's chainer running?`,
    ]);
    // The same through `npm run verify` (every chain, the waiting ones included).
    const cli = await runCommand(verifyCommand, [], { MONGODB_URI: uri });
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('✗ LATE: 0 events');
    expect(cli.stdout).toContain('never linked into the chain (the oldest: test.stuck');

    expect(await linkPendingEvents()).toBe(2);
    expect(await verifyLedger({ clientKey: 'LATE' })).toMatchObject({ ok: true, chains: [{ events: 2, pending: 0, problems: [] }] });
  }, 60_000);

  it('holds when an event carries half an emoji: every string is hashed as MongoDB stores it', async () => {
    // A lone surrogate is not UTF-8: MongoDB stores U+FFFD in its place, so the hash must be taken
    // over U+FFFD too, in the content, the keys and the event's own fields.
    await recordAudit({ actorId: 'U0X\ud83d', action: 'test.appended', entityType: 'client', entityId: 'UTF/1', clientKey: 'UTF', after: { text: 'a\ud83d', 'k\ude00': ['\ud83d'] } });
    await linkPendingEvents();
    const [event] = await AuditEventModel.find({ chain: 'UTF' }).lean();
    expect(event).toMatchObject({ actorId: 'U0X\ufffd', after: { text: 'a\ufffd', 'k\ufffd': ['\ufffd'] } });
    const report = await verifyLedger({ clientKey: 'UTF' });
    expect(report.chains[0]?.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('is checked by `npm run verify`, which needs only MONGODB_URI and exits 1 when the ledger does not hold', async () => {
    const env = { PATH: process.env.PATH ?? '', MONGODB_URI: uri };
    // As a process, with nothing but MONGODB_URI (and PATH); the other runs in-process (the same main).
    const ok = await run(process.execPath, ['--import', 'tsx', 'scripts/verify.ts', '--client', 'LEDG'], { cwd: ROOT, env });
    expect(ok.stdout).toContain('✓ LEDG:');
    expect(ok.stdout).toContain('The ledger holds.');
    const logged = await AuditEventModel.findOne({ chain: 'LEDG', action: 'time.logged', entityId: entryId }).lean();
    const failed = await tampered('auditevents', async () => {
      await raw().updateOne({ _id: logged!._id }, { $set: { 'after.minutes': 30 } });
      return runCommand(verifyCommand, [], { MONGODB_URI: uri });
    });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`✗ LEDG:`);
    expect(failed.stdout).toContain(`#${logged!.seq} (time.logged ${entryId}`);
    expect(failed.stdout).toContain('The ledger does NOT hold');
    const usage = await runCommand(verifyCommand, ['--client', 'acme'], { MONGODB_URI: uri });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--client: the client key must be 2–10 capital letters');
  }, 60_000);
});
