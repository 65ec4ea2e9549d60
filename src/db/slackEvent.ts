// Slack event IDs already handled, so a redelivered event (X-Slack-Retry-Num) does nothing twice.
import { Schema, model } from 'mongoose';

const slackEventSchema = new Schema(
  {
    _id: { type: String, required: true },
    receivedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

// Serves: nothing reads by age; Slack stops retrying within hours, so a day of memory is plenty
// and MongoDB's TTL monitor forgets older IDs.
slackEventSchema.index({ receivedAt: 1 }, { expireAfterSeconds: 24 * 60 * 60 });

export const SlackEventModel = model('SlackEvent', slackEventSchema);
