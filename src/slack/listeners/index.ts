// Registers every listener with the Bolt app.
import type { App } from '@slack/bolt';
import * as actions from './actions';
import * as commands from './commands';
import type { ListenerContext } from './context';
import { dropRedeliveredEvents } from './dedupe';
import { refuseMalformedIds } from './payloadShape';
import { listenerRoutes } from './routes';
import * as events from './events';
import * as shortcuts from './shortcuts';
import * as views from './views';

export function registerListeners(app: App, ctx: ListenerContext): void {
  app.use(refuseMalformedIds);
  app.use(dropRedeliveredEvents);
  const routes = listenerRoutes(app);
  commands.register(routes, ctx);
  actions.register(routes, ctx);
  views.register(routes, ctx);
  shortcuts.register(routes, ctx);
  events.register(routes, ctx);
}
