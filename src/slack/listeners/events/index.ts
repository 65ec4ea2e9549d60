import type { ListenerContext } from '../context';
import type { ListenerRoutes } from '../routes';
import { HOME_BILLING, HOME_SETUP } from '../../views/home';
import { homeOpened, showBilling, showSetup } from './home';
import { mentionIntake } from './mention';
import { messageReceived } from './messages';
import { personChanged } from './people';
import { reactionAdded } from './reactions';
import { appUninstalled, tokensRevoked } from './uninstall';

export function register(routes: ListenerRoutes, ctx: ListenerContext): void {
  routes.event('app_mention', mentionIntake(ctx));
  routes.event('message', messageReceived(ctx));
  routes.event('reaction_added', reactionAdded(ctx));
  routes.event('app_home_opened', homeOpened(ctx));
  routes.event('app_uninstalled', appUninstalled(ctx));
  routes.event('tokens_revoked', tokensRevoked(ctx));
  // Someone joined or left a channel: its cached members are read from Slack next time.
  routes.event('member_joined_channel', async ({ event }) => ctx.membership.forget(event.channel));
  routes.event('member_left_channel', async ({ event }) => ctx.membership.forget(event.channel));
  // Someone changed in Slack (made a full member, a guest, moved): whose side they are on is asked again.
  routes.event('user_change', personChanged());
  routes.event('team_join', personChanged());
  routes.action(HOME_SETUP, showSetup(ctx));
  routes.action(HOME_BILLING, showBilling(ctx));
}
