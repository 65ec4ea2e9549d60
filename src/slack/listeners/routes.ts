// One Bolt listener per kind of payload, and a table that picks ours by its id.
//
// Bolt runs every registered listener's middleware chain on every request (a copy of the chain,
// a promise and its matchers per listener, then Promise.allSettled over them all). With one Bolt
// listener per button, modal and event (about fifty) that was a fifth of what a web process
// allocated per `/help` under load, and its garbage collections were the acknowledgements' tail.
// Registered here instead, a request costs one chain per kind, whatever the number of listeners.
import type {
  AllMiddlewareArgs,
  App,
  Middleware,
  SlackAction,
  SlackActionMiddlewareArgs,
  SlackEventMiddlewareArgs,
  SlackViewAction,
  SlackViewMiddlewareArgs,
} from '@slack/bolt';

/** What the listeners register with: Bolt's own signatures, one listener each. */
export interface ListenerRoutes {
  /** A block action whose action_id is `id` (or matches it). */
  action<A extends SlackAction = SlackAction>(id: string | RegExp, listener: Middleware<SlackActionMiddlewareArgs<A>>): void;
  /** A modal submitted (view_submission) whose callback_id is `callbackId`. */
  view<V extends SlackViewAction = SlackViewAction>(callbackId: string, listener: Middleware<SlackViewMiddlewareArgs<V>>): void;
  /** An Events API event of this type. */
  event<E extends string>(type: E, listener: Middleware<SlackEventMiddlewareArgs<E>>): void;
  command: App['command'];
  shortcut: App['shortcut'];
}

type Listener<Args> = (args: Args & AllMiddlewareArgs) => Promise<void>;

/** Listeners by id: exact ids in a map, patterns tried in the order they were registered. */
class Table<Args> {
  private readonly exact = new Map<string, Listener<Args>>();
  private readonly patterns: Array<[RegExp, Listener<Args>]> = [];

  constructor(private readonly kind: string) {}

  add(id: string | RegExp, listener: Listener<Args>): void {
    if (typeof id !== 'string') {
      this.patterns.push([id, listener]);
      return;
    }
    if (this.exact.has(id)) throw new Error(`Two ${this.kind} listeners for "${id}"`);
    this.exact.set(id, listener);
  }

  /** Every listener for `id`, as Bolt would have run every matching one. */
  matching(id: string | undefined): Array<Listener<Args>> {
    if (id === undefined) return [];
    const exact = this.exact.get(id);
    return [...(exact ? [exact] : []), ...this.patterns.filter(([pattern]) => pattern.test(id)).map(([, listener]) => listener)];
  }
}

/** Runs them all; a failure reaches Bolt's error handler once all have settled, as with Bolt's own listeners. */
async function runAll<Args>(listeners: Array<Listener<Args>>, args: Args & AllMiddlewareArgs): Promise<void> {
  const settled = await Promise.allSettled(listeners.map((listener) => listener(args)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}

function actionIdOf(action: unknown): string | undefined {
  const id = (action as { action_id?: unknown } | undefined)?.action_id;
  return typeof id === 'string' ? id : undefined;
}

/** Routes to register listeners with; each kind reaches Bolt as one listener. */
export function listenerRoutes(app: App): ListenerRoutes {
  const actions = new Table<SlackActionMiddlewareArgs>('action');
  const views = new Table<SlackViewMiddlewareArgs>('view');
  const events = new Table<SlackEventMiddlewareArgs>('event');
  const everything = /[\s\S]*/;
  app.action({ type: 'block_actions', action_id: everything }, async (args) => runAll(actions.matching(actionIdOf(args.action)), args));
  app.view({ type: 'view_submission', callback_id: everything }, async (args) => runAll(views.matching(args.view.callback_id), args));
  app.event(everything, async (args) => runAll(events.matching(args.event.type), args));
  // Each table holds listeners of one kind of payload and calls them only with a payload of the
  // id they were registered for: the narrowing Bolt's own matchers would have made.
  return {
    action: (id, listener) => actions.add(id, listener as unknown as Listener<SlackActionMiddlewareArgs>),
    view: (callbackId, listener) => views.add(callbackId, listener as unknown as Listener<SlackViewMiddlewareArgs>),
    event: (type, listener) => events.add(type, listener as unknown as Listener<SlackEventMiddlewareArgs>),
    command: app.command.bind(app),
    shortcut: app.shortcut.bind(app),
  };
}
