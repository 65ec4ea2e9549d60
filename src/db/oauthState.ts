// OAuth `state` values handed out by /slack/install, each good for one redirect: verifying one
// deletes it, so a replayed redirect is refused.
import { Schema, model, type InferSchemaType } from 'mongoose';

export const OAUTH_STATE_TTL_SECONDS = 10 * 60;

const oauthStateSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** Bolt's InstallURLOptions for this install, as JSON. */
    installOptions: { type: String, required: true },
    createdAt: { type: Date, required: true, default: () => new Date() },
  },
  { versionKey: false },
);

// Serves: nothing reads by age; MongoDB's TTL monitor deletes states never redeemed (the
// verifier also checks the age, as the monitor runs only once a minute).
oauthStateSchema.index({ createdAt: 1 }, { expireAfterSeconds: OAUTH_STATE_TTL_SECONDS });

export type OAuthStateRecord = InferSchemaType<typeof oauthStateSchema>;
export const OAuthStateModel = model('OAuthState', oauthStateSchema);
