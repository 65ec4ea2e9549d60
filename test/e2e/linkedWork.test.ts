// Linked work (#13), over signed HTTP: a GitHub, GitLab, Linear or Jira link pasted in a request's
// thread or given with `/help link` is stored and shown on its messages; signed GitHub deliveries
// (in GitHub's documented format) update linked pull requests and issues, tell the thread, and
// nudge the assignee; unsigned, wrongly signed and repeated deliveries change nothing.
import { createHmac, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { AuditEventModel } from '../../src/db/auditEvent';
import { ClientModel } from '../../src/db/client';
import { RequestModel } from '../../src/db/request';
import { TimeEntryModel } from '../../src/db/timeEntry';
import { WebhookDeliveryModel } from '../../src/db/webhookDelivery';
import { ACTION } from '../../src/slack/ids';
import { maintenanceSweep } from '../../src/worker';
import { appEnv, freePort, startAppProcess, type AppProcess } from '../support/appProcess';
import { allDelivered, clickAndSettle, openByCommand, record, untilSynced } from '../support/flows';
import { startTestApp, type TestApp } from '../support/harness';
import { until } from '../support/until';
import { ACME, BETA, STAFF, TRIAGE, testRedisUrl } from '../support/testEnv';

const SECRET = 'test-github-webhook-secret';
const PR = 'https://github.com/acme/shop/pull/12';
const READ_TIMEOUT_MS = 1000;

let t: TestApp;
let key: string;

beforeAll(async () => {
  // A short read timeout, so the slow-body test need not wait the default 5 s.
  t = await startTestApp({ GITHUB_WEBHOOK_SECRET: SECRET, GITHUB_WEBHOOK_READ_TIMEOUT_MS: String(READ_TIMEOUT_MS) });
  await t.seed();
  // ACME follows acme/shop (written as GitHub shows it; names are case-insensitive).
  const set = await t.slack.slashCommand({ text: 'admin client ACME repositories: [Acme/Shop]', user_id: STAFF.manager, channel_id: TRIAGE });
  expect((set.json() as { text: string }).text).toContain('GitHub: acme/shop');
  key = await openByCommand(t, 'Checkout returns 500', ACME.member, ACME.channel);
  await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key, key });
});
afterAll(async () => t.stop());

/** A pull_request delivery as GitHub sends it (trimmed to the fields GitHub documents as always present). */
function pullRequestPayload(action: 'closed' | 'reopened', merged: boolean, updatedAt = '2026-12-02T10:00:00Z', url = PR) {
  const number = Number(url.split('/').pop());
  return {
    action,
    number,
    pull_request: {
      url: `https://api.github.com/repos/acme/shop/pulls/${number}`,
      id: 1_234_567,
      html_url: url,
      number,
      state: action === 'closed' ? 'closed' : 'open',
      title: 'Fix the checkout 500',
      merged,
      merged_at: merged ? updatedAt : null,
      updated_at: updatedAt,
      user: { login: 'octocat', id: 1 },
    },
    repository: { id: 42, full_name: 'acme/shop', html_url: 'https://github.com/acme/shop' },
    sender: { login: 'octocat', id: 1 },
  };
}

function deliver(event: string, payload: unknown, options: { delivery?: string; secret?: string | null; baseUrl?: string } = {}) {
  const body = JSON.stringify(payload);
  const secret = options.secret === undefined ? SECRET : options.secret;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/044aadd',
    'x-github-event': event,
    'x-github-delivery': options.delivery ?? randomUUID(),
    'x-github-hook-id': '292430182',
  };
  if (secret !== null) headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return fetch(`${options.baseUrl ?? t.baseUrl}/webhooks/github`, { method: 'POST', headers, body });
}

describe('linking work to a request', () => {
  it('stores a link pasted in the thread and shows it on both messages', async () => {
    const before = await record(key);
    await t.slack.event({ type: 'message', channel: ACME.channel, channel_type: 'channel', user: STAFF.engineer, text: `Fix is in <${PR}|the PR>, docs at <https://example.com/x>`, ts: '1900000000.000001', thread_ts: before.clientMessageTs });
    const after = await untilSynced(key, before.revision);
    expect(after.links).toEqual([expect.objectContaining({ url: PR, provider: 'github', kind: 'pull_request', label: 'acme/shop#12', addedBy: STAFF.engineer })]);
    await allDelivered();
    const shown = t.fake.callsTo('chat.update').filter((c) => JSON.stringify(c.args.blocks).includes(`<${PR}|acme/shop#12>`));
    expect(new Set(shown.map((c) => c.args.channel))).toEqual(new Set([ACME.channel, TRIAGE]));
  });

  it('stores a link given with `/help link`, and says plainly what it cannot follow', async () => {
    const link = (text: string) => t.slack.slashCommand({ text, user_id: STAFF.engineer, channel_id: TRIAGE }).then((r) => (r.json() as { text: string }).text);
    expect(await link(`link ${key} https://github.com/acme/shop/issues/1`)).toBe(`:link: Linked acme/shop#1 to *${key}*; it shows on the request's messages. When it is merged or closed, the thread will say so.`);
    expect(await link(`link ${key} https://github.com/octo/other/pull/5`)).toBe(
      `:link: Linked octo/other#5 to *${key}*; it shows on the request's messages. GitHub's events for octo/other are not followed for ACME (a manager can add it with \`admin client ACME repositories: [octo/other]\`).`,
    );
    expect(await link(`link ${key} <https://acme.atlassian.net/browse/OPS-42>`)).toBe(`:link: Linked OPS-42 to *${key}*; it shows on the request's messages.`);
    expect(await link(`link ${key} https://acme.atlassian.net/browse/OPS-42`)).toBe(`${key} already links OPS-42.`);
    expect(await link(`link ${key} https://example.com/page`)).toMatch(/^That is not a link I can follow/);
    expect(await link(`link https://github.com/acme/shop/pull/3`)).toMatch(/^Say which request the link is for, like ACME-42\.\nWrite it as `\/help link ACME-42/);
    expect((await record(key)).links?.map((l) => l.label)).toEqual(['acme/shop#12', 'acme/shop#1', 'octo/other#5', 'OPS-42']);
    const audit = await AuditEventModel.find({ entityId: key, action: 'request.linked' }).lean();
    expect(audit.map((e) => (e.after as { links: string[] }).links)).toEqual([
      [PR],
      ['https://github.com/acme/shop/issues/1'],
      ['https://github.com/octo/other/pull/5'],
      ['https://acme.atlassian.net/browse/OPS-42'],
    ]);
  });

  it('opens a request for text that only starts with "link"', async () => {
    const res = await t.slack.slashCommand({ text: 'link to the docs is dead', user_id: ACME.member, channel_id: ACME.channel });
    expect((res.json() as { text: string }).text).toMatch(/Opened \*ACME-\d+\*/);
  });
});

describe('POST /webhooks/github', () => {
  it('refuses unsigned and wrongly signed deliveries, changing nothing', async () => {
    const before = await record(key);
    const unsigned = await deliver('pull_request', pullRequestPayload('closed', true), { secret: null });
    expect(unsigned.status).toBe(401);
    const forged = await deliver('pull_request', pullRequestPayload('closed', true), { secret: 'not-the-secret-at-all' });
    expect(forged.status).toBe(401);
    expect(await record(key)).toEqual(before);
  });

  it('marks a merged pull request on the request, tells the thread and nudges the assignee; a redelivery changes nothing', async () => {
    const before = await record(key);
    const delivery = randomUUID();
    const res = await deliver('pull_request', pullRequestPayload('closed', true), { delivery });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, outcome: 'applied', requests: [key] });
    const after = await untilSynced(key, before.revision);
    expect(after.links?.find((l) => l.url === PR)?.state).toBe('merged');
    const [notice] = await t.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === after.clientMessageTs && /linked pull request acme\/shop#12 was merged/.test(String(c.args.text)));
    expect(notice?.args.channel).toBe(ACME.channel);
    const [nudge] = await t.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === after.triageMessageTs && String(c.args.text).startsWith(`<@${STAFF.engineer}>: acme/shop#12 was merged`));
    expect(String(nudge?.args.text)).toContain(`If that fixes *${key}*, resolve it`);
    expect(await AuditEventModel.countDocuments({ entityId: key, action: 'request.link_updated' })).toBe(1);
    // Its notices are recorded: nothing is left owed for the sweep.
    expect((await record(key)).links?.find((l) => l.url === PR)?.noticeOwed).toBeUndefined();

    // GitHub's "Redeliver" sends the same delivery again.
    await allDelivered();
    const posts = t.fake.callsTo('chat.postMessage').length;
    const again = await deliver('pull_request', pullRequestPayload('closed', true), { delivery });
    expect(await again.json()).toEqual({ ok: true, outcome: 'duplicate' });
    await allDelivered();
    expect(t.fake.callsTo('chat.postMessage')).toHaveLength(posts);
    expect(await AuditEventModel.countDocuments({ entityId: key, action: 'request.link_updated' })).toBe(1);
    expect((await record(key)).revision).toBe(after.revision);
  });

  it('answers events it does not follow, and pull requests nobody linked, without changing anything', async () => {
    const ping = await deliver('ping', { zen: 'Keep it logically awesome.', hook_id: 1 });
    expect(await ping.json()).toEqual({ ok: true, outcome: 'ignored' });
    const other = await deliver('pull_request', { ...pullRequestPayload('closed', false), pull_request: { ...pullRequestPayload('closed', false).pull_request, html_url: 'https://github.com/acme/shop/pull/99', number: 99 } });
    expect(await other.json()).toEqual({ ok: true, outcome: 'applied', requests: [] });
    expect(await RequestModel.countDocuments({ 'links.state': 'closed' })).toBe(0);
  });
});

describe('the repositories a client follows', () => {
  const admin = (text: string) => t.slack.slashCommand({ text: `admin ${text}`, user_id: STAFF.manager, channel_id: TRIAGE }).then((r) => (r.json() as { text: string }).text);

  it('are shown by `/help admin show`, and a bad one is named plainly and changes nothing', async () => {
    expect(await admin('show')).toMatch(/\*ACME\*[^]*· GitHub: acme\/shop\n/);
    const refused = await admin('client ACME repositories: [acme/shop, https://github.com/acme/api]');
    expect(refused).toContain('repositories[1]: must be a GitHub repository written owner/name, such as acme/shop');
    expect(await admin('client ACME repositories: [acme/shop, Acme/Shop]')).toContain('repositories: lists a repository twice (names are case-insensitive)');
    expect((await ClientModel.findOne({ key: 'ACME' }).lean())?.repositories).toEqual(['acme/shop']);
  });
});

describe('which requests a GitHub event may change', () => {
  const PR34 = 'https://github.com/acme/shop/pull/34';
  let betaKey: string;

  beforeAll(async () => {
    // The same pull request linked on ACME's request and on BETA's; only ACME follows acme/shop.
    betaKey = await openByCommand(t, 'Beta checkout too', BETA.member, BETA.channel);
    for (const k of [key, betaKey]) {
      const res = await t.slack.slashCommand({ text: `link ${k} ${PR34}`, user_id: STAFF.engineer, channel_id: TRIAGE });
      expect((res.json() as { text: string }).text).toMatch(/^:link: Linked acme\/shop#34/);
    }
    await allDelivered();
  });

  it("changes and tells only the requests of clients that list the event's repository", async () => {
    const beta = await record(betaKey);
    const before = await record(key);
    const res = await deliver('pull_request', pullRequestPayload('closed', false, '2026-12-03T09:00:00Z', PR34));
    expect(await res.json()).toEqual({ ok: true, outcome: 'applied', requests: [key] });
    expect((await untilSynced(key, before.revision)).links?.find((l) => l.url === PR34)?.state).toBe('closed');
    await t.fake.waitFor('chat.postMessage', (c) => c.args.channel === ACME.channel && /linked pull request acme\/shop#34 was closed/.test(String(c.args.text)));
    await allDelivered();
    expect(await record(betaKey)).toEqual(beta);
    expect(t.fake.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === beta.clientMessageTs || c.args.thread_ts === beta.triageMessageTs)).toEqual([]);
    expect(await AuditEventModel.countDocuments({ entityId: betaKey, action: 'request.link_updated' })).toBe(0);
  });

  it('leaves links to repositories the client does not list alone: stored and shown, not followed', async () => {
    const before = await record(key);
    const other = { ...pullRequestPayload('closed', true, '2026-12-03T09:30:00Z', 'https://github.com/octo/other/pull/5'), repository: { id: 43, full_name: 'octo/other' } };
    const res = await deliver('pull_request', other);
    expect(await res.json()).toEqual({ ok: true, outcome: 'applied', requests: [] });
    expect(await record(key)).toEqual(before);
  });

  it('ignores an event older than the state it would change: a replayed "closed" cannot undo a later "reopened"', async () => {
    const closed = pullRequestPayload('closed', false, '2026-12-03T09:00:00Z', PR34);
    const reopened = await deliver('pull_request', pullRequestPayload('reopened', false, '2026-12-03T11:00:00Z', PR34));
    expect(await reopened.json()).toEqual({ ok: true, outcome: 'applied', requests: [key] });
    const open = await untilSynced(key, (await record(key)).revision - 1);
    expect(open.links?.find((l) => l.url === PR34)).toMatchObject({ state: 'open', sourceUpdatedAt: new Date('2026-12-03T11:00:00Z') });
    await t.fake.waitFor('chat.postMessage', (c) => c.args.channel === ACME.channel && /acme\/shop#34 was reopened/.test(String(c.args.text)));
    await allDelivered();
    const posts = t.fake.callsTo('chat.postMessage').length;

    // The earlier "closed" again (a replay, or a delivery GitHub sent late), and one in between.
    for (const late of [closed, pullRequestPayload('closed', false, '2026-12-03T10:59:59Z', PR34)]) {
      const res = await deliver('pull_request', late);
      expect(await res.json()).toEqual({ ok: true, outcome: 'applied', requests: [] });
    }
    await allDelivered();
    expect(await record(key)).toEqual(open);
    expect(t.fake.callsTo('chat.postMessage')).toHaveLength(posts);
    const updates = await AuditEventModel.find({ entityId: key, action: 'request.link_updated', 'after.url': PR34 }).sort({ at: 1 }).lean();
    expect(updates.map((e) => (e.after as { state: string }).state)).toEqual(['closed', 'open']);

    // A later event in the same state tells nobody, but moves the link on: a "closed" from before it changes nothing.
    const later = await deliver('pull_request', pullRequestPayload('reopened', false, '2026-12-03T12:00:00Z', PR34));
    expect(await later.json()).toEqual({ ok: true, outcome: 'applied', requests: [] });
    const moved = await untilSynced(key, open.revision);
    expect(moved.links?.find((l) => l.url === PR34)).toMatchObject({ state: 'open', sourceUpdatedAt: new Date('2026-12-03T12:00:00Z') });
    const between = await deliver('pull_request', pullRequestPayload('closed', false, '2026-12-03T11:30:00Z', PR34));
    expect(await between.json()).toEqual({ ok: true, outcome: 'applied', requests: [] });
    await allDelivered();
    expect((await record(key)).links?.find((l) => l.url === PR34)?.state).toBe('open');
    expect(t.fake.callsTo('chat.postMessage')).toHaveLength(posts);
  });
});

describe('a delivery that fails half-way', () => {
  let doomed: AppProcess | undefined;
  afterAll(() => doomed?.child.kill('SIGKILL'));

  it('loses no notice: killed after the change, shown again by a later change, the sweep still asks for the notices, Slack failing at first delays them, a redelivery finishes the delivery; each is posted once', async () => {
    const PR56 = 'https://github.com/acme/shop/pull/56';
    const crashKey = await openByCommand(t, 'Refunds fail', ACME.member, ACME.channel);
    await clickAndSettle(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: crashKey, key: crashKey });
    await t.slack.slashCommand({ text: `link ${crashKey} ${PR56}`, user_id: STAFF.engineer, channel_id: TRIAGE });
    await allDelivered();

    // A web process of its own on the same database, killed (SIGKILL) right after the link's state is written.
    const port = await freePort();
    doomed = await startAppProcess(
      'doomed web',
      'main.ts',
      appEnv(t.fake.url, t.config.mongodbUri, testRedisUrl(), { PORT: String(port), CRASH_AT: 'github.link_updated', QUEUE_PREFIX: t.config.queuePrefix, GITHUB_WEBHOOK_SECRET: SECRET }),
    );
    const delivery = randomUUID();
    const merged = pullRequestPayload('closed', true, '2026-12-04T10:00:00Z', PR56);
    await deliver('pull_request', merged, { delivery, baseUrl: `http://127.0.0.1:${port}` }).catch(() => undefined);
    await doomed.exited;
    expect(doomed.child.signalCode).toBe('SIGKILL');
    expect(doomed.output.join('\n')).toContain('CRASH_AT reached: github.link_updated');
    const crashed = await record(crashKey);
    expect(crashed.links?.find((l) => l.url === PR56)).toMatchObject({ state: 'merged', delivery, noticeOwed: true });

    // Before the sweep comes, the engineer logs time: the request is shown again, past the
    // revision of the link's change, so its messages are no longer behind the record.
    const logged = await t.slack.slashCommand({ text: `log ${crashKey} 15m non-billable reproduced it`, user_id: STAFF.engineer, channel_id: TRIAGE });
    expect(logged.status).toBe(200);
    await until(async () => (await TimeEntryModel.countDocuments({ requestKey: crashKey })) === 1, 'the time to be logged');
    const after = await until(async () => {
      const shown = await record(crashKey);
      return shown.syncedRevision >= crashed.revision ? shown : undefined;
    }, 'the request to be shown again');
    // Past the revision the link's change made (the process was killed right after writing it).
    expect(after.syncedRevision).toBeGreaterThanOrEqual(crashed.revision);

    // Slack refuses the notice and the nudge at first. The worker's sweep finds the change whose
    // notices were never recorded and asks for them; once recorded, the mark goes.
    const isNotice = (args: Record<string, unknown>) => /acme\/shop#56 was merged/.test(String(args.text));
    t.fake.failWhen('chat.postMessage', isNotice, { status: 500, times: 3 });
    await maintenanceSweep(t.worker!.effects);
    expect((await record(crashKey)).links?.find((l) => l.url === PR56)?.noticeOwed).toBeUndefined();
    const notices = (thread: string | null | undefined) => t.fake.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === thread && isNotice(c.args) && c.status === 200);
    await t.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === after.clientMessageTs && isNotice(c.args) && c.status === 200, { timeoutMs: 15_000 });
    await t.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === after.triageMessageTs && isNotice(c.args) && c.status === 200, { timeoutMs: 15_000 });
    await allDelivered(15_000);
    expect(t.fake.callsTo('chat.postMessage').filter((c) => isNotice(c.args) && c.status === 500)).toHaveLength(3);

    // Someone redelivers it from GitHub: it is finished (not "duplicate"), and adds nothing; after that it is a duplicate.
    const again = await deliver('pull_request', merged, { delivery });
    expect(await again.json()).toEqual({ ok: true, outcome: 'applied', requests: [crashKey] });
    const third = await deliver('pull_request', merged, { delivery });
    expect(await third.json()).toEqual({ ok: true, outcome: 'duplicate' });
    await allDelivered();
    expect(notices(after.clientMessageTs)).toHaveLength(1);
    expect(notices(after.triageMessageTs)).toHaveLength(1);
    expect(await AuditEventModel.find({ entityId: crashKey, action: 'request.link_updated' }).lean()).toEqual([
      expect.objectContaining({ before: { url: PR56, state: null }, after: expect.objectContaining({ url: PR56, state: 'merged', delivery }) }),
    ]);
  });
});

/**
 * A POST to /webhooks/github over a plain socket, for what fetch cannot do: `send` writes the body
 * (all of it, part of it, or slowly). Resolves with the answer, or with how the connection ended
 * without one.
 */
function rawPost(contentLength: number, send: (write: (chunk: Buffer) => boolean) => void): Promise<{ status?: number; body?: string; error?: string; closed: boolean }> {
  return new Promise((resolve) => {
    const req = httpRequest(`${t.baseUrl}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(contentLength), 'x-github-event': 'ping', 'x-github-delivery': randomUUID() },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode;
        const body = Buffer.concat(chunks).toString('utf8');
        // Whether the server closes the connection afterwards, rather than wait for the rest.
        if (req.socket?.destroyed) resolve({ status, body, closed: true });
        else req.socket?.once('close', () => resolve({ status, body, closed: true }));
      });
    });
    req.on('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? error.message, closed: true }));
    send((chunk) => req.write(chunk));
  });
}

describe('reading the body', () => {
  it('answers 413 to a body over the limit before it stops reading, and closes the connection', async () => {
    const size = 3 * 1024 * 1024;
    const answer = await rawPost(size, (write) => {
      for (let sent = 0; sent < size; sent += 64 * 1024) write(Buffer.alloc(64 * 1024, 0x20));
    });
    expect(answer).toEqual({ status: 413, body: JSON.stringify({ ok: false, error: 'payload too large' }), closed: true });
  });

  it('answers 408 to a body that never finishes, within the read timeout, and closes the connection', async () => {
    const started = Date.now();
    // Headers and a few bytes of the 1,000 promised, then nothing (a slow-loris client).
    const answer = await rawPost(1000, (write) => write(Buffer.from('{"zen":')));
    const elapsed = Date.now() - started;
    expect(answer).toEqual({ status: 408, body: JSON.stringify({ ok: false, error: 'the body did not arrive in time' }), closed: true });
    expect(elapsed).toBeGreaterThanOrEqual(READ_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(READ_TIMEOUT_MS + 4000);
    // Nothing of it was taken for a delivery.
    expect(await WebhookDeliveryModel.countDocuments({ event: 'ping' })).toBe(1);
  });
});
