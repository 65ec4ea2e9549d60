// Modal submissions: new request, resolve, cancel, reassign. Field values are validated with zod;
// a problem is answered as a field error in the modal and nothing is written.
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { isUserFacingError } from '../../../errors';
import { staffRoles } from '../../../services/directory';
import { transitionRequest } from '../../../services/requestLifecycle';
import { openRequest } from '../../../services/intake';
import { type LoadedRequest } from '../../../services/requestQueries';
import { cleanText } from '../../../domain/requestText';
import { openMetadata } from '../../metadata';
import { afterOpened, afterTransition } from '../../requestUpdates';
import type { ListenerContext } from '../context';
import { requestMetadataSchema } from '../actions/requestButtons';
import { newRequestMetadataSchema, openedText, tellUser } from '../intake';
import { APOLOGY, messageForError } from '../replies';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type StateValues = ViewSubmitAction['view']['state']['values'];

/** The submitted value of one input block (text, select or user), or '' when empty. */
function field(values: StateValues, blockId: string): string {
  const element = values[blockId]?.value;
  if (!element) return '';
  return element.value ?? element.selected_option?.value ?? element.selected_user ?? '';
}

const STALE_FORM = 'This form is out of date or was changed on the way. Please close it and start again.';

/** Field errors go back into the modal; anything else closes it with an error view. */
async function answerError(args: ViewArgs, error: unknown, fallbackBlock: string): Promise<void> {
  if (isUserFacingError(error)) {
    const errors = error.fieldErrors && Object.keys(error.fieldErrors).length > 0 ? error.fieldErrors : { [fallbackBlock]: error.message };
    await args.ack({ response_action: 'errors', errors });
    return;
  }
  await args.ack({ response_action: 'errors', errors: { [fallbackBlock]: messageForError(error, { view: args.view.callback_id, user: args.body.user.id }) || APOLOGY } });
}

export function newRequestSubmitted(ctx: ListenerContext) {
  return async (args: ViewArgs): Promise<void> => {
    const { view, body, client } = args;
    const metadata = openMetadata(ctx.config.metadataSecret, view.private_metadata, newRequestMetadataSchema);
    if (!metadata) {
      await args.ack({ response_action: 'errors', errors: { title: STALE_FORM } });
      return;
    }
    let opened: LoadedRequest;
    try {
      opened = await openRequest({
        channelId: metadata.channelId,
        requesterId: body.user.id,
        requesterTeamId: metadata.teamId ?? body.user.team_id,
        title: field(view.state.values, 'title'),
        details: field(view.state.values, 'details'),
        category: field(view.state.values, 'category'),
        priority: field(view.state.values, 'priority'),
        source: metadata.source,
        sourceMessage: metadata.sourceMessage,
        triageChannelId: ctx.config.slack.triageChannelId,
      });
    } catch (error) {
      await answerError(args, error, 'title');
      return;
    }
    const { key } = opened.request;
    await args.ack();
    await ctx.afterAck.run(() => afterOpened(ctx, opened));
    await tellUser(client, metadata.channelId, body.user.id, openedText(key));
  };
}

const resolutionSchema = z
  .string()
  .transform(cleanText)
  .pipe(z.string().min(1, 'Please say what was done.').max(3000, 'Keep the summary to 3000 characters.'));
const reasonSchema = z.string().transform(cleanText).pipe(z.string().max(500, 'Keep the reason to 500 characters.'));
const userSchema = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'Pick an engineer.');

type ModalAction = 'resolve' | 'cancel' | 'reassign';

export function transitionSubmitted(ctx: ListenerContext, action: ModalAction) {
  const blockId = action === 'resolve' ? 'resolution' : action === 'cancel' ? 'reason' : 'assignee';
  return async (args: ViewArgs): Promise<void> => {
    const { view, body, client } = args;
    const metadata = openMetadata(ctx.config.metadataSecret, view.private_metadata, requestMetadataSchema);
    if (!metadata) {
      await args.ack({ response_action: 'errors', errors: { [blockId]: STALE_FORM } });
      return;
    }
    const raw = field(view.state.values, blockId);
    const schema = action === 'resolve' ? resolutionSchema : action === 'cancel' ? reasonSchema : userSchema;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      await args.ack({ response_action: 'errors', errors: { [blockId]: parsed.error.issues[0]?.message ?? 'Please check this field.' } });
      return;
    }
    const value = parsed.data;
    if (action === 'reassign' && !(await staffRoles(value)).includes('engineer')) {
      await args.ack({ response_action: 'errors', errors: { assignee: 'Pick one of our engineers.' } });
      return;
    }
    const set =
      action === 'resolve' ? { resolution: value } : action === 'cancel' ? (value ? { cancelReason: value } : {}) : { assigneeId: value };
    const actor = { userId: body.user.id, channelId: metadata.channelId };
    let updated;
    try {
      updated = await transitionRequest({ key: metadata.key, action, actor, set });
    } catch (error) {
      await answerError(args, error, blockId);
      return;
    }
    await args.ack();
    await afterTransition(ctx, updated);
    if (metadata.channelId && action === 'reassign') {
      await tellUser(client, metadata.channelId, body.user.id, `${metadata.key} is now with <@${value}>.`);
    }
  };
}
