// The on-call rota: one document (`_id: 'rota'`), set by the seed file or `/help admin oncall`.
import { Schema, model } from 'mongoose';

const onCallRotaSchema = new Schema(
  {
    _id: { type: String, required: true },
    engineers: { type: [String], default: [] },
    /** YYYY-MM-DD: the first engineer's week starts at local midnight that day. */
    startsOn: { type: String, required: true },
    timezone: { type: String, required: true },
  },
  { versionKey: false, timestamps: { createdAt: false, updatedAt: true } },
);

export const OnCallRotaModel = model('OnCallRota', onCallRotaSchema);
