// Which Slack messages show a request, and which revision of the record they last showed.
import { RequestModel } from '../db/request';

export type RequestSurface = 'client' | 'triage';

/** Stores the ts of a newly posted message; false when another process stored one first. */
export async function recordMessageTs(key: string, surface: RequestSurface, ts: string): Promise<boolean> {
  const field = surface === 'client' ? 'clientMessageTs' : 'triageMessageTs';
  const result = await RequestModel.updateOne({ key, [field]: { $exists: false } }, { $set: { [field]: ts } });
  return result.modifiedCount === 1;
}

export async function markSynced(key: string, revision: number): Promise<void> {
  await RequestModel.updateOne({ key, syncedRevision: { $lt: revision } }, { $set: { syncedRevision: revision } });
}

export async function findRequestByTriageMessage(channelId: string, ts: string) {
  return RequestModel.findOne({ triageChannelId: channelId, triageMessageTs: ts }).lean();
}

export async function findRequestByClientMessage(channelId: string, ts: string) {
  return RequestModel.findOne({ clientChannelId: channelId, clientMessageTs: ts }).lean();
}

/** Requests whose Slack messages are behind the record (e.g. Slack was down when they changed). */
export async function findUnsyncedRequests(limit: number) {
  return RequestModel.find({ $expr: { $lt: ['$syncedRevision', '$revision'] } })
    .limit(limit)
    .lean();
}
