// The help command (`/help` by default): the fast path that opens a request from its text, and
// the sub-commands.
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { SUBCOMMAND_USAGE, parseHelpCommand } from '../../../domain/helpCommand';
import { plainTextFromSlack } from '../../../domain/slackText';
import type { LoadedRequest } from '../../../services/requestQueries';
import { requestForViewer } from '../../../services/requestQueries';
import { afterOpened } from '../../requestUpdates';
import { usageText } from '../../views/usage';
import type { ListenerContext } from '../context';
import { WORKING_ON_IT, messageForError } from '../replies';
import type { KnownBlock } from '../../views/blocks';
import { logger } from '../../../logger';
import { estimateAndShow, estimateHintAnswer, logAndShow, loggedMessage } from '../estimates';
import { adminCommand } from './admin';
import { billingCommand } from './billing';
import { digestCommand } from './digest';
import { linkCommand } from './link';
import { mergeAndShow } from '../merge';
import { listCommand, statusCommand } from './list';
import { openNewRequestModal, openTextRequest, openedText } from '../intake';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;


export function helpCommand(ctx: ListenerContext) {
  return async ({ command, ack: slackAck, client, respond }: CommandArgs): Promise<void> => {
    const received = Date.now();
    const ack: typeof slackAck = async (response) => {
      await slackAck(response);
      ctx.metrics.observeAck(Date.now() - received);
    };
    const parsed = parseHelpCommand(command.text);
    const actor = { userId: command.user_id, channelId: command.channel_id };
    const logContext = { user: command.user_id, channel: command.channel_id, kind: parsed.kind };
    // Slack gives up on a command not acknowledged within 3 s. An answer not ready within the
    // short ACK_BUDGET_MS is acknowledged at once and sent through the response URL when it is:
    // a budget near 3 s would be overrun whenever the event loop is busy (a timer fires late).
    // While the process already makes as many answers as it takes at once, the command is
    // acknowledged straight away and its answer made when a place frees up.
    // The answer that replaces "Working on it…", through the command's response URL.
    const replaceAck = (reply: { text: string; blocks?: KnownBlock[] }) => respond({ response_type: 'ephemeral', replace_original: true, ...reply });
    const answer = async (produce: () => Promise<string | { text: string; blocks: KnownBlock[] }>) => {
      const busy = ctx.answers.busy();
      const reply = ctx.answers.run(produce).then(
        (r) => (typeof r === 'string' ? { text: r } : r),
        (error: unknown) => ({ text: messageForError(error, logContext) }),
      );
      const first = busy
        ? undefined
        : await Promise.race([reply, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ctx.config.ackBudgetMs).unref())]);
      if (first) {
        await ack({ response_type: 'ephemeral', ...first });
        return;
      }
      await ack({ response_type: 'ephemeral', text: WORKING_ON_IT });
      await replaceAck(await reply);
    };
    // A sub-command naming a request first looks it up as the person may see it: another client's
    // request is answered like one that does not exist (as `/help status` does), not with a
    // refusal that would tell them it exists.
    const onVisible = (key: string, produce: () => Promise<string | { text: string; blocks: KnownBlock[] }>) =>
      answer(async () => {
        await requestForViewer(actor, key);
        return produce();
      });

    switch (parsed.kind) {
      case 'open': {
        // Opening writes the request: acknowledged before any of that work starts, answered
        // through the response URL once it is recorded. Starting the write first and racing it
        // against the budget put its synchronous half (validation, building the queries) and a
        // late timer on every acknowledgement's path under load.
        await ack({ response_type: 'ephemeral', text: WORKING_ON_IT });
        let opened: LoadedRequest;
        try {
          opened = await ctx.answers.run(() =>
            openTextRequest(ctx, {
              channelId: command.channel_id,
              userId: command.user_id,
              teamId: command.team_id,
              text: plainTextFromSlack(parsed.text),
              source: 'command',
            }),
          );
        } catch (error) {
          await replaceAck({ text: messageForError(error, logContext) });
          return;
        }
        const shown = opened;
        const key = shown.request.key;
        // The request is recorded: its messages, timers and Home tabs follow whether or not Slack
        // takes the answer (it is shown in the channel either way).
        await Promise.all([
          replaceAck({ text: openedText(key) }).catch((error: unknown) =>
            logger.warn({ err: error, request: key }, 'Slack did not take the answer to /help through its response URL; the request is shown in its channel anyway'),
          ),
          ctx.afterAck.run(() => afterOpened(ctx, shown)),
        ]);
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
      case 'estimate':
        await onVisible(parsed.key, () => estimateAndShow(ctx, { key: parsed.key, actor, amount: parsed.amount, assumptions: plainTextFromSlack(parsed.assumptions) }));
        return;
      case 'estimateHint':
        await onVisible(parsed.key, () => estimateHintAnswer(ctx, actor, parsed.key));
        return;
      case 'log': {
        // `log 1h ACME-42 non-billable reading the docs` logs visibly non-billable time.
        const nonBillable = /^(non-?billable|nb)\b\s*/i;
        const billable = !nonBillable.test(parsed.note);
        const note = plainTextFromSlack(parsed.note.replace(nonBillable, ''));
        await onVisible(parsed.key, async () => loggedMessage(await logAndShow(ctx, { key: parsed.key, actor, duration: parsed.duration, note, billable })));
        return;
      }
      case 'billing':
        await answer(() => billingCommand(ctx, client, { ...actor, teamId: command.team_id, clientKey: parsed.clientKey, month: parsed.month }));
        return;
      case 'digest':
        await answer(() => digestCommand(ctx, actor.userId));
        return;
      case 'link':
        await onVisible(parsed.key, () => linkCommand(ctx, actor, parsed.key, parsed.url));
        return;
      case 'merge':
        await onVisible(parsed.key, () => mergeAndShow(ctx, { key: parsed.key, into: parsed.into, actor }));
        return;
      case 'mistake':
        await answer(async () => `${parsed.problem}\nWrite it as \`${ctx.config.slack.helpCommand} ${SUBCOMMAND_USAGE[parsed.command]}\`.`);
        return;
      case 'usage':
        await answer(async () => usageText(ctx.config.slack.helpCommand));
        return;
    }
  };
}
