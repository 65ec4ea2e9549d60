// Installations of the app (distributed mode) in MongoDB, sealed with AES-256-GCM, and the
// single-use OAuth state values of the install flow. Implements Bolt's InstallationStore and
// StateStore; nothing here logs a token.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Installation, InstallationQuery, InstallationStore, InstallURLOptions, StateStore } from '@slack/bolt';
import { InstallationModel } from '../db/installation';
import { OAUTH_STATE_TTL_SECONDS, OAuthStateModel } from '../db/oauthState';
import type { TokenCipher } from '../domain/tokenCipher';
import { logger } from '../logger';

export interface InstalledBot {
  token: string;
  userId: string | undefined;
}

export interface MongoInstallationStore extends InstallationStore {
  deleteInstallation: NonNullable<InstallationStore['deleteInstallation']>;
  /** The bot of the installation that covers a team (its own, or its organisation's); undefined when none. */
  botForTeam(teamId: string): Promise<InstalledBot | undefined>;
}

function workspaceKey(teamId: string): string {
  return `T:${teamId}`;
}

function organisationKey(enterpriseId: string): string {
  return `E:${enterpriseId}`;
}

/** The record an installation event or query is about. */
function keyOfQuery(query: InstallationQuery<boolean>): string | undefined {
  if (query.isEnterpriseInstall && query.enterpriseId) return organisationKey(query.enterpriseId);
  return query.teamId ? workspaceKey(query.teamId) : undefined;
}

export function createInstallationStore(cipher: TokenCipher): MongoInstallationStore {
  const open = (record: { key: string; sealed: string }): Installation<'v1' | 'v2', boolean> =>
    JSON.parse(cipher.open(record.sealed, record.key)) as Installation<'v1' | 'v2', boolean>;

  return {
    async storeInstallation(installation) {
      const organisation = installation.isEnterpriseInstall && installation.enterprise?.id;
      const teamId = installation.team?.id;
      const key = organisation ? organisationKey(organisation) : teamId ? workspaceKey(teamId) : undefined;
      if (!key) throw new Error('An installation without a team or organisation cannot be stored');
      await InstallationModel.updateOne(
        { key },
        {
          $set: {
            teamId: organisation ? undefined : teamId,
            enterpriseId: installation.enterprise?.id,
            isEnterpriseInstall: Boolean(organisation),
            botUserId: installation.bot?.userId,
            installerUserId: installation.user.id,
            sealed: cipher.seal(JSON.stringify(installation), key),
            installedAt: new Date(),
          },
        },
        { upsert: true },
      );
      logger.info({ installation: key }, 'The app was installed; its tokens are stored encrypted');
    },

    async fetchInstallation(query) {
      const key = keyOfQuery(query);
      let record = key ? await InstallationModel.findOne({ key }).lean() : null;
      if (!record && !query.isEnterpriseInstall && query.teamId && query.enterpriseId) {
        // A workspace of an organisation that installed the app org-wide: remember the team so
        // jobs can find the token from the team alone later.
        record = await InstallationModel.findOneAndUpdate(
          { key: organisationKey(query.enterpriseId) },
          { $addToSet: { teamIds: query.teamId } },
          { returnDocument: 'after' },
        ).lean();
      }
      if (!record) throw new Error(`No installation for team ${query.teamId ?? '-'} / enterprise ${query.enterpriseId ?? '-'}`);
      return open(record);
    },

    async deleteInstallation(query) {
      const key = keyOfQuery(query);
      if (!key) return;
      const { deletedCount } = await InstallationModel.deleteOne({ key });
      logger.info({ installation: key, deleted: deletedCount }, 'Installation removed; calls for this team are skipped from now on');
    },

    async botForTeam(teamId) {
      const record =
        (await InstallationModel.findOne({ key: workspaceKey(teamId) }).lean()) ??
        (await InstallationModel.findOne({ isEnterpriseInstall: true, teamIds: teamId }).lean());
      if (!record) return undefined;
      const bot = open(record).bot;
      return bot?.token ? { token: bot.token, userId: bot.userId } : undefined;
    },
  };
}

/** Bolt's failure page answers 400 to an error with this code. */
export class InvalidStateError extends Error {
  readonly code = 'slack_oauth_invalid_state';
  constructor(reason: string) {
    super(`The OAuth state was refused: ${reason}`);
    this.name = 'InvalidStateError';
  }
}

/**
 * State values that work once: `<random id>.<HMAC of the id>`. The HMAC (with SLACK_STATE_SECRET)
 * refuses a forged value without touching the database; deleting the record on use refuses a
 * replayed one. Bolt also checks the value against a cookie of the installer's browser.
 */
export function createStateStore(stateSecret: string): StateStore {
  const sign = (id: string) => createHmac('sha256', stateSecret).update(id).digest('base64url');
  return {
    async generateStateParam(installOptions: InstallURLOptions, now: Date) {
      const id = randomBytes(24).toString('base64url');
      await OAuthStateModel.create({ _id: id, installOptions: JSON.stringify(installOptions), createdAt: now });
      return `${id}.${sign(id)}`;
    },
    async verifyStateParam(now: Date, state: string) {
      const [id, signature, ...rest] = state.split('.');
      const expected = id ? Buffer.from(sign(id)) : Buffer.alloc(0);
      const given = Buffer.from(signature ?? '');
      if (!id || rest.length > 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new InvalidStateError('not issued by this app');
      }
      const record = await OAuthStateModel.findOneAndDelete({ _id: id }).lean();
      if (!record) throw new InvalidStateError('already used or expired');
      if (now.getTime() - record.createdAt.getTime() > OAUTH_STATE_TTL_SECONDS * 1000) throw new InvalidStateError('expired');
      return JSON.parse(record.installOptions) as InstallURLOptions;
    },
  };
}
