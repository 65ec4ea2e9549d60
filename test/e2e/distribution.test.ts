// Distributed mode: a client organisation installs the app through OAuth, its installation is
// stored encrypted, its people's slash commands are worked with its own token on its side and
// ours in triage, a revoked token is never used again, and an org-wide (Enterprise Grid)
// install serves every workspace of its organisation.
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { InstallationModel } from '../../src/db/installation';
import { RequestModel } from '../../src/db/request';
import { findEffect } from '../../src/services/outbox';
import { postInThread } from '../../src/slack/requestUpdates';
import type { SlackTokens } from '../../src/slack/tokens';
import { allDelivered, untilSynced, clickAndSettle } from '../support/flows';
import { ACME, BOT_TOKEN, STAFF, TRIAGE, startTestApp, type TestApp } from '../support/harness';
import { DEFAULT_TEAM_ID } from '../support/slackFake';

const CLIENT_TEAM = 'T0CLIENT';

/** The worker is another token module than the web's: it must see installs and revocations too. */
function workerTokens(app: TestApp): SlackTokens {
  if (!app.worker) throw new Error('this test needs the worker');
  return app.worker.effects.tokens;
}

/** A notice in the request's thread, delivered by the worker; resolves with Slack's call. */
async function workerNotice(app: TestApp, key: string, text: string) {
  const request = await RequestModel.findOne({ key }).lean();
  await postInThread(app.web.effects, { key, requesterTeamId: request?.requesterTeamId }, text.replace(/\W+/g, '-'), text);
  const [call] = await app.fake.waitFor('chat.postMessage', (c) => c.args.text === text, { timeoutMs: 10_000 });
  if (!call) throw new Error(`no call for ${text}`);
  return call;
}
const CLIENT_TOKEN = 'xoxb-client-secret-token';
const CLIENT_BOT_USER = 'U0CLIENTBOT';
const CLIENT_ADMIN = 'U0CLIENTADMIN';
const CLIENT_DEV = 'U0CLIENTDEV';
const CODE = 'code-from-slack';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({
    SLACK_CLIENT_ID: '111.222',
    SLACK_CLIENT_SECRET: 'client-secret',
    SLACK_STATE_SECRET: 'state-secret-for-tests',
    INSTALLATION_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    SLACK_HOME_TEAM_ID: DEFAULT_TEAM_ID,
  });
  await t.seed();
});
afterAll(async () => {
  await t.stop();
});

/** Slack's oauth.v2.access answer for CODE: a bot token for one workspace unless `install` says otherwise. */
function answerOAuth(install: { token: string; botUserId: string; teamId: string; team: { id: string; name: string } | null; enterprise: { id: string; name: string } | null } = {
  token: CLIENT_TOKEN,
  botUserId: CLIENT_BOT_USER,
  teamId: CLIENT_TEAM,
  team: { id: CLIENT_TEAM, name: 'Client Org' },
  enterprise: null,
}): void {
  t.fake.setTokenTeam(install.token, install.teamId);
  t.fake.setOAuthAccess((code) =>
    code === CODE
      ? {
          access_token: install.token,
          token_type: 'bot',
          scope: 'commands,chat:write',
          bot_user_id: install.botUserId,
          app_id: 'A0APP',
          team: install.team,
          enterprise: install.enterprise,
          is_enterprise_install: install.enterprise !== null,
          authed_user: { id: CLIENT_ADMIN },
        }
      : { ok: false, error: 'invalid_code' },
  );
}

/** GET /slack/install: Bolt redirects to Slack with a state and sets the same state in a cookie. */
async function startInstall(): Promise<{ state: string; cookie: string }> {
  const res = await fetch(`${t.baseUrl}/slack/install`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location') ?? '');
  expect(location.origin).toBe('https://slack.com');
  expect(location.searchParams.get('client_id')).toBe('111.222');
  expect(location.searchParams.get('scope')).toContain('commands');
  const state = location.searchParams.get('state') ?? '';
  expect(state).not.toBe('');
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  expect(cookie).toBe(`slack-app-oauth-state=${state}`);
  return { state, cookie };
}

function redirectBack(state: string, cookie: string, code = CODE) {
  const url = `${t.baseUrl}/slack/oauth_redirect?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`;
  return fetch(url, { redirect: 'manual', headers: { cookie } });
}

async function rawInstallations(): Promise<Record<string, unknown>[]> {
  const db = mongoose.connection.db;
  if (!db) throw new Error('not connected');
  return db.collection('installations').find({}).toArray();
}

describe('installing the app into a client organisation', () => {
  beforeEach(() => {
    t.fake.reset();
    answerOAuth();
  });

  it('refuses a forged state, even when the browser cookie carries it', async () => {
    const forged = `${randomBytes(24).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
    const res = await redirectBack(forged, `slack-app-oauth-state=${forged}`);
    expect(res.status).toBe(400);
    expect(t.fake.callsTo('oauth.v2.access')).toHaveLength(0);
    expect(await InstallationModel.countDocuments()).toBe(0);
  });

  it('refuses a state that does not match the browser session', async () => {
    const { state } = await startInstall();
    const res = await redirectBack(state, 'slack-app-oauth-state=something-else');
    expect(res.status).toBe(400);
    expect(t.fake.callsTo('oauth.v2.access')).toHaveLength(0);
  });

  it('stores an installation, encrypted, for a valid state, and refuses the same state again', async () => {
    const { state, cookie } = await startInstall();
    const res = await redirectBack(state, cookie);
    expect(res.status).toBe(200);
    const [access] = t.fake.callsTo('oauth.v2.access');
    expect(access?.args).toMatchObject({ code: CODE, client_id: '111.222' });

    const stored = await InstallationModel.findOne({ teamId: CLIENT_TEAM }).lean();
    expect(stored).toMatchObject({ key: `T:${CLIENT_TEAM}`, isEnterpriseInstall: false, botUserId: CLIENT_BOT_USER, installerUserId: CLIENT_ADMIN });
    expect(stored?.sealed).toMatch(/^v1:/);

    // Replayed redirect (same state, same cookie): refused, nothing exchanged again.
    t.fake.clearCalls();
    const replay = await redirectBack(state, cookie);
    expect(replay.status).toBe(400);
    expect(t.fake.callsTo('oauth.v2.access')).toHaveLength(0);
    expect(await InstallationModel.countDocuments({ teamId: CLIENT_TEAM })).toBe(1);
  });

  it('never keeps a bot token in clear text in the database', async () => {
    const raw = JSON.stringify(await rawInstallations());
    expect(raw).toContain(CLIENT_TEAM);
    expect(raw).not.toContain('xoxb-');
    expect(raw).not.toContain(CLIENT_TOKEN);
  });
});

describe("working a client organisation's request", () => {
  let key = '';

  beforeAll(() => {
    t.fake.reset();
    answerOAuth();
  });

  it("answers a slash command from the client's team with its token on its side and ours in triage", async () => {
    expect(await InstallationModel.countDocuments({ teamId: CLIENT_TEAM })).toBe(1);
    const res = await t.slack.slashCommand({ text: 'Our invoices page is blank', user_id: CLIENT_DEV, channel_id: ACME.channel, team_id: CLIENT_TEAM });
    expect(res.status).toBe(200);
    key = /\*([A-Z]+-\d+)\*/.exec((res.json() as { text: string }).text)?.[1] ?? '';
    expect(key).toMatch(/^ACME-\d+$/);
    const request = await untilSynced(key);
    expect(request.requesterTeamId).toBe(CLIENT_TEAM);

    const apiCalls = t.fake.calls.filter((c) => c.path.startsWith('/api/'));
    const triage = apiCalls.filter((c) => c.args.channel === TRIAGE);
    const clientSide = apiCalls.filter((c) => c.args.channel !== TRIAGE);
    expect(triage.map((c) => [c.method, c.token])).toEqual([['chat.postMessage', BOT_TOKEN]]);
    expect(clientSide.length).toBeGreaterThan(0);
    expect(clientSide.filter((c) => c.args.channel === ACME.channel).map((c) => c.method)).toContain('chat.postMessage');
    for (const call of clientSide) expect([call.method, call.token]).toEqual([call.method, CLIENT_TOKEN]);
  });

  it('uses the client token for notices in its thread when our engineer works the request', async () => {
    t.fake.clearCalls();
    await clickAndSettle(t, { key, user: STAFF.engineer, channel: TRIAGE, actionId: 'request_claim', value: key });
    const request = await RequestModel.findOne({ key }).lean();
    const inClientChannel = t.fake.calls.filter((c) => c.args.channel === ACME.channel);
    expect(inClientChannel.length).toBeGreaterThan(0);
    for (const call of inClientChannel) expect([call.method, call.token]).toEqual([call.method, CLIENT_TOKEN]);
    for (const call of t.fake.calls.filter((c) => c.args.channel === TRIAGE)) expect([call.method, call.token]).toEqual([call.method, BOT_TOKEN]);
    expect(request?.assigneeId).toBe(STAFF.engineer);
  });

  it("publishes and refreshes the Home tab of the client's people with the client's token", async () => {
    t.fake.setChannelMembers(ACME.channel, [CLIENT_DEV]);
    await t.slack.event({ type: 'app_home_opened', user: CLIENT_DEV, channel: 'D0CLIENTDEV', tab: 'home', event_ts: '1.2' }, { team_id: CLIENT_TEAM });
    const [opened] = await t.fake.waitFor('views.publish', (c) => c.args.user_id === CLIENT_DEV);
    expect(opened?.token).toBe(CLIENT_TOKEN);
    const count = t.fake.callsTo('views.publish').filter((c) => c.args.user_id === CLIENT_DEV).length;
    const res = await t.slack.slashCommand({ text: 'Home refresh please', user_id: CLIENT_DEV, channel_id: ACME.channel, team_id: CLIENT_TEAM });
    expect(res.status).toBe(200);
    const refreshed = await t.fake.waitFor('views.publish', (c) => c.args.user_id === CLIENT_DEV, { count: count + 1 });
    expect(refreshed.at(-1)?.token).toBe(CLIENT_TOKEN);
  });

  it('after tokens_revoked removes the installation and never sends the revoked token again', async () => {
    // The worker is another process with its own token module: it must see the revocation too.
    const worker = workerTokens(t);
    expect((await workerNotice(t, key, 'A reminder from the worker')).token).toBe(CLIENT_TOKEN);

    t.fake.revokeToken(CLIENT_TOKEN);
    const res = await t.slack.event({ type: 'tokens_revoked', tokens: { bot: [CLIENT_BOT_USER] } }, { team_id: CLIENT_TEAM });
    expect(res.status).toBe(200);
    await waitUntil(async () => (await InstallationModel.countDocuments({ teamId: CLIENT_TEAM })) === 0);

    t.fake.clearCalls();
    // Our engineer unclaims it: the client's message and thread are updated with our token
    // (the shared channel accepts it) and nothing goes out with the revoked one.
    await clickAndSettle(t, { key, user: STAFF.engineer, channel: TRIAGE, actionId: 'request_unclaim', value: key });
    // The client's people can no longer reach the app from their own workspace.
    await t.slack.slashCommand({ text: 'Another problem', user_id: CLIENT_DEV, channel_id: ACME.channel, team_id: CLIENT_TEAM });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await workerNotice(t, key, 'Another reminder from the worker');
    expect(await worker.clientFor(CLIENT_TEAM)).toBeUndefined();
    expect(t.fake.calls.filter((c) => c.token === CLIENT_TOKEN)).toEqual([]);
    const inClientChannel = t.fake.calls.filter((c) => c.args.channel === ACME.channel);
    expect(inClientChannel.map((c) => c.method)).toEqual(expect.arrayContaining(['chat.update', 'chat.postMessage']));
    for (const call of inClientChannel) expect([call.method, call.token]).toEqual([call.method, BOT_TOKEN]);
    expect(inClientChannel.some((c) => c.args.text === 'Another reminder from the worker')).toBe(true);
  });

  it('still keeps no bot token in clear text in the database', async () => {
    expect(JSON.stringify(await rawInstallations())).not.toContain('xoxb-');
  });
});

describe('app_uninstalled', () => {
  it('removes the installation of the team', async () => {
    t.fake.reset();
    answerOAuth();
    const { state, cookie } = await startInstall();
    expect((await redirectBack(state, cookie)).status).toBe(200);
    expect(await InstallationModel.countDocuments({ teamId: CLIENT_TEAM })).toBe(1);
    await t.slack.event({ type: 'app_uninstalled' }, { team_id: CLIENT_TEAM });
    await waitUntil(async () => (await InstallationModel.countDocuments({ teamId: CLIENT_TEAM })) === 0);
  });
});

describe('an organisation-wide install (Enterprise Grid)', () => {
  const ORG = 'E0CLIENTORG';
  const ORG_WORKSPACE = 'T0ORGWORKSPACE';
  const ORG_TOKEN = 'xoxb-org-wide-secret-token';
  const ORG_BOT = 'U0ORGBOT';
  const ORG_DEV = 'U0ORGDEV';

  it('is stored for the organisation, works a request from any of its workspaces with its token, and goes on uninstall', async () => {
    t.fake.reset();
    // An organisation-wide install: no team, the enterprise instead.
    answerOAuth({ token: ORG_TOKEN, botUserId: ORG_BOT, teamId: ORG_WORKSPACE, team: null, enterprise: { id: ORG, name: 'Client Group' } });
    const { state, cookie } = await startInstall();
    expect((await redirectBack(state, cookie)).status).toBe(200);
    const stored = await InstallationModel.findOne({ key: `E:${ORG}` }).lean();
    expect(stored).toMatchObject({ isEnterpriseInstall: true, enterpriseId: ORG, botUserId: ORG_BOT });
    expect(JSON.stringify(await rawInstallations())).not.toContain(ORG_TOKEN);

    // Someone in one of the organisation's workspaces, which never installed the app by itself.
    const res = await t.slack.slashCommand({ text: 'Group-wide outage', user_id: ORG_DEV, channel_id: ACME.channel, team_id: ORG_WORKSPACE, enterprise_id: ORG });
    expect(res.status).toBe(200);
    const key = /\*([A-Z]+-\d+)\*/.exec((res.json() as { text: string }).text)?.[1] ?? '';
    expect(key).toMatch(/^ACME-\d+$/);
    const request = await untilSynced(key);
    expect(request.requesterTeamId).toBe(ORG_WORKSPACE);
    const apiCalls = t.fake.calls.filter((c) => c.path.startsWith('/api/') && c.method === 'chat.postMessage');
    expect(apiCalls.filter((c) => c.args.channel === ACME.channel).map((c) => c.token)).toEqual([ORG_TOKEN]);
    expect(apiCalls.filter((c) => c.args.channel === TRIAGE).map((c) => c.token)).toEqual([BOT_TOKEN]);
    // The workspace is remembered, so jobs (which know only the team) find the token too.
    expect((await InstallationModel.findOne({ key: `E:${ORG}` }).lean())?.teamIds).toContain(ORG_WORKSPACE);
    const worker = workerTokens(t);
    expect(await workerNotice(t, key, 'From the worker, to the organisation')).toMatchObject({ token: ORG_TOKEN, args: { channel: ACME.channel } });

    await t.slack.event({ type: 'app_uninstalled' }, { team_id: ORG_WORKSPACE, enterprise_id: ORG, isEnterpriseInstall: true });
    await waitUntil(async () => (await InstallationModel.countDocuments({ key: `E:${ORG}` })) === 0);
    expect(await worker.clientForClientSide(ORG_WORKSPACE)).toBeDefined(); // our own, for the shared channel
    t.fake.clearCalls();
    await workerNotice(t, key, 'After the uninstall');
    expect(t.fake.calls.filter((c) => c.token === ORG_TOKEN)).toEqual([]);
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("a client's token revoked under a delivery (#22, point 10)", () => {
  it("fails the notice as token_revoked, tells managers what really happens, and a retry after Slack's tokens_revoked sends it with our token", async () => {
    t.fake.reset();
    answerOAuth();
    const { state, cookie } = await startInstall();
    expect((await redirectBack(state, cookie)).status).toBe(200);
    const res = await t.slack.slashCommand({ text: 'Checkout times out', user_id: CLIENT_DEV, channel_id: ACME.channel, team_id: CLIENT_TEAM });
    const key = /\*([A-Z]+-\d+)\*/.exec((res.json() as { text: string }).text)?.[1] ?? '';
    await untilSynced(key);
    // The Home tabs refreshed by the new request are published first: only the notice meets the revoked token.
    await allDelivered();

    // Slack answers token_revoked before its tokens_revoked event arrives.
    t.fake.revokeToken(CLIENT_TOKEN);
    await postInThread(t.web.effects, { key, requesterTeamId: CLIENT_TEAM }, 'revoked', 'Sent while the token was revoked');
    const id = `thread|${key}|revoked`;
    await waitUntil(async () => (await findEffect(id))?.state === 'failed', 10_000);
    expect(await findEffect(id)).toMatchObject({ lastError: 'token_revoked', errorChannel: ACME.channel });

    await t.slack.event({ type: 'app_home_opened', user: STAFF.manager, channel: `D${STAFF.manager}`, tab: 'home', event_ts: String(Date.now() / 1000) });
    const advice = "Slack revoked the app's token for that workspace, so these were not sent and are not tried again by themselves.";
    await waitUntil(async () => JSON.stringify(t.fake.homeView(STAFF.manager) ?? {}).includes(advice), 10_000);
    const home = JSON.stringify(t.fake.homeView(STAFF.manager));
    expect(home).toContain('1 × `token_revoked`');
    expect(home).toContain("the app now speaks there with our own workspace's token: retry, and what goes to a channel shared with us is sent");
    expect(home).not.toContain('The app is no longer installed in that workspace: install it again, then retry.');

    // As the advice says: once Slack's event has removed the installation, a retry goes out with ours.
    await t.slack.event({ type: 'tokens_revoked', tokens: { bot: [CLIENT_BOT_USER] } }, { team_id: CLIENT_TEAM });
    await waitUntil(async () => (await InstallationModel.countDocuments({ teamId: CLIENT_TEAM })) === 0);
    const retry = await t.slack.slashCommand({ text: 'admin retry', user_id: STAFF.manager, channel_id: TRIAGE });
    expect((retry.json() as { text: string }).text).toMatch(/Trying 1 failed delivery/);
    const [sent] = await t.fake.waitFor('chat.postMessage', (c) => c.args.text === 'Sent while the token was revoked' && c.token === BOT_TOKEN, { timeoutMs: 10_000 });
    expect(sent?.args.channel).toBe(ACME.channel);
  });
});
