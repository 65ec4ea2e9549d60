// "@Ad-hoc Help the site is down" in a client channel opens a request. This works for people
// from the client's own organisation in a Slack Connect channel, who cannot run our command.
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { plainTextFromSlack, withoutLeadingMention } from '../../../domain/slackText';
import { findClientByChannel } from '../../../services/directory';
import { NOT_A_CLIENT_CHANNEL } from '../../../services/requestLifecycle';
import { findRequestByClientMessage } from '../../../services/requestMessages';
import type { ListenerContext } from '../context';
import { openFromText, openedText, tellUser } from '../intake';
import { messageForError } from '../replies';

type MentionArgs = SlackEventMiddlewareArgs<'app_mention'> & AllMiddlewareArgs;

export function mentionIntake(ctx: ListenerContext) {
  return async ({ event, client, context }: MentionArgs): Promise<void> => {
    const userId = event.user;
    if (!userId) return;
    // A mention inside a request's own thread is conversation, not a new request.
    if (event.thread_ts && (await findRequestByClientMessage(event.channel, event.thread_ts))) return;
    if (!(await findClientByChannel(event.channel))) {
      await tellUser(client, event.channel, userId, NOT_A_CLIENT_CHANNEL);
      return;
    }
    const text = plainTextFromSlack(withoutLeadingMention(event.text, context.botUserId ?? ''));
    if (!text) {
      await tellUser(client, event.channel, userId, "Tell me what's wrong after the mention, e.g. _@Ad-hoc Help the checkout page returns 500_.");
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
