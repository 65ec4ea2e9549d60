// "@Ad-hoc Help the site is down" in a client channel opens a request. This works for people
// from the client's own organisation in a Slack Connect channel, who cannot run our command.
// A mention inside a request's thread adds to that request; a mention that only says hello or
// thanks opens nothing.
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { pleasantryOf } from '../../../domain/pleasantry';
import { plainTextFromSlack, withoutLeadingMention } from '../../../domain/slackText';
import { findClientByChannel } from '../../../services/directory';
import { addToRequest } from '../../../services/conversation';
import { NOT_A_CLIENT_CHANNEL } from '../../../services/intake';
import { findRequestByThread } from '../../../services/requestMessages';
import { afterAddedTo } from '../../requestUpdates';
import { pleasantryReply } from '../../views/dmIntake';
import type { ListenerContext } from '../context';
import { openFromText, openedText, tellUser } from '../intake';
import { messageForError } from '../replies';

type MentionArgs = SlackEventMiddlewareArgs<'app_mention'> & AllMiddlewareArgs;

/**
 * A mention in the thread of `request`'s client message (where everyone on it already reads it)
 * or of the message it was opened from (copied into the request's thread, so it is not missed).
 */
async function addToThread(ctx: ListenerContext, args: MentionArgs, request: { key: string; clientMessageTs?: string | null | undefined }, text: string): Promise<void> {
  const { event, client } = args;
  const userId = event.user ?? '';
  try {
    const added = await addToRequest(request.key, { userId, channelId: event.channel }, text);
    const inOwnThread = event.thread_ts === request.clientMessageTs;
    await afterAddedTo(ctx, added, { userId, channel: event.channel, ts: event.ts, text, inOwnThread });
    await tellUser(client, event.channel, userId, `Added to *${request.key}*${inOwnThread ? '' : ' (copied into its thread)'}; no new request was opened.`);
  } catch (error) {
    await tellUser(client, event.channel, userId, messageForError(error, { user: userId, channel: event.channel, surface: 'mention' }));
  }
}

export function mentionIntake(ctx: ListenerContext) {
  return async (args: MentionArgs): Promise<void> => {
    const { event, client, context } = args;
    const userId = event.user;
    if (!userId) return;
    const text = plainTextFromSlack(withoutLeadingMention(event.text, context.botUserId ?? ''));
    const request = event.thread_ts ? await findRequestByThread(event.channel, event.thread_ts) : null;
    if (request && !text) {
      await tellUser(client, event.channel, userId, `This thread is *${request.key}*: write what you want to add after the mention.`);
      return;
    }
    if (request) {
      await addToThread(ctx, args, request, text);
      return;
    }
    if (!(await findClientByChannel(event.channel))) {
      await tellUser(client, event.channel, userId, NOT_A_CLIENT_CHANNEL);
      return;
    }
    if (!text) {
      await tellUser(client, event.channel, userId, "Tell me what's wrong after the mention, e.g. _@Ad-hoc Help the checkout page returns 500_.");
      return;
    }
    const pleasantry = pleasantryOf(text);
    if (pleasantry) {
      await tellUser(client, event.channel, userId, pleasantryReply(pleasantry, 'mention', ctx.config.slack.helpCommand));
      return;
    }
    try {
      const key = await openFromText(ctx, {
        channelId: event.channel,
        userId,
        teamId: event.user_team ?? event.team,
        text,
        source: 'mention',
        sourceMessage: { channelId: event.channel, ts: event.ts },
      });
      await tellUser(client, event.channel, userId, openedText(key));
    } catch (error) {
      await tellUser(client, event.channel, userId, messageForError(error, { user: userId, channel: event.channel, surface: 'mention' }));
    }
  };
}
