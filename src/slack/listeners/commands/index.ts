import type { ListenerContext } from '../context';
import type { ListenerRoutes } from '../routes';
import { helpCommand } from './help';

export function register(routes: ListenerRoutes, ctx: ListenerContext): void {
  routes.command(ctx.config.slack.helpCommand, helpCommand(ctx));
}
