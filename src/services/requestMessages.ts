// Which Slack messages show a request, and which revision of the record they last showed.
import { RequestModel } from '../db/request';

export type RequestSurface = 'client' | 'triage';

const TS_FIELD: Record<RequestSurface, 'clientMessageTs' | 'triageMessageTs'> = { client: 'clientMessageTs', triage: 'triageMessageTs' };

/**
 * Records what a delivery did (not a change of the request, so `updatedAt` stays), in one write when it can: the ts of the messages it posted (each only
 * where none is stored yet: another process may have posted first) and, when every message now
 * shows it, the revision they show.
 */
export async function recordShown(key: string, posted: Partial<Record<RequestSurface, string>>, syncedRevision: number | null): Promise<void> {
  const stored = Object.entries(posted).map(([surface, ts]) => [TS_FIELD[surface as RequestSurface], ts] as const);
  const synced = syncedRevision === null ? {} : { $max: { syncedRevision } };
  if (stored.length === 0) {
    if (syncedRevision !== null) await RequestModel.updateOne({ key }, synced, { timestamps: false });
    return;
  }
  const unset = Object.fromEntries(stored.map(([field]) => [field, { $exists: false }]));
  const result = await RequestModel.updateOne({ key, ...unset }, { $set: Object.fromEntries(stored), ...synced }, { timestamps: false });
  if (result.matchedCount === 1) return;
  // Some message was stored by another process meanwhile: store the others one by one.
  for (const [field, ts] of stored) await RequestModel.updateOne({ key, [field]: { $exists: false } }, { $set: { [field]: ts } }, { timestamps: false });
  if (syncedRevision !== null) await RequestModel.updateOne({ key }, synced, { timestamps: false });
}

export async function findRequestByTriageMessage(channelId: string, ts: string) {
  return RequestModel.findOne({ triageChannelId: channelId, triageMessageTs: ts }).lean();
}

export async function findRequestByClientMessage(channelId: string, ts: string) {
  return RequestModel.findOne({ clientChannelId: channelId, clientMessageTs: ts }).lean();
}

/**
 * The request a thread belongs to: the thread of its client message, or of the message it was
 * opened from (a mention, a reaction, a shortcut), which people keep talking in.
 */
export async function findRequestByThread(channelId: string, threadTs: string) {
  return (
    (await findRequestByClientMessage(channelId, threadTs)) ??
    (await RequestModel.findOne({ 'sourceMessage.channelId': channelId, 'sourceMessage.ts': threadTs }).lean())
  );
}

/** Requests whose Slack messages are behind the record (e.g. Slack was down when they changed). */
export async function findUnsyncedRequests(limit: number) {
  return RequestModel.find({ $expr: { $lt: ['$syncedRevision', '$revision'] } })
    .limit(limit)
    .lean();
}
