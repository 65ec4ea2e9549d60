// What follows every change to a request, from any surface or job: its Slack messages are asked
// for (the delivery renders them from the record), the thread is told when someone needs to know,
// its timers are (re)scheduled and the Home tabs of the people it concerns are refreshed.
import type { Config } from '../config';
import type { RequestRecord } from '../db/request';
import { formatRange } from '../domain/duration';
import type { RequestAction } from '../domain/lifecycle';
import { syncTimersQuietly, type TimerScheduler } from '../jobs/timerScheduler';
import type { Estimate } from '../services/estimates';
import { offerNext, type Offer } from '../services/assignment';
import { homeViewersFor } from '../services/home';
import { pageIfDue, type Page } from '../services/onCall';
import { duplicatesOf } from '../services/merge';
import { transitionRequest, type TransitionInput } from '../services/requestLifecycle';
import { loadRequestWithClient, requireRequest, type LoadedRequest } from '../services/requestQueries';
import type { Delivery } from './delivery';
import type { Membership } from './membership';
import type { SlackPost } from './delivery/posts';
import type { SlackTokens } from './tokens';
import { escapeAndTruncate } from './mrkdwn';
import { threadNotice } from './views/notices';
import { offerMessage, pageMessage } from './views/offer';
import { managerDestinations } from './digest';

export interface Effects {
  config: Config;
  tokens: SlackTokens;
  timers: TimerScheduler;
  delivery: Delivery;
  membership: Membership;
}

/** Where the change came from, when it was a click on one of the request's messages. */
export interface ClickedMessage {
  /** The message clicked (the payload's container.message_ts). */
  messageTs: string;
  /** The response_url Slack sent with the click. */
  url: string;
}

/**
 * `current` is the request and its client as just written, when the caller has them; `clicked`,
 * the message the change was clicked on (updated through its response_url, which spares Slack's
 * chat.update limit).
 */
export async function showRequest(effects: Effects, key: string, current?: LoadedRequest, clicked?: ClickedMessage): Promise<void> {
  // Read once: the messages, the timers and the Home tabs all need the same request and client.
  let loaded = current ?? (await loadRequestWithClient(key));
  if (!loaded) return;
  // An urgent request out of hours goes to whoever is on call (read again after).
  if (loaded.request.priority === 'urgent' && loaded.request.state === 'open' && !loaded.request.page && !loaded.request.assigneeId) {
    const page = await pageIfDue(key);
    if (page) {
      await sendPage(effects, page, loaded.request.title, loaded.client.name);
      loaded = (await loadRequestWithClient(key)) ?? loaded;
    }
  }
  // A round-robin client's open request is offered to the next engineer first (read again after).
  if (loaded.client.assignment === 'round_robin' && loaded.request.state === 'open' && !loaded.request.offer && !loaded.request.assigneeId) {
    const offer = await offerNext(key);
    if (offer) {
      await askToTake(effects, offer, loaded.request.title);
      loaded = (await loadRequestWithClient(key)) ?? loaded;
    }
  }
  const { request } = loaded;
  // A new request's first post is what its requester is waiting for; later changes are re-renders.
  const ownMessage = clicked && [request.clientMessageTs, request.triageMessageTs].includes(clicked.messageTs) ? clicked : undefined;
  await effects.delivery.showRequest(key, { firstPost: !request.clientMessageTs || !request.triageMessageTs, respondVia: ownMessage });
  await syncTimersQuietly(effects.timers, key, loaded);
  await refreshHomes(effects, loaded);
}

/** The offer, by DM to the engineer, once per offer: Accept, or Decline within the offer's minutes. */
export async function askToTake(effects: Effects, offer: Offer, title: string): Promise<void> {
  const message = offerMessage(offer, title);
  await effects.delivery.post(`offer|${offer.key}|${offer.at.getTime()}`, { to: { user: offer.to }, text: message.text, blocks: message.blocks }, 'interactive');
}

/** A page, by DM to the engineer paged or to each manager, once per page. */
export async function sendPage(effects: Effects, page: Page, title: string, clientName: string): Promise<void> {
  const message = pageMessage(page, title, clientName);
  const targets = page.to === 'managers' ? await managerDestinations(effects) : [{ user: page.to }];
  for (const to of targets) {
    const id = 'user' in to ? to.user : 'channel' in to ? to.channel : 'x';
    await effects.delivery.post(`page|${page.key}|${page.at.getTime()}|${id}`, { to, text: message.text, blocks: message.blocks }, 'interactive');
  }
}

/** After a change to a request: the Home of everyone who cares (coalesced per person by the delivery). */
async function refreshHomes(effects: Effects, { request, client: owner }: LoadedRequest): Promise<void> {
  const people = [request.requesterId, ...(request.assigneeId ? [request.assigneeId] : []), ...(owner?.approvers ?? [])];
  await effects.delivery.refreshHomes(await homeViewersFor(request.clientKey, people));
}

/** A reply in the request's client thread, posted once per `id`, after its root message. */
export async function postInThread(effects: Effects, request: Pick<RequestRecord, 'key' | 'requesterTeamId'>, id: string, text: string): Promise<void> {
  const post: SlackPost = { to: { thread: request.key }, workspace: 'client', text, ...(request.requesterTeamId ? { teamId: request.requesterTeamId } : {}) };
  await effects.delivery.post(`thread|${request.key}|${id}`, post);
}

export async function transitionAndShow(effects: Effects, input: TransitionInput, clicked?: ClickedMessage): Promise<RequestRecord> {
  const updated = await transitionRequest(input);
  await showTransition(effects, updated, clicked);
  return updated;
}

/** The Slack half of a transition, for callers that must answer Slack in between. */
export async function showTransition(effects: Effects, updated: RequestRecord, clicked?: ClickedMessage): Promise<void> {
  await showRequest(effects, updated.key, undefined, clicked);
  await askChangeNotice(effects, updated);
}

/**
 * The thread notice of the request's latest transition, derived from the record (the transition
 * wrote `lastChange` with itself). Its id names the revision, so asking again (a retried job, the
 * sweep after a process died between the change and this) posts it once.
 */
export async function askChangeNotice(effects: Effects, request: Pick<RequestRecord, 'key' | 'requesterTeamId' | 'lastChange'> & Parameters<typeof threadNotice>[1]): Promise<void> {
  const change = request.lastChange;
  if (!change) return;
  // Whoever asked for a duplicate merged into this request hears of its resolution too.
  const alsoTell = change.action === 'resolve' ? (await duplicatesOf(request.key)).map((d) => d.requesterId) : [];
  const notice = threadNotice(change.action as RequestAction, { ...request, alsoTell }, change.actorId);
  if (notice) await postInThread(effects, request, `r${change.revision}`, notice);
}

/** After an estimate is posted or decided: its message (and any it superseded) and the request. */
export async function showEstimateChange(effects: Effects, requestKey: string, estimateIds: string[]): Promise<void> {
  await effects.delivery.showEstimates(estimateIds);
  await showRequest(effects, requestKey);
}

/**
 * The thread notice of a client's decision on an estimate or top-up, by the estimate's id: asked
 * again (a retry, the sweep after a crash), it is posted once. Automatic approvals have none: the
 * estimate message says so.
 */
export async function announceDecision(effects: Effects, decided: Estimate): Promise<void> {
  if (decided.decision !== 'approved' && decided.decision !== 'declined') return;
  if (decided.autoApproved && decided.decidedBy === 'system') return;
  const request = await requireRequest(decided.requestKey);
  const by = `<@${decided.decidedBy ?? ''}>`;
  const text =
    decided.decision === 'approved'
      ? `:white_check_mark: ${by} approved the ${decided.kind === 'topup' ? 'top-up' : 'estimate'} (v${decided.version}, ${formatRange(decided.lowMinutes, decided.highMinutes)}).` +
        (request.assigneeId ? ` <@${request.assigneeId}>, you're good to go.` : '')
      : `:no_entry_sign: ${by} declined estimate v${decided.version}: ${escapeAndTruncate(decided.declineReason ?? '', 1000)}` +
        (request.assigneeId ? `\n<@${request.assigneeId}>, you can post a new estimate.` : '');
  await postInThread(effects, request, `decided-${decided._id.toHexString()}`, text);
}

/** Estimates brought in line with their request's decision after a crash: shown, and announced. */
export async function showSettled(effects: Effects, settled: Estimate[]): Promise<void> {
  for (const estimate of settled) {
    await showEstimateChange(effects, estimate.requestKey, [estimate._id.toHexString()]);
    await announceDecision(effects, estimate);
  }
}
