// Estimates: versioned per request. A new version supersedes the pending one and needs its own
// decision; a top-up is a version that adds to what was approved (the budget guard).
import { Schema, model, type InferSchemaType } from 'mongoose';

export const ESTIMATE_KINDS = ['estimate', 'topup'] as const;
export const ESTIMATE_DECISIONS = ['pending', 'approved', 'declined', 'superseded'] as const;
export type EstimateDecision = (typeof ESTIMATE_DECISIONS)[number];

const estimateSchema = new Schema(
  {
    requestKey: { type: String, required: true },
    clientKey: { type: String, required: true },
    version: { type: Number, required: true },
    kind: { type: String, enum: ESTIMATE_KINDS, required: true },
    lowMinutes: { type: Number, required: true, min: 1 },
    highMinutes: { type: Number, required: true, min: 1 },
    /** The client's rate when the estimate was made; later rate changes do not touch it. */
    hourlyRateMinor: { type: Number, required: true, min: 0 },
    currency: { type: String, required: true },
    /** The amount of the high end, which is what an approval agrees to at most. */
    amountMinor: { type: Number, required: true, min: 0 },
    assumptions: { type: String, default: '' },
    authorId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    decision: { type: String, enum: ESTIMATE_DECISIONS, required: true, default: 'pending' },
    decidedBy: { type: String },
    decidedAt: { type: Date },
    declineReason: { type: String },
    autoApproved: { type: Boolean, default: false },
    /**
     * The client's billing terms when it was approved: the request is billed under them (mode,
     * increment, minimum) whatever the client's settings say later. Absent on estimates approved
     * before terms were stored, which bill under the client's terms of the month.
     */
    terms: {
      type: new Schema(
        {
          billingMode: { type: String, enum: ['upfront', 'on_completion'], required: true },
          incrementMinutes: { type: Number, required: true, min: 1 },
          minimumMinutes: { type: Number, required: true, min: 0 },
        },
        { _id: false },
      ),
    },
    /** Where the estimate was posted in the client thread, to update it in place. */
    messageTs: { type: String },
    /** The Slack view.id of the modal that posted it, so a second submission of that modal finds it. */
    submissionId: { type: String },
  },
  { versionKey: false },
);

// Serves: a request's estimates in order (budget, re-estimate, decision buttons); unique so two
// engineers estimating at once cannot both create version N.
estimateSchema.index({ requestKey: 1, version: 1 }, { unique: true });
// Serves: the worker's sweep that brings pending estimates in line with their request's decision
// (pending ones are few at any time).
estimateSchema.index({ decision: 1, createdAt: 1 });
// Serves: billing summaries (approved estimates of a client) and the approvals waiting list.
estimateSchema.index({ clientKey: 1, decision: 1, decidedAt: 1 });
// Serves: "did this modal submission already post an estimate?" (postEstimate, before it writes);
// unique so a modal submitted twice at once records one estimate. Sparse: estimates posted by
// command have no submission.
estimateSchema.index({ submissionId: 1 }, { unique: true, sparse: true });

export type EstimateRecord = InferSchemaType<typeof estimateSchema>;
export const EstimateModel = model('Estimate', estimateSchema);
