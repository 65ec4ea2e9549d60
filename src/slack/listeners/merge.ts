// Merging a duplicate (#13): the Merge… button on the triage message (a modal to pick the request
// it duplicates), its submission, and `/help merge ACME-7 ACME-5`. Both go through mergeAndShow.
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { parseRequestKey } from '../../domain/requestKey';
import { ErrorCode, UserFacingError, isUserFacingError } from '../../errors';
import type { Actor } from '../../services/directory';
import { mergeCandidates, mergeRequest } from '../../services/merge';
import { checkTransition } from '../../services/requestLifecycle';
import { openMetadata, sealMetadata } from '../metadata';
import { afterMerge } from '../requestUpdates';
import { mergeModal } from '../views/modals';
import { actorOf, buttonHandler, parseButtonValue, requestKeyValue } from './actions/buttons';
import { requestMetadataSchema } from './actions/requestButtons';
import type { ListenerContext } from './context';
import { messageForError } from './replies';

/** Merges, then shows both requests and tells both threads; returns what to tell the person who merged. */
export async function mergeAndShow(ctx: ListenerContext, input: { key: string; into: string; actor: Actor }): Promise<string> {
  const merged = await mergeRequest(input);
  await afterMerge(ctx, merged);
  return `:twisted_rightwards_arrows: Merged *${merged.duplicate.request.key}* into *${merged.target.key}*.`;
}

export function mergeButton(ctx: ListenerContext) {
  return buttonHandler(async ({ action: clicked, body, client }) => {
    const key = parseButtonValue(requestKeyValue, clicked.value);
    const actor = actorOf(body);
    const request = await checkTransition({ key, action: 'merge', actor });
    const candidates = await mergeCandidates(request.key);
    if (candidates.length === 0) throw new UserFacingError(ErrorCode.InvalidState, `${request.clientKey} has no other open request for ${request.key} to be merged into.`);
    const metadata = sealMetadata(ctx.config.metadataSecret, { key, channelId: actor.channelId });
    await client.views.open({ trigger_id: body.trigger_id, view: mergeModal(metadata, key, candidates) });
  });
}

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

export function mergeSubmitted(ctx: ListenerContext) {
  return async (args: ViewArgs): Promise<void> => {
    const { view, body } = args;
    const metadata = openMetadata(ctx.config.metadataSecret, view.private_metadata, requestMetadataSchema);
    const into = parseRequestKey(view.state.values.into?.value?.selected_option?.value ?? '')?.key;
    if (!metadata || !into) {
      await args.ack({ response_action: 'errors', errors: { into: metadata ? 'Pick the request it duplicates.' : 'This form is out of date. Please close it and start again.' } });
      return;
    }
    try {
      await mergeAndShow(ctx, { key: metadata.key, into, actor: { userId: body.user.id, channelId: metadata.channelId } });
    } catch (error) {
      await args.ack({ response_action: 'errors', errors: { into: isUserFacingError(error) ? error.message : messageForError(error, { view: view.callback_id, user: body.user.id }) } });
      return;
    }
    await args.ack();
  };
}
