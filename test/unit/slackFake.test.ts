// The test rig itself: the Slack Web API fake driven by the real WebClient, and signed requests checked by Bolt.
import type { AddressInfo } from 'node:net';
import { App, LogLevel, verifySlackRequest } from '@slack/bolt';
import { ErrorCode, WebClient, type Logger } from '@slack/web-api';
import { SlackFake, dmChannelId, isRecord, validateBlocks, validateView } from '../support/slackFake';
import { SLACK_PUBLISHED_LIMITS, bucketOf, formatTriggerId, minimumSeconds, triggerIssuedAt, type TimedCall } from '../support/slackLimits';
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

  it('answers every call with the outage (503 by default) until it is over, then serves again', async () => {
    fake.setOutage({});
    expect(await caught(client.chat.postMessage({ channel: 'C1', text: 'a' }))).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
    expect(await caught(client.views.publish({ user_id: 'U1', view: { type: 'home', blocks: [] } }))).toMatchObject({ statusCode: 503 });
    const upload = await fetch(`${fake.baseUrl}/upload/F1`, { method: 'POST', body: 'x' });
    expect(upload.status).toBe(503);
    fake.setOutage(undefined);
    await expect(client.chat.postMessage({ channel: 'C1', text: 'a' })).resolves.toMatchObject({ ok: true });
    expect(fake.callsTo('chat.postMessage').map((c) => c.status)).toEqual([503, 200]);
  });

  it('fails only the calls a predicate picks, until told to stop', async () => {
    const stop = fake.failWhen('chat.postMessage', (args) => args.channel === 'C0BAD', { error: 'not_in_channel' });
    expect((await platformError(client.chat.postMessage({ channel: 'C0BAD', text: 'a' }))).error).toBe('not_in_channel');
    await expect(client.chat.postMessage({ channel: 'C0GOOD', text: 'a' })).resolves.toMatchObject({ ok: true });
    expect((await platformError(client.chat.postMessage({ channel: 'C0BAD', text: 'b' }))).error).toBe('not_in_channel');
    stop();
    await expect(client.chat.postMessage({ channel: 'C0BAD', text: 'c' })).resolves.toMatchObject({ ok: true });
    fake.failWhen('chat.postMessage', () => true, { status: 500, times: 1 });
    expect(await caught(client.chat.postMessage({ channel: 'C0GOOD', text: 'd' }))).toMatchObject({ statusCode: 500 });
    await expect(client.chat.postMessage({ channel: 'C0GOOD', text: 'e' })).resolves.toMatchObject({ ok: true });
  });

  it('replaces the clicked message through its response_url, and only that message', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0TRIAGE', text: 'before', blocks: [section('before')] });
    const ts = String(posted.ts);
    const url = `${fake.baseUrl}/response_url/actions/T0OURS/C0TRIAGE/${ts}/1/abc`;
    const send = (body: object) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    // Without replace_original it is a new (ephemeral) answer: the message stays.
    expect((await send({ text: 'just for you' })).status).toBe(200);
    expect(fake.message('C0TRIAGE', ts)).toMatchObject({ text: 'before' });
    expect((await send({ replace_original: true, text: 'after', blocks: [section('after')] })).status).toBe(200);
    expect(fake.message('C0TRIAGE', ts)).toMatchObject({ text: 'after', blocks: [section('after')] });
    // Invalid blocks are refused as chat.update would refuse them; an unknown message is not found.
    expect((await send({ replace_original: true, text: 'x', blocks: [{ type: 'nope' }] })).status).toBe(400);
    const unknown = await fetch(`${fake.baseUrl}/response_url/actions/T0OURS/C0TRIAGE/1.000009/1/abc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ replace_original: true, text: 'x' }) });
    expect(unknown.status).toBe(404);
    expect((await send({ delete_original: true })).status).toBe(200);
    expect(fake.message('C0TRIAGE', ts)).toBeUndefined();
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

  it('answers as Enterprise Grid does for the workspaces of an organisation, and as before for the others', async () => {
    fake.setTeamEnterprise('T0OURS', { id: 'E0OURS', name: 'Ad-hoc Group' });
    fake.setTeamEnterprise('T0SISTER', { id: 'E0OURS', name: 'Ad-hoc Group' });
    fake.setTokenTeam('xoxb-acme', 'T0ACME');
    fake.setUser({ id: 'W0SISTER', team_id: 'T0SISTER' });
    fake.setUser({ id: 'U0ACME', team_id: 'T0ACME' });
    expect(await client.auth.test()).toMatchObject({ team_id: 'T0OURS', enterprise_id: 'E0OURS', is_enterprise_install: false });
    expect(await client.auth.test({ token: 'xoxb-acme' })).not.toHaveProperty('enterprise_id');
    expect((await client.users.info({ user: 'W0SISTER' })).user).toMatchObject({
      team_id: 'T0SISTER',
      enterprise_user: { id: 'W0SISTER', enterprise_id: 'E0OURS', enterprise_name: 'Ad-hoc Group', teams: ['T0SISTER'] },
    });
    expect((await client.users.info({ user: 'U0ACME' })).user).not.toHaveProperty('enterprise_user');
    fake.reset();
    expect(await client.auth.test()).not.toHaveProperty('enterprise_id');
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

describe('rate limits (on by default)', () => {
  // Time stands still unless a test moves it, so refills happen exactly when the test says.
  let now: number;
  let strict: WebClient;
  beforeEach(() => {
    now = 1_700_000_000_000;
    fake.setClock(() => now);
    strict = new WebClient(TOKEN, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logger: quiet });
  });
  const info = (web: WebClient = strict) => web.conversations.info({ channel: 'C0ACME' });
  const post = (channel: string, token?: string) => strict.chat.postMessage({ channel, text: 'x', ...(token !== undefined && { token }) });
  async function times(n: number, call: () => Promise<unknown>): Promise<void> {
    for (let i = 0; i < n; i += 1) await call();
  }

  it('refuses the 51st Tier 3 call within a minute and serves it again once a token is back', async () => {
    await times(50, () => info());
    expect(await caught(info())).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 2 });
    expect(fake.rateLimited()).toHaveLength(1);
    expect(fake.rateLimited()[0]).toMatchObject({
      method: 'conversations.info',
      teamId: 'T0OURS',
      status: 429,
      rateLimited: true,
      response: { ok: false, error: 'ratelimited' },
    });
    now += 1000; // 50/min puts a token back every 1.2 s
    await expect(caught(info())).resolves.toMatchObject({ retryAfter: 1 });
    now += 200;
    await expect(info()).resolves.toMatchObject({ ok: true });
    expect(await caught(info())).toMatchObject({ code: ErrorCode.RateLimitedError });
    now += 60_000; // a full minute refills the bucket, and no further
    await times(50, () => info());
    expect(await caught(info())).toMatchObject({ code: ErrorCode.RateLimitedError });
    // Refused calls took no tokens: 3 refusals, and exactly 101 calls served.
    expect(fake.rateLimited()).toHaveLength(4);
    expect(fake.callsTo('conversations.info').filter((c) => c.status === 200)).toHaveLength(101);
  });

  it('answers 429 with Retry-After in whole seconds until a token is back, and ratelimited in the body', async () => {
    const raw = (method: string, body: Record<string, unknown>) =>
      fetch(`${fake.url}${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await times(20, () => strict.reactions.remove({ channel: 'C0ACME', timestamp: '1.0', name: 'eyes' }).catch(() => undefined));
    const tier2 = await raw('reactions.remove', { channel: 'C0ACME', timestamp: '1.0', name: 'eyes' });
    expect(tier2.status).toBe(429);
    expect(tier2.headers.get('retry-after')).toBe('3'); // 20/min: one every 3 s
    expect(await tier2.json()).toEqual({ ok: false, error: 'ratelimited' });
    now += 2500;
    expect((await raw('reactions.remove', {})).headers.get('retry-after')).toBe('1'); // 0.5 s left: at least 1
    await times(5, () => post('C0ACME'));
    const message = await raw('chat.postMessage', { channel: 'C0ACME', text: 'x' });
    expect([message.status, message.headers.get('retry-after')]).toEqual([429, '1']);
  });

  it('gives chat.postMessage a bucket of 5 per channel: another channel is served, a DM by user ID counts for the DM channel', async () => {
    await times(5, () => post('C0ACME'));
    expect(await caught(post('C0ACME'))).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 1 });
    await expect(post('C0BETA')).resolves.toMatchObject({ ok: true });

    await times(4, () => post(dmChannelId('U0DM')));
    await expect(post('U0DM')).resolves.toMatchObject({ ok: true, channel: dmChannelId('U0DM') });
    expect(await caught(post('U0DM'))).toMatchObject({ code: ErrorCode.RateLimitedError });
    expect(await caught(post(dmChannelId('U0DM')))).toMatchObject({ code: ErrorCode.RateLimitedError });
    expect(fake.rateLimited().map((c) => c.args.channel)).toEqual(['C0ACME', 'U0DM', dmChannelId('U0DM')]);
    now += 1000; // one message per second
    await expect(post('C0ACME')).resolves.toMatchObject({ ok: true });
  });

  it('keeps separate buckets for separate teams', async () => {
    fake.setTokenTeam('xoxb-theirs', 'T0THEIRS');
    await times(5, () => post('C0ACME'));
    expect(await caught(post('C0ACME'))).toMatchObject({ code: ErrorCode.RateLimitedError });
    await times(5, () => post('C0ACME', 'xoxb-theirs'));
    expect(await caught(post('C0ACME', 'xoxb-theirs'))).toMatchObject({ code: ErrorCode.RateLimitedError });
    expect(fake.callsTo('chat.postMessage').map((c) => `${c.teamId}:${c.status}`)).toEqual([
      ...Array<string>(5).fill('T0OURS:200'),
      'T0OURS:429',
      ...Array<string>(5).fill('T0THEIRS:200'),
      'T0THEIRS:429',
    ]);
  });

  it('serves everything once limits are turned off, and limits again once turned on', async () => {
    fake.setRateLimits(false); // this test is about an unlimited Slack
    await times(60, () => info());
    await times(10, () => post('C0ACME'));
    expect(fake.rateLimited()).toEqual([]);
    fake.setRateLimits(true);
    await times(50, () => info());
    expect(await caught(info())).toMatchObject({ code: ErrorCode.RateLimitedError });
  });

  it('reset() turns limits back on and empties the buckets', async () => {
    await times(5, () => post('C0ACME'));
    fake.reset();
    fake.setClock(() => now);
    await times(5, () => post('C0ACME'));
    expect(fake.rateLimited()).toEqual([]);
    fake.setRateLimits(false);
    fake.reset();
    fake.setClock(() => now);
    await times(50, () => info());
    expect(await caught(info())).toMatchObject({ code: ErrorCode.RateLimitedError });
  });

  it('does not limit auth.test, oauth.v2.access, upload and response URLs, or unknown methods', async () => {
    await times(110, () => strict.auth.test());
    await times(110, () => strict.oauth.v2.access({ client_id: 'c', client_secret: 's', code: 'x' }).catch(() => undefined));
    await times(110, () => platformError(strict.apiCall('chat.teleport')));
    await times(110, () => fetch(`${fake.baseUrl}/response_url/commands/T0OURS/1/ab`, { method: 'POST', body: '{"text":"x"}' }));
    await times(110, () => fetch(`${fake.baseUrl}/upload/F0NONE`, { method: 'POST', body: 'x' }));
    expect(fake.rateLimited()).toEqual([]);
    expect(fake.calls).toHaveLength(550);
  });

  it('does not count an injected 429 as a rate-limited call, and the injection takes no token', async () => {
    fake.failNext('chat.postMessage', { status: 429 });
    expect(await caught(post('C0ACME'))).toMatchObject({ code: ErrorCode.RateLimitedError });
    await times(5, () => post('C0ACME'));
    expect(fake.rateLimited()).toEqual([]);
  });
});

describe('trigger expiry', () => {
  const open = (triggerId: string, method: 'open' | 'push' = 'open') => client.views[method]({ trigger_id: triggerId, view: modal('Estimate') as never });

  it('answers expired_trigger_id for a trigger older than 3 seconds, in views.open and views.push', async () => {
    const issued = Date.now();
    fake.setClock(() => issued + 3000);
    await expect(open(formatTriggerId(issued, 1, 'ab'))).resolves.toMatchObject({ ok: true });
    fake.setClock(() => issued + 3001);
    expect((await platformError(open(formatTriggerId(issued, 2, 'ab')))).error).toBe('expired_trigger_id');
    expect((await platformError(open(formatTriggerId(issued, 3, 'ab'), 'push'))).error).toBe('expired_trigger_id');
    expect(fake.callsTo('views.push')[0]).toMatchObject({ status: 200, response: { ok: false, error: 'expired_trigger_id' } });
  });

  it('accepts trigger IDs in other formats at any time', async () => {
    fake.setClock(() => Date.now() + 86_400_000);
    await expect(open('trigger-1')).resolves.toMatchObject({ ok: true });
    await expect(open('1.2.a')).resolves.toMatchObject({ ok: true });
    expect(triggerIssuedAt('1.2.a')).toBeUndefined();
    expect(triggerIssuedAt(formatTriggerId(1_700_000_000_123, 7, 'beef'))).toBe(1_700_000_000_123);
  });
});

describe('Slack published limits', () => {
  const T0 = 1_700_000_000_000;
  const calls = (n: number, method: string, args: Record<string, unknown> = {}, at = T0, teamId = 'T0OURS'): TimedCall[] =>
    Array.from({ length: n }, () => ({ method, teamId, args, at }));

  it('lists the tiers per minute', () => {
    expect(SLACK_PUBLISHED_LIMITS['conversations.history']).toMatchObject({ tier: 'Tier 3', capacity: 50 });
    expect(SLACK_PUBLISHED_LIMITS['users.list']).toMatchObject({ tier: 'Tier 2', capacity: 20, perSecond: 20 / 60 });
    expect(SLACK_PUBLISHED_LIMITS['views.publish']).toMatchObject({ tier: 'Tier 4', capacity: 100 });
    expect(SLACK_PUBLISHED_LIMITS['chat.postMessage']).toEqual({ tier: 'Special', capacity: 5, perSecond: 1, perChannel: true });
  });

  it.each([
    ['chat.update', 'T0OURS', { channel: 'C1' }, 'chat.update/T0OURS'],
    ['chat.postMessage', 'T0OURS', { channel: 'C1' }, 'chat.postMessage/T0OURS/C1'],
    ['chat.postMessage', 'T0THEIRS', { channel: 'U0DM' }, 'chat.postMessage/T0THEIRS/DU0DM'],
    ['auth.test', 'T0OURS', {}, undefined],
    ['response_url', 'T0OURS', {}, undefined],
    ['toString', 'T0OURS', {}, undefined],
  ])('bucketOf(%s, %s, %j) is %s', (method, teamId, args, expected) => {
    expect(bucketOf(method, teamId, args)).toBe(expected);
  });

  it.each<[string, TimedCall[], number]>([
    ['no calls', [], 0],
    ['50 Tier 3 calls at once', calls(50, 'chat.update'), 0],
    ['51 Tier 3 calls at once', calls(51, 'chat.update'), 1.2],
    ['100 Tier 3 calls at once', calls(100, 'chat.update'), 60],
    ['21 Tier 2 calls at once', calls(21, 'reactions.remove'), 3],
    ['7 messages to one channel at once', calls(7, 'chat.postMessage', { channel: 'C1' }), 2],
    ['7 messages over two channels', [...calls(4, 'chat.postMessage', { channel: 'C1' }), ...calls(3, 'chat.postMessage', { channel: 'C2' })], 0],
    ['6 messages to a user and 1 to their DM', [...calls(6, 'chat.postMessage', { channel: 'U1' }), ...calls(1, 'chat.postMessage', { channel: 'DU1' })], 2],
    ['6 messages in each of two teams', [...calls(6, 'chat.postMessage', { channel: 'C1' }), ...calls(6, 'chat.postMessage', { channel: 'C1' }, T0, 'T2')], 1],
    ['a late call in a bucket with tokens to spare', [...calls(2, 'chat.update'), ...calls(1, 'chat.update', {}, T0 + 4000)], 4],
    ['an unlimited call made late', [...calls(1, 'chat.update'), ...calls(1, 'auth.test', {}, T0 + 10_000)], 10],
    ['6 messages, the 6th 3 s later (refilled by then)', [...calls(5, 'chat.postMessage', { channel: 'C1' }), ...calls(1, 'chat.postMessage', { channel: 'C1' }, T0 + 3000)], 3],
    // 5 at once, then 5 more 2 s later: 2 tokens are back, so the last 3 wait 1 s each.
    ['a second burst before the bucket refilled', [...calls(5, 'chat.postMessage', { channel: 'C1' }), ...calls(5, 'chat.postMessage', { channel: 'C1' }, T0 + 2000)], 5],
  ])('minimumSeconds: %s', (_name, timed, expected) => {
    expect(minimumSeconds(timed)).toBeCloseTo(expected, 9);
  });

  it('minimumSeconds measures from the earliest call whatever the order', () => {
    const late = calls(6, 'chat.postMessage', { channel: 'C1' }, T0 + 1000);
    expect(minimumSeconds([...late, ...calls(1, 'auth.test', {}, T0)])).toBeCloseTo(2, 9);
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

  it('issues trigger IDs that say when they were issued, and that the fake expires after 3 seconds', async () => {
    const click = () =>
      slack.blockAction({
        user: { id: 'U0ENG' },
        channel: { id: 'C0TRIAGE' },
        message: { ts: '1700000000.000100', text: 'ACME-1' },
        actions: [{ action_id: 'request_claim', value: 'ACME-1' }],
      });
    const before = Date.now();
    await click();
    const [fresh] = await fake.waitFor('views.open');
    const issuedAt = triggerIssuedAt(String(fresh?.args.trigger_id));
    expect(issuedAt).toBeGreaterThanOrEqual(before);
    expect(issuedAt).toBeLessThanOrEqual(Date.now());
    expect(fresh?.response).toMatchObject({ ok: true });

    fake.setClock(() => Date.now() + 3001); // as if the app took over 3 seconds to open the modal
    await click();
    const [, late] = await fake.waitFor('views.open', undefined, { count: 2 });
    expect(late?.response).toEqual({ ok: false, error: 'expired_trigger_id' });
  });
});
