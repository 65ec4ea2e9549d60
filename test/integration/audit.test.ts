// The audit trail is append-only at the model: every mongoose path that would change or remove an
// event is refused and leaves the stored event exactly as it was; recordAudit only ever appends.
import mongoose from 'mongoose';
import { AuditEventModel } from '../../src/db/auditEvent';
import { auditTrail, recordAudit } from '../../src/services/audit';
import { useTestDatabase } from '../support/database';

useTestDatabase();

let counter = 0;

/** A fresh event of its own, so one attempt cannot hide what another did. */
async function storedEvent() {
  const entityId = `ACME-${++counter}`;
  await recordAudit({
    actorId: 'U0ENG1',
    action: 'request.claim',
    entityType: 'request',
    entityId,
    clientKey: 'ACME',
    before: { state: 'open' },
    after: { state: 'claimed', assigneeId: 'U0ENG1' },
    at: new Date('2026-11-03T10:00:00Z'),
  });
  const event = await AuditEventModel.findOne({ entityId }).lean();
  if (!event) throw new Error('recordAudit stored nothing');
  return event;
}

/** The event as MongoDB holds it, read past mongoose, in BSON bytes. */
async function rawBytes(id: mongoose.Types.ObjectId): Promise<Buffer | undefined> {
  const raw = await AuditEventModel.collection.findOne({ _id: id });
  return raw ? Buffer.from(mongoose.mongo.BSON.serialize(raw)) : undefined;
}

type Attempt = (event: { _id: mongoose.Types.ObjectId; entityId: string }) => Promise<unknown>;

const forged = { $set: { actorId: 'U0FORGER', after: { state: 'cancelled' } } };

const ATTEMPTS: Array<[string, Attempt]> = [
  ['Model.updateOne', (e) => AuditEventModel.updateOne({ _id: e._id }, forged)],
  ['Model.updateMany', (e) => AuditEventModel.updateMany({ entityId: e.entityId }, forged)],
  ['Model.findOneAndUpdate', (e) => AuditEventModel.findOneAndUpdate({ _id: e._id }, forged)],
  ['Model.findByIdAndUpdate', (e) => AuditEventModel.findByIdAndUpdate(e._id, forged)],
  ['Model.deleteOne', (e) => AuditEventModel.deleteOne({ _id: e._id })],
  ['Model.deleteMany', (e) => AuditEventModel.deleteMany({ entityId: e.entityId })],
  ['Model.findOneAndDelete', (e) => AuditEventModel.findOneAndDelete({ _id: e._id })],
  ['Model.findByIdAndDelete', (e) => AuditEventModel.findByIdAndDelete(e._id)],
  [
    'Model.replaceOne',
    (e) => AuditEventModel.replaceOne({ _id: e._id }, { at: new Date(), actorId: 'U0FORGER', action: 'x', entityType: 'request', entityId: e.entityId }),
  ],
  [
    'Model.findOneAndReplace',
    (e) => AuditEventModel.findOneAndReplace({ _id: e._id }, { at: new Date(), actorId: 'U0FORGER', action: 'x', entityType: 'request', entityId: e.entityId }),
  ],
  [
    're-saving an existing document',
    async (e) => {
      const doc = await AuditEventModel.findById(e._id);
      if (!doc) throw new Error('unreachable: the event exists');
      doc.set('actorId', 'U0FORGER');
      return doc.save();
    },
  ],
  [
    're-saving an existing document unchanged',
    async (e) => {
      const doc = await AuditEventModel.findById(e._id);
      if (!doc) throw new Error('unreachable: the event exists');
      return doc.save();
    },
  ],
  [
    'document.updateOne',
    async (e) => {
      const doc = await AuditEventModel.findById(e._id);
      if (!doc) throw new Error('unreachable: the event exists');
      return doc.updateOne(forged);
    },
  ],
  // bulkWrite skips query middleware, so it needs a refusal of its own.
  ['Model.bulkWrite (updateOne)', (e) => AuditEventModel.bulkWrite([{ updateOne: { filter: { _id: e._id }, update: forged } }])],
  ['Model.bulkWrite (deleteOne)', (e) => AuditEventModel.bulkWrite([{ deleteOne: { filter: { _id: e._id } } }])],
  [
    'document.deleteOne',
    async (e) => {
      const doc = await AuditEventModel.findById(e._id);
      if (!doc) throw new Error('unreachable: the event exists');
      return doc.deleteOne();
    },
  ],
];

describe('audit events are append-only at the model', () => {
  it.each(ATTEMPTS)('%s throws and leaves the event byte-for-byte unchanged', async (_label, attempt) => {
    const event = await storedEvent();
    const before = await rawBytes(event._id);
    expect(before).toBeDefined();
    const countBefore = await AuditEventModel.countDocuments();

    await expect(attempt(event)).rejects.toThrow('Audit events are append-only');

    expect(await rawBytes(event._id)).toEqual(before);
    expect(await AuditEventModel.findById(event._id).lean()).toEqual(event);
    expect(await AuditEventModel.countDocuments()).toBe(countBefore);
  });
});

describe('recordAudit', () => {
  it('appends a new event each time and never touches the earlier ones', async () => {
    const entityId = 'BETA-7';
    const first = { actorId: 'U0BETADEV', action: 'request.opened', entityType: 'request' as const, entityId, clientKey: 'BETA', after: { state: 'open' } };
    await recordAudit(first);
    const [stored] = await auditTrail('request', entityId);
    expect(stored).toMatchObject(first);
    expect(stored?.at).toBeInstanceOf(Date);
    const firstBytes = await rawBytes(stored!._id);

    // The same content again is a second event, not an update of the first.
    await recordAudit(first);
    await recordAudit({ actorId: 'U0ENG1', action: 'request.claim', entityType: 'request', entityId, clientKey: 'BETA', before: { state: 'open' }, after: { state: 'claimed' } });

    const trail = await auditTrail('request', entityId);
    expect(trail.map((e) => [e.actorId, e.action])).toEqual([
      ['U0BETADEV', 'request.opened'],
      ['U0BETADEV', 'request.opened'],
      ['U0ENG1', 'request.claim'],
    ]);
    expect(new Set(trail.map((e) => e._id.toHexString())).size).toBe(3);
    expect(trail[0]?._id).toEqual(stored?._id);
    expect(await rawBytes(stored!._id)).toEqual(firstBytes);
  });

  it('keeps the time it was given, so backfilled events sort where they happened', async () => {
    const at = new Date('2026-10-31T23:59:59Z');
    await recordAudit({ actorId: 'system', action: 'request.autoClose', entityType: 'request', entityId: 'ACME-900', at });
    const [event] = await auditTrail('request', 'ACME-900');
    expect(event?.at).toEqual(at);
    expect(event?.actorId).toBe('system');
  });
});
