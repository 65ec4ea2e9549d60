// A billing summary's CSV as a file to upload after its message (see delivery/posts.ts).
import { periodLabel } from '../domain/periods';
import type { BillingSummary } from '../services/billing';
import { billingCsv, billingCsvFilename } from '../domain/billingCsv';
import type { SlackPost } from './delivery/posts';
import { escapeMrkdwn } from './mrkdwn';

export function billingCsvFile(summary: BillingSummary): NonNullable<SlackPost['csv']> {
  const label = periodLabel(summary.period);
  return {
    filename: billingCsvFilename(summary),
    title: `${summary.clientKey} billing, ${label} (${summary.status})`,
    content: billingCsv(summary),
    comment: `The ${label} billing summary for ${escapeMrkdwn(summary.clientName)} as CSV (${summary.status}).`,
  };
}
