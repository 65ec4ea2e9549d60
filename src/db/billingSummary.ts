// Billing summaries: one per client per month. A draft is replaced whenever it is regenerated; an
// issued summary is never changed again (later changes reach the client as adjustment lines in a
// later month's summary).
import { Schema, model, type InferSchemaType } from 'mongoose';

export const BILLING_SUMMARY_STATUSES = ['draft', 'issued'] as const;
export type BillingSummaryStatus = (typeof BILLING_SUMMARY_STATUSES)[number];

import type { BillingLine, BillingTotals } from '../domain/billingLines';

export type { BillingLine, BillingTotals };

const lineSchema = new Schema(
  {
    requestKey: { type: String, required: true },
    title: { type: String, required: true },
    openedAt: { type: Date, required: true },
    closedAt: { type: Date },
    cancelledAt: { type: Date },
    state: { type: String, required: true },
    estimateMinutes: { type: Number, required: true },
    approvedAmountMinor: { type: Number, required: true },
    loggedMinutes: { type: Number, required: true },
    rawMinutes: { type: Number, required: true },
    billedMinutes: { type: Number, required: true },
    amountMinor: { type: Number, required: true },
    upfrontMinor: { type: Number, required: true },
    reconciliationMinor: { type: Number, required: true },
    adjustment: { type: Boolean, required: true, default: false },
    adjustsPeriod: { type: String },
  },
  { _id: false },
);

const totalsSchema = new Schema(
  {
    estimateMinutes: { type: Number, required: true },
    approvedAmountMinor: { type: Number, required: true },
    loggedMinutes: { type: Number, required: true },
    rawMinutes: { type: Number, required: true },
    billedMinutes: { type: Number, required: true },
    amountMinor: { type: Number, required: true },
    upfrontMinor: { type: Number, required: true },
    reconciliationMinor: { type: Number, required: true },
    netMinor: { type: Number, required: true },
  },
  { _id: false },
);

const billingSummarySchema = new Schema(
  {
    clientKey: { type: String, required: true },
    /** YYYY-MM: a calendar month in the client's timezone. */
    period: { type: String, required: true },
    status: { type: String, enum: BILLING_SUMMARY_STATUSES, required: true },
    clientName: { type: String, required: true },
    timezone: { type: String, required: true },
    currency: { type: String, required: true },
    billingMode: { type: String, enum: ['upfront', 'on_completion'], required: true },
    /** The client's rate when the summary was generated (each request bills at its estimate's rate). */
    hourlyRateMinor: { type: Number, required: true },
    /** The rounding the month was billed under; recomputing an issued month uses these, not today's. */
    incrementMinutes: { type: Number, required: true },
    minimumMinutes: { type: Number, required: true },
    /**
     * The instants the month ran from (inclusive) and to (exclusive). A month starts where the
     * issued month before it ended, so after a change of timezone they are not always its own
     * midnights; recomputing an issued month uses these. Absent on summaries from before they were
     * stored, whose bounds were the local midnights in `timezone`.
     */
    periodStart: { type: Date },
    periodEnd: { type: Date },
    lines: { type: [lineSchema], default: [] },
    totals: { type: totalsSchema, required: true },
    generatedAt: { type: Date, required: true },
    generatedBy: { type: String, required: true },
    issuedAt: { type: Date },
    issuedBy: { type: String },
    /**
     * Issued summaries: where the client's audit chain ended when the numbers were computed. The
     * verifier recomputes the month from the events up to there (npm run verify).
     */
    ledgerHead: { type: new Schema({ seq: { type: Number, required: true }, hash: { type: String, required: true } }, { _id: false }) },
    /** Bumped by every regeneration that changed the draft and by issuing; guards the issue. */
    revision: { type: Number, required: true, default: 0 },
  },
  { versionKey: false },
);

// Serves: one summary per client and month (the draft upsert cannot create a second one, and an
// issued summary blocks it), `/help billing ACME 2026-11`, the Issue button, and "the issued
// months of a client before this one" when adjustments are worked out (clientKey + period range).
billingSummarySchema.index({ clientKey: 1, period: 1 }, { unique: true });

export type BillingSummaryRecord = Omit<InferSchemaType<typeof billingSummarySchema>, 'lines' | 'totals'> & {
  lines: BillingLine[];
  totals: BillingTotals;
};
export const BillingSummaryModel = model('BillingSummary', billingSummarySchema);
