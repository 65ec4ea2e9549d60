// Uploads a billing summary's CSV with Slack's file upload methods.
import type { WebClient } from '@slack/web-api';
import { logger } from '../logger';
import { billingCsv, billingCsvFilename, periodLabel, type BillingSummary } from '../services/billing';
import { escapeMrkdwn } from './mrkdwn';

/** False (logged) when Slack refused the file; the summary itself was shown already. */
export async function uploadBillingCsv(client: WebClient, channel: string, summary: BillingSummary): Promise<boolean> {
  const label = periodLabel(summary.period);
  try {
    await client.filesUploadV2({
      channel_id: channel,
      filename: billingCsvFilename(summary),
      title: `${summary.clientKey} billing, ${label} (${summary.status})`,
      content: billingCsv(summary),
      initial_comment: `The ${label} billing summary for ${escapeMrkdwn(summary.clientName)} as CSV (${summary.status}).`,
    });
    return true;
  } catch (error) {
    logger.warn({ err: error, client: summary.clientKey, period: summary.period, channel }, 'Could not upload the billing CSV; the summary was shown without it');
    return false;
  }
}
