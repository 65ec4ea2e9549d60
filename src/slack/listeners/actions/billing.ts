// The Issue button on a billing summary. The role is checked on the server (managers only) by the
// billing service; the message is then re-rendered in place from the record, and the issued
// summary is posted to the client's own channel (slack/issuedSummary.ts). The export buttons of
// an issued summary send the clicking manager its Xero or QuickBooks import file by DM.
import { randomUUID } from 'node:crypto';
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { ErrorCode, UserFacingError } from '../../../errors';
import { logger } from '../../../logger';
import { INVOICE_FORMATS } from '../../../domain/invoiceExport';
import { periodOf } from '../../../domain/periods';
import { issueBillingSummary } from '../../../services/billing';
import { exportIssuedSummary } from '../../../services/invoiceExport';
import { postIssuedToClient } from '../../issuedSummary';
import { BILLING_EXPORT_ACTION, BILLING_ISSUE_ACTION, billingSummaryMessage, exportFilePost, exportSentText } from '../../views/billingSummary';
import type { ListenerContext } from '../context';
import type { ListenerRoutes } from '../routes';
import { tellUser } from '../intake';
import { messageForError } from '../replies';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

const issueValue = z
  .string()
  .max(30)
  .regex(/^[A-Z]{2,10} \d{4}-(0[1-9]|1[0-2])$/)
  .transform((value) => {
    const [clientKey = '', period = ''] = value.split(' ');
    return { clientKey, period };
  });

const messageLocation = z.object({ channel_id: z.string().min(1), message_ts: z.string().min(1) });

export function registerBillingActions(routes: ListenerRoutes, ctx: ListenerContext): void {
  routes.action(BILLING_ISSUE_ACTION, issueSummary(ctx));
  routes.action(new RegExp(`^${BILLING_EXPORT_ACTION}_(${INVOICE_FORMATS.join('|')})$`), exportSummary(ctx));
}

/** The export button's format, from its action id (`billing_export_xero`). */
const exportFormat = z.string().transform((id) => id.slice(BILLING_EXPORT_ACTION.length + 1)).pipe(z.enum(INVOICE_FORMATS));

/**
 * An export button: the issued summary's import file(s) for Xero or QuickBooks, to the manager
 * who clicked, in a DM (one post per file, each click its own). Anyone else is refused.
 */
function exportSummary(ctx: ListenerContext) {
  return async ({ ack, action, body, client }: ButtonArgs): Promise<void> => {
    await ack();
    const actor = { userId: body.user.id, channelId: body.channel?.id ?? stringOf(body.container.channel_id) };
    try {
      const parsed = issueValue.safeParse(action.value ?? '');
      const format = exportFormat.safeParse(action.action_id);
      if (!parsed.success || !format.success) {
        throw new UserFacingError(ErrorCode.InvalidInput, "That button doesn't work any more. Run the billing command again for a fresh summary.");
      }
      const { clientKey, period } = parsed.data;
      const files = await exportIssuedSummary(clientKey, period, format.data, actor);
      const click = randomUUID();
      for (const file of files) {
        await ctx.delivery.post(
          `billing-export|${clientKey}|${period}|${format.data}|${actor.userId}|${click}|${file.filename}`,
          { to: { user: actor.userId }, ...exportFilePost(clientKey, period, format.data, file) },
          'interactive',
        );
      }
      if (actor.channelId) await tellUser(client, actor.channelId, actor.userId, exportSentText(format.data));
    } catch (error) {
      const text = messageForError(error, { user: actor.userId, channel: actor.channelId, action: BILLING_EXPORT_ACTION });
      if (actor.channelId) await tellUser(client, actor.channelId, actor.userId, text);
    }
  };
}

function issueSummary(ctx: ListenerContext) {
  return async ({ ack, action, body, client }: ButtonArgs): Promise<void> => {
    await ack();
    const actor = { userId: body.user.id, channelId: body.channel?.id ?? stringOf(body.container.channel_id) };
    try {
      const parsed = issueValue.safeParse(action.value ?? '');
      if (!parsed.success) {
        throw new UserFacingError(ErrorCode.InvalidInput, "That button doesn't work any more. Run the billing command again for a fresh summary.");
      }
      const { clientKey, period } = parsed.data;
      const result = await issueBillingSummary(clientKey, period, actor);
      const message = billingSummaryMessage({
        summary: result.summary,
        canIssue: true,
        inProgress: periodOf(new Date(), result.summary.timezone) === period,
      });
      const where = messageLocation.safeParse(body.container);
      if (where.success) {
        // The summary is issued (or regenerated) whatever happens to this message; Slack failing
        // here must not be reported as "nothing was changed".
        await client.chat
          .update({ channel: where.data.channel_id, ts: where.data.message_ts, text: message.text, blocks: message.blocks })
          .catch((error: unknown) => logger.warn({ err: error, client: clientKey, period }, 'Could not re-render the billing summary message; the record is up to date'));
      }
      if (result.outcome === 'issued' && !(await postIssuedToClient(ctx, result.summary)) && actor.channelId) {
        await tellUser(client, actor.channelId, actor.userId, `${clientKey} has no channel, so the issued summary was not posted to the client: send it to them yourself.`);
      }
      if (result.outcome === 'changed' && actor.channelId) {
        await tellUser(
          client,
          actor.channelId,
          actor.userId,
          "The numbers changed since this summary was generated, so I didn't issue it. The message now shows the latest draft: check it and click *Issue summary* again.",
        );
      }
    } catch (error) {
      const text = messageForError(error, { user: actor.userId, channel: actor.channelId, action: BILLING_ISSUE_ACTION });
      if (actor.channelId) await tellUser(client, actor.channelId, actor.userId, text);
    }
  };
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
