// One document per weekly digest sent: its _id is the week, so a second worker (or a retried
// job) finds it and sends nothing.
import { Schema, model } from 'mongoose';

const digestRunSchema = new Schema(
  {
    _id: { type: String, required: true },
    sentAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export const DigestRunModel = model('DigestRun', digestRunSchema);
