// The head of each audit chain: its last position and hash. A cache that spares every append a
// search for the chain's last event; the events are the truth (an append that finds the position
// taken catches the head up), and verify checks the head against them, so removing the events at
// the end of a chain shows.
import { Schema, model } from 'mongoose';

const auditChainSchema = new Schema(
  {
    _id: { type: String, required: true },
    seq: { type: Number, required: true },
    hash: { type: String, required: true },
  },
  { versionKey: false },
);

export const AuditChainModel = model('AuditChain', auditChainSchema);
