// Registers every listener with the Bolt app.
import type { App } from '@slack/bolt';
import * as commands from './commands';
import type { ListenerContext } from './context';

export function registerListeners(app: App, ctx: ListenerContext): void {
  commands.register(app, ctx);
}
