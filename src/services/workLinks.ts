// The work behind a request: links stored on it (pasted in its thread, or `/help link`), and what
// GitHub's webhooks say of them afterwards (merged, closed, reopened).
import { z } from 'zod';
import { ClientModel } from '../db/client';
import { RequestModel, type RequestRecord, type StoredWorkLink } from '../db/request';
import { WebhookDeliveryModel } from '../db/webhookDelivery';
import { isDuplicateKey } from './sequence';
import { OPEN_STATES } from '../domain/lifecycle';
import { MAX_LINKS, githubRepository, isNewerEvent, parseWorkLink, type WorkLink, type WorkState } from '../domain/workLinks';
import { ErrorCode, UserFacingError } from '../errors';
import { AuditEventModel } from '../db/auditEvent';
import { crashPoint } from '../crashPoints';
import { recordAudit } from './audit';
import type { Actor } from './directory';
import { requireRequest } from './requestQueries';
import { authorise } from './authorisation';

const ATTEMPTS = 5;

/**
 * Stores `links` on the request (those it does not have yet, up to MAX_LINKS), in one guarded
 * update that also asks for its messages to be shown again. Anyone who may comment may link.
 */
export async function linkWork(key: string, actor: Actor, links: WorkLink[]): Promise<{ request: RequestRecord; added: WorkLink[] }> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const request = await requireRequest(key);
    await authorise('comment', actor, request);
    const have = new Set((request.links ?? []).map((l) => l.url));
    const added = links.filter((l) => !have.has(l.url));
    if (added.length === 0) return { request, added };
    if (have.size + added.length > MAX_LINKS) {
      throw new UserFacingError(ErrorCode.InvalidInput, `${request.key} already has ${have.size} links; it can keep at most ${MAX_LINKS}.`);
    }
    const at = new Date();
    const stored: StoredWorkLink[] = added.map((l) => ({ ...l, addedBy: actor.userId, addedAt: at }));
    const result = await RequestModel.updateOne({ _id: request._id, revision: request.revision }, { $push: { links: { $each: stored } }, $inc: { revision: 1 } });
    if (result.modifiedCount !== 1) continue; // changed meanwhile: read it again
    await recordAudit({
      actorId: actor.userId,
      action: 'request.linked',
      entityType: 'request',
      entityId: request.key,
      clientKey: request.clientKey,
      after: { links: added.map((l) => l.url) },
    });
    return { request: { ...request, revision: request.revision + 1, links: [...(request.links ?? []), ...stored] }, added };
  }
  throw new UserFacingError(ErrorCode.Conflict, `${key} is being changed by someone else right now. Please try again.`);
}

// ---------------------------------------------------------------------------------------------
// GitHub webhooks
// ---------------------------------------------------------------------------------------------

const item = z.object({ html_url: z.string(), number: z.number().int(), merged: z.boolean().nullish(), updated_at: z.iso.datetime({ offset: true }) });
const pullRequestEvent = z.object({ action: z.string(), pull_request: item });
const issuesEvent = z.object({ action: z.string(), issue: item });

export interface GithubChange {
  url: string;
  label: string;
  kind: 'pull_request' | 'issue';
  state: WorkState;
  /** `owner/name`, lower case. */
  repository: string;
  /** GitHub's `updated_at` of the pull request or issue: orders the events about it. */
  updatedAt: Date;
}

/** What a delivery says happened to a pull request or issue, or undefined when nothing we track. */
export function githubChange(event: string, payload: unknown): GithubChange | undefined {
  const parsed =
    event === 'pull_request'
      ? pullRequestEvent.safeParse(payload)
      : event === 'issues'
        ? issuesEvent.safeParse(payload)
        : undefined;
  if (!parsed?.success) return undefined;
  const data = parsed.data;
  const subject = 'pull_request' in data ? data.pull_request : data.issue;
  const state: WorkState | undefined =
    data.action === 'closed' ? (subject.merged ? 'merged' : 'closed') : data.action === 'reopened' ? 'open' : undefined;
  const link = parseWorkLink(subject.html_url);
  const repository = link && githubRepository(link);
  if (!state || !link || !repository) return undefined;
  return { url: link.url, label: link.label, kind: link.kind === 'pull_request' ? 'pull_request' : 'issue', state, repository, updatedAt: new Date(subject.updated_at) };
}

/** What setting a link's state did to one request. */
interface LinkStateSet {
  /** The request as written. */
  request: RequestRecord;
  link: StoredWorkLink;
  /** The state changed (not only `sourceUpdatedAt`); false with `replay`. */
  changed: boolean;
  /** This very delivery set the link's state before (a redelivery after a failure half-way). */
  replay: boolean;
}

/**
 * Sets the state of the request's link to `change.url`, as one guarded update of the request (its
 * revision). The link keeps which delivery set its state and a mark that its notices are owed, so
 * they can be asked for again from the record (a redelivery, the worker's sweep) should the
 * process stop before they are recorded. Nothing is written for an event no later than the
 * one the link's state came from; a later event with the same state only moves the link's
 * `sourceUpdatedAt` on (no notice).
 */
async function setLinkState(key: string, change: GithubChange, deliveryId: string): Promise<LinkStateSet | undefined> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const request = (await RequestModel.findOne({ key }).lean()) as RequestRecord | null;
    const current = request?.links?.find((l) => l.url === change.url);
    if (!request || !current) return undefined;
    if (current.delivery === deliveryId) return { request, link: current, changed: false, replay: true };
    if (!isNewerEvent(change.updatedAt, current.sourceUpdatedAt)) return undefined;
    const changed = current.state !== change.state;
    const revision = request.revision + 1;
    const link: StoredWorkLink = changed
      ? { ...current, sourceUpdatedAt: change.updatedAt, state: change.state, previousState: current.state ?? null, stateAt: new Date(), delivery: deliveryId, noticeOwed: true }
      : { ...current, sourceUpdatedAt: change.updatedAt };
    const links = (request.links ?? []).map((l) => (l.url === change.url ? link : l));
    const result = await RequestModel.updateOne({ key, revision: request.revision }, { $set: { links }, $inc: { revision: 1 } });
    if (result.modifiedCount === 1) return { request: { ...request, links, revision }, link, changed, replay: false };
  }
  throw new Error(`${key} kept changing while a webhook set its link state`);
}

export interface LinkedChange {
  key: string;
  url: string;
  label: string;
  kind: 'pull_request' | 'issue';
  state: WorkState;
  /** The delivery that set the state: names the notices, so each is posted once. */
  delivery: string;
  /** Still open: the thread is told and the assignee nudged to resolve. */
  open: boolean;
  assigneeId?: string | null | undefined;
  requesterTeamId?: string | null | undefined;
}

/** The change a GitHub delivery made to one of the request's links, as its notices need it. */
function linkedChange(request: RequestRecord, link: StoredWorkLink): LinkedChange | undefined {
  if (link.provider !== 'github' || link.kind === 'merge_request' || !link.state || !link.delivery) return undefined;
  return {
    key: request.key,
    url: link.url,
    label: link.label,
    kind: link.kind,
    state: link.state,
    delivery: link.delivery,
    open: (OPEN_STATES as readonly string[]).includes(request.state),
    assigneeId: request.assigneeId,
    requesterTeamId: request.requesterTeamId,
  };
}

/**
 * The link changes whose notices the request's record still owes: those marked owed with the
 * change and not recorded since (the process may have stopped in between). Asking for them again
 * posts nothing twice: the notices are named after the delivery.
 */
export function owedLinkChanges(request: RequestRecord): LinkedChange[] {
  return (request.links ?? []).filter((l) => l.noticeOwed === true).flatMap((l) => linkedChange(request, l) ?? []);
}

/** Requests with a link change whose notices are not recorded yet (for the worker's sweep). */
export async function requestsOwingLinkNotices(limit: number): Promise<RequestRecord[]> {
  return (await RequestModel.find({ 'links.noticeOwed': true }).limit(limit).lean()) as RequestRecord[];
}

/**
 * The notices of a link change are recorded as effects: its mark goes (unless a later delivery
 * has set the link since, whose notices are owed in turn). Not a change of the request: no
 * revision, no re-render.
 */
export async function linkNoticeRecorded(change: Pick<LinkedChange, 'key' | 'url' | 'delivery'>): Promise<void> {
  await RequestModel.updateOne(
    { key: change.key, links: { $elemMatch: { url: change.url, delivery: change.delivery, noticeOwed: true } } },
    { $unset: { 'links.$[link].noticeOwed': 1 } },
    { arrayFilters: [{ 'link.url': change.url, 'link.delivery': change.delivery }], timestamps: false },
  );
}

export type GithubOutcome =
  | { outcome: 'duplicate' }
  | { outcome: 'ignored' }
  /** `touched`: every request whose record was written (a later event with the same state too), to be shown again. */
  | { outcome: 'applied'; changes: LinkedChange[]; touched: string[] };

const deliveryRecordId = (deliveryId: string) => `github:${deliveryId}`;

/**
 * Applies one GitHub delivery: the linked requests' link state is set (each a guarded update of
 * the request, audited). A delivery already applied as a whole changes nothing (GitHub's
 * *Redeliver* reuses the ID); one that failed half-way is applied again: links it already set
 * are returned again, so their notices are asked for (once each, by id). The caller records the
 * notices, then `githubDeliveryApplied`: GitHub does not retry a failed delivery by itself.
 */
export async function applyGithubDelivery(deliveryId: string, event: string, payload: unknown): Promise<GithubOutcome> {
  if (await WebhookDeliveryModel.exists({ _id: deliveryRecordId(deliveryId) })) return { outcome: 'duplicate' };
  const change = githubChange(event, payload);
  if (!change) return { outcome: 'ignored' };
  const changes: LinkedChange[] = [];
  const touched: string[] = [];
  // Only the requests of clients that follow the repository: anyone who may comment may link
  // any URL, and a link must not let another client's repository reach into a thread.
  const following = (await ClientModel.find({ repositories: change.repository }, { key: 1 }).lean()).map((c) => c.key);
  const linked = following.length === 0 ? [] : await RequestModel.find({ 'links.url': change.url, clientKey: { $in: following } }, { key: 1 }).lean();
  for (const { key } of linked) {
    const set = await setLinkState(key, change, deliveryId);
    if (set) touched.push(key);
    if (!set || (!set.changed && !set.replay)) continue;
    crashPoint('github.link_updated');
    const { request, link } = set;
    const audited = set.replay && (await AuditEventModel.exists({ entityId: key, action: 'request.link_updated', 'after.delivery': deliveryId, 'after.url': change.url }));
    if (!audited) {
      await recordAudit({
        actorId: 'github',
        action: 'request.link_updated',
        entityType: 'request',
        entityId: request.key,
        clientKey: request.clientKey,
        before: { url: change.url, state: link.previousState ?? null },
        after: { url: change.url, state: link.state ?? null, delivery: deliveryId, updatedAt: (link.sourceUpdatedAt ?? change.updatedAt).toISOString() },
      });
    }
    const linkChange = linkedChange(request, link);
    if (linkChange) changes.push(linkChange);
  }
  return { outcome: 'applied', changes, touched };
}

/** The delivery is applied and its notices recorded: the same delivery ID again changes nothing. */
export async function githubDeliveryApplied(deliveryId: string, event: string): Promise<void> {
  try {
    await WebhookDeliveryModel.create({ _id: deliveryRecordId(deliveryId), event, receivedAt: new Date() });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error; // the same delivery, applied twice at once
  }
}
