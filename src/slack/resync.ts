// Re-renders every request whose Slack messages are behind the record, e.g. after Slack was
// down or rate-limited us when the request changed.
import { findUnsyncedRequests } from '../services/requestMessages';
import { syncRequest } from './sync';
import type { SlackTokens } from './tokens';

export async function resyncStaleRequests(tokens: SlackTokens, limit = 200): Promise<{ synced: number; failed: number }> {
  const stale = await findUnsyncedRequests(limit);
  let synced = 0;
  let failed = 0;
  for (const request of stale) {
    const result = await syncRequest(tokens, request.key);
    if (result.ok) synced++;
    else failed++;
  }
  return { synced, failed };
}
