// The two Slack messages that show a request: the client-thread root and the triage message.
// One rendering function per surface, re-run from the record after every change.
import { OPEN_STATES, staffActionsFrom, stateLabel, type Priority, type RequestState, type StaffAction } from '../../domain/lifecycle';
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

/** Each staff action of the lifecycle (domain/lifecycle.ts) and its button, in the order shown: one for each, or this does not compile. */
const STAFF_BUTTONS: Record<StaffAction, { label: string; actionId: string }> = {
  claim: { label: 'Claim', actionId: ACTION.claim },
  estimate: { label: 'Post estimate', actionId: ACTION.estimate },
  resolve: { label: 'Resolve', actionId: ACTION.resolve },
  unclaim: { label: 'Unclaim', actionId: ACTION.unclaim },
  reassign: { label: 'Reassign', actionId: ACTION.reassign },
  merge: { label: 'Merge…', actionId: ACTION.merge },
};

/** Sizing the work comes first until it is approved: these lead the buttons before then. */
const SIZING: readonly StaffAction[] = ['claim', 'estimate'];
/** An estimate approved (and work started on it): the work itself leads. */
const APPROVED_WORK: readonly RequestState[] = ['approved', 'in_progress'];
/** Work that is not a transition, and the states the triage message offers it in. */
const LOG_TIME_STATES: readonly RequestState[] = OPEN_STATES.filter((s) => s !== 'open');
const ASK_CLIENT_STATES: readonly RequestState[] = ['claimed', 'declined', 'approved', 'in_progress'];

/** The triage message's buttons: the staff transitions the lifecycle allows from the state, and the work that goes with it. */
function triageButtons(request: RequestView) {
  const v = request.key;
  const { state } = request;
  const approvedWork = APPROVED_WORK.includes(state);
  // A request with no estimate in hand yet asks for one; once one is pending or approved, it is a re-estimate.
  const firstEstimate = state === 'claimed' || state === 'declined';
  const transition = (action: StaffAction) => {
    const { label, actionId } = STAFF_BUTTONS[action];
    if (action === 'estimate') return button(firstEstimate ? label : 'Re-estimate', actionId, v, firstEstimate ? 'primary' : undefined);
    return button(label, actionId, v, action === 'claim' ? 'primary' : undefined);
  };
  const order = Object.keys(STAFF_BUTTONS);
  const allowed = staffActionsFrom(state).sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const sizing = allowed.filter((a) => SIZING.includes(a)).map(transition);
  const others = allowed.filter((a) => !SIZING.includes(a)).map(transition);
  const work = [
    ...(LOG_TIME_STATES.includes(state) ? [button('Log time', ACTION.logTime, v, approvedWork ? 'primary' : undefined)] : []),
    ...(approvedWork ? [button('Request top-up', ACTION.topUp, v)] : []),
    ...(ASK_CLIENT_STATES.includes(state) ? [button('Ask the client', ACTION.askClient, v)] : []),
  ];
  return approvedWork ? [...work, ...sizing, ...others] : [...sizing, ...work, ...others];
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
