// Slack effects: every message, update, DM, Home tab and file the app owes Slack, recorded before
// it is delivered. The _id names what is shown (a request's messages, a person's Home tab, one
// notice), so asking again coalesces into the same document instead of adding a second effect.
import { Schema, model, type InferSchemaType } from 'mongoose';

export const EFFECT_KINDS = ['request', 'estimate', 'home', 'post'] as const;
/**
 * pending: owed; done: delivered; failed: Slack refused it for good (a manager retries or
 * dismisses it); dismissed: a manager gave it up (`/help admin dismiss`), never tried again
 * unless something asks for it anew.
 */
export const EFFECT_STATES = ['pending', 'done', 'failed', 'dismissed'] as const;
export const EFFECT_PRIORITIES = ['interactive', 'background'] as const;

const slackEffectSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** request, estimate and home are rendered from the record when delivered; post carries its message. */
    kind: { type: String, enum: EFFECT_KINDS, required: true },
    state: { type: String, enum: EFFECT_STATES, required: true },
    /** interactive: someone is waiting for it; background: re-renders, Home tabs, digests. */
    priority: { type: String, enum: EFFECT_PRIORITIES, required: true },
    /** Bumped by every ask; `done` is the ask last delivered. done < wanted means work is owed. */
    wanted: { type: Number, required: true, default: 0 },
    done: { type: Number, required: true, default: 0 },
    /** Not to be delivered before this (backoff after a failure, a Home tab's minimum interval). */
    dueAt: { type: Date, required: true },
    /** Failed attempts since the last success (permanent errors fail at once). */
    attempts: { type: Number, required: true, default: 0 },
    /** One deliverer at a time: the lease's owner and end. */
    leaseOwner: { type: String },
    leaseUntil: { type: Date },
    /**
     * Slots reserved for it in Slack's pace (slack/delivery/pacer.ts), by bucket: it is postponed
     * to its slot and its call then goes without asking again. Set only with a postponement.
     */
    reservations: { type: [new Schema({ bucket: { type: String, required: true }, at: { type: Date, required: true } }, { _id: false })], default: undefined },
    /** What to show, for kind post; the subject (request key, estimate id, user) for the others. */
    payload: { type: Schema.Types.Mixed, required: true },
    /** Where a post went once it is posted, so a retry of a later step does not post it again. */
    postedTs: { type: String },
    postedChannel: { type: String },
    /**
     * The response_url of the latest click on one of a request's messages: that message is updated
     * through it (Slack counts it against no Web API limit) instead of chat.update, while it is fresh.
     */
    respondVia: { type: new Schema({ url: { type: String, required: true }, messageTs: { type: String, required: true }, at: { type: Date, required: true } }, { _id: false }) },
    /** Slack's answer to the last failed attempt, and where it happened (managers act on it). */
    lastError: { type: String },
    errorChannel: { type: String },
    failedAt: { type: Date },
    /** Who gave a failed effect up, and when (kept with its last error until it expires). */
    dismissedBy: { type: String },
    dismissedAt: { type: Date },
    createdAt: { type: Date, required: true },
    askedAt: { type: Date, required: true },
    deliveredAt: { type: Date },
    /**
     * When it was delivered with nothing more owed, or dismissed: set only as it becomes done or
     * dismissed, unset by any ask, so it dates those alone. The TTL index below expires them
     * DONE_EFFECT_TTL_SECONDS on.
     */
    doneAt: { type: Date },
  },
  { versionKey: false, minimize: false },
);

// Serves: the sweep that wakes up effects whose wake-up call was lost (Redis down), oldest first.
slackEffectSchema.index({ state: 1, dueAt: 1 });
// Serves: failed deliveries on the managers' Home, grouped by channel, and `/help admin retry`.
slackEffectSchema.index({ state: 1, errorChannel: 1 });
// Serves: /metrics, effects counted by kind and state (services/outbox.ts effectCounts).
slackEffectSchema.index({ kind: 1, state: 1 });
/** A delivered or dismissed effect is kept this long (a post's id still dedupes it), then MongoDB removes it. */
export const DONE_EFFECT_TTL_SECONDS = 30 * 24 * 3600;
// TTL: done effects go 30 days after delivery, dismissed ones 30 days after their dismissal.
// Pending and failed ones have no doneAt and stay: failed ones until `/help admin retry` makes
// them pending again or `/help admin dismiss` gives them up.
slackEffectSchema.index({ doneAt: 1 }, { expireAfterSeconds: DONE_EFFECT_TTL_SECONDS });

export type SlackEffectRecord = InferSchemaType<typeof slackEffectSchema>;
export const SlackEffectModel = model('SlackEffect', slackEffectSchema);
