// The help command (`/help` by default): the fast path that opens a request from its text, and
// the sub-commands.
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseHelpCommand, titleAndDetails } from '../../../domain/helpCommand';
import { plainTextFromSlack } from '../../../domain/slackText';
import { openRequest, TITLE_MAX } from '../../../services/requestLifecycle';
import { syncRequest } from '../../sync';
import { usageText } from '../../views/usage';
import type { ListenerContext } from '../context';
import { messageForError } from '../replies';
import { adminCommand } from './admin';
import { listCommand, statusCommand } from './list';
import { openNewRequestModal, openedText } from '../intake';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export function helpCommand(ctx: ListenerContext) {
  return async ({ command, ack, client }: CommandArgs): Promise<void> => {
    const parsed = parseHelpCommand(command.text);
    const actor = { userId: command.user_id, channelId: command.channel_id };
    const logContext = { user: command.user_id, channel: command.channel_id, kind: parsed.kind };
    const answer = async (produce: () => Promise<string>) => {
      let text: string;
      try {
        text = await produce();
      } catch (error) {
        text = messageForError(error, logContext);
      }
      await ack({ response_type: 'ephemeral', text });
    };

    switch (parsed.kind) {
      case 'open': {
        let key: string | undefined;
        await answer(async () => {
          const { title, details } = titleAndDetails(plainTextFromSlack(parsed.text), TITLE_MAX);
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
          return openedText(key);
        });
        if (key) await syncRequest(ctx.tokens, key);
        return;
      }
      case 'modal':
        await ack();
        await openNewRequestModal(ctx, client, {
          triggerId: command.trigger_id,
          channelId: command.channel_id,
          userId: command.user_id,
          teamId: command.team_id,
          source: 'modal',
        });
        return;
      case 'list':
        await answer(() => listCommand(actor));
        return;
      case 'status':
        await answer(() => statusCommand(actor, parsed.key));
        return;
      case 'admin':
        await answer(() => adminCommand(ctx, { ...actor, args: parsed.args, text: parsed.text }));
        return;
      case 'usage':
        await answer(async () => usageText(ctx.config.slack.helpCommand));
        return;
    }
  };
}
