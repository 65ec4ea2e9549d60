// The message shortcut "Create support request": the new-request modal, prefilled from the message.
import type { AllMiddlewareArgs, MessageShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import { titleAndDetails } from '../../../domain/helpCommand';
import { plainTextFromSlack } from '../../../domain/slackText';
import { TITLE_MAX } from '../../../domain/requestText';
import { permalinkOf } from '../../sourceMessage';
import type { ListenerContext } from '../context';
import { openNewRequestModal } from '../intake';

type ShortcutArgs = SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs;

export function createRequestShortcut(ctx: ListenerContext) {
  return async ({ ack, shortcut, client }: ShortcutArgs): Promise<void> => {
    await ack();
    const text = plainTextFromSlack(shortcut.message.text ?? '');
    const { title, details } = titleAndDetails(text, TITLE_MAX);
    const channelId = shortcut.channel.id;
    const permalink = await permalinkOf(client, channelId, shortcut.message.ts);
    await openNewRequestModal(ctx, client, {
      triggerId: shortcut.trigger_id,
      channelId,
      userId: shortcut.user.id,
      teamId: shortcut.user.team_id ?? shortcut.team?.id,
      source: 'shortcut',
      prefill: { title, details },
      sourceMessage: { channelId, ts: shortcut.message.ts, ...(permalink ? { permalink } : {}) },
    });
  };
}
