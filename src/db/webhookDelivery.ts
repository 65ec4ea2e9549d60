// Webhook deliveries applied as a whole, by the provider's delivery ID (GitHub's X-GitHub-Delivery),
// so a redelivery changes nothing. Written last, once the changes' notices are recorded: a
// delivery that failed half-way has none, and its redelivery finishes it.
import { Schema, model } from 'mongoose';

const webhookDeliverySchema = new Schema(
  {
    /** `github:<X-GitHub-Delivery>`. */
    _id: { type: String, required: true },
    event: { type: String, required: true },
    receivedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

// Serves: forgetting deliveries after 30 days (GitHub redelivers only recent ones); the unique _id
// is what makes a redelivery a no-op.
webhookDeliverySchema.index({ receivedAt: 1 }, { expireAfterSeconds: 30 * 24 * 3600 });

export const WebhookDeliveryModel = model('WebhookDelivery', webhookDeliverySchema);
