// The texts of thread notices after a transition. Pure: record in, text out (or none).
import type { RequestAction } from '../../domain/lifecycle';
import { escapeAndTruncate, mention } from '../mrkdwn';

interface NoticeFacts {
  key: string;
  requesterId: string;
  assigneeId?: string | null | undefined;
  resolution?: string | null | undefined;
  rating?: number | null | undefined;
  cancelReason?: string | null | undefined;
  mergedInto?: string | null | undefined;
  /** Requesters of duplicates merged into this request: told of it as its own requester is. */
  alsoTell?: string[] | undefined;
}

export function threadNotice(action: RequestAction, r: NoticeFacts, actorId: string): string | undefined {
  switch (action) {
    case 'claim':
      return `:eyes: ${mention(actorId)} is on it.`;
    case 'reassign':
      return r.assigneeId ? `:arrows_counterclockwise: ${r.key} is now with ${mention(r.assigneeId)}.` : undefined;
    case 'unclaim':
      return `:inbox_tray: ${r.key} is back in the queue; another engineer will pick it up.`;
    case 'resolve':
      return (
        `:sparkles: ${[r.requesterId, ...(r.alsoTell ?? []).filter((u) => u !== r.requesterId)].map(mention).join(' ')} ${r.key} is resolved:\n>${escapeAndTruncate(r.resolution ?? '', 2500).replace(/\n/g, '\n>')}\n` +
        'Please *Confirm fix* or *Reopen* on the request message above.'
      );
    case 'reopen':
      return `:leftwards_arrow_with_hook: ${mention(actorId)} reopened ${r.key}.${r.assigneeId ? ` ${mention(r.assigneeId)}, over to you.` : ''}`;
    case 'autoClose':
      return `:lock: ${r.key} was resolved three days ago with no answer, so it is now closed. Reply here if it is not fixed and we will reopen it.`;
    case 'confirm':
      return `:lock: ${mention(actorId)} confirmed the fix; ${r.key} is closed. How did we do? Rate it on the request message above.`;
    case 'cancel':
      return `:x: ${mention(actorId)} cancelled ${r.key}.${r.cancelReason ? ` Reason: ${escapeAndTruncate(r.cancelReason, 500)}` : ''}`;
    case 'merge':
      return r.mergedInto
        ? `:twisted_rightwards_arrows: ${mention(actorId)} merged ${r.key} into *${r.mergedInto}* as a duplicate. ${mention(r.requesterId)}, you'll be kept up to date there; time already logged here stays on ${r.key}.`
        : undefined;
    case 'rate':
      return r.rating ? `:star: Thanks for rating ${r.key} ${'★'.repeat(r.rating)}.` : undefined;
    default:
      return undefined;
  }
}
