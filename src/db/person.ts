// What Slack said about a person, kept so that permission checks need not ask it every time:
// their workspace (team) and organisation (enterprise), and whether they are a guest of the workspace.
import { Schema, model, type InferSchemaType } from 'mongoose';

const personSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** The person's own organisation: ours, or a client's in a Slack Connect channel. */
    teamId: { type: String, required: true },
    /**
     * The person's Enterprise Grid organisation, null when not in one: someone of a sister
     * workspace of our own organisation is ours. Absent on records kept before it was kept.
     */
    enterpriseId: { type: String, default: null },
    /** A single- or multi-channel guest of the workspace (`is_restricted` / `is_ultra_restricted`). */
    guest: { type: Boolean, required: true },
    checkedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

// Serves: forgetting people not looked up for a week (a TTL index; the answer is reused for a day).
personSchema.index({ checkedAt: 1 }, { expireAfterSeconds: 7 * 24 * 3600 });

export type PersonRecord = InferSchemaType<typeof personSchema>;
export const PersonModel = model('Person', personSchema);
