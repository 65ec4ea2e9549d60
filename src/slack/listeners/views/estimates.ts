// Modal submissions for estimates and time: estimate / top-up, decline with a reason, a question about an
// estimate, log time and edit a time entry. Problems go back to the modal as field errors.
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { isUserFacingError } from '../../../errors';
import { decideEstimate, requireEstimate } from '../../../services/estimates';
import { askClient } from '../../../services/conversation';
import { requireRequest } from '../../../services/requestQueries';
import { authorise } from '../../../services/authorisation';
import { cleanText } from '../../../domain/requestText';
import { editTimeEntry } from '../../../services/timeEntries';
import { formatDuration } from '../../../domain/duration';
import { openMetadata } from '../../metadata';
import { afterDecision, afterQuestionAsked, afterSettled, afterTimeChanged, postInThread } from '../../requestUpdates';
import { escapeAndTruncate } from '../../mrkdwn';
import type { ListenerContext } from '../context';
import { tellUser } from '../intake';
import { estimateAndShow, logAndShow, loggedMessage, parseMinutes, parseNote } from '../estimates';
import { messageForError } from '../replies';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type StateValues = ViewSubmitAction['view']['state']['values'];

const STALE_FORM = 'This form is out of date or was changed on the way. Please close it and start again.';

function text(values: StateValues, blockId: string): string {
  return values[blockId]?.value?.value ?? '';
}

function checked(values: StateValues, blockId: string, option: string): boolean {
  return (values[blockId]?.value?.selected_options ?? []).some((o) => o.value === option);
}

/** Runs the work; a user's mistake becomes a field error (on `fallbackBlock` if unspecific). */
async function submitWith(args: ViewArgs, fallbackBlock: string, work: () => Promise<(() => Promise<void>) | void>): Promise<void> {
  let after: (() => Promise<void>) | void;
  try {
    after = await work();
  } catch (error) {
    const errors =
      isUserFacingError(error) && error.fieldErrors && Object.keys(error.fieldErrors).length > 0
        ? error.fieldErrors
        : { [fallbackBlock]: messageForError(error, { view: args.view.callback_id, user: args.body.user.id }) };
    await args.ack({ response_action: 'errors', errors });
    return;
  }
  await args.ack();
  if (after) await after();
}

const requestMeta = z.object({ key: z.string(), channelId: z.string().optional(), topUp: z.boolean().optional() });
const estimateMeta = z.object({ estimateId: z.string(), channelId: z.string().optional() });
/** `revision`: the entry's revision the form showed (absent in forms opened before it was carried). */
const entryMeta = z.object({ key: z.string(), entryId: z.string(), channelId: z.string().optional(), revision: z.number().int().optional() });

export function estimateSubmitted(ctx: ListenerContext) {
  return async (args: ViewArgs): Promise<void> => {
    const meta = openMetadata(ctx.config.metadataSecret, args.view.private_metadata, requestMeta);
    if (!meta) return void (await args.ack({ response_action: 'errors', errors: { amount: STALE_FORM } }));
    const actor = { userId: args.body.user.id, channelId: meta.channelId };
    await submitWith(args, 'amount', async () => {
      const answer = await estimateAndShow(ctx, {
        key: meta.key,
        actor,
        amount: text(args.view.state.values, 'amount'),
        assumptions: text(args.view.state.values, 'assumptions'),
        topUp: meta.topUp,
        submissionId: args.view.id,
      });
      return async () => {
        if (meta.channelId) await tellUser(args.client, meta.channelId, actor.userId, answer);
      };
    });
  };
}

const reasonSchema = z.string().transform(cleanText).pipe(z.string().min(1, 'Please say why, so the engineer can adjust it.').max(1000, 'Keep the reason to 1000 characters.'));
const questionSchema = z.string().transform(cleanText).pipe(z.string().min(1, 'Please type your question.').max(2000, 'Keep the question to 2000 characters.'));

export function declineSubmitted(ctx: ListenerContext) {
  return async (args: ViewArgs): Promise<void> => {
    const meta = openMetadata(ctx.config.metadataSecret, args.view.private_metadata, estimateMeta);
    if (!meta) return void (await args.ack({ response_action: 'errors', errors: { reason: STALE_FORM } }));
    const reason = reasonSchema.safeParse(text(args.view.state.values, 'reason'));
    if (!reason.success) return void (await args.ack({ response_action: 'errors', errors: { reason: reason.error.issues[0]?.message ?? 'Please check the reason.' } }));
    const actor = { userId: args.body.user.id, channelId: meta.channelId };
    await submitWith(args, 'reason', async () => {
      const decided = await decideEstimate({ estimateId: meta.estimateId, actor, approve: false, reason: reason.data, onSettled: (settled) => afterSettled(ctx, settled) });
      return async () => {
        await afterDecision(ctx, decided);
      };
    });
  };
}

export function questionSubmitted(ctx: ListenerContext) {
  return async (args: ViewArgs): Promise<void> => {
    const meta = openMetadata(ctx.config.metadataSecret, args.view.private_metadata, estimateMeta);
    if (!meta) return void (await args.ack({ response_action: 'errors', errors: { question: STALE_FORM } }));
    const question = questionSchema.safeParse(text(args.view.state.values, 'question'));
    if (!question.success) return void (await args.ack({ response_action: 'errors', errors: { question: question.error.issues[0]?.message ?? 'Please check the question.' } }));
    const actor = { userId: args.body.user.id, channelId: meta.channelId };
    await submitWith(args, 'question', async () => {
      const estimate = await requireEstimate(meta.estimateId);
      const request = await requireRequest(estimate.requestKey);
      await authorise('comment', actor, request);
      return async () => {
        await postInThread(
          ctx,
          request,
          `question-${args.view.id}`,
          `:question: <@${actor.userId}> asks about estimate v${estimate.version}: ${escapeAndTruncate(question.data, 2000)}` +
            (request.assigneeId ? `\n<@${request.assigneeId}>` : ''),
        );
      };
    });
  };
}

export function logTimeSubmitted(ctx: ListenerContext) {
  return async (args: ViewArgs): Promise<void> => {
    const meta = openMetadata(ctx.config.metadataSecret, args.view.private_metadata, requestMeta);
    if (!meta) return void (await args.ack({ response_action: 'errors', errors: { duration: STALE_FORM } }));
    const actor = { userId: args.body.user.id, channelId: meta.channelId };
    const values = args.view.state.values;
    await submitWith(args, 'duration', async () => {
      const logged = await logAndShow(ctx, {
        key: meta.key,
        actor,
        duration: text(values, 'duration'),
        note: text(values, 'note'),
        billable: checked(values, 'billable', 'billable'),
        submissionId: args.view.id,
      });
      return async () => {
        if (!meta.channelId) return;
        const message = loggedMessage(logged);
        await args.client.chat.postEphemeral({ channel: meta.channelId, user: actor.userId, text: message.text, blocks: message.blocks }).catch(() => undefined);
      };
    });
  };
}

export function editTimeSubmitted(ctx: ListenerContext) {
  return async (args: ViewArgs): Promise<void> => {
    const meta = openMetadata(ctx.config.metadataSecret, args.view.private_metadata, entryMeta);
    if (!meta) return void (await args.ack({ response_action: 'errors', errors: { duration: STALE_FORM } }));
    const actor = { userId: args.body.user.id, channelId: meta.channelId };
    const values = args.view.state.values;
    await submitWith(args, 'duration', async () => {
      const updated = await editTimeEntry(meta.entryId, actor, {
        minutes: parseMinutes(text(values, 'duration')),
        note: parseNote(text(values, 'note')),
        billable: checked(values, 'billable', 'billable'),
      }, meta.revision);
      return async () => {
        await afterTimeChanged(ctx, updated.requestKey);
        if (meta.channelId) await tellUser(args.client, meta.channelId, actor.userId, `Updated the entry on ${updated.requestKey}: ${formatDuration(updated.minutes)}${updated.billable ? '' : ' (non-billable)'}.`);
      };
    });
  };
}

/** Our question for the client: posted in the thread; the request waits on the client. */
export function askClientSubmitted(ctx: ListenerContext) {
  return async (args: ViewArgs): Promise<void> => {
    const meta = openMetadata(ctx.config.metadataSecret, args.view.private_metadata, requestMeta);
    if (!meta) return void (await args.ack({ response_action: 'errors', errors: { question: STALE_FORM } }));
    const question = questionSchema.safeParse(text(args.view.state.values, 'question'));
    if (!question.success) return void (await args.ack({ response_action: 'errors', errors: { question: question.error.issues[0]?.message ?? 'Please check the question.' } }));
    const actor = { userId: args.body.user.id, channelId: meta.channelId };
    await submitWith(args, 'question', async () => {
      const request = await askClient(meta.key, actor);
      return async () => {
        await afterQuestionAsked(ctx, request, actor.userId, question.data);
      };
    });
  };
}
