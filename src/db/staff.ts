// Staff: our engineers and managers, by Slack user ID.
import { Schema, model, type InferSchemaType } from 'mongoose';

export const STAFF_ROLES = ['engineer', 'manager'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

const staffSchema = new Schema(
  {
    userId: { type: String, required: true },
    roles: { type: [String], enum: STAFF_ROLES, default: [] },
  },
  { timestamps: true },
);

// Serves: the role check on every action (`findOne({ userId })`) and seed/admin upserts.
staffSchema.index({ userId: 1 }, { unique: true });

export type StaffRecord = InferSchemaType<typeof staffSchema>;
export const StaffModel = model('Staff', staffSchema);
