// Time entries: minutes an engineer logged on a request. Edits and deletions are recorded in
// the audit trail and deleted entries are kept (marked), never silently removed.
import { Schema, model, type InferSchemaType } from 'mongoose';

const timeEntrySchema = new Schema(
  {
    requestKey: { type: String, required: true },
    clientKey: { type: String, required: true },
    engineerId: { type: String, required: true },
    minutes: { type: Number, required: true, min: 1 },
    /** The day the work was done, YYYY-MM-DD in the client's timezone (billing periods use it). */
    workDate: { type: String, required: true },
    note: { type: String, default: '' },
    billable: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date },
    /**
     * Bumped by every edit and the deletion, and checked in their update's filter: a change applies
     * to the entry it was computed from, so what it reserves or gives back is that entry's minutes
     * (a delete racing an edit gave back minutes from a stale read). Absent on entries logged
     * before it existed, which read as 0.
     */
    revision: { type: Number, required: true, default: 0 },
    deletedAt: { type: Date },
    deletedBy: { type: String },
    /** The Slack view.id of the modal that logged it, so a second submission of that modal finds it. */
    submissionId: { type: String },
  },
  { versionKey: false },
);

// Serves: a request's logged time (budget guard after every entry, billing per request).
timeEntrySchema.index({ requestKey: 1, deletedAt: 1 });
// Serves: the monthly budget cap and billing summaries (a client's billable time in a period).
timeEntrySchema.index({ clientKey: 1, workDate: 1 });
// Serves: the weekly digest (every client's time in a week).
timeEntrySchema.index({ workDate: 1 });
// Serves: "time logged this week" for an engineer (App Home, digest).
timeEntrySchema.index({ engineerId: 1, workDate: 1 });
// Serves: "did this modal submission already log time?" (logTime, before it reserves budget);
// unique so a modal submitted twice at once logs once. Sparse: time logged by command has no
// submission.
timeEntrySchema.index({ submissionId: 1 }, { unique: true, sparse: true });

export type TimeEntryRecord = InferSchemaType<typeof timeEntrySchema>;
export const TimeEntryModel = model('TimeEntry', timeEntrySchema);
