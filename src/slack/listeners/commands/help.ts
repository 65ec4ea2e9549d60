// The help command (`/help` by default): the fast path that opens a request from its text, and
// the sub-commands.
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseHelpCommand, titleAndDetails } from '../../../domain/helpCommand';
import { openRequest, TITLE_MAX } from '../../../services/requestLifecycle';
import { syncRequest } from '../../sync';
import type { ListenerContext } from '../context';
import { messageForError } from '../replies';
import { usageText } from '../../views/usage';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export function helpCommand(ctx: ListenerContext) {
  return async ({ command, ack }: CommandArgs): Promise<void> => {
    const parsed = parseHelpCommand(command.text);
    const logContext = { user: command.user_id, channel: command.channel_id, kind: parsed.kind };
    switch (parsed.kind) {
      case 'open': {
        let key: string;
        try {
          const { title, details } = titleAndDetails(parsed.text, TITLE_MAX);
          const request = await openRequest({
            channelId: command.channel_id,
            requesterId: command.user_id,
            requesterTeamId: command.team_id,
            title,
            details,
            category: 'maintenance',
            priority: 'normal',
            source: 'command',
            triageChannelId: ctx.config.slack.triageChannelId,
          });
          key = request.key;
        } catch (error) {
          await ack({ response_type: 'ephemeral', text: messageForError(error, logContext) });
          return;
        }
        await ack({
          response_type: 'ephemeral',
          text: `:white_check_mark: Opened *${key}*. An engineer will pick it up shortly; follow along in the thread.`,
        });
        await syncRequest(ctx.tokens, key);
        return;
      }
      case 'usage':
        await ack({ response_type: 'ephemeral', text: usageText(ctx.config.slack.helpCommand) });
        return;
      default:
        await ack({ response_type: 'ephemeral', text: usageText(ctx.config.slack.helpCommand) });
    }
  };
}
