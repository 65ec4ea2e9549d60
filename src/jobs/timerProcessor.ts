// Runs a request timer: re-reads the record, does nothing if the timer no longer fits (a stale
// job is harmless), waits longer if the SLA clock was paused, otherwise acts once.
import { DelayedError, type Job } from 'bullmq';
import { logger } from '../logger';
import { findClientByKey, staffWithRole } from '../services/directory';
import { decideTimer, markTimerFired } from '../services/timers';
import { findRequest } from '../services/requestLifecycle';
import type { Config } from '../config';
import { postInThread } from '../slack/notify';
import { transitionAndShow, type Effects } from '../slack/requestUpdates';
import { timerNotice } from '../slack/views/timerNotices';
import { timerJobSchema } from './timerScheduler';

/** Posts in our own workspace (triage channel, managers, engineers); client threads go through postInThread. */
async function post(effects: Effects, channel: string, text: string, threadTs?: string | null): Promise<void> {
  const client = await effects.tokens.clientFor();
  if (!client) {
    logger.warn({ channel }, 'No Slack client for our workspace; the timer notice was not posted');
    return;
  }
  await client.chat.postMessage({ channel, text, ...(threadTs ? { thread_ts: threadTs } : {}) });
}

export async function processTimerJob(job: Job, token: string | undefined, effects: Effects, config: Config): Promise<string> {
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
  if (data.kind === 'auto-close') {
    await transitionAndShow(effects, { key: request.key, action: 'autoClose', actor: { userId: 'system' }, asSystem: true });
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
  });
  const managers = async () => (config.slack.managerChannelId ? [config.slack.managerChannelId] : await staffWithRole('manager'));

  switch (data.kind) {
    case 'sla-remind':
      await post(effects, request.triageChannelId, text, request.triageMessageTs);
      break;
    case 'sla-escalate':
      for (const target of await managers()) await post(effects, target, text);
      break;
    case 'approval-remind':
      await postInThread(effects.tokens, request.key, text);
      break;
    case 'approval-escalate':
      for (const target of new Set([...(request.assigneeId ? [request.assigneeId] : []), ...(await managers())])) await post(effects, target, text);
      break;
    case 'estimate-nudge':
    case 'idle-nudge':
      if (request.assigneeId) await post(effects, request.assigneeId, text);
      break;
  }
  const first = await markTimerFired(request.key, data.id, data.kind === 'sla-escalate');
  logger.info({ request: request.key, timer: data.kind, first }, 'Timer fired');
  return data.kind;
}
