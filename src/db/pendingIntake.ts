// DMs to the app from people in several clients' channels, kept until they say which client
// the request is for.
import { Schema, model, type InferSchemaType } from 'mongoose';

const pendingIntakeSchema = new Schema(
  {
    userId: { type: String, required: true },
    teamId: { type: String },
    text: { type: String, required: true },
    /** The DM itself, so the request links to it and a retried event cannot open it twice. */
    sourceMessage: { channelId: String, ts: String },
    /** The clients offered, each with the channel of theirs the user is in. */
    options: [{ _id: false, clientKey: { type: String, required: true }, channelId: { type: String, required: true } }],
    createdAt: { type: Date, required: true, default: () => new Date() },
  },
  { versionKey: false },
);

// Serves: nothing reads by age; MongoDB's TTL monitor deletes unanswered choices after a day.
pendingIntakeSchema.index({ createdAt: 1 }, { expireAfterSeconds: 24 * 60 * 60 });

export type PendingIntakeRecord = InferSchemaType<typeof pendingIntakeSchema>;
export const PendingIntakeModel = model('PendingIntake', pendingIntakeSchema);
