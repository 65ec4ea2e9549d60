// Where the app is installed (distributed mode): one record per workspace install, or per
// organisation for an org-wide install. Tokens never appear in clear: the whole installation
// Slack returned is sealed (AES-256-GCM) into `sealed`; only IDs sit beside it for lookups.
import { Schema, model, type InferSchemaType } from 'mongoose';

const installationSchema = new Schema(
  {
    /** `T:<team id>` for a workspace install, `E:<enterprise id>` for an org-wide one; also the cipher's associated data. */
    key: { type: String, required: true },
    teamId: { type: String },
    enterpriseId: { type: String },
    isEnterpriseInstall: { type: Boolean, required: true, default: false },
    /** For an org-wide install: the workspaces of the organisation we have seen requests from. */
    teamIds: { type: [String], default: [] },
    botUserId: { type: String },
    installerUserId: { type: String },
    sealed: { type: String, required: true },
    installedAt: { type: Date, required: true, default: () => new Date() },
  },
  { versionKey: false },
);

// Serves: storing/fetching/deleting one installation by its key (store, uninstall).
installationSchema.index({ key: 1 }, { unique: true });
// Serves: the client for a team (every Web API call in distributed mode).
installationSchema.index({ teamId: 1 });
// Serves: the client for a workspace of an organisation that installed org-wide.
installationSchema.index({ teamIds: 1 }, { partialFilterExpression: { isEnterpriseInstall: true } });

export type InstallationRecord = InferSchemaType<typeof installationSchema>;
export const InstallationModel = model('Installation', installationSchema);
