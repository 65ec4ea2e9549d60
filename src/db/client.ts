// Clients: the organisations we support, their channels and their commercial settings.
import { Schema, model, type InferSchemaType } from 'mongoose';
import { PRIORITIES } from '../domain/lifecycle';
import { DEFAULT_MAX_OPEN_PER_ENGINEER } from '../domain/roundRobin';
import { DEFAULT_WAITING_ON_CLIENT_DAYS } from '../domain/timers';

const slaMinutesSchema = new Schema(
  Object.fromEntries(PRIORITIES.map((p) => [p, { type: Number, required: true, min: 1 }])),
  { _id: false },
);

const businessHoursSchema = new Schema(
  {
    alwaysOpen: { type: Boolean, required: true, default: false },
    days: { type: [Number], default: [1, 2, 3, 4, 5] },
    start: { type: String, default: '09:00' },
    end: { type: String, default: '17:30' },
  },
  { _id: false },
);

/** See domain/clientSettings.ts accountingSchema: only the fields given are stored. */
const accountingSchema = new Schema(
  {
    contactName: { type: String },
    accountCode: { type: String },
    taxType: { type: String },
    itemName: { type: String },
    paymentTermsDays: { type: Number, min: 0 },
  },
  { _id: false },
);

const clientSchema = new Schema(
  {
    key: { type: String, required: true },
    name: { type: String, required: true },
    channels: { type: [String], default: [] },
    hourlyRateMinor: { type: Number, required: true, min: 0 },
    currency: { type: String, required: true, default: 'GBP' },
    billingMode: { type: String, enum: ['upfront', 'on_completion'], required: true },
    incrementMinutes: { type: Number, required: true, min: 1 },
    minimumMinutes: { type: Number, required: true, min: 0 },
    approvers: { type: [String], default: [] },
    /**
     * People of the client's side named as such: needed only for full members of our own
     * workspace (people from the client's own Slack organisation, and guests, count already).
     */
    members: { type: [String], default: [] },
    /**
     * GitHub repositories (`owner/name`, lower case) whose signed webhook events may change and
     * notify this client's requests; links to other repositories are shown but not followed.
     */
    repositories: { type: [String], default: [] },
    timezone: { type: String, required: true },
    autoApproveMinutes: { type: Number, required: true, min: 0, default: 0 },
    /** Who picks up a new request: manual (the triage queue) or round_robin (offered in turn). */
    assignment: { type: String, enum: ['manual', 'round_robin'], default: 'manual' },
    /** Round robin offers a request only to engineers with fewer open requests than this. */
    maxOpenPerEngineer: { type: Number, min: 1, default: DEFAULT_MAX_OPEN_PER_ENGINEER },
    /** The engineer round robin offered this client's last request to (where the turn goes on from). */
    roundRobinLast: { type: String },
    /** Business days a question to the client waits for an answer before the request is resolved. */
    waitingOnClientDays: { type: Number, min: 1, default: DEFAULT_WAITING_ON_CLIENT_DAYS },
    monthlyBudgetMinutes: { type: Number, min: 1 },
    slaMinutes: { type: slaMinutesSchema, required: true },
    businessHours: { type: businessHoursSchema, required: true },
    /** How invoices are exported to Xero and QuickBooks; absent: the export's defaults. */
    accounting: { type: accountingSchema },
  },
  { timestamps: true },
);

// Serves: lookups by key (`ACME-42` → ACME), admin and seed upserts.
clientSchema.index({ key: 1 }, { unique: true });
// Serves: "which client owns this channel?" on every command, mention and click. Not unique:
// clients without channels would collide on it; services/clients.ts refuses a channel that
// belongs to another client before writing.
clientSchema.index({ channels: 1 });
// Serves: "which clients follow this repository?" on every GitHub delivery.
clientSchema.index({ repositories: 1 });

export type ClientRecord = InferSchemaType<typeof clientSchema>;
export const ClientModel = model('Client', clientSchema);
