// The listener table: each kind of payload reaches Bolt as one listener, and ours is picked by
// its id as Bolt's own matchers would have picked it.
import { App, LogLevel } from '@slack/bolt';
import { listenerRoutes } from '../../src/slack/listeners/routes';

function boltApp(): App {
  return new App({
    signingSecret: 'unused',
    authorize: async () => ({ botToken: 'xoxb-unused', botUserId: 'U0BOT', teamId: 'T0OURS' }),
    logLevel: LogLevel.ERROR,
    tokenVerificationEnabled: false,
  });
}

function blockAction(actionId: string) {
  return {
    type: 'block_actions',
    team: { id: 'T0OURS' },
    user: { id: 'U0ENG', team_id: 'T0OURS' },
    api_app_id: 'A0APP',
    token: 'unused',
    trigger_id: '1.2.3',
    container: { type: 'message', channel_id: 'C0TRIAGE', message_ts: '1.1' },
    channel: { id: 'C0TRIAGE' },
    actions: [{ type: 'button', action_id: actionId, block_id: 'b', value: 'ACME-1', action_ts: '1.2' }],
  };
}

async function deliver(app: App, body: object): Promise<boolean> {
  let acked = false;
  await app.processEvent({ body: body as Record<string, unknown>, ack: async () => { acked = true; } });
  return acked;
}

it('registers one Bolt listener per kind, however many listeners there are', () => {
  const app = boltApp();
  const routes = listenerRoutes(app);
  for (let i = 0; i < 40; i++) routes.action(`button_${i}`, async ({ ack }) => ack());
  for (let i = 0; i < 10; i++) routes.view(`modal_${i}`, async ({ ack }) => ack());
  routes.event('app_mention', async () => undefined);
  routes.event('reaction_added', async () => undefined);
  expect((Reflect.get(app, 'listeners') as unknown[]).length).toBe(3);
});

it('calls the listener registered for the action id, and a pattern that matches it', async () => {
  const app = boltApp();
  const routes = listenerRoutes(app);
  const called: string[] = [];
  routes.action('claim', async ({ ack, action }) => {
    called.push(`claim ${(action as { value?: string }).value}`);
    await ack();
  });
  routes.action('unclaim', async () => {
    called.push('unclaim');
  });
  routes.action(/^rate_[1-5]$/, async ({ action }) => {
    called.push(`rated ${(action as { action_id: string }).action_id}`);
  });
  expect(await deliver(app, blockAction('claim'))).toBe(true);
  await deliver(app, blockAction('rate_4'));
  await deliver(app, blockAction('rate_9'));
  expect(called).toEqual(['claim ACME-1', 'rated rate_4']);
});

it('leaves an action nobody listens for unacknowledged, as Bolt does', async () => {
  const app = boltApp();
  const routes = listenerRoutes(app);
  routes.action('claim', async ({ ack }) => ack());
  expect(await deliver(app, blockAction('something_else'))).toBe(false);
});

it('refuses a second listener for the same id', () => {
  const routes = listenerRoutes(boltApp());
  routes.view('estimate', async ({ ack }) => ack());
  expect(() => routes.view('estimate', async ({ ack }) => ack())).toThrow(/Two view listeners for "estimate"/);
});

it('passes a listener failure on to Bolt once every listener has run', async () => {
  const app = boltApp();
  const routes = listenerRoutes(app);
  const ran: string[] = [];
  routes.action('claim', async () => {
    throw new Error('claim failed');
  });
  routes.action(/^cla/, async () => {
    ran.push('pattern');
  });
  await expect(deliver(app, blockAction('claim'))).rejects.toThrow(/claim failed/);
  expect(ran).toEqual(['pattern']);
});

it('routes events by type and view submissions by callback id', async () => {
  const app = boltApp();
  const routes = listenerRoutes(app);
  const seen: string[] = [];
  routes.event('reaction_added', async ({ event }) => {
    seen.push(`reaction ${event.reaction}`);
  });
  routes.view('estimate', async ({ ack, view }) => {
    seen.push(`view ${view.callback_id}`);
    await ack();
  });
  await deliver(app, {
    type: 'event_callback',
    team_id: 'T0OURS',
    api_app_id: 'A0APP',
    event_id: 'Ev1',
    event: { type: 'reaction_added', user: 'U0DEV', reaction: 'sos', item: { type: 'message', channel: 'C0ACME', ts: '1.1' }, event_ts: '1.2' },
  });
  await deliver(app, {
    type: 'view_submission',
    team: { id: 'T0OURS' },
    user: { id: 'U0ENG', team_id: 'T0OURS' },
    api_app_id: 'A0APP',
    trigger_id: '1.2.3',
    view: { id: 'V1', callback_id: 'estimate', private_metadata: '', state: { values: {} }, type: 'modal', team_id: 'T0OURS', hash: 'h' },
  });
  expect(seen).toEqual(['reaction sos', 'view estimate']);
});
