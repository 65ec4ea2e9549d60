// The two Slack messages that show a request: the client-thread root and the triage message.
// One rendering function per surface, re-run from the record after every change.
import { stateLabel, type Priority, type RequestState } from '../../domain/lifecycle';
import { ACTION } from '../ids';
import { escapeAndTruncate, mention } from '../mrkdwn';
import { actions, button, context, section, slackDate, type KnownBlock, type RenderedMessage } from './blocks';
import { budgetLine } from './estimateMessage';

export interface RequestView {
  key: string;
  clientKey: string;
  title: string;
  details: string;
  category: string;
  priority: Priority;
  state: RequestState;
  requesterId: string;
  assigneeId?: string | null | undefined;
  resolution?: string | null | undefined;
  rating?: number | null | undefined;
  createdAt: Date;
  clientChannelId: string;
  clientMessageTs?: string | null | undefined;
  sourceMessage?: { permalink?: string | null | undefined } | null | undefined;
  /** Merged as a duplicate into this request of the same client. */
  mergedInto?: string | null | undefined;
  /** Duplicates merged into it. */
  duplicates?: string[] | undefined;
  /** Links to the work behind it (domain/workLinks.ts), with what GitHub last said of each. */
  links?: Array<{ url: string; label: string; kind: string; state?: string | null | undefined }> | undefined;
  /** Billable minutes used of those approved, for engineers (triage message). */
  budget?: { usedMinutes: number; approvedMinutes: number } | undefined;
}

const PRIORITY_EMOJI: Record<Priority, string> = {
  urgent: ':red_circle:',
  high: ':large_orange_circle:',
  normal: ':large_blue_circle:',
  low: ':white_circle:',
};

const STATE_EMOJI: Record<RequestState, string> = {
  open: ':inbox_tray:',
  claimed: ':eyes:',
  awaiting_approval: ':hourglass_flowing_sand:',
  approved: ':white_check_mark:',
  declined: ':no_entry_sign:',
  in_progress: ':hammer_and_wrench:',
  resolved: ':sparkles:',
  closed: ':lock:',
  cancelled: ':x:',
  merged: ':twisted_rightwards_arrows:',
};

function statusLine(request: RequestView): string[] {
  const permalink = request.sourceMessage?.permalink;
  const parts = [
    `${STATE_EMOJI[request.state]} *${stateLabel(request.state)}*`,
    `${PRIORITY_EMOJI[request.priority]} ${request.priority}`,
    request.category,
    request.assigneeId ? `Engineer: ${mention(request.assigneeId)}` : 'Not claimed yet',
  ];
  const requested = `Requested by ${mention(request.requesterId)} ${slackDate(request.createdAt)}`;
  // Only links Slack itself gave us (chat.getPermalink), never user text.
  const from = permalink && /^https:\/\/[^\s|<>]+$/.test(permalink) ? ` from <${permalink}|this message>` : '';
  return [parts.join('  ·  '), requested + from];
}

const LINK_KIND: Record<string, string> = { pull_request: 'PR', merge_request: 'MR', issue: 'issue' };
const LINK_STATE: Record<string, string> = { open: 'open', merged: ':twisted_rightwards_arrows: merged', closed: 'closed' };

/** "Linked: PR acme/shop#12 (merged) · issue OPS-42", each label a link; none when nothing is linked. */
function linksLine(request: RequestView): KnownBlock[] {
  const links = request.links ?? [];
  if (links.length === 0) return [];
  const shown = links.slice(0, 10).map((l) => {
    // Only URLs domain/workLinks.ts made canonical are stored; checked again before they go into mrkdwn.
    const label = escapeAndTruncate(l.label, 80);
    const target = /^https:\/\/[^\s|<>]+$/.test(l.url) ? `<${l.url}|${label}>` : label;
    return `${LINK_KIND[l.kind] ?? ''} ${target}${l.state ? ` (${LINK_STATE[l.state] ?? l.state})` : ''}`.trim();
  });
  const more = links.length > shown.length ? ` · …and ${links.length - shown.length} more` : '';
  return [context(`:link: Linked: ${shown.join(' · ')}${more}`)];
}

/** The link both ways between a duplicate and the request it was merged into. */
function mergeLine(request: RequestView): KnownBlock[] {
  if (request.state === 'merged' && request.mergedInto) return [context(`:twisted_rightwards_arrows: Merged into *${request.mergedInto}* as a duplicate: follow it there.`)];
  const duplicates = request.duplicates ?? [];
  if (duplicates.length === 0) return [];
  const shown = duplicates.slice(0, 20).map((k) => `*${k}*`).join(', ');
  return [context(`:twisted_rightwards_arrows: Duplicates merged here: ${shown}${duplicates.length > 20 ? ` and ${duplicates.length - 20} more` : ''}`)];
}

function clientButtons(request: RequestView) {
  const v = request.key;
  switch (request.state) {
    case 'open':
    case 'claimed':
      return [button('Cancel request', ACTION.cancel, v)];
    case 'resolved':
      return [button('Confirm fix', ACTION.confirm, v, 'primary'), button('Reopen', ACTION.reopen, v)];
    case 'closed':
      return request.rating
        ? []
        : [1, 2, 3, 4, 5].map((n) => button('★'.repeat(n), `${ACTION.rate}_${n}`, `${v} ${n}`));
    default:
      return [];
  }
}

/** The root of the request's thread in the client's channel. */
export function renderClientMessage(request: RequestView): RenderedMessage {
  const title = escapeAndTruncate(request.title, 500);
  const blocks: KnownBlock[] = [section(`*${request.key}*  ${title}`, 'summary')];
  if (request.details && request.details !== request.title) {
    blocks.push(section(escapeAndTruncate(request.details, 2900), 'details'));
  }
  blocks.push(context(...statusLine(request)));
  blocks.push(...mergeLine(request), ...linksLine(request));
  if (request.state === 'resolved' && request.resolution) {
    blocks.push(section(`*Resolution*\n${escapeAndTruncate(request.resolution, 2800)}`, 'resolution'));
    blocks.push(context('Does this fix it for you? *Confirm* to close the request, or *Reopen* if not.'));
  }
  if (request.state === 'closed') {
    blocks.push(
      context(request.rating ? `Rated ${'★'.repeat(request.rating)} — thank you!` : 'How did we do? Rate this request:'),
    );
  }
  blocks.push(...actions('client_actions', clientButtons(request)));
  return {
    text: `${request.key}: ${escapeAndTruncate(request.title, 200)} (${stateLabel(request.state)})`,
    blocks,
  };
}

function triageButtons(request: RequestView) {
  const v = request.key;
  switch (request.state) {
    case 'open':
      return [button('Claim', ACTION.claim, v, 'primary'), button('Merge…', ACTION.merge, v)];
    case 'claimed':
    case 'declined':
      return [
        button('Post estimate', ACTION.estimate, v, 'primary'),
        button('Log time', ACTION.logTime, v),
        button('Ask the client', ACTION.askClient, v),
        button('Resolve', ACTION.resolve, v),
        button('Unclaim', ACTION.unclaim, v),
        button('Reassign', ACTION.reassign, v),
        button('Merge…', ACTION.merge, v),
      ];
    case 'awaiting_approval':
      return [button('Re-estimate', ACTION.estimate, v), button('Log time', ACTION.logTime, v), button('Reassign', ACTION.reassign, v), button('Merge…', ACTION.merge, v)];
    case 'approved':
    case 'in_progress':
      return [
        button('Log time', ACTION.logTime, v, 'primary'),
        button('Request top-up', ACTION.topUp, v),
        button('Ask the client', ACTION.askClient, v),
        button('Re-estimate', ACTION.estimate, v),
        button('Resolve', ACTION.resolve, v),
        button('Reassign', ACTION.reassign, v),
        button('Merge…', ACTION.merge, v),
      ];
    case 'resolved':
      return [button('Log time', ACTION.logTime, v)];
    default:
      return [];
  }
}

/** The request's message in the triage channel, for engineers. */
export function renderTriageMessage(request: RequestView, clientName: string): RenderedMessage {
  const title = escapeAndTruncate(request.title, 500);
  const blocks: KnownBlock[] = [
    section(`${PRIORITY_EMOJI[request.priority]} *${request.key}* · ${escapeAndTruncate(clientName, 80)}\n${title}`, 'summary'),
    context(...statusLine(request), ...(request.budget ? [budgetLine(request.budget.usedMinutes, request.budget.approvedMinutes)] : [])),
    ...mergeLine(request),
    ...linksLine(request),
    ...actions('triage_actions', triageButtons(request)),
  ];
  return {
    text: `${request.priority.toUpperCase()} ${request.key} (${clientName}): ${escapeAndTruncate(request.title, 200)}`,
    blocks,
  };
}
