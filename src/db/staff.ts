// Staff: our engineers and managers, by Slack user ID.
import { Schema, model, type InferSchemaType } from 'mongoose';

export const STAFF_ROLES = ['engineer', 'manager'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

const staffSchema = new Schema(
  {
    userId: { type: String, required: true },
    roles: { type: [String], enum: STAFF_ROLES, default: [] },
    /**
     * When the person works, for round-robin assignment: their timezone, days (1 = Monday) and
     * hours. Absent: any time.
     */
    hours: {
      type: new Schema(
        { timezone: { type: String, required: true }, days: { type: [Number], required: true }, start: { type: String, required: true }, end: { type: String, required: true } },
        { _id: false },
      ),
    },
    /** Away (false) on their Home tab: offered nothing until they are available again. */
    available: { type: Boolean, default: true },
  },
  { timestamps: true },
);

// Serves: the role check on every action (`findOne({ userId })`) and seed/admin upserts.
staffSchema.index({ userId: 1 }, { unique: true });

export type StaffRecord = InferSchemaType<typeof staffSchema>;
export const StaffModel = model('Staff', staffSchema);
