// Reactions: the intake emoji (default :sos:) on a client's message opens a request from it;
// :eyes: on a triage message claims the request, first reaction wins, exactly like the button.
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { plainTextFromSlack } from '../../../domain/slackText';
import { findClientByChannel, staffRoles } from '../../../services/directory';
import { findRequestByClientMessage, findRequestByTriageMessage } from '../../../services/requestMessages';
import { transitionRequest } from '../../../services/requestLifecycle';
import { afterTransition } from '../../requestUpdates';
import { fetchMessage, permalinkOf } from '../../sourceMessage';
import type { ListenerContext } from '../context';
import { openFromText, openedText, tellUser } from '../intake';
import { messageForError } from '../replies';

type ReactionArgs = SlackEventMiddlewareArgs<'reaction_added'> & AllMiddlewareArgs;

export const CLAIM_REACTION = 'eyes';

async function intakeFromReaction(ctx: ListenerContext, { event, client, context }: ReactionArgs, channel: string): Promise<void> {
  if (!(await findClientByChannel(channel))) return; // quiet: people use this emoji elsewhere too
  if (await findRequestByClientMessage(channel, event.item.ts)) return; // our own request message
  try {
    const message = await fetchMessage(client, channel, event.item.ts);
    if (!message || message.botId || message.user === context.botUserId) return;
    const text = plainTextFromSlack(message.text).trim();
    if (!text) {
      await tellUser(client, channel, event.user, 'That message has no text I can turn into a request.');
      return;
    }
    const permalink = await permalinkOf(client, channel, event.item.ts);
    const key = await openFromText(ctx, {
      channelId: channel,
      // The person with the problem is the author; a colleague may have flagged it for them.
      userId: message.user ?? event.user,
      text,
      source: 'reaction',
      sourceMessage: { channelId: channel, ts: event.item.ts, ...(permalink ? { permalink } : {}) },
    });
    await tellUser(client, channel, event.user, openedText(key));
  } catch (error) {
    await tellUser(client, channel, event.user, messageForError(error, { user: event.user, channel, surface: 'reaction' }));
  }
}

async function claimFromReaction(ctx: ListenerContext, { event, client }: ReactionArgs, channel: string): Promise<void> {
  const request = await findRequestByTriageMessage(channel, event.item.ts);
  if (!request) return;
  // Anyone may put :eyes: on a message; only engineers' reactions mean "mine".
  if (!(await staffRoles(event.user)).includes('engineer')) return;
  try {
    await afterTransition(ctx, await transitionRequest({ key: request.key, action: 'claim', actor: { userId: event.user, channelId: channel } }));
  } catch (error) {
    await tellUser(client, channel, event.user, messageForError(error, { user: event.user, surface: 'eyes' }));
  }
}

export function reactionAdded(ctx: ListenerContext) {
  return async (args: ReactionArgs): Promise<void> => {
    const { event } = args;
    if (event.item.type !== 'message') return;
    const channel = event.item.channel;
    if (event.reaction === ctx.config.slack.intakeReaction) await intakeFromReaction(ctx, args, channel);
    else if (event.reaction === CLAIM_REACTION && channel === ctx.config.slack.triageChannelId) await claimFromReaction(ctx, args, channel);
  };
}
