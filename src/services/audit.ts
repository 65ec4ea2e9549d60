// Appends audit events; the only writer of the audit collection.
import { AuditEventModel } from '../db/auditEvent';

export interface AuditEntry {
  actorId: string;
  action: string;
  entityType: 'request' | 'client' | 'staff' | 'estimate' | 'time_entry' | 'billing_summary';
  entityId: string;
  clientKey?: string | undefined;
  before?: unknown;
  after?: unknown;
  at?: Date;
}

export async function recordAudit(entry: AuditEntry): Promise<void> {
  await AuditEventModel.create({ ...entry, at: entry.at ?? new Date() });
}

export async function auditTrail(entityType: AuditEntry['entityType'], entityId: string) {
  return AuditEventModel.find({ entityType, entityId }).sort({ at: 1, _id: 1 }).lean();
}
