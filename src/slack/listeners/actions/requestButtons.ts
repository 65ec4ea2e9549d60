// The buttons on a request's messages. Each click is parsed, authorised on the server (by the
// lifecycle service, against the clicking user and the channel it came from) and applied.
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { parseRequestKey } from '../../../domain/requestKey';
import { ErrorCode, UserFacingError } from '../../../errors';
import { checkTransition } from '../../../services/requestLifecycle';
import { sealMetadata } from '../../metadata';
import { transitionAndShow } from '../../requestUpdates';
import { cancelModal, reassignModal, resolveModal } from '../../views/modals';
import type { ListenerContext } from '../context';
import { tellUser } from '../intake';
import { messageForError } from '../replies';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

const requestKeyValue = z
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

const ratingValue = z
  .string()
  .max(40)
  .transform((v, ctx) => {
    const words = v.split(' ');
    const [keyText = '', starsText = ''] = words;
    const key = parseRequestKey(keyText);
    const stars = Number(starsText);
    if (words.length !== 2 || !key || !/^[1-5]$/.test(starsText)) {
      ctx.addIssue({ code: 'custom', message: 'not a rating' });
      return z.NEVER;
    }
    return { key: key.key, stars };
  });

export const requestMetadataSchema = z.object({ key: z.string(), channelId: z.string().optional() });

function parseValue<T extends z.ZodType>(schema: T, value: string | undefined): z.output<T> {
  const parsed = schema.safeParse(value ?? '');
  if (!parsed.success) throw new UserFacingError(ErrorCode.InvalidInput, "That button doesn't work any more. Please use the latest message.");
  return parsed.data;
}

function actorOf(body: BlockAction) {
  return { userId: body.user.id, channelId: body.channel?.id ?? body.container?.channel_id };
}

/** Runs a button's work after ack; a refusal or failure is told to the clicker only. */
function button(ctx: ListenerContext, work: (args: ButtonArgs) => Promise<void>) {
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

/** claim, unclaim, confirm, reopen: one click, one transition. */
export function simpleTransition(ctx: ListenerContext, action: 'claim' | 'unclaim' | 'confirm' | 'reopen') {
  return button(ctx, async ({ action: clicked, body }) => {
    const key = parseValue(requestKeyValue, clicked.value);
    await transitionAndShow(ctx, { key, action, actor: actorOf(body) });
  });
}

export function rateRequest(ctx: ListenerContext) {
  return button(ctx, async ({ action: clicked, body }) => {
    const { key, stars } = parseValue(ratingValue, clicked.value);
    await transitionAndShow(ctx, { key, action: 'rate', actor: actorOf(body), set: { rating: stars } });
  });
}

/** resolve, cancel, reassign: check the permission first, then ask for details in a modal. */
export function transitionWithModal(ctx: ListenerContext, action: 'resolve' | 'cancel' | 'reassign') {
  return button(ctx, async ({ action: clicked, body, client }) => {
    const key = parseValue(requestKeyValue, clicked.value);
    const actor = actorOf(body);
    const request = await checkTransition({ key, action, actor });
    const metadata = sealMetadata(ctx.config.metadataSecret, { key, channelId: actor.channelId });
    const view =
      action === 'resolve'
        ? resolveModal(metadata, key, request.title)
        : action === 'cancel'
          ? cancelModal(metadata, key, request.title)
          : reassignModal(metadata, key, request.assigneeId ?? undefined);
    await client.views.open({ trigger_id: body.trigger_id, view });
  });
}
