// Runs a request timer: re-reads the record, does nothing if the timer no longer fits (a stale
// job is harmless), waits longer if the SLA clock was paused, otherwise acts once.
import { DelayedError, type Job } from 'bullmq';
import { logger } from '../logger';
import { findClientByKey } from '../services/directory';
import { decideTimer, markTimerFired } from '../services/timers';
import { transitionRequest } from '../services/requestLifecycle';
import { findRequest } from '../services/requestQueries';
import type { SlackPost } from '../slack/delivery/posts';
import { managerDestinations } from '../slack/managers';
import { afterOfferExpired, afterPageEscalated, afterTransition, postInThread, type Effects } from '../slack/requestUpdates';
import { escalatePage } from '../services/onCall';
import { expireOffer } from '../services/assignment';
import { timerNotice } from '../slack/views/timerNotices';
import { DEFAULT_WAITING_ON_CLIENT_DAYS, timerJobSchema } from '../domain/timers';

export async function processTimerJob(job: Job, token: string | undefined, effects: Effects): Promise<string> {
  const data = timerJobSchema.parse(job.data);
  const decision = await decideTimer(data.key, data.id, new Date());
  if (!decision.act) {
    if (decision.reason === 'early') {
      await job.moveToDelayed(decision.dueAt.getTime(), token);
      throw new DelayedError();
    }
    return decision.reason;
  }
  const request = await findRequest(data.key);
  const client = request ? await findClientByKey(request.clientKey) : null;
  if (!request || !client) return 'gone';
  if (data.kind === 'offer-expire') {
    const expiry = request.offer ? await expireOffer(request.key, request.offer.at) : undefined;
    if (expiry) await afterOfferExpired(effects, request.key, expiry, data.id);
    await markTimerFired(request.key, data.id, false);
    return data.kind;
  }
  if (data.kind === 'oncall-escalate') {
    const page = request.page ? await escalatePage(request.key, request.page.at) : undefined;
    if (page) await afterPageEscalated(effects, page, { request, client });
    await markTimerFired(request.key, data.id, false);
    return data.kind;
  }
  if (data.kind === 'client-give-up') {
    // Resolved with a note saying why; the client can reopen it (and the usual auto-close follows).
    const asked = request.clientWaits.find((w) => !w.to)?.from;
    const days = client.waitingOnClientDays ?? DEFAULT_WAITING_ON_CLIENT_DAYS;
    const resolution = `No answer from the client for ${days} business days to the question asked${asked ? ` on ${asked.toISOString().slice(0, 10)}` : ''}, so this was resolved. Reopen it if it still needs doing.`;
    await afterTransition(effects, await transitionRequest({ key: request.key, action: 'resolve', actor: { userId: 'system' }, asSystem: true, set: { resolution } }));
    await markTimerFired(request.key, data.id, false);
    return data.kind;
  }
  if (data.kind === 'auto-close') {
    await afterTransition(effects, await transitionRequest({ key: request.key, action: 'autoClose', actor: { userId: 'system' }, asSystem: true }));
    await markTimerFired(request.key, data.id, false);
    return data.kind;
  }
  const text = timerNotice(data.kind, {
    key: request.key,
    title: request.title,
    priority: request.priority,
    assigneeId: request.assigneeId,
    slaMinutes: Number(client.slaMinutes[request.priority]),
    approvers: client.approvers.length > 0 ? client.approvers : [request.requesterId],
    requesterId: request.requesterId,
  });
  // Each notice is a durable effect named by the timer and its target: recorded before the timer
  // is marked fired, so a retried job records nothing twice and a Slack outage loses nothing.
  const post = (to: SlackPost['to']) => {
    const target = 'user' in to ? to.user : 'channel' in to ? to.channel : 'thread';
    return effects.delivery.post(`timer|${data.id}|${target}`, { to, text });
  };
  switch (data.kind) {
    case 'sla-remind':
      await post({ triageThread: request.key });
      break;
    case 'sla-escalate':
      for (const to of await managerDestinations(effects)) await post(to);
      break;
    case 'approval-remind':
      await postInThread(effects, request, `timer-${data.id}`, text);
      break;
    case 'approval-escalate': {
      const managers = await managerDestinations(effects);
      const assignee = request.assigneeId && !managers.some((m) => 'user' in m && m.user === request.assigneeId) ? [{ user: request.assigneeId }] : [];
      for (const to of [...assignee, ...managers]) await post(to);
      break;
    }
    case 'estimate-nudge':
    case 'idle-nudge':
      if (request.assigneeId) await post({ user: request.assigneeId });
      break;
    case 'client-nudge':
    case 'client-nudge-again':
      await postInThread(effects, request, `timer-${data.id}`, text);
      break;
  }
  const first = await markTimerFired(request.key, data.id, data.kind === 'sla-escalate');
  logger.info({ request: request.key, timer: data.kind, first }, 'Timer fired');
  return data.kind;
}
