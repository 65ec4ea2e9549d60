// Audit events: the append-only record of every state change and money-relevant action, each a
// link of its client's hash chain (domain/ledger.ts): position, the hash of the event before it,
// and its own hash. An event is written with its change, unchained (`pendingChain` names the chain
// it waits for); the worker's chainer (services/audit.ts) then gives it its link in one guarded
// update: chain, seq, prevHash and hash set, pendingChain removed. Nothing else ever changes it.
import { Schema, model, type InferSchemaType } from 'mongoose';

const auditEventSchema = new Schema(
  {
    at: { type: Date, required: true },
    actorId: { type: String, required: true },
    action: { type: String, required: true },
    entityType: { type: String, required: true },
    entityId: { type: String, required: true },
    clientKey: { type: String },
    before: { type: Schema.Types.Mixed },
    after: { type: Schema.Types.Mixed },
    /** Until it is linked: the chain it waits for (its client's key, or "-"). */
    pendingChain: { type: String },
    /** Once linked: the chain it belongs to, its position there from 1, and the hashes. */
    chain: { type: String },
    seq: { type: Number },
    prevHash: { type: String },
    hash: { type: String },
  },
  // minimize off: an empty object in before/after is kept as written, so the event read back is
  // the one that was hashed.
  { versionKey: false, minimize: false },
);

// Serves: a request's history (dispute view, tests) in order.
auditEventSchema.index({ entityType: 1, entityId: 1, at: 1 });
// Serves: the ledger's order (verify reads a chain by seq); unique, so two events appended at once
// cannot take the same position and the chain stays linear. Sparse: events not linked yet (and
// those written before the ledger) have neither field, so any number of them fit.
auditEventSchema.index({ chain: 1, seq: 1 }, { unique: true, sparse: true });
// Serves: the chainer, which links a chain's waiting events (few: it links them within seconds).
// Sparse, so linked events leave it.
auditEventSchema.index({ pendingChain: 1 }, { sparse: true });
// Serves: a client's history for exports.
auditEventSchema.index({ clientKey: 1, at: 1 });

// Append-only: every path that would change or remove an event is refused at the model.
const refuse = () => {
  throw new Error('Audit events are append-only');
};
for (const op of [
  'updateOne',
  'updateMany',
  'findOneAndUpdate',
  'findOneAndDelete',
  'findOneAndReplace',
  'replaceOne',
  'deleteOne',
  'deleteMany',
] as const) {
  auditEventSchema.pre(op, refuse);
}
// bulkWrite skips query middleware: allow inserts only.
auditEventSchema.pre('bulkWrite', function (ops: ReadonlyArray<Record<string, unknown>>) {
  if (ops.some((op) => !('insertOne' in op))) refuse();
});
auditEventSchema.pre('save', function () {
  if (!this.isNew) refuse();
});

export type AuditEventRecord = InferSchemaType<typeof auditEventSchema>;
export const AuditEventModel = model('AuditEvent', auditEventSchema);
