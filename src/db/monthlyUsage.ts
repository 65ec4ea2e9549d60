// Billable minutes a client has used per month (the month of each entry's work date, in the
// client's timezone): the counter the monthly budget cap is reserved against with a guarded $inc,
// so two engineers logging at once cannot both slip past the cap. Kept for every client (with or
// without a cap), so a cap set later starts from the right figure. A counter is created the first
// time a month is touched, from the time entries already there (data from before counters existed).
// The worker's sweep repairs a current month's counter that stays out of line with its entries
// (services/counters.ts).
import { Schema, model, type InferSchemaType } from 'mongoose';

const monthlyUsageSchema = new Schema(
  {
    clientKey: { type: String, required: true },
    /** YYYY-MM. */
    month: { type: String, required: true },
    billableMinutes: { type: Number, required: true, default: 0 },
    /** A disagreement of billableMinutes with the entries, noticed by the sweep (domain/counters.ts). */
    drift: { type: new Schema({ counter: { type: Number, required: true }, entries: { type: Number, required: true }, at: { type: Date, required: true } }, { _id: false }) },
  },
  { versionKey: false },
);

// Serves: every reservation and release (one client's month); unique so a month has one counter
// even when two first entries of the month create it at once.
monthlyUsageSchema.index({ clientKey: 1, month: 1 }, { unique: true });

export type MonthlyUsageRecord = InferSchemaType<typeof monthlyUsageSchema>;
export const MonthlyUsageModel = model('MonthlyUsage', monthlyUsageSchema);
