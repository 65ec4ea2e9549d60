// `/help billing [KEY] [YYYY-MM]`: a client's billing summary for a month, with its CSV. Managers
// get it posted in the channel they asked in (with an Issue button), or in a DM when they asked
// in a client's channel or the app can't post there; a client's approver gets it as a message
// only they see, and the CSV in a direct message. Posts and files are durable effects.
import { randomUUID } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import { ErrorCode, UserFacingError } from '../../../errors';
import { periodLabel, periodOf } from '../../../domain/periods';
import { generateBillingSummary } from '../../../services/billing';
import { billingAccess } from '../../../services/billingAccess';
import { findClientByChannel } from '../../../services/directory';
import { billingCsvFile } from '../../billingCsv';
import { escapeMrkdwn } from '../../mrkdwn';
import { billingSummaryMessage } from '../../views/billingSummary';
import type { ListenerContext } from '../context';

export interface BillingInvocation {
  userId: string;
  channelId: string;
  teamId?: string | undefined;
  clientKey?: string | undefined;
  month?: string | undefined;
}

/** Returns the ephemeral answer; the summary and its CSV are delivered where the user asked. */
export async function billingCommand(ctx: ListenerContext, client: WebClient, invocation: BillingInvocation): Promise<string> {
  const command = ctx.config.slack.helpCommand;
  const access = await billingAccess({ userId: invocation.userId, channelId: invocation.channelId }, invocation.clientKey);
  if (!access.ok) {
    return `This channel doesn't belong to a client, so tell me which one: \`${command} billing ACME\`, or \`${command} billing ACME 2026-11\` for another month.`;
  }
  const owner = access.client;
  const current = periodOf(new Date(), owner.timezone);
  const period = invocation.month ?? current;
  if (period > current) {
    throw new UserFacingError(ErrorCode.InvalidInput, `${periodLabel(period)} hasn't started yet for ${owner.key}, so there is nothing to bill.`);
  }

  const generated = await generateBillingSummary(owner.key, period, invocation.userId);
  const { summary } = generated;
  const message = billingSummaryMessage({
    summary,
    canIssue: access.role === 'manager',
    inProgress: period === current,
    changedSinceIssue: generated.changedSinceIssue,
    adjustmentsIn: generated.adjustmentsIn,
  });
  const what = `the ${summary.status} ${periodLabel(period)} billing summary for ${escapeMrkdwn(summary.clientName)}`;
  const csv = billingCsvFile(summary);
  // Each command is its own post (asking twice posts twice, as asked).
  const id = `billing|${owner.key}|${period}|${randomUUID()}`;

  if (access.role === 'manager') {
    // A draft, and its Issue button, are not for the client's eyes: its approvers see it with
    // `/help billing` themselves.
    if (await findClientByChannel(invocation.channelId)) {
      await ctx.delivery.post(id, { to: { user: invocation.userId }, text: message.text, blocks: message.blocks, csv }, 'interactive');
      return `Posting ${what} in our direct messages (this is a client's channel), with the CSV.`;
    }
    await ctx.delivery.post(id, { to: { channel: invocation.channelId }, fallbackUser: invocation.userId, text: message.text, blocks: message.blocks, csv }, 'interactive');
    return `Posting ${what} here, with the CSV (in our direct messages if I can't post in this channel).`;
  }

  await client.chat.postEphemeral({ channel: invocation.channelId, user: invocation.userId, text: message.text, blocks: message.blocks });
  await ctx.delivery.post(
    id,
    { to: { user: invocation.userId }, workspace: 'client', text: csv.comment ?? what, csv, ...(invocation.teamId ? { teamId: invocation.teamId } : {}) },
    'interactive',
  );
  return `That's ${what}; I'm sending you the CSV in a direct message.`;
}
