// Billing summaries: one per client per month. A draft is replaced whenever it is regenerated; an
// issued summary is never changed again (later changes reach the client as adjustment lines in a
// later month's summary).
import { Schema, model, type InferSchemaType } from 'mongoose';

export const BILLING_SUMMARY_STATUSES = ['draft', 'issued'] as const;
export type BillingSummaryStatus = (typeof BILLING_SUMMARY_STATUSES)[number];

import { BILLING_LINE_FIELDS, BILLING_TOTALS_FIELDS, type BillingLine, type BillingTotals } from '../domain/billingLines';
import { subSchemaOf } from './fieldTable';

export type { BillingLine, BillingTotals };

// Both declared once, in domain/billingLines.ts, with the types the code uses.
const lineSchema = subSchemaOf(BILLING_LINE_FIELDS);
const totalsSchema = subSchemaOf(BILLING_TOTALS_FIELDS);

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
    /**
     * Written with the issue, in the same update, and cleared once done: what issuing still owes
     * (its `billing.issued` audit event, the client's copy in their channel). A process that dies
     * in between leaves it set, and the worker's sweep finishes the job (services/billing.ts
     * summariesOwedAfterIssue). Absent on summaries issued before it existed.
     */
    owedAfterIssue: { type: new Schema({ audit: { type: Boolean }, clientCopy: { type: Boolean } }, { _id: false }) },
    /** Bumped by every regeneration that changed the draft and by issuing; guards the issue. */
    revision: { type: Number, required: true, default: 0 },
  },
  { versionKey: false },
);

// Serves: one summary per client and month (the draft upsert cannot create a second one, and an
// issued summary blocks it), `/help billing ACME 2026-11`, the Issue button, and "the issued
// months of a client before this one" when adjustments are worked out (clientKey + period range).
billingSummarySchema.index({ clientKey: 1, period: 1 }, { unique: true });
// Serves: the worker's sweep for issued summaries whose audit event or client copy is still owed.
billingSummarySchema.index({ 'owedAfterIssue.audit': 1 }, { sparse: true });
billingSummarySchema.index({ 'owedAfterIssue.clientCopy': 1 }, { sparse: true });

export type BillingSummaryRecord = Omit<InferSchemaType<typeof billingSummarySchema>, 'lines' | 'totals'> & {
  lines: BillingLine[];
  totals: BillingTotals;
};
export const BillingSummaryModel = model('BillingSummary', billingSummarySchema);
