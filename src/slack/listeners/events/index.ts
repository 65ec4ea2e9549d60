import type { App } from '@slack/bolt';
import type { ListenerContext } from '../context';
import { HOME_BILLING, HOME_SETUP } from '../../views/home';
import { homeOpened, showBilling, showSetup } from './home';
import { mentionIntake } from './mention';
import { messageReceived } from './messages';
import { personChanged } from './people';
import { reactionAdded } from './reactions';
import { appUninstalled, tokensRevoked } from './uninstall';

export function register(app: App, ctx: ListenerContext): void {
  app.event('app_mention', mentionIntake(ctx));
  app.event('message', messageReceived(ctx));
  app.event('reaction_added', reactionAdded(ctx));
  app.event('app_home_opened', homeOpened(ctx));
  app.event('app_uninstalled', appUninstalled(ctx));
  app.event('tokens_revoked', tokensRevoked(ctx));
  // Someone joined or left a channel: its cached members are read from Slack next time.
  app.event('member_joined_channel', async ({ event }) => ctx.membership.forget(event.channel));
  app.event('member_left_channel', async ({ event }) => ctx.membership.forget(event.channel));
  // Someone changed in Slack (made a full member, a guest, moved): whose side they are on is asked again.
  app.event('user_change', personChanged());
  app.event('team_join', personChanged());
  app.action(HOME_SETUP, showSetup(ctx));
  app.action(HOME_BILLING, showBilling(ctx));
}
