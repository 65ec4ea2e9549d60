// `/help billing [KEY] [YYYY-MM]`: a client's billing summary for a month, with its CSV. Managers
// get it posted in the channel they asked in (with an Issue button), or in a DM when they asked
// in a client's channel; a client's approver gets it as a message only they see, and the CSV in
// a direct message.
import type { WebClient } from '@slack/web-api';
import { ErrorCode, UserFacingError } from '../../../errors';
import { logger } from '../../../logger';
import {
  billingAccess,
  generateBillingSummary,
  periodLabel,
  periodOf,
} from '../../../services/billing';
import { findClientByChannel } from '../../../services/directory';
import { escapeMrkdwn } from '../../mrkdwn';
import { CHANNEL_PROBLEMS } from '../../requestUpdates';
import { slackErrorCode } from '../../sync';
import { uploadBillingCsv as uploadCsv } from '../../billingCsv';
import type { KnownBlock } from '../../views/blocks';
import { billingSummaryMessage } from '../../views/billingSummary';
import type { ListenerContext } from '../context';

export interface BillingInvocation {
  userId: string;
  channelId: string;
  clientKey?: string | undefined;
  month?: string | undefined;
}

async function directMessageChannel(client: WebClient, userId: string): Promise<string> {
  const opened = await client.conversations.open({ users: userId });
  const id = opened.channel?.id;
  if (!id) throw new Error('conversations.open returned no channel');
  return id;
}

type ManagerDestination = { channel: string; why?: 'client_channel' | 'cannot_post' };

/**
 * Posts in the channel the command came from, or in the manager's DM when that channel is a
 * client's (a draft, and its Issue button, are not for the client's eyes: its approvers see it
 * with `/help billing` themselves) or the app can't post there.
 */
async function postForManager(client: WebClient, invocation: BillingInvocation, message: { text: string; blocks: KnownBlock[] }): Promise<ManagerDestination> {
  const post = (channel: string) => client.chat.postMessage({ channel, text: message.text, blocks: message.blocks });
  const toDm = async (why: ManagerDestination['why']): Promise<ManagerDestination> => {
    const dm = await directMessageChannel(client, invocation.userId);
    await post(dm);
    return { channel: dm, why };
  };
  if (await findClientByChannel(invocation.channelId)) return toDm('client_channel');
  try {
    await post(invocation.channelId);
    return { channel: invocation.channelId };
  } catch (error) {
    const code = slackErrorCode(error);
    if (!CHANNEL_PROBLEMS.includes(code)) throw error;
    logger.info({ channel: invocation.channelId, error: code }, 'Cannot post the billing summary in that channel; posting it in a DM instead');
    return toDm('cannot_post');
  }
}

const WHERE: Record<NonNullable<ManagerDestination['why']>, string> = {
  client_channel: "in our direct messages (this is a client's channel)",
  cannot_post: "in our direct messages (I can't post in this channel)",
};

/** Returns the ephemeral answer; posts the summary and uploads the CSV where the user asked. */
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

  if (access.role === 'manager') {
    const { channel, why } = await postForManager(client, invocation, message);
    const uploaded = await uploadCsv(client, channel, summary);
    const where = why ? WHERE[why] : 'here';
    return `Posted ${what} ${where}${uploaded ? ', with the CSV' : ", but Slack wouldn't take the CSV; try again in a minute"}.`;
  }

  await client.chat.postEphemeral({ channel: invocation.channelId, user: invocation.userId, text: message.text, blocks: message.blocks });
  const uploaded = await uploadCsv(client, await directMessageChannel(client, invocation.userId), summary);
  return uploaded
    ? `That's ${what}; I've sent you the CSV in a direct message.`
    : `That's ${what}. Slack wouldn't take the CSV just now; try again in a minute.`;
}
