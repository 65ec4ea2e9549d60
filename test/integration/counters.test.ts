// #21, defect 4: the budget counters (a request's billableMinutesLogged, a client's month counter)
// drifted from the time entries and nothing repaired them. A delete racing an edit gave back the
// minutes of a stale read (20 minutes too low); a crash between a reservation and its write leaves
// them too high. Edits and deletes are now guarded by the entry's revision, and the worker's sweep
// repairs a drift that stays, auditing it. Real MongoDB-wire server, our modules unmocked.
import { AuditEventModel } from '../../src/db/auditEvent';
import { MonthlyUsageModel } from '../../src/db/monthlyUsage';
import { RequestModel } from '../../src/db/request';
import { TimeEntryModel } from '../../src/db/timeEntry';
import { ErrorCode, UserFacingError } from '../../src/errors';
import { setLogLevel } from '../../src/logger';
import { reconcileCounters } from '../../src/services/counters';
import { decideEstimate, postEstimate } from '../../src/services/estimates';
import { applySeed } from '../../src/services/seed';
import { deleteTimeEntry, editTimeEntry, logTime } from '../../src/services/timeEntries';
import { useTestDatabase } from '../support/database';
import { createClaimedRequest } from '../support/records';
import { ACME, STAFF } from '../support/testEnv';

const SEED = `
managers: [${STAFF.manager}]
engineers: [${STAFF.engineer}, ${STAFF.engineer2}]
clients:
  - key: ACME
    name: Acme Ltd
    channels: [${ACME.channel}]
    hourlyRate: 95
    approvers: [${ACME.boss}]
    monthlyBudgetHours: 100
    timezone: Europe/London
  - key: WEST
    name: West Ltd
    channels: [C0WEST]
    hourlyRate: 95
    approvers: [U0WESTBOSS]
    timezone: America/Los_Angeles
`;

beforeAll(() => {
  setLogLevel(process.env.TEST_LOG_LEVEL ?? 'silent');
});
useTestDatabase(() => applySeed(SEED));

let number = 0;
const engineer = { userId: STAFF.engineer };

/** A claimed ACME request with an approved estimate of `minutes`. */
async function approvedRequest(minutes: number, client = 'ACME', boss: string = ACME.boss): Promise<string> {
  const key = await createClaimedRequest(client, ++number, client === 'ACME' ? {} : { requesterId: 'U0WESTDEV', clientChannelId: 'C0WEST' });
  const base = await postEstimate({ key, actor: engineer, lowMinutes: minutes, highMinutes: minutes, assumptions: '' });
  await decideEstimate({ estimateId: base.estimate._id.toHexString(), actor: { userId: boss }, approve: true });
  return key;
}

const requestCounter = async (key: string) => (await RequestModel.findOne({ key }).lean())?.billableMinutesLogged;
const monthCounter = async (clientKey: string, month: string) => (await MonthlyUsageModel.findOne({ clientKey, month }).lean())?.billableMinutes;
async function liveBillable(filter: Record<string, unknown>): Promise<number> {
  const entries = await TimeEntryModel.find({ ...filter, billable: true, deletedAt: { $exists: false } }).lean();
  return entries.reduce((sum, e) => sum + e.minutes, 0);
}

describe('a delete racing an edit of the same entry', () => {
  it('leaves the request and the month counting exactly the live entries, however they interleave', async () => {
    const key = await approvedRequest(60 * 60);
    const at = new Date('2026-09-10T12:00:00Z');
    const outcomes = { editFirst: 0, deleteFirst: 0 };
    for (let i = 0; i < 25; i++) {
      const logged = await logTime({ key, actor: engineer, minutes: 30, note: `Work ${i}`, billable: true, at });
      const id = logged.entry._id.toHexString();
      // Usually both read the entry before either writes (each reads it and the actor's roles
      // first); on a loaded machine the delete may be done before the edit reads it at all.
      const edit = editTimeEntry(id, engineer, { minutes: 10 });
      const remove = deleteTimeEntry(id, engineer);
      const [edited, deleted] = await Promise.allSettled([edit, remove]);
      // The delete always wins in the end: it deletes whatever revision the entry is at.
      expect(deleted.status).toBe('fulfilled');
      if (edited.status === 'fulfilled') outcomes.editFirst++;
      else {
        outcomes.deleteFirst++;
        expect(edited.reason).toBeInstanceOf(UserFacingError);
        // Conflict: it read the entry, the delete wrote first. NotFound: it read it deleted.
        expect([ErrorCode.Conflict, ErrorCode.NotFound]).toContain((edited.reason as UserFacingError).code);
      }
      const entry = await TimeEntryModel.findById(id).lean();
      expect(entry?.deletedAt).toBeDefined();
      expect(await requestCounter(key)).toBe(await liveBillable({ requestKey: key }));
      expect(await monthCounter('ACME', '2026-09')).toBe(await liveBillable({ clientKey: 'ACME', workDate: { $gte: '2026-09-01', $lt: '2026-10-01' } }));
    }
    // Everything logged was deleted again: nothing is counted, nothing is below zero.
    expect(await requestCounter(key)).toBe(0);
    expect(await monthCounter('ACME', '2026-09')).toBe(0);
    expect(outcomes.editFirst + outcomes.deleteFirst).toBe(25);
  });

  it('refuses an edit made from a form showing an older revision, saying what the entry is now', async () => {
    const key = await approvedRequest(600);
    const logged = await logTime({ key, actor: engineer, minutes: 30, note: 'Cache', billable: true, at: new Date('2026-09-11T12:00:00Z') });
    const id = logged.entry._id.toHexString();
    const opened = logged.entry.revision;
    const first = await editTimeEntry(id, { userId: STAFF.manager }, { minutes: 45 }, opened);
    expect(first.revision).toBe(opened + 1);
    const stale = await editTimeEntry(id, engineer, { minutes: 20 }, opened).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(UserFacingError);
    expect((stale as Error).message).toBe('That entry changed while you were editing it: it is now 45m (billable). Open Edit again to change it.');
    expect((await TimeEntryModel.findById(id).lean())?.minutes).toBe(45);
    expect(await requestCounter(key)).toBe(45);
  });
});

describe('an entry logged before entries had revisions', () => {
  it('reads as revision 0: it can be edited and then deleted, each giving back what it held', async () => {
    const key = await approvedRequest(600);
    const inserted = await TimeEntryModel.collection.insertOne({ requestKey: key, clientKey: 'ACME', engineerId: STAFF.engineer, minutes: 60, workDate: '2026-09-15', note: 'Old', billable: true, createdAt: new Date() });
    await RequestModel.updateOne({ key }, { $inc: { billableMinutesLogged: 60 } });
    const monthBefore = (await monthCounter('ACME', '2026-09')) ?? 0;
    await MonthlyUsageModel.updateOne({ clientKey: 'ACME', month: '2026-09' }, { $inc: { billableMinutes: 60 } }, { upsert: true });
    const id = inserted.insertedId.toHexString();
    const edited = await editTimeEntry(id, engineer, { minutes: 20 }, 0);
    expect(edited.revision).toBe(1);
    expect(await requestCounter(key)).toBe(20);
    await deleteTimeEntry(id, engineer);
    expect(await TimeEntryModel.findById(id).lean()).toMatchObject({ revision: 2, deletedBy: STAFF.engineer });
    expect(await requestCounter(key)).toBe(0);
    expect(await monthCounter('ACME', '2026-09')).toBe(monthBefore);
  });
});

describe("the sweep's reconciliation", () => {
  const now = () => new Date();
  const thisMonth = (zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7);

  it('repairs a request counter and a month counter written wrong, once the drift stays, and audits both', async () => {
    const key = await approvedRequest(600);
    await logTime({ key, actor: engineer, minutes: 40, note: 'Real work', billable: true });
    const month = thisMonth('Europe/London');
    const monthTruth = await liveBillable({ clientKey: 'ACME', workDate: { $gte: `${month}-01`, $lte: `${month}-31` } });
    expect(await monthCounter('ACME', month)).toBe(monthTruth);
    // A crash between a reservation and its write: both counters 25 minutes too high.
    await RequestModel.updateOne({ key }, { $inc: { billableMinutesLogged: 25 } });
    await MonthlyUsageModel.updateOne({ clientKey: 'ACME', month }, { $inc: { billableMinutes: 25 } });

    // The first sweep notices; one within the grace period still waits; one after it repairs.
    expect(await reconcileCounters(60_000, now())).toMatchObject({ requests: 0, months: 0 });
    expect(await requestCounter(key)).toBe(65);
    expect(await reconcileCounters(60_000, now())).toMatchObject({ requests: 0, months: 0 });
    const later = new Date(Date.now() + 61_000);
    expect(await reconcileCounters(60_000, later)).toEqual({ requests: 1, months: 1 });
    expect(await requestCounter(key)).toBe(40);
    expect(await monthCounter('ACME', month)).toBe(monthTruth);
    expect((await RequestModel.findOne({ key }).lean())?.counterDrift).toBeUndefined();

    const requestAudit = await AuditEventModel.findOne({ action: 'counters.repaired', entityType: 'request', entityId: key }).lean();
    expect(requestAudit).toMatchObject({ actorId: 'system', clientKey: 'ACME', before: { billableMinutesLogged: 65 }, after: { billableMinutesLogged: 40 } });
    const monthAudit = await AuditEventModel.findOne({ action: 'counters.repaired', entityType: 'client', entityId: 'ACME' }).lean();
    expect(monthAudit).toMatchObject({ actorId: 'system', before: { month, billableMinutes: monthTruth + 25 }, after: { month, billableMinutes: monthTruth } });

    // Repaired for good: later sweeps change nothing and audit nothing more.
    expect(await reconcileCounters(0, new Date(Date.now() + 200_000))).toEqual({ requests: 0, months: 0 });
    expect(await AuditEventModel.countDocuments({ action: 'counters.repaired', entityId: { $in: [key, 'ACME'] } })).toBe(2);
  });

  it('repairs a counter that is too low, in the client’s own month (a client to the west)', async () => {
    const key = await approvedRequest(600, 'WEST', 'U0WESTBOSS');
    await logTime({ key, actor: engineer, minutes: 50, note: 'Work', billable: true });
    const month = thisMonth('America/Los_Angeles');
    await RequestModel.updateOne({ key }, { $inc: { billableMinutesLogged: -20 } });
    await MonthlyUsageModel.updateOne({ clientKey: 'WEST', month }, { $inc: { billableMinutes: -20 } });
    await reconcileCounters(0, now());
    expect(await reconcileCounters(0, now())).toEqual({ requests: 1, months: 1 });
    expect(await requestCounter(key)).toBe(50);
    expect(await monthCounter('WEST', month)).toBe(await liveBillable({ clientKey: 'WEST', workDate: { $gte: `${month}-01`, $lte: `${month}-31` } }));
  });

  it('does not fight a log in flight: a reservation whose entry lands before the next sweep is left alone', async () => {
    const key = await approvedRequest(600);
    await logTime({ key, actor: engineer, minutes: 30, note: 'First', billable: true });
    // A reservation made, its entry not yet written: the sweep sees a disagreement...
    await RequestModel.updateOne({ key }, { $inc: { billableMinutesLogged: 15 } });
    await reconcileCounters(0, now());
    expect((await RequestModel.findOne({ key }).lean())?.counterDrift).toMatchObject({ counter: 45, entries: 30 });
    // ...then the entry lands, as the log finishes.
    await TimeEntryModel.create({ requestKey: key, clientKey: 'ACME', engineerId: STAFF.engineer, minutes: 15, workDate: '2026-09-12', billable: true, createdAt: new Date() });
    expect((await reconcileCounters(0, now())).requests).toBe(0);
    expect(await requestCounter(key)).toBe(45);
    expect((await RequestModel.findOne({ key }).lean())?.counterDrift).toBeUndefined();
  });

  it('does not repair from a stale read: a counter that moved since the disagreement was noticed is looked at again', async () => {
    const key = await approvedRequest(600);
    await logTime({ key, actor: engineer, minutes: 30, note: 'First', billable: true });
    await RequestModel.updateOne({ key }, { $inc: { billableMinutesLogged: 10 } });
    await reconcileCounters(0, now());
    // Another reservation lands before the repair (a log in flight): a different disagreement, noticed afresh.
    await RequestModel.updateOne({ key }, { $inc: { billableMinutesLogged: 5 } });
    expect((await reconcileCounters(0, now())).requests).toBe(0);
    expect(await requestCounter(key)).toBe(45);
    expect((await RequestModel.findOne({ key }).lean())?.counterDrift).toMatchObject({ counter: 45, entries: 30 });
  });
});
