// One document per run of a calendar job (a week's digest, a month's billing run): its _id names
// the job and the period, so a second worker (or a retried job) finds it and sends nothing.
import { Schema, model } from 'mongoose';

const scheduledRunSchema = new Schema(
  {
    _id: { type: String, required: true },
    ranAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export const ScheduledRunModel = model('ScheduledRun', scheduledRunSchema);
