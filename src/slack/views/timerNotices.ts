// What timers say, and to whom. Pure: facts in, text out.
import { formatDuration } from '../../domain/duration';
import type { TimerKind } from '../../domain/timers';
import { escapeAndTruncate, mention } from '../mrkdwn';

export interface TimerNoticeFacts {
  key: string;
  title: string;
  priority: string;
  assigneeId?: string | null | undefined;
  slaMinutes: number;
  approvers: string[];
  requesterId: string;
}

/** Auto-close and giving up on the client speak through the lifecycle's own notices (views/notices.ts). */
export function timerNotice(kind: Exclude<TimerKind, 'auto-close' | 'client-give-up' | 'offer-expire' | 'oncall-escalate'>, f: TimerNoticeFacts): string {
  const title = escapeAndTruncate(f.title, 120);
  switch (kind) {
    case 'sla-remind':
      return `:alarm_clock: *${f.key}* (${f.priority}) ${title} has no first response yet; its ${formatDuration(f.slaMinutes)} target is close. Can someone claim it?`;
    case 'sla-escalate':
      return `:rotating_light: *${f.key}* (${f.priority}) ${title} missed its first-response target of ${formatDuration(f.slaMinutes)}.`;
    case 'approval-remind':
      return `:hourglass_flowing_sand: ${f.approvers.map(mention).join(' ')} the estimate for *${f.key}* is still waiting for your approval; no billable work starts before it.`;
    case 'approval-escalate':
      return `:warning: The estimate for *${f.key}* ${title} has waited three business days for the client's approval.${f.assigneeId ? ` ${mention(f.assigneeId)}, maybe follow up.` : ''}`;
    case 'estimate-nudge':
      return `:memo: *${f.key}* ${title} was claimed four business hours ago and has no estimate yet.`;
    case 'idle-nudge':
      return `:zzz: *${f.key}* ${title} was approved two business days ago and no time has been logged.`;
    case 'client-nudge':
      return `:wave: ${mention(f.requesterId)} we asked a question above a business day ago and need your answer to carry on with *${f.key}*. Just reply here.`;
    case 'client-nudge-again':
      return `:wave: ${mention(f.requesterId)} *${f.key}* is still waiting for your answer to the question above (three business days now). Reply here, or we'll close it as resolved in a couple of days; you can always reopen it.`;
  }
}
