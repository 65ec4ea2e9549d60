// Estimates and the client's decision on them. No billable work starts before the client agrees
// to what it will cost; a top-up is an estimate of its own that adds to the approved budget.
// A modal submitted twice (Slack's retry, a second click) posts once: its view.id is unique on
// the estimate.
import { EstimateModel, type EstimateRecord } from '../db/estimate';
import { RequestModel, type RequestRecord } from '../db/request';
import { formatDuration } from '../domain/duration';
import { agreementOf, amountForMinutes, type ChargeTerms } from '../domain/billing';
import { ErrorCode, UserFacingError } from '../errors';
import { logger } from '../logger';
import { recordAudit } from './audit';
import type { Actor } from './directory';
import { authorise, checkTransition, requireRequest, transitionRequest } from './requestLifecycle';
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
        ...(autoApproved ? { decision: 'approved', decidedBy: 'system', decidedAt: now, autoApproved: true, terms: termsNow(client) } : {}),
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

  const superseded = await EstimateModel.find({ requestKey: request.key, decision: 'pending', version: { $lt: estimate.version } }).lean();
  if (superseded.length > 0) {
    await EstimateModel.updateMany({ _id: { $in: superseded.map((e) => e._id) }, decision: 'pending' }, { $set: { decision: 'superseded' } });
  }
  await recordAudit({
    actorId: input.actor.userId,
    action: topUp ? 'estimate.topup_requested' : 'estimate.posted',
    entityType: 'estimate',
    entityId: `${request.key}/v${estimate.version}`,
    clientKey: request.clientKey,
    after: { lowMinutes: estimate.lowMinutes, highMinutes: estimate.highMinutes, hourlyRateMinor: estimate.hourlyRateMinor, amountMinor: estimate.amountMinor, supersedes: superseded.map((e) => e.version) },
  });

  if (!topUp) {
    try {
      await transitionRequest({ key: request.key, action: 'estimate', actor: input.actor });
      if (autoApproved) {
        await transitionRequest({ key: request.key, action: 'approve', actor: { userId: 'system' }, asSystem: true });
        await recordAudit({
          actorId: 'system',
          action: 'estimate.auto_approved',
          entityType: 'estimate',
          entityId: `${request.key}/v${estimate.version}`,
          clientKey: request.clientKey,
          after: { highMinutes: estimate.highMinutes, autoApproveMinutes: client.autoApproveMinutes },
        });
      }
    } catch (error) {
      // The request moved on while we estimated: this version must not stay open for a decision.
      // Its submission is let go, so Slack's retry of the modal is refused like this call rather
      // than told the estimate was posted.
      await EstimateModel.updateOne(
        { _id: estimate._id, decision: { $in: ['pending', 'approved'] } },
        { $set: { decision: 'superseded' }, $unset: { submissionId: '' } },
      );
      throw error;
    }
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
}

/** Approves or declines a pending estimate; exactly one decision wins a double click. */
export async function decideEstimate(input: Decision): Promise<Estimate> {
  const estimate = await requireEstimate(input.estimateId);
  const request = await requireRequest(estimate.requestKey);
  const client = await authorise(input.approve ? 'approve' : 'decline', input.actor, request);
  const latest = await nextVersion(estimate.requestKey).then((n) => n - 1);
  if (estimate.decision !== 'pending') throw new UserFacingError(ErrorCode.Conflict, refusalForDecision(estimate, latest));
  if (estimate.kind === 'estimate') {
    // Checked before the decision is written, so a refused transition leaves the estimate pending.
    await checkTransition({ key: request.key, action: input.approve ? 'approve' : 'decline', actor: input.actor });
    const below = input.approve ? belowLogged(request, estimate.highMinutes) : undefined;
    if (below) throw below;
  } else if (input.approve && (request.state === 'closed' || request.state === 'cancelled')) {
    // No more work can be billed on it, and an approved top-up would still raise the month's cap.
    throw new UserFacingError(ErrorCode.Conflict, `${request.key} is ${request.state}, so its top-up can't be approved any more. Decline it, or open a new request for more work.`);
  }
  const now = new Date();
  const decided = await EstimateModel.findOneAndUpdate(
    { _id: estimate._id, decision: 'pending' },
    {
      $set: {
        decision: input.approve ? 'approved' : 'declined',
        decidedBy: input.actor.userId,
        decidedAt: now,
        ...(input.approve ? { terms: termsNow(client) } : {}),
        ...(input.reason ? { declineReason: input.reason } : {}),
      },
    },
    { returnDocument: 'after' },
  ).lean();
  if (!decided) {
    const current = await requireEstimate(input.estimateId);
    throw new UserFacingError(ErrorCode.Conflict, refusalForDecision(current, latest));
  }
  await recordAudit({
    actorId: input.actor.userId,
    action: input.approve ? 'estimate.approved' : 'estimate.declined',
    entityType: 'estimate',
    entityId: `${estimate.requestKey}/v${estimate.version}`,
    clientKey: estimate.clientKey,
    before: { decision: 'pending' },
    after: { decision: decided.decision, amountMinor: estimate.amountMinor, highMinutes: estimate.highMinutes, reason: input.reason },
  });
  if (estimate.kind === 'estimate') {
    await transitionRequest({ key: request.key, action: input.approve ? 'approve' : 'decline', actor: input.actor });
  }
  return decided;
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
