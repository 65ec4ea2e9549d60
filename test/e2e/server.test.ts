// The HTTP surface: signature checks, health and readiness, /metrics on its own port only, and
// start-up with bad configuration.
import { execFile } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../support/harness';
import { SIGNING_SECRET } from '../support/testEnv';
import { WORKING_ON_IT } from '../../src/slack/listeners/replies';
import { signSlackRequest } from '../support/slackRequests';

const run = promisify(execFile);
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ METRICS_PORT: '0' });
  await t.seed();
});
afterAll(async () => {
  await t.stop();
});

function commandBody(text: string): string {
  return new URLSearchParams({
    command: '/help',
    text,
    user_id: 'U0ACMEDEV',
    channel_id: 'C0ACME',
    team_id: 'T0OURS',
    trigger_id: '1.2.3',
    response_url: `${t.fake.baseUrl}/response_url/commands/T0OURS/${text.length}/server`,
  }).toString();
}

function responseUrlOf(body: string): string {
  return new URLSearchParams(body).get('response_url') ?? '';
}

async function postRaw(body: string, headers: Record<string, string>) {
  return fetch(`${t.baseUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
}

describe('signed requests', () => {
  it('refuses a bad signature and opens nothing', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const body = commandBody('forged');
    const res = await postRaw(body, {
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signSlackRequest('not-the-secret', ts, body),
    });
    expect(res.status).toBe(401);
    await t.fake.expectNoCall('chat.postMessage', undefined, 300);
  });

  it('refuses a stale timestamp even when correctly signed', async () => {
    const ts = Math.floor(Date.now() / 1000) - 10 * 60;
    const body = commandBody('replayed');
    const res = await postRaw(body, {
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signSlackRequest(SIGNING_SECRET, ts, body),
    });
    expect(res.status).toBe(401);
  });

  it('accepts a correctly signed request', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const body = commandBody('genuine problem');
    const res = await postRaw(body, {
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signSlackRequest(SIGNING_SECRET, ts, body),
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(await res.text())).toEqual({ response_type: 'ephemeral', text: WORKING_ON_IT });
    // And the command was acted on: the request it opened is answered through the response URL.
    expect(await t.fake.answerAt(responseUrlOf(body))).toMatch(/Opened \*ACME-\d+\*/);
  });
});

describe('health', () => {
  it('/healthz says the process is alive', async () => {
    const res = await fetch(`${t.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('/readyz reports MongoDB and Redis reachable', async () => {
    const res = await fetch(`${t.baseUrl}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, mongodb: true, redis: true });
  });
});

describe('/metrics', () => {
  it('is not served on the port Slack reaches', async () => {
    const res = await fetch(`${t.baseUrl}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('adhoc_');
  });

  it('is served on METRICS_PORT, bound to 127.0.0.1 by default, in the Prometheus format', async () => {
    expect(t.config.metrics).toEqual({ host: '127.0.0.1', port: 0 });
    expect(t.web.metricsPort).toEqual(expect.any(Number));
    expect(t.web.metricsPort).not.toBe(Number(new URL(t.baseUrl).port));
    const res = await fetch(`http://127.0.0.1:${t.web.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^# HELP adhoc_slack_effects /m);
    expect(text).toMatch(/^# TYPE adhoc_help_command_ack_seconds histogram$/m);
    // Only /metrics there: Slack's routes are not reachable through it.
    expect((await fetch(`http://127.0.0.1:${t.web.metricsPort}/healthz`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${t.web.metricsPort}/slack/events`, { method: 'POST', body: 'x' })).status).toBe(404);
  });

  it("is not reachable on the machine's other addresses, where the public port is", async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.address);
    expect(external.length).toBeGreaterThan(0);
    const publicPort = new URL(t.baseUrl).port;
    for (const address of external) {
      expect((await fetch(`http://${address}:${publicPort}/healthz`)).status).toBe(200);
      await expect(fetch(`http://${address}:${t.web.metricsPort}/metrics`)).rejects.toMatchObject({ cause: expect.objectContaining({ code: 'ECONNREFUSED' }) });
    }
  });
});

describe('start-up', () => {
  it('prints each missing variable on its own line and exits non-zero', async () => {
    const tsx = path.join(__dirname, '../../node_modules/.bin/tsx');
    const main = path.join(__dirname, '../../src/main.ts');
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: 'eighty' };
    const failure = await run(tsx, [main], { env }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    const lines = failure?.stderr.split('\n') ?? [];
    for (const expected of [/SLACK_BOT_TOKEN is missing/, /SLACK_SIGNING_SECRET is missing/, /MONGODB_URI is missing/, /REDIS_URL is missing/, /TRIAGE_CHANNEL_ID is missing/, /PORT must be a whole number/]) {
      expect(lines.some((line) => expected.test(line))).toBe(true);
    }
    expect(failure?.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });
});
