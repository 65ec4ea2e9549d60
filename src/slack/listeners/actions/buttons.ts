// What every button listener does the same way: parse the button's value with zod, know who
// clicked where, acknowledge at once, and tell only the clicker when something is refused.
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { parseRequestKey } from '../../../domain/requestKey';
import { ErrorCode, UserFacingError } from '../../../errors';
import { tellUser } from '../intake';
import { messageForError } from '../replies';

export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

export const requestKeyValue = z
  .string()
  .max(30)
  .transform((v, ctx) => {
    const key = parseRequestKey(v);
    if (!key) {
      ctx.addIssue({ code: 'custom', message: 'not a request key' });
      return z.NEVER;
    }
    return key.key;
  });

export const objectIdValue = z.string().regex(/^[0-9a-f]{24}$/);

export function parseButtonValue<T extends z.ZodType>(schema: T, value: string | undefined): z.output<T> {
  const parsed = schema.safeParse(value ?? '');
  if (!parsed.success) throw new UserFacingError(ErrorCode.InvalidInput, "That button doesn't work any more. Please use the latest message.");
  return parsed.data;
}

export function actorOf(body: BlockAction) {
  return { userId: body.user.id, channelId: body.channel?.id ?? body.container?.channel_id };
}

/** The message a button was on and the response_url that can update it (none for buttons in views). */
export function clickedMessageOf(body: BlockAction): { messageTs: string; url: string } | undefined {
  const messageTs = body.container?.message_ts as unknown;
  const url = body.response_url as unknown;
  return typeof messageTs === 'string' && typeof url === 'string' && /^https?:\/\//.test(url) ? { messageTs, url } : undefined;
}

/** Runs a button's work after ack; a refusal or failure is told to the clicker only. */
export function buttonHandler(work: (args: ButtonArgs) => Promise<void>) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    try {
      await work(args);
    } catch (error) {
      const actor = actorOf(args.body);
      const text = messageForError(error, { user: actor.userId, channel: actor.channelId, action: args.action.action_id });
      if (actor.channelId) await tellUser(args.client, actor.channelId, actor.userId, text);
    }
  };
}
