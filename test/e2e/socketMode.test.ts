// Socket Mode end to end: with SLACK_SOCKET_MODE=true the app opens its connection through
// apps.connections.open (at SLACK_API_URL, with the app-level token), and a slash command, a
// button and an app mention arrive as envelopes on the WebSocket, exactly as Slack sends them.
// The app answers in its acknowledgements, posts through the Web API as in HTTP mode, drops a
// redelivered event, and serves /healthz and /readyz on PORT.
import { createServer, type AddressInfo } from 'node:net';
import { RequestModel } from '../../src/db/request';
import { ACTION } from '../../src/slack/ids';
import { WORKING_ON_IT } from '../../src/slack/listeners/replies';
import { untilSynced, waitForEphemeral } from '../support/flows';
import { startTestApp, type TestApp } from '../support/harness';
import { BOT_USER_ID } from '../support/slackFake';
import { SocketModeServer } from '../support/socketModeServer';
import { ACME, STAFF, TRIAGE } from '../support/testEnv';

const APP_TOKEN = 'xapp-1-A0APP-1-socketmode';

let t: TestApp;
let socket: SocketModeServer;
let port: number;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const found = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return found;
}

beforeAll(async () => {
  socket = new SocketModeServer();
  await socket.start();
  port = await freePort();
  t = await startTestApp({ SLACK_SOCKET_MODE: 'true', SLACK_APP_TOKEN: APP_TOKEN, PORT: String(port) }, (fake) => fake.serveSocketMode(socket.url));
  await t.seed();
});

afterAll(async () => {
  await t.stop();
  await socket.stop();
});

it('connects through apps.connections.open at SLACK_API_URL with the app-level token', () => {
  const opens = t.fake.callsTo('apps.connections.open');
  expect(opens.map((c) => [c.token, c.response])).toEqual([[APP_TOKEN, expect.objectContaining({ ok: true, url: socket.url })]]);
  expect(socket.connections).toBe(1);
});

it('opens a request from /help sent over the socket, acknowledged at once and answered through its response URL', async () => {
  const fields = t.slack.buildSlashCommand({ text: 'Printer is on fire', user_id: ACME.member, channel_id: ACME.channel });
  const ack = await socket.send('slash_commands', fields);
  expect(ack).toEqual({ response_type: 'ephemeral', text: WORKING_ON_IT });
  expect(JSON.parse(await t.fake.answerAt(fields.response_url!))).toMatchObject({ replace_original: true, text: expect.stringMatching(/^:white_check_mark: Opened \*ACME-1\*/) });
  const request = await untilSynced('ACME-1');
  expect(request).toMatchObject({ clientKey: 'ACME', title: 'Printer is on fire', state: 'open', source: 'command', requesterId: ACME.member });
  const posted = t.fake.callsTo('chat.postMessage').map((c) => c.args.channel);
  expect(posted).toEqual(expect.arrayContaining([ACME.channel, TRIAGE]));
});

it('claims it from the triage button, delivered as an interactive envelope', async () => {
  const { revision } = await untilSynced('ACME-1');
  const payload = t.slack.buildBlockAction({
    user: { id: STAFF.engineer, team_id: 'T0OURS' },
    channel: { id: TRIAGE },
    container: { type: 'message', channel_id: TRIAGE, message_ts: '1.0' },
    actions: [{ action_id: ACTION.claim, value: 'ACME-1', type: 'button' }],
    trigger_id: 'trigger-socket-1',
  });
  expect(await socket.send('interactive', payload)).toEqual({});
  expect(await untilSynced('ACME-1', revision)).toMatchObject({ state: 'claimed', assigneeId: STAFF.engineer });
});

it('opens a request from a mention delivered as an Events API envelope, and only once when Slack redelivers it', async () => {
  const ts = '1764000000.000100';
  const envelope = t.slack.buildEventEnvelope(
    { type: 'app_mention', user: ACME.member, text: `<@${BOT_USER_ID}> the site is down`, channel: ACME.channel, ts, event_ts: ts },
    { event_id: 'Ev0SOCKET' },
  );
  await socket.send('events_api', envelope);
  await waitForEphemeral(t, ACME.member, /Opened \*ACME-2\*/);
  await socket.send('events_api', envelope);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(await RequestModel.countDocuments({ 'sourceMessage.ts': ts })).toBe(1);
  expect(await RequestModel.findOne({ key: 'ACME-2' }).lean()).toMatchObject({ title: 'the site is down', source: 'mention' });
  expect(socket.unexpected).toEqual([]);
});

it('serves /healthz and /readyz on PORT', async () => {
  for (const path of ['/healthz', '/readyz']) {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    expect([path, res.status]).toEqual([path, 200]);
  }
});
