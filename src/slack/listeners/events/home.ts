// The Home tab: published when opened; the managers' set-up and billing buttons open modals.
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { adminConfiguration } from '../../../services/admin';
import { homeFor } from '../../../services/home';
import { openHome } from '../../home';
import { renderConfiguration } from '../../views/adminText';
import { billingOverviewModal, textModal } from '../../views/homeModals';
import type { ListenerContext } from '../context';
import { messageForError } from '../replies';

type HomeArgs = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;
type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

export function homeOpened(ctx: ListenerContext) {
  return async ({ event, body }: HomeArgs): Promise<void> => {
    if (event.tab !== 'home') return;
    await openHome(ctx, event.user, body.team_id);
  };
}

export function showSetup(_ctx: ListenerContext) {
  return async ({ ack, body, client }: ButtonArgs): Promise<void> => {
    await ack();
    let text: string;
    try {
      text = renderConfiguration(await adminConfiguration({ userId: body.user.id }));
    } catch (error) {
      text = messageForError(error, { user: body.user.id, action: 'home_setup' });
    }
    await client.views.open({ trigger_id: body.trigger_id, view: textModal('Client set-up', text) });
  };
}

export function showBilling(ctx: ListenerContext) {
  return async ({ ack, body, client }: ButtonArgs): Promise<void> => {
    await ack();
    const home = await homeFor(body.user.id, [], ctx.config.defaultTimezone);
    // Managers only: the view is built from the manager part of their Home data.
    if (!home.manager) {
      await client.views.open({ trigger_id: body.trigger_id, view: textModal('Billing', 'Only managers can see billing for every client.') });
      return;
    }
    await client.views.open({ trigger_id: body.trigger_id, view: billingOverviewModal(home.manager.digest, ctx.config.slack.helpCommand) });
  };
}
