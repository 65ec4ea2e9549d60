import type { App } from '@slack/bolt';
import type { ListenerContext } from '../context';
import { helpCommand } from './help';

export function register(app: App, ctx: ListenerContext): void {
  app.command(ctx.config.slack.helpCommand, helpCommand(ctx));
}
