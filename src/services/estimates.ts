// Estimates and the client's decision on them. No billable work starts before the client agrees
// to what it will cost; a top-up is an estimate of its own that adds to the approved budget.
// A modal submitted twice (Slack's retry, a second click) posts once: its view.id is unique on
// the estimate.
import { isFinished, type RequestState } from '../domain/lifecycle';
import { EstimateModel, type EstimateRecord } from '../db/estimate';
import { RequestModel, type RequestRecord } from '../db/request';
import { formatDuration } from '../domain/duration';
import { agreementOf, amountForMinutes, type ChargeTerms } from '../domain/billing';
import { ErrorCode, UserFacingError } from '../errors';
import { logger } from '../logger';
import { recordAudit } from './audit';
import type { Actor } from './directory';
import { checkTransition, transitionRequest, type CurrentEstimate } from './requestLifecycle';
import { requireRequest } from './requestQueries';
import { authorise } from './authorisation';
import { crashPoint } from '../crashPoints';
import { isDuplicateKey } from './sequence';
import { findClientByKey, type Client } from './directory';
import { Types } from 'mongoose';

export type Estimate = EstimateRecord & { _id: Types.ObjectId };

/** The terms an approval given now binds the request to. */
function termsNow(client: Pick<Client, 'billingMode' | 'incrementMinutes' | 'minimumMinutes'>): ChargeTerms {
  return { billingMode: client.billingMode, incrementMinutes: client.incrementMinutes, minimumMinutes: client.minimumMinutes };
}

export interface EstimateInput {
  key: string;
  actor: Actor;
  lowMinutes: number;
  highMinutes: number;
  assumptions: string;
  /** A top-up adds to an approved budget instead of replacing the estimate. */
  topUp?: boolean;
  /** The Slack view.id of the modal that submitted it: the same submission again records nothing new. */
  submissionId?: string;
}

export interface PostedEstimate {
  estimate: Estimate;
  superseded: Estimate[];
  autoApproved: boolean;
  /** This submission had already posted the estimate: nothing new was recorded (and nothing superseded). */
  repeated: boolean;
}

const WORKING_STATES = ['approved', 'in_progress'];

async function nextVersion(requestKey: string): Promise<number> {
  const last = await EstimateModel.findOne({ requestKey }, { version: 1 }).sort({ version: -1 }).lean();
  return (last?.version ?? 0) + 1;
}

/** What a modal submission already posted, as it is now; null when it has posted nothing yet. */
async function postedBySubmission(input: EstimateInput, requestKey: string): Promise<PostedEstimate | null> {
  if (!input.submissionId) return null;
  const estimate = await EstimateModel.findOne({ submissionId: input.submissionId }).lean();
  if (!estimate) return null;
  // One modal is one engineer estimating one request; anything else is not a repeat of it.
  if (estimate.requestKey !== requestKey || estimate.authorId !== input.actor.userId) {
    throw new Error(`Submission ${input.submissionId} already posted ${estimate.requestKey}/v${estimate.version} by ${estimate.authorId}`);
  }
  logger.info({ request: requestKey, version: estimate.version, submission: input.submissionId }, 'Estimate submitted again; answering with the one already posted, recording nothing');
  return { estimate, superseded: [], autoApproved: estimate.autoApproved, repeated: true };
}

export async function postEstimate(input: EstimateInput): Promise<PostedEstimate> {
  const request = await requireRequest(input.key);
  // Before the checks: a repeat gets what the first submission posted, whatever happened since.
  const earlier = await postedBySubmission(input, request.key);
  if (earlier) return earlier;
  const topUp = Boolean(input.topUp);
  if (topUp) {
    await authorise('estimate', input.actor, request);
    if (!WORKING_STATES.includes(request.state)) {
      throw new UserFacingError(ErrorCode.InvalidState, `${request.key} has no approved work to top up; post an estimate instead.`);
    }
  } else {
    await checkTransition({ key: input.key, action: 'estimate', actor: input.actor });
    const below = belowLogged(request, input.highMinutes);
    if (below) throw below;
  }
  const client = await findClientByKey(request.clientKey);
  if (!client) throw new Error(`Request ${request.key} refers to missing client ${request.clientKey}`);

  const autoApproved = !topUp && client.autoApproveMinutes > 0 && input.highMinutes <= client.autoApproveMinutes;
  const now = new Date();
  let estimate: Estimate | undefined;
  for (let attempt = 0; attempt < 5 && !estimate; attempt++) {
    try {
      const created = await EstimateModel.create({
        requestKey: request.key,
        clientKey: request.clientKey,
        version: await nextVersion(request.key),
        kind: topUp ? 'topup' : 'estimate',
        lowMinutes: input.lowMinutes,
        highMinutes: input.highMinutes,
        hourlyRateMinor: client.hourlyRateMinor,
        currency: client.currency,
        amountMinor: amountForMinutes(input.highMinutes, client.hourlyRateMinor),
        assumptions: input.assumptions,
        authorId: input.actor.userId,
        createdAt: now,
        // Approved below, like any decision, once the request waits on it; the flag says it will be.
        ...(autoApproved ? { autoApproved: true } : {}),
        ...(input.submissionId ? { submissionId: input.submissionId } : {}),
      });
      estimate = created.toObject();
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Either another engineer took this version number (try the next), or a twin of this
      // submission, running alongside, posted it first.
      const twin = await postedBySubmission(input, request.key);
      if (twin) return twin;
    }
  }
  if (!estimate) throw new UserFacingError(ErrorCode.Conflict, 'Someone else is estimating this request right now. Please try again.');

  let superseded: Estimate[];
  if (topUp) {
    // A top-up is not paired with a change of the request: one write supersedes an older pending one.
    superseded = await EstimateModel.find({ requestKey: request.key, decision: 'pending', version: { $lt: estimate.version } }).lean();
    if (superseded.length > 0) {
      await EstimateModel.updateMany({ _id: { $in: superseded.map((e) => e._id) }, decision: 'pending' }, { $set: { decision: 'superseded' } });
    }
  } else {
    crashPoint('estimate.created');
    try {
      // The request now waits on this version: one update moves the state and the pointer.
      await transitionRequest({ key: request.key, action: 'estimate', actor: input.actor, estimate: { set: { version: estimate.version, decision: 'pending' } } });
    } catch (error) {
      // The request moved on while we estimated: this version must not stay open for a decision,
      // and the pending one before it still stands. Its submission is let go, so Slack's retry of
      // the modal is refused like this call rather than told the estimate was posted.
      await EstimateModel.updateOne({ _id: estimate._id, decision: 'pending' }, { $set: { decision: 'superseded' }, $unset: { submissionId: '' } });
      throw error;
    }
    superseded = (await settleEstimate(await requireRequest(request.key))).filter((e) => e.decision === 'superseded');
  }
  await recordAudit({
    actorId: input.actor.userId,
    action: topUp ? 'estimate.topup_requested' : 'estimate.posted',
    entityType: 'estimate',
    entityId: `${request.key}/v${estimate.version}`,
    clientKey: request.clientKey,
    after: { lowMinutes: estimate.lowMinutes, highMinutes: estimate.highMinutes, hourlyRateMinor: estimate.hourlyRateMinor, amountMinor: estimate.amountMinor, supersedes: superseded.map((e) => e.version) },
  });
  if (autoApproved) {
    await writeDecision(estimate, await requireRequest(request.key), { userId: 'system' }, { approve: true, terms: termsNow(client), asSystem: true });
  }
  logger.info({ request: request.key, version: estimate.version, topUp, autoApproved }, 'Estimate posted');
  return { estimate: (await EstimateModel.findById(estimate._id).lean()) ?? estimate, superseded, autoApproved, repeated: false };
}

/**
 * A re-estimate replaces the total the client agreed to: one below the billable time already
 * logged would bill less than the work done (and leave the time over the budget), so it is refused.
 */
function belowLogged(request: Pick<RequestRecord, 'key' | 'billableMinutesLogged'>, highMinutes: number): UserFacingError | undefined {
  if (highMinutes >= request.billableMinutesLogged) return undefined;
  return new UserFacingError(
    ErrorCode.InvalidState,
    `${request.key} already has ${formatDuration(request.billableMinutesLogged)} of billable time logged. A new estimate replaces the total the client agrees to, ` +
      `so it can't be less than that (this one goes up to ${formatDuration(highMinutes)}). To add time, ask for a top-up instead.`,
  );
}

export async function requireEstimate(id: string): Promise<Estimate> {
  const estimate = Types.ObjectId.isValid(id) ? await EstimateModel.findById(id).lean() : null;
  if (!estimate) throw new UserFacingError(ErrorCode.NotFound, "I couldn't find that estimate any more.");
  return estimate;
}

function refusalForDecision(estimate: Estimate, latestVersion: number): string {
  switch (estimate.decision) {
    case 'superseded':
      return `This estimate (v${estimate.version}) was replaced by v${latestVersion}; please decide on the latest one.`;
    case 'approved':
      return `This estimate was already approved${estimate.decidedBy && estimate.decidedBy !== 'system' ? ` by <@${estimate.decidedBy}>` : ''}.`;
    case 'declined':
      return `This estimate was already declined${estimate.decidedBy ? ` by <@${estimate.decidedBy}>` : ''}.`;
    default:
      return 'This estimate is waiting for a decision.';
  }
}

export interface Decision {
  estimateId: string;
  actor: Actor;
  approve: boolean;
  reason?: string;
  /**
   * Told of estimates this call brought in line with their request's decision before answering
   * (a decision a crash left half done), so they are shown even though this decision is refused.
   */
  onSettled?: (settled: Estimate[]) => Promise<void>;
}

/** Approves or declines a pending estimate; exactly one decision wins a double click. */
export async function decideEstimate(input: Decision): Promise<Estimate> {
  const estimate = await requireEstimate(input.estimateId);
  const request = await requireRequest(estimate.requestKey);
  const client = await authorise(input.approve ? 'approve' : 'decline', input.actor, request);
  const latest = await nextVersion(estimate.requestKey).then((n) => n - 1);
  // A decision the request holds but the estimate does not show yet (the process died in
  // between) is put on the estimate first, so a second click is told what happened.
  if (estimate.kind === 'estimate') {
    const settled = await settleEstimate(request);
    if (settled.length > 0) await input.onSettled?.(settled);
  }
  const now = await requireEstimate(input.estimateId);
  if (now.decision !== 'pending') throw new UserFacingError(ErrorCode.Conflict, refusalForDecision(now, latest));
  const terms = termsNow(client);
  if (estimate.kind === 'topup') return decideTopUp(estimate, request, input, terms, latest);
  // Checked before anything is written, so a refusal leaves the estimate pending. Refused because
  // another decision (a double click) moved the request since it was read: that decision is the answer.
  await checkTransition({ key: request.key, action: input.approve ? 'approve' : 'decline', actor: input.actor }).catch((error: unknown) =>
    explainLostDecision(estimate, request.key, latest, error),
  );
  const below = input.approve ? belowLogged(request, estimate.highMinutes) : undefined;
  if (below) throw below;
  return writeDecision(estimate, request, input.actor, { approve: input.approve, terms, reason: input.reason, latest });
}

interface DecisionWrite {
  approve: boolean;
  terms: ChargeTerms;
  reason?: string | undefined;
  asSystem?: boolean;
  /** The latest version, for the refusal when another decision won. */
  latest?: number;
}

/**
 * An estimate's decision as one atomic change: the request's state and its currentEstimate in
 * one guarded update (transitionRequest), then the estimate's record brought in line
 * (settleEstimate). A crash after the first write loses nothing: the request holds the decision,
 * and the next click or the worker's sweep settles the estimate.
 */
async function writeDecision(estimate: Estimate, request: RequestRecord, actor: Actor, how: DecisionWrite): Promise<Estimate> {
  const decision: CurrentEstimate = {
    version: estimate.version,
    decision: how.approve ? 'approved' : 'declined',
    decidedBy: actor.userId,
    decidedAt: new Date(),
    ...(how.approve ? { terms: how.terms } : {}),
    ...(how.reason ? { declineReason: how.reason } : {}),
  };
  try {
    await transitionRequest({
      key: request.key,
      action: how.approve ? 'approve' : 'decline',
      actor,
      asSystem: how.asSystem,
      estimate: { set: decision, expect: request.currentEstimate ? { version: estimate.version } : 'none' },
    });
  } catch (error) {
    return explainLostDecision(estimate, request.key, how.latest ?? estimate.version, error);
  }
  crashPoint('estimate.decided');
  await settleEstimate(await requireRequest(request.key));
  return requireEstimate(estimate._id.toHexString());
}

/**
 * A decision refused because another one (a double click) or another change won meanwhile: the
 * answer is what happened to this estimate, once the request's decision is on it; any other
 * refusal, or an estimate still pending, is answered as it is.
 */
async function explainLostDecision(estimate: Estimate, key: string, latest: number, error: unknown): Promise<never> {
  if (!(error instanceof UserFacingError)) throw error;
  await settleEstimate(await requireRequest(key));
  const current = await requireEstimate(estimate._id.toHexString());
  if (current.decision !== 'pending') throw new UserFacingError(ErrorCode.Conflict, refusalForDecision(current, latest));
  throw error;
}

/** A top-up's decision is one write on its own record: it changes nothing on the request. */
async function decideTopUp(estimate: Estimate, request: RequestRecord, input: Decision, terms: ChargeTerms, latest: number): Promise<Estimate> {
  if (input.approve && isFinished(request.state as RequestState)) {
    // No more work can be billed on it, and an approved top-up would still raise the month's cap.
    throw new UserFacingError(ErrorCode.Conflict, `${request.key} is ${request.state}, so its top-up can't be approved any more. Decline it, or open a new request for more work.`);
  }
  const decided = await EstimateModel.findOneAndUpdate(
    { _id: estimate._id, decision: 'pending' },
    {
      $set: {
        decision: input.approve ? 'approved' : 'declined',
        decidedBy: input.actor.userId,
        decidedAt: new Date(),
        ...(input.approve ? { terms } : {}),
        ...(input.reason ? { declineReason: input.reason } : {}),
      },
    },
    { returnDocument: 'after' },
  ).lean();
  if (!decided) throw new UserFacingError(ErrorCode.Conflict, refusalForDecision(await requireEstimate(input.estimateId), latest));
  await auditDecision(decided);
  return decided;
}

async function auditDecision(decided: Estimate): Promise<void> {
  const auto = decided.autoApproved && decided.decidedBy === 'system';
  await recordAudit({
    actorId: decided.decidedBy ?? 'system',
    action: auto ? 'estimate.auto_approved' : decided.decision === 'approved' ? 'estimate.approved' : 'estimate.declined',
    entityType: 'estimate',
    entityId: `${decided.requestKey}/v${decided.version}`,
    clientKey: decided.clientKey,
    before: { decision: 'pending' },
    after: {
      decision: decided.decision,
      decidedAt: decided.decidedAt ?? undefined,
      amountMinor: decided.amountMinor,
      highMinutes: decided.highMinutes,
      reason: decided.declineReason ?? undefined,
      terms: decided.terms ?? undefined,
    },
  });
}

/**
 * Brings a request's estimates in line with the decision it holds: older pending versions are
 * superseded, and the current version takes the request's decision. Each is a guarded write, so
 * whoever settles first (the click, a second click, the sweep) writes it, and audits it, once.
 * Returns the estimates it changed.
 */
export async function settleEstimate(request: Pick<RequestRecord, 'key' | 'currentEstimate'>): Promise<Estimate[]> {
  const current = request.currentEstimate;
  if (!current) return [];
  const changed: Estimate[] = [];
  const older = await EstimateModel.find({ requestKey: request.key, decision: 'pending', version: { $lt: current.version } }).lean();
  for (const estimate of older) {
    const superseded = await EstimateModel.findOneAndUpdate({ _id: estimate._id, decision: 'pending' }, { $set: { decision: 'superseded' } }, { returnDocument: 'after' }).lean();
    if (superseded) changed.push(superseded);
  }
  if (current.decision !== 'pending') {
    const decided = await EstimateModel.findOneAndUpdate(
      { requestKey: request.key, version: current.version, decision: 'pending' },
      {
        $set: {
          decision: current.decision,
          decidedBy: current.decidedBy,
          decidedAt: current.decidedAt,
          ...(current.terms ? { terms: current.terms } : {}),
          ...(current.declineReason ? { declineReason: current.declineReason } : {}),
        },
      },
      { returnDocument: 'after' },
    ).lean();
    if (decided) {
      await auditDecision(decided);
      changed.push(decided);
    }
  }
  return changed;
}

/** A pending estimate older than this that its request never waited on was left by a crash. */
export const ORPHAN_AFTER_MS = 5 * 60_000;

/**
 * The sweep after a crash (the worker runs it every minute): every pending estimate whose request
 * holds a decision on it or a newer version is settled; a pending auto-approvable estimate the
 * request waits on is approved; a pending estimate its request never waited on (the process died
 * between posting and the request's change) is superseded once it is ORPHAN_AFTER_MS old.
 * Returns the estimates it changed, for Slack to show.
 */
export async function settleEstimateDecisions(limit = 200, orphanAfterMs = ORPHAN_AFTER_MS): Promise<Estimate[]> {
  const pending = await EstimateModel.find({ decision: 'pending', kind: 'estimate' }).sort({ createdAt: 1 }).limit(limit).lean();
  const changed: Estimate[] = [];
  for (const key of new Set(pending.map((e) => e.requestKey))) {
    const request = await RequestModel.findOne({ key }).lean();
    if (!request) continue;
    changed.push(...(await settleEstimate(request)));
    for (const estimate of pending.filter((e) => e.requestKey === key)) {
      const current = request.currentEstimate;
      if (current && current.version === estimate.version && current.decision === 'pending' && estimate.autoApproved && request.state === 'awaiting_approval') {
        const client = await findClientByKey(request.clientKey);
        if (!client) continue;
        const approved = await writeDecision(estimate, request, { userId: 'system' }, { approve: true, terms: termsNow(client), asSystem: true }).catch(() => undefined);
        if (approved) changed.push(approved);
        continue;
      }
      const waitedOn = current ? current.version >= estimate.version : request.state === 'awaiting_approval';
      if (!waitedOn && Date.now() - estimate.createdAt.getTime() > orphanAfterMs) {
        const orphan = await EstimateModel.findOneAndUpdate(
          { _id: estimate._id, decision: 'pending' },
          { $set: { decision: 'superseded' }, $unset: { submissionId: '' } },
          { returnDocument: 'after' },
        ).lean();
        if (orphan) changed.push(orphan);
      }
    }
  }
  return changed;
}

export interface Budget {
  /** Minutes the client agreed to: the latest approved estimate's high end plus later approved top-ups. */
  approvedMinutes: number;
  approvedAmountMinor: number;
  usedMinutes: number;
  remainingMinutes: number;
  pendingTopUp: boolean;
}

export function budgetFrom(estimates: Estimate[], usedMinutes: number): Budget {
  const { approvedMinutes, approvedAmountMinor } = agreementOf(estimates);
  return {
    approvedMinutes,
    approvedAmountMinor,
    usedMinutes,
    remainingMinutes: approvedMinutes - usedMinutes,
    pendingTopUp: estimates.some((e) => e.kind === 'topup' && e.decision === 'pending'),
  };
}

export async function budgetOf(requestKey: string): Promise<Budget> {
  const [estimates, request] = await Promise.all([
    EstimateModel.find({ requestKey }).lean(),
    RequestModel.findOne({ key: requestKey }, { billableMinutesLogged: 1 }).lean(),
  ]);
  return budgetFrom(estimates, request?.billableMinutesLogged ?? 0);
}

export async function estimatesOf(requestKey: string): Promise<Estimate[]> {
  return EstimateModel.find({ requestKey }).sort({ version: 1 }).lean();
}

/** Stores where the estimate was posted, so later renders update it in place. */
export async function recordEstimateMessage(id: Types.ObjectId, ts: string): Promise<void> {
  await EstimateModel.updateOne({ _id: id, messageTs: { $exists: false } }, { $set: { messageTs: ts } });
}
