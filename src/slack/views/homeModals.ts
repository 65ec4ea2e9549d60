// Modals opened from the managers' Home tab.
import type { ModalView } from '@slack/types';
import type { DigestNumbers } from '../../domain/digest';
import { formatDuration } from '../../domain/duration';
import { formatMoney } from '../../domain/money';
import { chunkText, cutText } from '../../domain/text';
import { escapeMrkdwn } from '../mrkdwn';
import { section } from './blocks';

/** A read-only modal; long text is split into sections of Slack's 3000 characters. */
export function textModal(title: string, text: string): ModalView {
  const chunks = chunkText(text, 2900, 95);
  return { type: 'modal', title: { type: 'plain_text', text: cutText(title, 24) }, close: { type: 'plain_text', text: 'Close' }, blocks: chunks.map((c) => section(c)) };
}

export function billingOverviewModal(digest: DigestNumbers, command: string): ModalView {
  const lines = digest.byClient.map(
    (c) => `• *${escapeMrkdwn(c.name)}*: ${formatDuration(c.billableMinutes)} billable, ${formatMoney(c.amountMinor, c.currency)} — \`${command} billing ${c.clientKey}\``,
  );
  return textModal(
    'Billing',
    [
      `*Billable time in the last seven days*`,
      ...(lines.length ? lines : ['No billable time logged.']),
      '',
      "_Amounts are the minutes at today's rate, not the bill: the bill applies each request's approved terms, increments and minimums._",
      `Run \`${command} billing KEY YYYY-MM\` for a client's summary and CSV.`,
    ].join('\n'),
  );
}
