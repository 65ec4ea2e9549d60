// The client picked for a DM request by someone who belongs to several clients.
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { ErrorCode, UserFacingError } from '../../../errors';
import { takeIntake } from '../../../services/pendingIntake';
import type { ListenerContext } from '../context';
import { openFromText, openedText } from '../intake';
import { messageForError } from '../replies';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

const choiceValue = z.string().regex(/^[0-9a-f]{24} [A-Z]{2,10}$/);

export function chooseClientForDm(ctx: ListenerContext) {
  return async ({ ack, action, body }: ButtonArgs): Promise<void> => {
    await ack();
    const channel = body.channel?.id ?? body.container?.channel_id;
    const messageTs = body.message?.ts ?? body.container?.message_ts;
    let text: string;
    try {
      const parsed = choiceValue.safeParse(action.value);
      if (!parsed.success) throw new UserFacingError(ErrorCode.InvalidInput, "That choice doesn't work any more. Please send your message again.");
      const [pendingId = '', clientKey = ''] = parsed.data.split(' ');
      const intake = await takeIntake(pendingId, body.user.id, clientKey);
      const key = await openFromText(ctx, { ...intake, userId: body.user.id, source: 'dm' });
      text = openedText(key);
    } catch (error) {
      text = messageForError(error, { user: body.user.id, action: action.action_id });
    }
    if (!channel) return;
    const to = messageTs ? { replace: { channel, ts: messageTs } } : { channel };
    const teamId = body.user.team_id ?? body.team?.id;
    await ctx.delivery.post(`dm-choice|${channel}|${body.trigger_id}`, { to, workspace: 'client', text, ...(teamId ? { teamId } : {}) }, 'interactive');
  };
}
