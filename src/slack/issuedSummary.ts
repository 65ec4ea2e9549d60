// An issued billing summary goes to its client's own channel. The client's copy then lives in
// Slack, outside our database, with the ledger head its figures were computed from (the first
// characters in the message, the whole hash in its CSV), so a record rewritten or cut later is
// caught against it: `npm run verify -- --client ACME --head <hash>` (services/ledger.ts).
import { logger } from '../logger';
import type { BillingSummary } from '../services/billing';
import { findClientByKey } from '../services/directory';
import { billingCsvFile } from './billingCsv';
import type { Effects } from './requestUpdates';
import { issuedSummaryForClient } from './views/billingSummary';

/**
 * Posts `summary` (issued) with its CSV in the client's first channel, once per summary (the same
 * summary again posts nothing). False when the client has no channel to post it in.
 */
export async function postIssuedToClient(effects: Pick<Effects, 'delivery'>, summary: BillingSummary): Promise<boolean> {
  if (summary.status !== 'issued') return false;
  const client = await findClientByKey(summary.clientKey);
  const channel = client?.channels[0];
  if (!channel) {
    logger.warn({ client: summary.clientKey, period: summary.period }, "An issued billing summary was not posted to its client: the client has no channel");
    return false;
  }
  const message = issuedSummaryForClient(summary);
  await effects.delivery.post(`billing-issued|${summary.clientKey}|${summary.period}`, { to: { channel }, text: message.text, blocks: message.blocks, csv: billingCsvFile(summary) });
  return true;
}
