// The test rig itself: the Slack Web API fake driven by the real WebClient, and signed requests checked by Bolt.
import type { AddressInfo } from 'node:net';
import { App, LogLevel, verifySlackRequest } from '@slack/bolt';
import { ErrorCode, WebClient, type Logger } from '@slack/web-api';
import { SlackFake, dmChannelId, isRecord, validateBlocks, validateView } from '../support/slackFake';
import { SlackClientSimulator, signSlackRequest } from '../support/slackRequests';

const TOKEN = 'xoxb-test-token';
// WebClient logs the [ERROR] lines of rejected calls, which these tests provoke on purpose.
const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};
const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const modal = (title: string) => ({ type: 'modal', title: { type: 'plain_text', text: title }, blocks: [section('hi')] });

let fake: SlackFake;
let client: WebClient;

beforeAll(async () => {
  fake = new SlackFake();
  await fake.start();
  client = new WebClient(TOKEN, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logger: quiet });
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => fake.reset());

/** The `{ ok: false, error }` Slack answered, surfaced by WebClient as a platform error. */
async function platformError(call: Promise<unknown>): Promise<{ error: unknown; messages: unknown }> {
  try {
    await call;
  } catch (error: unknown) {
    if (isRecord(error) && error.code === ErrorCode.PlatformError && isRecord(error.data)) {
      const metadata = isRecord(error.data.response_metadata) ? error.data.response_metadata : {};
      return { error: error.data.error, messages: metadata.messages };
    }
    throw error;
  }
  throw new Error('expected the call to fail');
}

async function caught(call: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await call;
  } catch (error: unknown) {
    if (isRecord(error)) return error;
  }
  throw new Error('expected the call to fail');
}

describe('SlackFake with the real WebClient', () => {
  it('answers chat.postMessage with a ts and records parsed blocks and the bearer token', async () => {
    const blocks = [section('ACME-1 *opened*'), { type: 'divider' }];
    const first = await client.chat.postMessage({ channel: 'C0ACME', text: 'ACME-1 opened', blocks, unfurl_links: false });
    const second = await client.chat.postMessage({ channel: 'C0ACME', text: 'again' });

    expect(first.ts).toBe('1700000000.000100');
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    const [call] = fake.callsTo('chat.postMessage');
    expect(call).toMatchObject({
      token: TOKEN,
      status: 200,
      args: { channel: 'C0ACME', text: 'ACME-1 opened', blocks, unfurl_links: 'false' },
      response: { ok: true, channel: 'C0ACME', ts: first.ts },
    });
    expect(call?.args).not.toHaveProperty('token');
    expect(fake.message('C0ACME', first.ts ?? '')).toMatchObject({ text: 'ACME-1 opened', blocks, bot_id: 'B0BOT' });
  });

  it('reads a token passed per call and maps tokens to teams in auth.test', async () => {
    fake.setTokenTeam('xoxb-other', 'T0THEIRS');
    expect(await client.auth.test()).toMatchObject({ team_id: 'T0OURS', user_id: 'U0BOT', bot_id: 'B0BOT' });
    expect(await client.auth.test({ token: 'xoxb-other' })).toMatchObject({ team_id: 'T0THEIRS' });
    expect(fake.callsTo('auth.test').map((c) => c.token)).toEqual([TOKEN, 'xoxb-other']);
  });

  it('rejects 51 blocks in a message with invalid_blocks', async () => {
    const blocks = Array.from({ length: 51 }, (_, i) => section(`line ${i}`));
    const { error, messages } = await platformError(client.chat.postMessage({ channel: 'C0ACME', text: 't', blocks }));
    expect(error).toBe('invalid_blocks');
    expect(messages).toEqual(['[ERROR] no more than 50 items allowed [json-pointer:/blocks]']);
    expect(fake.callsTo('chat.postMessage')[0]?.response).toMatchObject({ ok: false, error: 'invalid_blocks' });
  });

  it('accepts 3000 characters of section text and rejects 3001', async () => {
    await expect(client.chat.postMessage({ channel: 'C0ACME', text: 't', blocks: [section('x'.repeat(3000))] })).resolves.toMatchObject({ ok: true });
    const { error, messages } = await platformError(
      client.chat.postMessage({ channel: 'C0ACME', text: 't', blocks: [section('x'.repeat(3001))] }),
    );
    expect(error).toBe('invalid_blocks');
    expect(messages).toEqual(['[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]']);
  });

  it('rejects a modal title of 25 characters in views.open', async () => {
    const opened = await client.views.open({ trigger_id: '1.2.a', view: modal('x'.repeat(24)) as never });
    expect(opened.view?.id).toMatch(/^V/);
    const { error } = await platformError(client.views.open({ trigger_id: '1.2.b', view: modal('x'.repeat(25)) as never }));
    expect(error).toBe('invalid_arguments');
    expect((await platformError(client.views.open({ trigger_id: '', view: modal('ok') as never }))).error).toBe('invalid_arguments');
    expect((await platformError(client.views.open({ trigger_id: '1.2.a', view: modal('ok') as never }))).error).toBe('exchanged_trigger_id');
  });

  it('updates posted messages and answers message_not_found for an unknown ts', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0ACME', text: 'before' });
    await client.chat.update({ channel: 'C0ACME', ts: posted.ts ?? '', text: 'after', blocks: [section('after')] });
    expect(fake.message('C0ACME', posted.ts ?? '')).toMatchObject({ text: 'after', blocks: [section('after')] });
    expect((await platformError(client.chat.update({ channel: 'C0ACME', ts: '1.000000', text: 'x' }))).error).toBe('message_not_found');
    expect((await platformError(client.chat.postMessage({ channel: 'C0ACME', text: '' }))).error).toBe('no_text');
  });

  it('fails calls to a channel configured with an error', async () => {
    fake.setChannelError('C0GONE', 'is_archived');
    expect((await platformError(client.chat.postMessage({ channel: 'C0GONE', text: 'x' }))).error).toBe('is_archived');
  });

  it('surfaces an injected 429 as a rate-limit error when retries are 0', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 7 });
    const strict = new WebClient(TOKEN, {
      slackApiUrl: fake.url,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logger: quiet,
    });
    const limited = await caught(strict.chat.postMessage({ channel: 'C0ACME', text: 'x' }));
    expect(limited).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
    expect(fake.callsTo('chat.postMessage')[0]).toMatchObject({ status: 429, response: { ok: false, error: 'ratelimited' } });
    // The injection was used up: the next call goes through.
    await expect(strict.chat.postMessage({ channel: 'C0ACME', text: 'x' })).resolves.toMatchObject({ ok: true });
  });

  it('with the default rejectRateLimitedCalls, waits Retry-After and then fails as a request error', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 0 });
    const failed = await caught(client.chat.postMessage({ channel: 'C0ACME', text: 'x' }));
    expect(failed.code).toBe(ErrorCode.RequestError);
    expect(String(failed.message)).toMatch(/rate limit was exceeded/);
  });

  it('injects 5xx answers and { ok: false } errors', async () => {
    fake.failNext('users.info', { status: 503, times: 2 });
    fake.failNext('users.info', { error: 'fatal_error' });
    expect(await caught(client.users.info({ user: 'U1' }))).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
    expect(await caught(client.users.info({ user: 'U1' }))).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
    expect((await platformError(client.users.info({ user: 'U1' }))).error).toBe('fatal_error');
    await expect(client.users.info({ user: 'U1' })).resolves.toMatchObject({ ok: true });
  });

  it('delays every answer by the configured latency', async () => {
    fake.setLatency(120);
    const started = Date.now();
    await client.auth.test();
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('records the content of a filesUploadV2 upload', async () => {
    const csv = 'request,minutes,amount\nACME-1,30,45.00\n';
    const result = await client.filesUploadV2({ channel_id: 'C0MGRS', content: csv, filename: 'billing.csv', title: 'Billing, May' });
    expect(result.ok).toBe(true);
    expect(fake.uploadedFiles()).toEqual([
      {
        file_id: expect.stringMatching(/^F/),
        filename: 'billing.csv',
        title: 'Billing, May',
        channel_id: 'C0MGRS',
        initial_comment: undefined,
        thread_ts: undefined,
        content: csv,
        completed: true,
      },
    ]);
    expect(fake.calls.map((c) => c.method)).toEqual(['files.getUploadURLExternal', 'upload_url', 'files.completeUploadExternal']);
  });

  it('answers token_revoked for a revoked token and not_authed without one', async () => {
    fake.revokeToken(TOKEN);
    expect((await platformError(client.auth.test())).error).toBe('token_revoked');
    const anonymous = new WebClient(undefined, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logger: quiet });
    expect((await platformError(anonymous.auth.test())).error).toBe('not_authed');
    fake.reset();
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
    expect((await platformError(client.apiCall('chat.teleport'))).error).toBe('unknown_method');
  });

  it('answers users, DMs and channel membership from its configuration', async () => {
    fake.setUser({ id: 'U0NYC', tz: 'America/New_York', team_id: 'T0ACME', name: 'nyc' });
    fake.setChannelMembers('C0ACME', ['U0NYC']);
    const known = await client.users.info({ user: 'U0NYC' });
    expect(known.user).toMatchObject({ id: 'U0NYC', team_id: 'T0ACME', name: 'nyc', tz: 'America/New_York' });
    expect([-5 * 3600, -4 * 3600]).toContain(known.user?.tz_offset);
    expect((await client.users.info({ user: 'U0WHO' })).user).toMatchObject({ tz: 'Europe/London', team_id: 'T0OURS' });
    expect((await client.conversations.open({ users: 'U0NYC' })).channel?.id).toBe(dmChannelId('U0NYC'));
    expect((await client.conversations.members({ channel: 'C0ACME' })).members).toEqual(['U0NYC']);
    expect((await platformError(client.chat.postEphemeral({ channel: 'C0ACME', user: 'U0OUT', text: 'x' }))).error).toBe('user_not_in_channel');
  });
});

describe('waiting for calls', () => {
  it('resolves at once for a call already recorded', async () => {
    await client.chat.postMessage({ channel: 'C0ACME', text: 'hello' });
    const [call] = await fake.waitFor('chat.postMessage', (c) => c.args.text === 'hello', { timeoutMs: 50 });
    expect(call?.args.channel).toBe('C0ACME');
  });

  it('resolves when a later call arrives, without polling', async () => {
    const waiting = fake.waitFor('chat.postMessage', undefined, { count: 2 });
    await client.chat.postMessage({ channel: 'C0ACME', text: 'one' });
    await client.chat.postMessage({ channel: 'C0ACME', text: 'two' });
    expect((await waiting).map((c) => c.args.text)).toEqual(['one', 'two']);
  });

  it('times out with a message listing what was recorded', async () => {
    await client.chat.postMessage({ channel: 'C0ACME', text: 'hello' });
    await platformError(client.chat.update({ channel: 'C0ACME', ts: '1.0', text: 'x' }));
    await expect(fake.waitFor('views.open', undefined, { timeoutMs: 50 })).rejects.toThrow(
      'timed out after 50ms waiting for 1 call(s) to views.open; 0 matched. Recorded so far: chat.postMessage, chat.update -> message_not_found',
    );
  });

  it('expectNoCall passes on silence and fails when a matching call arrives', async () => {
    await expect(fake.expectNoCall('chat.postMessage', undefined, 50)).resolves.toBeUndefined();
    const silence = fake.expectNoCall('chat.postMessage', (c) => c.args.text === 'boom', 2000);
    await client.chat.postMessage({ channel: 'C0ACME', text: 'boom' });
    await expect(silence).rejects.toThrow(/expected no call to chat.postMessage/);
  });
});

describe('block validation', () => {
  it.each([
    ['a header over 150 characters', [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }]],
    ['11 section fields', [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }]],
    ['a field over 2000 characters', [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'x'.repeat(2001) }] }]],
    ['11 context elements', [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) }]],
    ['26 action elements', [{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button(`a${i}`)) }]],
    ['button text over 75 characters', [{ type: 'actions', elements: [{ ...button('a'), text: { type: 'plain_text', text: 'x'.repeat(76) } }] }]],
    ['a button value over 2000 characters', [{ type: 'actions', elements: [{ ...button('a'), value: 'x'.repeat(2001) }] }]],
    ['an action_id over 255 characters', [{ type: 'actions', elements: [button('x'.repeat(256))] }]],
    ['a block_id over 255 characters', [{ ...section('s'), block_id: 'x'.repeat(256) }]],
    ['a duplicate block_id', [{ ...section('a'), block_id: 'same' }, { ...section('b'), block_id: 'same' }]],
    ['a section without text or fields', [{ type: 'section' }]],
  ])('rejects %s', (_name, blocks) => {
    expect(validateBlocks(blocks, 'message')).not.toEqual([]);
  });

  it('accepts 100 blocks in a Home tab but not 101', () => {
    const blocks = (n: number) => Array.from({ length: n }, (_, i) => section(`${i}`));
    expect(validateView({ type: 'home', blocks: blocks(100) }, 'home')).toEqual([]);
    expect(validateView({ type: 'home', blocks: blocks(101) }, 'home')).toEqual([
      'no more than 100 items allowed [json-pointer:/view/blocks]',
    ]);
  });

  it.each([
    ['submit text over 24 characters', { submit: { type: 'plain_text', text: 'x'.repeat(25) } }],
    ['close text over 24 characters', { close: { type: 'plain_text', text: 'x'.repeat(25) } }],
    ['callback_id over 255 characters', { callback_id: 'x'.repeat(256) }],
    ['private_metadata over 3000 characters', { private_metadata: 'x'.repeat(3001) }],
    ['input blocks without submit', { blocks: [{ type: 'input', label: { type: 'plain_text', text: 'L' }, element: { type: 'plain_text_input' } }] }],
  ])('rejects a modal with %s', (_name, overrides) => {
    expect(validateView({ ...modal('Estimate'), ...overrides }, 'modal')).not.toEqual([]);
  });
});

function button(actionId: string) {
  return { type: 'button', action_id: actionId, text: { type: 'plain_text', text: 'Go' }, value: 'v' };
}

describe('signSlackRequest', () => {
  it('produces a signature that Bolt verifies, and that fails with another secret', () => {
    const body = 'command=%2Fhelp&text=site+down';
    const ts = Math.floor(Date.now() / 1000);
    const verify = (signature: string) =>
      verifySlackRequest({
        signingSecret: 'the-secret',
        body,
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': ts },
      });
    expect(() => verify(signSlackRequest('the-secret', ts, body))).not.toThrow();
    expect(() => verify(signSlackRequest('another-secret', ts, body))).toThrow(/signature mismatch/);
  });
});

describe('SlackClientSimulator against a real Bolt app', () => {
  const SECRET = 'simulator-secret';
  let app: App;
  let slack: SlackClientSimulator;

  beforeAll(async () => {
    app = new App({
      token: TOKEN,
      signingSecret: SECRET,
      logger: quiet,
      clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
    });
    app.command('/help', async ({ ack, command, client: web, respond }) => {
      await ack({ response_type: 'ephemeral', text: `Opening: ${command.text}` });
      await web.chat.postMessage({ channel: command.channel_id, text: command.text });
      await respond({ text: 'done' });
    });
    app.action('request_claim', async ({ ack, body, client: web }) => {
      await ack();
      if (body.type === 'block_actions') await web.views.open({ trigger_id: body.trigger_id, view: modal('Estimate') as never });
    });
    app.view('estimate', async ({ ack, view }) => {
      await ack({ response_action: 'errors', errors: { minutes: `got ${view.private_metadata}` } });
    });
    app.shortcut('open_request', async ({ ack, shortcut, client: web }) => {
      await ack();
      if (shortcut.type === 'message_action') await web.chat.postMessage({ channel: shortcut.channel.id, text: shortcut.message.text ?? '' });
    });
    app.event('app_mention', async ({ event, context, client: web }) => {
      await web.chat.postMessage({ channel: event.channel, text: `retry ${context.retryNum ?? 0} ${context.retryReason ?? ''}` });
    });
    const server = await app.start(0);
    const { port } = server.address() as AddressInfo;
    slack = new SlackClientSimulator({ baseUrl: `http://127.0.0.1:${port}`, signingSecret: SECRET, responseUrlBase: fake.baseUrl });
  });
  afterAll(async () => {
    await app.stop();
  });

  it('sends a slash command that Bolt accepts, with a response_url served by the fake', async () => {
    const res = await slack.slashCommand({ text: 'site down', user_id: 'U0ACME', channel_id: 'C0ACME' });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ response_type: 'ephemeral', text: 'Opening: site down' });
    expect(res.elapsedMs).toBeLessThan(3000);
    await fake.waitFor('chat.postMessage', (c) => c.args.text === 'site down');
    const [responded] = await fake.waitFor('response_url');
    expect(responded?.args).toEqual({ text: 'done' });
  });

  it('sends a block action whose trigger_id opens a modal', async () => {
    const res = await slack.blockAction({
      user: { id: 'U0ENG' },
      channel: { id: 'C0TRIAGE' },
      message: { ts: '1700000000.000100', text: 'ACME-1' },
      actions: [{ action_id: 'request_claim', value: 'ACME-1' }],
    });
    expect(res.status).toBe(200);
    const [opened] = await fake.waitFor('views.open');
    expect(opened?.args.trigger_id).toEqual(expect.any(String));
    expect(opened?.response).toMatchObject({ ok: true });
  });

  it('sends a view submission and returns the ack body', async () => {
    const res = await slack.viewSubmission({
      user: { id: 'U0ENG' },
      view: { callback_id: 'estimate', private_metadata: 'ACME-1', state: { values: {} } },
    });
    expect(res.json()).toEqual({ response_action: 'errors', errors: { minutes: 'got ACME-1' } });
  });

  it('sends a message shortcut', async () => {
    const res = await slack.messageShortcut({
      callback_id: 'open_request',
      user: { id: 'U0ACME' },
      channel: { id: 'C0ACME' },
      message: { ts: '1700000001.000100', text: 'the export is broken', user: 'U0ACME' },
    });
    expect(res.status).toBe(200);
    await fake.waitFor('chat.postMessage', (c) => c.args.text === 'the export is broken');
  });

  it('sends events with retry headers', async () => {
    const res = await slack.event(
      { type: 'app_mention', user: 'U0ACME', text: '<@U0BOT> help', channel: 'C0ACME', ts: '1700000002.000100' },
      { retryNum: 1, retryReason: 'http_timeout' },
    );
    expect(res.status).toBe(200);
    await fake.waitFor('chat.postMessage', (c) => c.args.text === 'retry 1 http_timeout');
  });

  it('lets a test forge the signature or the timestamp', async () => {
    const body = 'command=%2Fhelp&text=forged&user_id=U1&channel_id=C1&team_id=T0OURS';
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    expect((await slack.raw(body, headers, { signature: signSlackRequest('wrong', Math.floor(Date.now() / 1000), body) })).status).toBe(401);
    expect((await slack.raw(body, headers, { timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(401);
    expect((await slack.raw(body, headers, { signature: null })).status).toBe(401);
    await fake.expectNoCall('chat.postMessage', undefined, 100);
  });
});
