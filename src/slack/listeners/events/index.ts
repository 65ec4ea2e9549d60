import type { App } from '@slack/bolt';
import type { ListenerContext } from '../context';
import { mentionIntake } from './mention';
import { messageReceived } from './messages';
import { reactionAdded } from './reactions';

export function register(app: App, ctx: ListenerContext): void {
  app.event('app_mention', mentionIntake(ctx));
  app.event('message', messageReceived(ctx));
  app.event('reaction_added', reactionAdded(ctx));
}
