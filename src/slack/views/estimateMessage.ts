// The estimate as the client sees it in the request's thread, with Approve / Decline / Ask a
// question while it waits for a decision; re-rendered in place once decided or superseded.
import { formatDuration, formatRange } from '../../domain/duration';
import { formatMoney } from '../../domain/money';
import { ACTION } from '../ids';
import { escapeAndTruncate, mention } from '../mrkdwn';
import { actions, button, context, section, slackDate, type KnownBlock, type RenderedMessage } from './blocks';

export interface EstimateView {
  id: string;
  requestKey: string;
  version: number;
  kind: 'estimate' | 'topup';
  lowMinutes: number;
  highMinutes: number;
  hourlyRateMinor: number;
  currency: string;
  amountMinor: number;
  assumptions?: string | null | undefined;
  authorId: string;
  decision: 'pending' | 'approved' | 'declined' | 'superseded';
  decidedBy?: string | null | undefined;
  decidedAt?: Date | null | undefined;
  declineReason?: string | null | undefined;
  autoApproved?: boolean | null | undefined;
}

function decisionLine(e: EstimateView): string {
  switch (e.decision) {
    case 'pending':
      return ':hourglass_flowing_sand: Waiting for approval. No billable work starts before it.';
    case 'approved':
      return e.autoApproved
        ? ':white_check_mark: Approved automatically (within the agreed auto-approve limit).'
        : `:white_check_mark: Approved by ${mention(e.decidedBy ?? '')}${e.decidedAt ? ` ${slackDate(e.decidedAt)}` : ''}.`;
    case 'declined':
      return `:no_entry_sign: Declined by ${mention(e.decidedBy ?? '')}${e.declineReason ? `: ${escapeAndTruncate(e.declineReason, 500)}` : '.'}`;
    case 'superseded':
      return ':heavy_multiplication_x: Replaced by a newer estimate; these buttons no longer work.';
  }
}

/** `notify`: people to mention in the notification text (approvers, when first posted). */
export function renderEstimateMessage(e: EstimateView, notify: string[] = []): RenderedMessage {
  const what = e.kind === 'topup' ? 'Top-up request' : 'Estimate';
  const range = formatRange(e.lowMinutes, e.highMinutes);
  const amount = formatMoney(e.amountMinor, e.currency);
  const rate = `${formatMoney(e.hourlyRateMinor, e.currency)}/h`;
  const atMost = e.lowMinutes === e.highMinutes ? amount : `at most ${amount}`;
  const blocks: KnownBlock[] = [
    section(`*${what} v${e.version} for ${e.requestKey}:* ${range} at ${rate} = *${atMost}*`, 'estimate'),
  ];
  if (e.assumptions) blocks.push(section(`*Assumptions*\n${escapeAndTruncate(e.assumptions, 2800)}`, 'assumptions'));
  blocks.push(context(`By ${mention(e.authorId)}`, decisionLine(e)));
  if (e.decision === 'pending') {
    blocks.push(
      ...actions('estimate_actions', [
        button('Approve', ACTION.approveEstimate, e.id, 'primary'),
        button('Decline', ACTION.declineEstimate, e.id, 'danger'),
        button('Ask a question', ACTION.askQuestion, e.id),
      ]),
    );
  }
  const ask = e.decision === 'pending' && notify.length > 0 ? `${notify.map(mention).join(' ')} please review: ` : '';
  return { text: `${ask}${what} v${e.version} for ${e.requestKey}: ${range}, ${atMost}`, blocks };
}

export function budgetLine(used: number, approved: number): string {
  return approved > 0 ? `Budget: ${formatDuration(used)} of ${formatDuration(approved)} used` : 'No approved estimate yet';
}
