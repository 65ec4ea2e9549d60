// The buttons on a request's messages. Each click is parsed, authorised on the server (by the
// lifecycle service, against the clicking user and the channel it came from) and applied.
import { z } from 'zod';
import { parseRequestKey } from '../../../domain/requestKey';
import { checkTransition, transitionRequest } from '../../../services/requestLifecycle';
import { sealMetadata } from '../../metadata';
import { afterTransition } from '../../requestUpdates';
import { cancelModal, reassignModal, resolveModal } from '../../views/modals';
import type { ListenerContext } from '../context';
import { actorOf, buttonHandler, clickedMessageOf, parseButtonValue, requestKeyValue } from './buttons';

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

/** claim, unclaim, confirm, reopen: one click, one transition. */
export function simpleTransition(ctx: ListenerContext, action: 'claim' | 'unclaim' | 'confirm' | 'reopen') {
  return buttonHandler(async ({ action: clicked, body }) => {
    const key = parseButtonValue(requestKeyValue, clicked.value);
    await afterTransition(ctx, await transitionRequest({ key, action, actor: actorOf(body) }), clickedMessageOf(body));
  });
}

export function rateRequest(ctx: ListenerContext) {
  return buttonHandler(async ({ action: clicked, body }) => {
    const { key, stars } = parseButtonValue(ratingValue, clicked.value);
    await afterTransition(ctx, await transitionRequest({ key, action: 'rate', actor: actorOf(body), set: { rating: stars } }), clickedMessageOf(body));
  });
}

/** resolve, cancel, reassign: check the permission first, then ask for details in a modal. */
export function transitionWithModal(ctx: ListenerContext, action: 'resolve' | 'cancel' | 'reassign') {
  return buttonHandler(async ({ action: clicked, body, client }) => {
    const key = parseButtonValue(requestKeyValue, clicked.value);
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
