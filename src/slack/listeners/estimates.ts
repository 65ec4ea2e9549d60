// Posting estimates and logging time, shared by the command (`/help estimate`, `/help log`) and
// the modals: parse the words, call the service, show the result in Slack, and word the answer.
import { formatDuration, formatRange, parseDuration, parseDurationRange } from '../../domain/duration';
import { formatMoney } from '../../domain/money';
import { ErrorCode, UserFacingError } from '../../errors';
import type { Actor } from '../../services/directory';
import { postEstimate } from '../../services/estimates';
import { requireRequest } from '../../services/requestQueries';
import { authorise } from '../../services/authorisation';
import { cleanText } from '../../domain/requestText';
import { logTime, NOTE_MAX, type LoggedTime } from '../../services/timeEntries';
import { afterEstimatePosted, afterTimeChanged } from '../requestUpdates';
import { ACTION } from '../ids';
import { actions, button, section, type KnownBlock } from '../views/blocks';
import { budgetLine } from '../views/estimateMessage';
import { estimateHelpText } from '../views/similarRequests';
import type { ListenerContext } from './context';

export interface EstimateWords {
  key: string;
  actor: Actor;
  /** `3h`, `2-4h`, or `+2h` for a top-up. */
  amount: string;
  assumptions: string;
  topUp?: boolean;
  /** The modal's view.id: a resubmission of the same modal records nothing twice. */
  submissionId?: string | undefined;
}

/** `/help estimate KEY` with no time: what similar past requests took, for those who may estimate it. */
export async function estimateHintAnswer(ctx: ListenerContext, actor: Actor, key: string): Promise<string> {
  const request = await requireRequest(key);
  await authorise('estimate', actor, request);
  return estimateHelpText(request.key, await ctx.history.hintFor(request), ctx.config.slack.helpCommand);
}

export async function estimateAndShow(ctx: ListenerContext, words: EstimateWords): Promise<string> {
  const topUp = Boolean(words.topUp) || words.amount.trim().startsWith('+');
  const range = parseDurationRange(words.amount.trim().replace(/^\+/, ''));
  if (!range.ok) throw new UserFacingError(ErrorCode.InvalidInput, range.error, { amount: range.error });
  const assumptions = cleanText(words.assumptions);
  if (assumptions.length > 3000) {
    throw new UserFacingError(ErrorCode.InvalidInput, 'Keep the assumptions to 3000 characters.', { assumptions: 'Keep the assumptions to 3000 characters.' });
  }
  const posted = await postEstimate({ key: words.key, actor: words.actor, lowMinutes: range.low, highMinutes: range.high, assumptions, topUp, ...(words.submissionId ? { submissionId: words.submissionId } : {}) });
  await afterEstimatePosted(ctx, words.key, [posted.estimate._id.toHexString(), ...posted.superseded.map((e) => e._id.toHexString())]);
  const e = posted.estimate;
  const what = topUp ? 'Top-up request' : 'Estimate';
  const amount = formatMoney(e.amountMinor, e.currency);
  return posted.autoApproved
    ? `:white_check_mark: ${what} v${e.version} for ${words.key} (${formatRange(e.lowMinutes, e.highMinutes)}, ${amount}) is within the client's auto-approve limit, so it is approved. You can start.`
    : `:outbox_tray: ${what} v${e.version} for ${words.key} (${formatRange(e.lowMinutes, e.highMinutes)}, ${amount}) is in the thread, waiting for the client's approval.`;
}

export interface LogWords {
  key: string;
  actor: Actor;
  duration: string;
  note: string;
  billable: boolean;
  /** The modal's view.id: a resubmission of the same modal records nothing twice. */
  submissionId?: string | undefined;
}

export function parseNote(raw: string): string {
  const note = cleanText(raw);
  if (note.length > NOTE_MAX) throw new UserFacingError(ErrorCode.InvalidInput, `Keep the note to ${NOTE_MAX} characters.`, { note: `Keep the note to ${NOTE_MAX} characters.` });
  return note;
}

export function parseMinutes(raw: string): number {
  const parsed = parseDuration(raw);
  if (!parsed.ok) throw new UserFacingError(ErrorCode.InvalidInput, parsed.error, { duration: parsed.error });
  return parsed.minutes;
}

export async function logAndShow(ctx: ListenerContext, words: LogWords): Promise<LoggedTime> {
  const logged = await logTime({
    key: words.key,
    actor: words.actor,
    minutes: parseMinutes(words.duration),
    note: parseNote(words.note),
    billable: words.billable,
    ...(words.submissionId ? { submissionId: words.submissionId } : {}),
  });
  await afterTimeChanged(ctx, words.key);
  return logged;
}

/** The engineer's confirmation, with the budget left and buttons to fix a mistake. */
export function loggedMessage(logged: LoggedTime): { text: string; blocks: KnownBlock[] } {
  const { entry, budget, monthly } = logged;
  const kind = entry.billable ? 'billable' : 'non-billable';
  const lines = [`:stopwatch: Logged ${formatDuration(entry.minutes)} (${kind}) on *${entry.requestKey}*.`];
  if (budget.approvedMinutes > 0) lines.push(`${budgetLine(budget.usedMinutes, budget.approvedMinutes)}, ${formatDuration(Math.max(0, budget.remainingMinutes))} left.`);
  if (monthly) lines.push(`Monthly budget: ${formatDuration(monthly.usedMinutes)} of ${formatDuration(monthly.capMinutes)} used in ${monthly.month}.`);
  const text = lines.join('\n');
  const id = entry._id.toHexString();
  return { text, blocks: [section(text), ...actions('time_entry', [button('Edit', ACTION.editTime, id), button('Delete', ACTION.deleteTime, id, 'danger')])] };
}
