// The MongoDB installation store: workspace and org-wide installs, sealed at rest, found by the
// team a request came from, removed on uninstall; and the single-use OAuth state store.
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import type { Installation } from '@slack/bolt';
import { OAuthStateModel } from '../../src/db/oauthState';
import { createTokenCipher } from '../../src/domain/tokenCipher';
import { setLogLevel } from '../../src/logger';
import { createInstallationStore, createStateStore } from '../../src/services/installations';
import { useTestDatabase } from '../support/database';

const store = createInstallationStore(createTokenCipher(randomBytes(32)));

beforeAll(() => {
  setLogLevel(process.env.TEST_LOG_LEVEL ?? 'silent');
});
useTestDatabase();

function workspaceInstall(teamId: string, token: string): Installation<'v2', false> {
  return {
    team: { id: teamId, name: 'Client' },
    enterprise: undefined,
    user: { id: 'U0ADMIN', token: undefined, scopes: undefined },
    bot: { token, userId: 'U0BOT', id: 'B0BOT', scopes: ['commands'] },
    isEnterpriseInstall: false,
    authVersion: 'v2',
  };
}

function orgInstall(enterpriseId: string, token: string): Installation<'v2', true> {
  return {
    team: undefined,
    enterprise: { id: enterpriseId, name: 'Big Org' },
    user: { id: 'U0ADMIN', token: 'xoxp-user-token', scopes: ['identify'] },
    bot: { token, userId: 'U0ORGBOT', id: 'B0ORGBOT', scopes: ['commands'] },
    isEnterpriseInstall: true,
    enterpriseUrl: 'https://big-org.enterprise.slack.com/',
    authVersion: 'v2',
  };
}

describe('installation store', () => {
  it('stores a workspace install sealed and fetches it back', async () => {
    await store.storeInstallation(workspaceInstall('T0WS1', 'xoxb-ws1'));
    const fetched = await store.fetchInstallation({ teamId: 'T0WS1', enterpriseId: undefined, isEnterpriseInstall: false });
    expect(fetched.bot?.token).toBe('xoxb-ws1');
    expect(await store.botForTeam('T0WS1')).toEqual({ token: 'xoxb-ws1', userId: 'U0BOT' });
    const raw = JSON.stringify(await mongoose.connection.db?.collection('installations').find({}).toArray());
    expect(raw).not.toContain('xoxb-');
  });

  it('replaces the token on a re-install instead of adding a record', async () => {
    await store.storeInstallation(workspaceInstall('T0WS1', 'xoxb-ws1-new'));
    expect((await store.botForTeam('T0WS1'))?.token).toBe('xoxb-ws1-new');
    expect(await mongoose.connection.db?.collection('installations').countDocuments({ teamId: 'T0WS1' })).toBe(1);
  });

  it('finds an org-wide install for a workspace of the organisation once that workspace has been seen', async () => {
    await store.storeInstallation(orgInstall('E0ORG', 'xoxb-org'));
    expect(await store.botForTeam('T0ORGWS')).toBeUndefined();
    // Bolt authorizes a request from a workspace of the organisation.
    const fetched = await store.fetchInstallation({ teamId: 'T0ORGWS', enterpriseId: 'E0ORG', isEnterpriseInstall: false });
    expect(fetched.bot?.token).toBe('xoxb-org');
    expect(await store.botForTeam('T0ORGWS')).toEqual({ token: 'xoxb-org', userId: 'U0ORGBOT' });
    const raw = JSON.stringify(await mongoose.connection.db?.collection('installations').find({}).toArray());
    expect(raw).not.toMatch(/xox[bp]-/);
  });

  it('refuses to fetch a team that never installed', async () => {
    await expect(store.fetchInstallation({ teamId: 'T0NOBODY', enterpriseId: undefined, isEnterpriseInstall: false })).rejects.toThrow(/No installation/);
  });

  it('deletes a workspace install and an org-wide install', async () => {
    await store.deleteInstallation({ teamId: 'T0WS1', enterpriseId: undefined, isEnterpriseInstall: false });
    expect(await store.botForTeam('T0WS1')).toBeUndefined();
    await store.deleteInstallation({ teamId: undefined, enterpriseId: 'E0ORG', isEnterpriseInstall: true });
    expect(await store.botForTeam('T0ORGWS')).toBeUndefined();
  });
});

describe('OAuth state store', () => {
  const states = createStateStore('state-secret-for-tests');
  const options = { scopes: ['commands'] };

  it('verifies a state once and refuses it afterwards', async () => {
    const state = await states.generateStateParam(options, new Date());
    await expect(states.verifyStateParam(new Date(), state)).resolves.toEqual(options);
    await expect(states.verifyStateParam(new Date(), state)).rejects.toMatchObject({ code: 'slack_oauth_invalid_state' });
  });

  it('refuses a state signed with another secret without consuming the real one', async () => {
    const state = await states.generateStateParam(options, new Date());
    const [id] = state.split('.');
    await expect(states.verifyStateParam(new Date(), `${id}.forged`)).rejects.toMatchObject({ code: 'slack_oauth_invalid_state' });
    const other = await createStateStore('another-secret-entirely').generateStateParam(options, new Date());
    await expect(states.verifyStateParam(new Date(), other)).rejects.toThrow(/not issued by this app/);
    await expect(states.verifyStateParam(new Date(), state)).resolves.toEqual(options);
  });

  it('refuses an expired state', async () => {
    const issued = new Date(Date.now() - 11 * 60 * 1000);
    const state = await states.generateStateParam(options, issued);
    await expect(states.verifyStateParam(new Date(), state)).rejects.toThrow(/expired/);
    expect(await OAuthStateModel.countDocuments({ _id: state.split('.')[0] })).toBe(0);
  });
});
