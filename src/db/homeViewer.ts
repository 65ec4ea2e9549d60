// People who opened the app's Home tab, with the clients they belonged to then, so the tab can
// be refreshed when something they care about changes without asking Slack who is where again.
import { Schema, model } from 'mongoose';

const homeViewerSchema = new Schema(
  {
    _id: { type: String, required: true },
    clientKeys: { type: [String], default: [] },
    /** The workspace the person's Home tab is in (a client organisation's own install, or ours). */
    teamId: { type: String },
    lastOpenedAt: { type: Date, required: true },
    /** Set while the person is one of our staff (whose Home shows every client); absent otherwise. */
    staff: { type: Boolean },
  },
  { versionKey: false },
);

// Serves: "whose Home shows this client?" when a request of that client changes.
homeViewerSchema.index({ clientKeys: 1 });
// Serves: "which staff have a Home tab?", the other branch of the same query (sparse: staff only).
homeViewerSchema.index({ staff: 1 }, { sparse: true });

export const HomeViewerModel = model('HomeViewer', homeViewerSchema);
