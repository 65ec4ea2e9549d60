// Requests: one document per support request; the record that Slack messages are a view of.
import { Schema, model, type InferSchemaType, type HydratedDocument } from 'mongoose';
import { CATEGORIES, PRIORITIES, REQUEST_STATES, SOURCES } from '../domain/lifecycle';

const requestSchema = new Schema(
  {
    key: { type: String, required: true },
    clientKey: { type: String, required: true },
    number: { type: Number, required: true },
    title: { type: String, required: true },
    details: { type: String, default: '' },
    category: { type: String, enum: CATEGORIES, required: true },
    priority: { type: String, enum: PRIORITIES, required: true },
    state: { type: String, enum: REQUEST_STATES, required: true },
    source: { type: String, enum: SOURCES, required: true },
    requesterId: { type: String, required: true },
    requesterTeamId: { type: String },
    /** Where the request came from, e.g. the message a shortcut or reaction turned into a request. */
    sourceMessage: {
      channelId: String,
      ts: String,
      permalink: String,
    },
    clientChannelId: { type: String, required: true },
    clientMessageTs: { type: String },
    triageChannelId: { type: String, required: true },
    triageMessageTs: { type: String },
    assigneeId: { type: String },
    resolution: { type: String },
    cancelReason: { type: String },
    rating: { type: Number, min: 1, max: 5 },
    createdAt: { type: Date, required: true },
    firstResponseAt: { type: Date },
    claimedAt: { type: Date },
    estimatedAt: { type: Date },
    approvedAt: { type: Date },
    resolvedAt: { type: Date },
    closedAt: { type: Date },
    cancelledAt: { type: Date },
    /** Merged as a duplicate: when, and into which request of the same client. */
    mergedAt: { type: Date },
    mergedInto: { type: String },
    /**
     * A merge in progress holds the duplicate and the request it goes into (services/merge.ts):
     * `id` names the merge, `at` dates the hold (stale after domain/lifecycle.ts MERGE_HOLD_MS).
     * Finishing transitions wait for it to go, so neither side can end under a merge.
     */
    mergeHold: { type: new Schema({ id: { type: String, required: true }, at: { type: Date, required: true } }, { _id: false }) },
    ratedAt: { type: Date },
    /** When the request waited on the client (awaiting approval); the SLA clock stops there. */
    clientWaits: [{ _id: false, from: { type: Date, required: true }, to: { type: Date } }],
    /** Timer job IDs (see domain/timers.ts) that already fired, and those scheduled in BullMQ. */
    timersFired: { type: [String], default: [] },
    scheduledTimers: { type: [String], default: [] },
    /** The revision whose timers are scheduled; below `revision` means the worker must catch up. */
    timersRevision: { type: Number, required: true, default: -1 },
    slaBreachedAt: { type: Date },
    /** Billable minutes logged so far; the budget guard increments it only within the budget. */
    billableMinutesLogged: { type: Number, required: true, default: 0, min: 0 },
    /** A disagreement of billableMinutesLogged with the entries, noticed by the sweep (domain/counters.ts). */
    counterDrift: { type: new Schema({ counter: { type: Number, required: true }, entries: { type: Number, required: true }, at: { type: Date, required: true } }, { _id: false }) },
    /** Bumped by every change; guards against lost updates and orders Slack re-renders. */
    revision: { type: Number, required: true, default: 0 },
    /** The revision last shown in Slack; below `revision` means the messages need a re-render. */
    syncedRevision: { type: Number, required: true, default: -1 },
    /**
     * The latest transition, written with it: the thread notice it owes can be derived from the
     * record (the sweep asks for it again if the process died before recording it), and so can its
     * audit event: `audit` holds it until it is appended (services/requestLifecycle.ts), so a
     * process that dies in between leaves it here for the next change or the sweep to append.
     */
    lastChange: {
      type: new Schema(
        {
          action: { type: String, required: true },
          actorId: { type: String, required: true },
          revision: { type: Number, required: true },
          audit: {
            type: new Schema(
              { at: { type: Date, required: true }, actorId: { type: String, required: true }, action: { type: String, required: true }, before: { type: Schema.Types.Mixed }, after: { type: Schema.Types.Mixed } },
              { _id: false, minimize: false },
            ),
          },
        },
        { _id: false },
      ),
    },
    /**
     * The estimate the request waits on or works under, and the client's decision on it. Written
     * in the same update as the state change it makes (estimate → awaiting approval, approve,
     * decline), so the pair is one atomic change; the estimate's own record follows it
     * (services/estimates.ts settleEstimate, and the worker's sweep after a crash). Absent on
     * requests estimated before it existed.
     */
    currentEstimate: {
      type: new Schema(
        {
          version: { type: Number, required: true },
          decision: { type: String, enum: ['pending', 'approved', 'declined'], required: true },
          decidedBy: { type: String },
          decidedAt: { type: Date },
          declineReason: { type: String },
          terms: {
            type: new Schema(
              {
                billingMode: { type: String, enum: ['upfront', 'on_completion'], required: true },
                incrementMinutes: { type: Number, required: true },
                minimumMinutes: { type: Number, required: true },
              },
              { _id: false },
            ),
          },
        },
        { _id: false },
      ),
    },
    /**
     * Round robin (client `assignment: round_robin`): the engineer the open request is offered
     * to, and until when they may decline before it is theirs; `offerSkipped`, who declined it.
     */
    offer: {
      type: new Schema({ to: { type: String, required: true }, at: { type: Date, required: true }, expiresAt: { type: Date, required: true } }, { _id: false }),
    },
    offerSkipped: { type: [String], default: undefined },
    /** When round robin last found nobody to offer it to (audited once, until an offer is made). */
    offerNobodyAt: { type: Date },
    /** On call: an urgent request out of hours was paged to `to` (an engineer, or `managers`) at `at`; `step` 0, 1, 2. */
    page: {
      type: new Schema({ to: { type: String, required: true }, at: { type: Date, required: true }, step: { type: Number, required: true } }, { _id: false }),
    },
    /**
     * Links to the work behind the request (domain/workLinks.ts): pasted in its thread or given
     * with `/help link`; `state` is what a provider's webhook last said (GitHub).
     */
    links: [
      {
        _id: false,
        url: { type: String, required: true },
        provider: { type: String, enum: ['github', 'gitlab', 'linear', 'jira'], required: true },
        kind: { type: String, enum: ['pull_request', 'issue', 'merge_request'], required: true },
        label: { type: String, required: true },
        state: { type: String, enum: ['open', 'merged', 'closed'] },
        addedBy: { type: String, required: true },
        addedAt: { type: Date, required: true },
        stateAt: { type: Date },
        /** GitHub's `updated_at` of the pull request or issue in the latest event applied. */
        sourceUpdatedAt: { type: Date },
        /** The state before the latest change (for its audit, should it be recorded again). */
        previousState: { type: String, enum: ['open', 'merged', 'closed'] },
        /** The delivery (X-GitHub-Delivery) that set `state`: names its notices. */
        delivery: { type: String },
        /**
         * Set with the change, in the same update, and unset once its notices are recorded as
         * effects: a process that stops in between leaves it for the worker's sweep, whatever
         * else happens to the request meanwhile.
         */
        noticeOwed: { type: Boolean },
      },
    ],
  },
  { timestamps: { createdAt: false, updatedAt: true } },
);

// Serves: `/help ACME-42`, every button (the key is in the button value), guarded transitions.
requestSchema.index({ key: 1 }, { unique: true });
// Serves: `/help list` for a client (open requests, newest first) and billing by client.
requestSchema.index({ clientKey: 1, state: 1, createdAt: -1 });
// Serves: billing summaries (a client's requests closed, cancelled or approved in a month).
requestSchema.index({ clientKey: 1, closedAt: 1 });
requestSchema.index({ clientKey: 1, cancelledAt: 1 });
requestSchema.index({ clientKey: 1, approvedAt: 1 });
// Serves: the unclaimed queue and open lists on App Home (by state, oldest first), the digest's
// backlog, the sweep's reconciliation of open requests' counters (services/counters.ts).
requestSchema.index({ state: 1, createdAt: 1 });
// Serves: "your requests" on an engineer's Home.
requestSchema.index({ assigneeId: 1, state: 1 });
// Serves: open SLA breaches on a manager's Home and the digest's breaches of the week (sparse:
// most requests never breach).
requestSchema.index({ slaBreachedAt: 1 }, { sparse: true });
// Serve: the weekly digest, one query per milestone that happened in the week (services/digest.ts
// requestsOfWeek): opened, first response, resolved, rated and closed in the week. Sparse
// where the milestone is missing until it happens.
requestSchema.index({ createdAt: 1 });
requestSchema.index({ firstResponseAt: 1 }, { sparse: true });
requestSchema.index({ resolvedAt: 1 }, { sparse: true });
requestSchema.index({ ratedAt: 1 }, { sparse: true });
requestSchema.index({ closedAt: 1 }, { sparse: true });
// Serves: the `:eyes:` claim, which only knows the triage message.
requestSchema.index({ triageChannelId: 1, triageMessageTs: 1 });
// Serves: replies in a client thread (first response) and reactions, which know the thread root.
requestSchema.index({ clientChannelId: 1, clientMessageTs: 1 });
// Serves: "is this message already a request?" for reactions, mentions, DMs and shortcuts, and
// makes a retried Slack event unable to open the same request twice.
requestSchema.index(
  { 'sourceMessage.channelId': 1, 'sourceMessage.ts': 1 },
  // sparse, not partialFilterExpression: the same meaning here (requests without a source message
  // are not indexed), and mongo-java-server, which the tests run on, ignores partial filters.
  { unique: true, sparse: true },
);
// Serves: a provider's webhook (GitHub) finding the requests a pull request or issue is linked to
// (multikey; sparse: most requests link nothing).
requestSchema.index({ 'links.url': 1 }, { sparse: true });
// Serves: the worker's sweep for link changes whose notices were not recorded (a process died).
requestSchema.index({ 'links.noticeOwed': 1 }, { sparse: true });
// Serves: the duplicates merged into a request (shown on its messages, told of its resolution),
// and billing's requests merged in a month (sparse: few requests are duplicates).
requestSchema.index({ mergedInto: 1 }, { sparse: true });
requestSchema.index({ clientKey: 1, mergedAt: 1 }, { sparse: true });
// Serves: the worker's sweep that schedules timers the web process could not (Redis was down).
requestSchema.index({ timersRevision: 1, revision: 1 });
// Serves: the re-render sweep that brings Slack up to date after an outage.
requestSchema.index({ syncedRevision: 1, revision: 1 });
// Serves: the sweep's search for changes whose audit event was not appended (a process died).
requestSchema.index({ 'lastChange.audit.at': 1 }, { sparse: true });

// Plain arrays instead of mongoose's DocumentArray, so lean documents fit the type.
export interface StoredWorkLink {
  url: string;
  provider: 'github' | 'gitlab' | 'linear' | 'jira';
  kind: 'pull_request' | 'issue' | 'merge_request';
  label: string;
  state?: 'open' | 'merged' | 'closed' | null | undefined;
  addedBy: string;
  addedAt: Date;
  stateAt?: Date | null | undefined;
  sourceUpdatedAt?: Date | null | undefined;
  previousState?: 'open' | 'merged' | 'closed' | null | undefined;
  delivery?: string | null | undefined;
  noticeOwed?: boolean | null | undefined;
}

export type RequestRecord = Omit<InferSchemaType<typeof requestSchema>, 'clientWaits' | 'links'> & {
  clientWaits: Array<{ from: Date; to?: Date | null | undefined }>;
  links?: StoredWorkLink[] | undefined;
};
export type RequestDocument = HydratedDocument<RequestRecord>;
export const RequestModel = model('Request', requestSchema);
