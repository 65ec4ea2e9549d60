// The head of each audit chain: its last position and hash, and the chainer's lease on it. A cache
// that spares every link a search for the chain's last event; the events are the truth (the chainer
// catches the head up from them), and verify checks the head against them, so removing the events
// at the end of a chain shows. One chainer at a time holds a chain's lease (leaseOwner until
// leaseUntil) while it links that chain's waiting events and moves the head; a chainer that died
// holding it loses it when it runs out.
import { Schema, model } from 'mongoose';

const auditChainSchema = new Schema(
  {
    _id: { type: String, required: true },
    seq: { type: Number, required: true },
    hash: { type: String, required: true },
    leaseOwner: { type: String },
    leaseUntil: { type: Date },
  },
  { versionKey: false },
);

export const AuditChainModel = model('AuditChain', auditChainSchema);
