// The texts of thread notices after a change to a request. Pure: record in, text out (or none).
import { formatRange } from '../../domain/duration';
import type { RequestAction } from '../../domain/lifecycle';
import type { LinkedChange } from '../../services/workLinks';
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

/** A client's decision on an estimate or top-up, in the thread; none for an automatic approval (the estimate message says so). */
export function decisionNotice(
  decided: { decision: string; decidedBy?: string | null | undefined; autoApproved?: boolean | null | undefined; kind?: string | null | undefined; version: number; lowMinutes: number; highMinutes: number; declineReason?: string | null | undefined },
  assigneeId: string | null | undefined,
): string | undefined {
  if (decided.decision !== 'approved' && decided.decision !== 'declined') return undefined;
  if (decided.autoApproved && decided.decidedBy === 'system') return undefined;
  const by = `<@${decided.decidedBy ?? ''}>`;
  return decided.decision === 'approved'
    ? `:white_check_mark: ${by} approved the ${decided.kind === 'topup' ? 'top-up' : 'estimate'} (v${decided.version}, ${formatRange(decided.lowMinutes, decided.highMinutes)}).` +
        (assigneeId ? ` <@${assigneeId}>, you're good to go.` : '')
    : `:no_entry_sign: ${by} declined estimate v${decided.version}: ${escapeAndTruncate(decided.declineReason ?? '', 1000)}` +
        (assigneeId ? `\n<@${assigneeId}>, you can post a new estimate.` : '');
}

/** In the thread of the request a duplicate was merged into. */
export function mergedNotice(duplicate: { key: string; requesterId: string }): string {
  return `:twisted_rightwards_arrows: *${duplicate.key}* (asked by ${mention(duplicate.requesterId)}) was merged into this request as a duplicate; ${mention(duplicate.requesterId)} is kept up to date here.`;
}

/** An engineer's question to the client, in the thread: the request waits on the client until they answer. */
export function questionToClientNotice(r: { requesterId: string }, askedBy: string, question: string): string {
  return `:speech_balloon: <@${r.requesterId}> <@${askedBy}> asks: ${escapeAndTruncate(question, 2000)}\n_Reply in this thread; the clock waits for you._`;
}

/** What someone said to the app in another thread of the request (the message it was opened from), copied into its own. */
export function addedNotice(userId: string, text: string): string {
  return `${mention(userId)} added, in the thread of the original message: ${escapeAndTruncate(text, 2500)}`;
}

const WHAT = { pull_request: 'pull request', issue: 'issue' } as const;
const HAPPENED = { merged: 'was merged :twisted_rightwards_arrows:', closed: 'was closed', open: 'was reopened' } as const;

/** A linked pull request or issue merged, closed or reopened (GitHub's webhook): the notice in the client's thread. */
export function linkedChangeNotice(change: LinkedChange): string {
  return `:link: The linked ${WHAT[change.kind]} ${change.label} ${HAPPENED[change.state]}.`;
}

/** The nudge in the triage thread, to the assignee, when the work looks done; none otherwise. */
export function resolveNudge(change: LinkedChange): string | undefined {
  if (change.state === 'open') return undefined;
  const who = change.assigneeId ? mention(change.assigneeId) : 'Whoever picks this up';
  return `${who}: ${change.label} ${HAPPENED[change.state]}. If that fixes *${change.key}*, resolve it (the client then confirms).`;
}
