// What follows a change to a request, from any surface or trigger: one entry point per kind of
// change, so a caller makes its change through a service and then calls exactly one of these.
// Each is fed the request and its client as the change left them when the service has them (a
// transition returns both), and reads them once otherwise. What follows is always the same: the
// services decide whom an open request goes to first (a page, an offer) and record it; this side
// delivers that, asks for the request's messages (the delivery renders them from the record),
// (re)schedules its timers, refreshes the Home tabs of the people it concerns and tells the thread
// when someone needs to know.
import type { RequestRecord } from '../db/request';
import type { RequestAction } from '../domain/lifecycle';
import type { Offer, OfferExpiry } from '../services/assignment';
import type { Estimate } from '../services/estimates';
import { homeViewersFor } from '../services/home';
import { duplicatesOf } from '../services/merge';
import type { Page } from '../services/onCall';
import { loadRequestWithClient, type LoadedRequest } from '../services/requestQueries';
import { routeRequest } from '../services/routing';
import { syncTimersQuietly } from '../services/timers';
import { linkNoticeRecorded, owedLinkChanges, type LinkedChange } from '../services/workLinks';
import type { SlackPost } from './delivery/posts';
import { managerDestinations } from './managers';
import type { Effects } from './effects';
import { addedNotice, decisionNotice, linkedChangeNotice, mergedNotice, questionToClientNotice, resolveNudge, threadNotice } from './views/notices';
import { offerAssignedText, offerMessage, pageMessage } from './views/offer';

export type { Effects } from './effects';

/** Where the change came from, when it was a click on one of the request's messages. */
export interface ClickedMessage {
  /** The message clicked (the payload's container.message_ts). */
  messageTs: string;
  /** The response_url Slack sent with the click. */
  url: string;
}

/** A request just opened (any surface): its first posts, and whom it goes to first. */
export async function afterOpened(effects: Effects, opened: LoadedRequest): Promise<void> {
  await showChange(effects, opened);
}

/**
 * A transition (services/requestLifecycle.ts transitionRequest, which returns the request and its
 * client as written): its messages, and the thread notice of the change. `clicked`: the message
 * the change was clicked on (updated through its response_url, which spares Slack's chat.update limit).
 */
export async function afterTransition(effects: Effects, changed: LoadedRequest, clicked?: ClickedMessage): Promise<void> {
  await showChange(effects, changed, clicked);
  await askChangeNotice(effects, changed.request);
}

/**
 * A change to the request that is not a transition and tells nobody by itself: a first response,
 * the client's answer, a link to the work, an offer declined or withdrawn, an engineer back at work
 * (requests nobody could be offered are offered again). Read once, here.
 */
export async function afterRequestUpdated(effects: Effects, key: string): Promise<void> {
  const loaded = await loadRequestWithClient(key);
  if (loaded) await showChange(effects, loaded);
}

/** Our question to the client (services askClient): in the thread, and the request now waits on them. */
export async function afterQuestionAsked(effects: Effects, asked: RequestRecord, askedBy: string, question: string): Promise<void> {
  await postInThread(effects, asked, `ask-r${asked.revision}`, questionToClientNotice(asked, askedBy, question));
  await afterRequestUpdated(effects, asked.key);
}

/**
 * Something said to the app in a thread of the request (services addToRequest): copied into the
 * request's own thread when said elsewhere, and shown when it answered the client's wait.
 */
export async function afterAddedTo(
  effects: Effects,
  added: { request: RequestRecord; answered: boolean },
  said: { userId: string; channel: string; ts: string; text: string; inOwnThread: boolean },
): Promise<void> {
  if (!said.inOwnThread && said.text) {
    await postInThread(effects, added.request, `added|${said.channel}|${said.ts}`, addedNotice(said.userId, said.text));
  }
  if (added.answered) await afterRequestUpdated(effects, added.request.key);
}

/** A duplicate merged (services/merge.ts): its own transition, and the request it went into, whose thread is told. */
export async function afterMerge(effects: Effects, merged: { duplicate: LoadedRequest; target: RequestRecord }): Promise<void> {
  const { duplicate, target } = merged;
  // The duplicate's own notice (its requester is told there) comes from its transition.
  await afterTransition(effects, duplicate);
  await postInThread(effects, target, `merged|${duplicate.request.key}`, mergedNotice(duplicate.request));
  await afterRequestUpdated(effects, target.key);
}

/**
 * Links to the work changed by GitHub (services/workLinks.ts applyGithubDelivery): the notices of
 * each change, and the messages of the requests it touched.
 */
export async function afterLinkedWorkChanged(effects: Effects, applied: { changes: LinkedChange[]; touched: string[] }): Promise<void> {
  for (const change of applied.changes) await askLinkedChangeNotices(effects, change);
  for (const key of applied.touched) await afterRequestUpdated(effects, key);
}

/** For the worker's sweep: the notices of link changes not recorded yet. */
export async function askOwedLinkNotices(effects: Effects, request: RequestRecord): Promise<void> {
  for (const change of owedLinkChanges(request)) await askLinkedChangeNotices(effects, change);
}

/**
 * The notices of one link change: the client thread is told and the assignee nudged, while the
 * request is open. Named after the delivery, so asking again (a redelivery, the sweep) posts
 * nothing twice; recorded as effects, so a Slack failure is retried by the delivery. Then the
 * change's mark that they are owed goes.
 */
async function askLinkedChangeNotices(effects: Effects, change: LinkedChange): Promise<void> {
  if (change.open) {
    await postInThread(effects, { key: change.key, requesterTeamId: change.requesterTeamId }, `github|${change.delivery}`, linkedChangeNotice(change));
    const nudge = resolveNudge(change);
    if (nudge) await effects.delivery.post(`triage|${change.key}|github|${change.delivery}`, { to: { triageThread: change.key }, workspace: 'ours', text: nudge });
  }
  await linkNoticeRecorded(change);
}

/** An estimate or top-up posted (and any it superseded): their messages and the request's. */
export async function afterEstimatePosted(effects: Effects, key: string, estimateIds: string[]): Promise<void> {
  await effects.delivery.showEstimates(estimateIds);
  await afterRequestUpdated(effects, key);
}

/** Time logged, edited or deleted: the request's messages show the budget used. */
export async function afterTimeChanged(effects: Effects, key: string): Promise<void> {
  await afterRequestUpdated(effects, key);
}

/**
 * A client's decision on an estimate or top-up: its message, the request's, and the thread notice,
 * named by the estimate's id (asked again, by a retry or the sweep after a crash, it is posted once).
 */
export async function afterDecision(effects: Effects, decided: Estimate): Promise<void> {
  await effects.delivery.showEstimates([decided._id.toHexString()]);
  const loaded = await loadRequestWithClient(decided.requestKey);
  if (!loaded) return;
  await showChange(effects, loaded);
  const notice = decisionNotice(decided, loaded.request.assigneeId);
  if (notice) await postInThread(effects, loaded.request, `decided-${decided._id.toHexString()}`, notice);
}

/** Estimates brought in line with their request's decision after a crash: shown, and announced. */
export async function afterSettled(effects: Effects, settled: Estimate[]): Promise<void> {
  for (const estimate of settled) await afterDecision(effects, estimate);
}

/** An out-of-hours page that went unanswered went further (services/onCall.ts escalatePage). */
export async function afterPageEscalated(effects: Effects, page: Page, loaded: LoadedRequest): Promise<void> {
  await deliverPage(effects, page, loaded);
  await afterRequestUpdated(effects, page.key);
}

/** A round-robin offer ran out (services/assignment.ts expireOffer): taken by its engineer, or withdrawn. */
export async function afterOfferExpired(effects: Effects, key: string, expiry: OfferExpiry, timerId: string): Promise<void> {
  if (expiry.outcome === 'withdrawn') {
    // Withdrawn from someone who can no longer take it: offered to the next one in turn, or left in triage.
    await afterRequestUpdated(effects, key);
    return;
  }
  const { request } = expiry.changed;
  await afterTransition(effects, expiry.changed);
  if (request.assigneeId) await effects.delivery.post(`offer|${timerId}|assigned`, { to: { user: request.assigneeId }, text: offerAssignedText(request.key) });
}

/** A reply in the request's client thread, posted once per `id`, after its root message. */
export async function postInThread(effects: Effects, request: Pick<RequestRecord, 'key' | 'requesterTeamId'>, id: string, text: string): Promise<void> {
  const post: SlackPost = { to: { thread: request.key }, workspace: 'client', text, ...(request.requesterTeamId ? { teamId: request.requesterTeamId } : {}) };
  await effects.delivery.post(`thread|${request.key}|${id}`, post);
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

/**
 * What every change is followed by, from the request and client as the change left them: whom it
 * goes to first (decided and recorded by the services), its messages, its timers, the Home tabs.
 */
async function showChange(effects: Effects, loaded: LoadedRequest, clicked?: ClickedMessage): Promise<void> {
  const { page, offer, current } = await routeRequest(loaded);
  if (page) await deliverPage(effects, page, current);
  if (offer) await deliverOffer(effects, offer, current.request.title);
  const { request } = current;
  // A new request's first post is what its requester is waiting for; later changes are re-renders.
  const ownMessage = clicked && [request.clientMessageTs, request.triageMessageTs].includes(clicked.messageTs) ? clicked : undefined;
  const firstPost =
    !request.clientMessageTs || !request.triageMessageTs
      ? {
          ...(request.clientMessageTs ? {} : { clientChannelId: request.clientChannelId }),
          ...(request.triageMessageTs ? {} : { triageChannelId: request.triageChannelId }),
          ...(request.requesterTeamId ? { teamId: request.requesterTeamId } : {}),
        }
      : undefined;
  await effects.delivery.showRequest(request.key, { firstPost, respondVia: ownMessage });
  await syncTimersQuietly(effects.timers, request.key, current);
  await refreshHomes(effects, current);
}

/** The offer, by DM to the engineer, once per offer: Accept, or Decline within the offer's minutes. */
async function deliverOffer(effects: Effects, offer: Offer, title: string): Promise<void> {
  const message = offerMessage(offer, title);
  await effects.delivery.post(`offer|${offer.key}|${offer.at.getTime()}`, { to: { user: offer.to }, text: message.text, blocks: message.blocks }, 'interactive');
}

/** A page, by DM to the engineer paged or to each manager, once per page. */
async function deliverPage(effects: Effects, page: Page, { request, client }: LoadedRequest): Promise<void> {
  const message = pageMessage(page, request.title, client.name);
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
