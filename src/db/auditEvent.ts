// Audit events: the append-only record of every state change and money-relevant action.
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
  },
  { versionKey: false },
);

// Serves: a request's history (dispute view, tests) in order.
auditEventSchema.index({ entityType: 1, entityId: 1, at: 1 });
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
