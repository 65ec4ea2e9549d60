// Buttons for estimates and time: post an estimate or a top-up, log time (triage message), approve, decline
// or question an estimate (client thread), edit or delete a time entry (engineer's ephemeral).
import { formatDuration, formatRange } from '../../../domain/duration';
import { formatMoney } from '../../../domain/money';
import { ErrorCode, UserFacingError } from '../../../errors';
import { findClientByKey } from '../../../services/directory';
import { decideEstimate, requireEstimate } from '../../../services/estimates';
import { checkTransition } from '../../../services/requestLifecycle';
import { requireRequest } from '../../../services/requestQueries';
import { authorise } from '../../../services/authorisation';
import { deleteTimeEntry, timeEntryForEdit } from '../../../services/timeEntries';
import { sealMetadata } from '../../metadata';
import { afterDecision, afterSettled, afterTimeChanged } from '../../requestUpdates';
import { askQuestionModal, declineEstimateModal, estimateModal, logTimeModal } from '../../views/modals';
import type { ListenerContext } from '../context';
import { tellUser } from '../intake';
import { actorOf, buttonHandler, objectIdValue, parseButtonValue, requestKeyValue } from './buttons';
import { VIEW_ASK_CLIENT, VIEW_EDIT_TIME } from '../../ids';
import { escapeAndTruncate } from '../../mrkdwn';
import type { EstimateHint } from '../../../domain/estimateSuggestion';
import { logger } from '../../../logger';
import { similarRequestsBlock } from '../../views/similarRequests';

/**
 * How long the estimate modal waits for the hint: Slack's trigger_id lasts 3 s. Only the first
 * estimate after a web process starts (the index is built then) can take longer; the modal then
 * says the history is loading, and the build goes on for the next one.
 */
const HINT_WAIT_MS = 1500;

async function hintWithin(ctx: ListenerContext, request: Parameters<ListenerContext['history']['hintFor']>[0], ms: number): Promise<EstimateHint | 'late' | 'none'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  const hint = ctx.history.hintFor(request).catch((error: unknown): 'none' => {
    logger.warn({ err: error, request: request.key }, 'Could not find similar past requests; the estimate modal opens without them');
    return 'none';
  });
  try {
    return await Promise.race([hint, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function openEstimateModal(ctx: ListenerContext, topUp: boolean) {
  return buttonHandler(async ({ action, body, client }) => {
    const key = parseButtonValue(requestKeyValue, action.value);
    const actor = actorOf(body);
    if (topUp) await authorise('estimate', actor, await requireRequest(key));
    else await checkTransition({ key, action: 'estimate', actor });
    const request = await requireRequest(key);
    const owner = await findClientByKey(request.clientKey);
    const rate = owner ? `${formatMoney(owner.hourlyRateMinor, owner.currency)}/h` : 'the client rate';
    // What similar past requests took, for an estimate (a top-up adds to work already sized).
    const hint = topUp ? 'none' : await hintWithin(ctx, request, HINT_WAIT_MS);
    const history = hint === 'none' ? undefined : similarRequestsBlock(hint === 'late' ? undefined : hint, `${ctx.config.slack.helpCommand} estimate ${key}`);
    await client.views.open({
      trigger_id: body.trigger_id,
      view: estimateModal(sealMetadata(ctx.config.metadataSecret, { key, channelId: actor.channelId, topUp }), key, topUp, rate, history),
    });
  });
}

export function openLogTimeModal(ctx: ListenerContext) {
  return buttonHandler(async ({ action, body, client }) => {
    const key = parseButtonValue(requestKeyValue, action.value);
    const actor = actorOf(body);
    await authorise('logTime', actor, await requireRequest(key));
    await client.views.open({ trigger_id: body.trigger_id, view: logTimeModal(sealMetadata(ctx.config.metadataSecret, { key, channelId: actor.channelId }), key) });
  });
}

export function approveEstimate(ctx: ListenerContext) {
  return buttonHandler(async ({ action, body }) => {
    const decided = await decideEstimate({ estimateId: parseButtonValue(objectIdValue, action.value), actor: actorOf(body), approve: true, onSettled: (settled) => afterSettled(ctx, settled) });
    await afterDecision(ctx, decided);
  });
}

async function pendingEstimateFor(estimateId: string, actor: { userId: string; channelId?: string | undefined }, permission: 'decline' | 'comment') {
  const estimate = await requireEstimate(estimateId);
  await authorise(permission, actor, await requireRequest(estimate.requestKey));
  if (estimate.decision !== 'pending') {
    throw new UserFacingError(ErrorCode.Conflict, `This estimate is already ${estimate.decision}; nothing to decide.`);
  }
  return estimate;
}

function estimateSummary(e: { requestKey: string; version: number; lowMinutes: number; highMinutes: number; amountMinor: number; currency: string }) {
  return `*${e.requestKey}* estimate v${e.version}: ${formatRange(e.lowMinutes, e.highMinutes)}, ${formatMoney(e.amountMinor, e.currency)}`;
}

export function openDeclineModal(ctx: ListenerContext) {
  return buttonHandler(async ({ action, body, client }) => {
    const actor = actorOf(body);
    const estimate = await pendingEstimateFor(parseButtonValue(objectIdValue, action.value), actor, 'decline');
    const metadata = sealMetadata(ctx.config.metadataSecret, { estimateId: estimate._id.toHexString(), channelId: actor.channelId });
    await client.views.open({ trigger_id: body.trigger_id, view: declineEstimateModal(metadata, estimateSummary(estimate)) });
  });
}

export function openQuestionModal(ctx: ListenerContext) {
  return buttonHandler(async ({ action, body, client }) => {
    const actor = actorOf(body);
    const estimate = await pendingEstimateFor(parseButtonValue(objectIdValue, action.value), actor, 'comment');
    const metadata = sealMetadata(ctx.config.metadataSecret, { estimateId: estimate._id.toHexString(), channelId: actor.channelId });
    await client.views.open({ trigger_id: body.trigger_id, view: askQuestionModal(metadata, estimateSummary(estimate)) });
  });
}

export function deleteTime(ctx: ListenerContext) {
  return buttonHandler(async ({ action, body, client }) => {
    const actor = actorOf(body);
    const deleted = await deleteTimeEntry(parseButtonValue(objectIdValue, action.value), actor);
    await afterTimeChanged(ctx, deleted.requestKey);
    if (actor.channelId) await tellUser(client, actor.channelId, actor.userId, `Deleted ${formatDuration(deleted.minutes)} from ${deleted.requestKey}. The audit trail keeps a record.`);
  });
}

export function openEditTimeModal(ctx: ListenerContext) {
  return buttonHandler(async ({ action, body, client }) => {
    const actor = actorOf(body);
    const entry = await timeEntryForEdit(parseButtonValue(objectIdValue, action.value), actor);
    const metadata = sealMetadata(ctx.config.metadataSecret, { key: entry.requestKey, entryId: entry._id.toHexString(), channelId: actor.channelId, revision: entry.revision ?? 0 });
    await client.views.open({
      trigger_id: body.trigger_id,
      view: logTimeModal(metadata, entry.requestKey, { minutes: formatDuration(entry.minutes).replace(' ', ''), note: entry.note, billable: entry.billable }, VIEW_EDIT_TIME),
    });
  });
}

/** "Ask the client" on the triage message: the question goes to the thread; the SLA clock stops. */
export function openAskClientModal(ctx: ListenerContext) {
  return buttonHandler(async ({ action, body, client }) => {
    const key = parseButtonValue(requestKeyValue, action.value);
    const actor = actorOf(body);
    const request = await requireRequest(key);
    await authorise('estimate', actor, request);
    const metadata = sealMetadata(ctx.config.metadataSecret, { key, channelId: actor.channelId });
    await client.views.open({ trigger_id: body.trigger_id, view: askQuestionModal(metadata, `*${key}* ${escapeAndTruncate(request.title, 200)}`, VIEW_ASK_CLIENT) });
  });
}
