// The seed file: validated as a whole, idempotent, audited.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import { main as seed } from '../../scripts/seed';
import { connectDatabase, disconnectDatabase } from '../../src/db/connection';
import { runCommand } from '../support/command';
import { AuditEventModel } from '../../src/db/auditEvent';
import { ClientModel } from '../../src/db/client';
import { EstimateModel } from '../../src/db/estimate';
import { StaffModel } from '../../src/db/staff';
import { SeedError, applySeed } from '../../src/services/seed';
import { STANDARD_SEED, testDatabaseUri } from '../support/testEnv';

const run = promisify(execFile);
let uri: string;

beforeAll(async () => {
  uri = testDatabaseUri();
  await connectDatabase(uri);
});
afterAll(async () => {
  await mongoose.connection.db?.dropDatabase();
  await disconnectDatabase();
});

async function seedError(yaml: string): Promise<string[]> {
  try {
    await applySeed(yaml);
  } catch (error) {
    if (error instanceof SeedError) return error.problems;
    throw error;
  }
  throw new Error('expected the seed to be rejected');
}

describe('seed', () => {
  it('upserts staff and clients, then changes nothing when run again', async () => {
    const first = await applySeed(STANDARD_SEED);
    expect(first.clients).toEqual({ created: 2, updated: 0, unchanged: 0 });
    expect(first.staff).toEqual({ created: 3, updated: 0, unchanged: 0 });
    const acme = await ClientModel.findOne({ key: 'ACME' }).lean();
    expect(acme).toMatchObject({
      name: 'Acme Ltd',
      hourlyRateMinor: 9500,
      currency: 'GBP',
      billingMode: 'on_completion',
      channels: ['C0ACME'],
      approvers: ['U0ACMEBOSS'],
      slaMinutes: { urgent: 15, high: 60, normal: 240, low: 480 },
      businessHours: { alwaysOpen: false, days: [1, 2, 3, 4, 5], start: '09:00', end: '17:30' },
    });
    const beta = await ClientModel.findOne({ key: 'BETA' }).lean();
    expect(beta).toMatchObject({ hourlyRateMinor: 12050, billingMode: 'upfront', businessHours: { alwaysOpen: true } });
    expect(beta?.approvers).toEqual([]);

    const auditBefore = await AuditEventModel.countDocuments();
    const clientsBefore = await ClientModel.find().lean();
    const second = await applySeed(STANDARD_SEED);
    expect(second.clients).toEqual({ created: 0, updated: 0, unchanged: 2 });
    expect(second.staff).toEqual({ created: 0, updated: 0, unchanged: 3 });
    expect(await AuditEventModel.countDocuments()).toBe(auditBefore);
    expect(await ClientModel.find().lean()).toEqual(clientsBefore);
  });

  it('updates a changed client and audits before and after', async () => {
    const report = await applySeed(STANDARD_SEED.replace('hourlyRate: 95', 'hourlyRate: 99.99'));
    expect(report.clients).toEqual({ created: 0, updated: 1, unchanged: 1 });
    const event = await AuditEventModel.findOne({ action: 'client.updated', entityId: 'ACME' }).sort({ at: -1 }).lean();
    expect(event?.before).toMatchObject({ hourlyRateMinor: 9500 });
    expect(event?.after).toMatchObject({ hourlyRateMinor: 9999 });
  });

  it('rejects a bad file as a whole, naming the path of every bad field, and writes nothing', async () => {
    const countsBefore = [await ClientModel.countDocuments(), await StaffModel.countDocuments(), await AuditEventModel.countDocuments()];
    const problems = await seedError(`
managers: [not-a-user]
engineers: [U0NEWENG]
clients:
  - key: NEW
    name: New Co
    channels: [C0NEW]
    hourlyRate: 95
  - key: acme
    name: ""
    channels: [general]
    hourlyRate: 92.505
    billingMode: monthly
    incrementMinutes: 0
    timezone: Europe/Nowhere
    slaMinutes: { urgent: 15 }
    businessHours: { days: [1, 8], start: "9am", end: "17:30" }
    surprise: true
`);
    const joined = problems.join('\n');
    for (const path of [
      'managers[0]',
      'clients[1].key',
      'clients[1].name',
      'clients[1].channels[0]',
      'clients[1].billingMode',
      'clients[1].incrementMinutes',
      'clients[1].timezone',
      'clients[1].slaMinutes',
      'clients[1].businessHours',
    ]) {
      expect(joined).toContain(path);
    }
    expect(joined).toMatch(/surprise/);
    expect([await ClientModel.countDocuments(), await StaffModel.countDocuments(), await AuditEventModel.countDocuments()]).toEqual(countsBefore);
    expect(await ClientModel.findOne({ key: 'NEW' })).toBeNull();
  });

  it('stores the GitHub repositories a client follows in lower case, and names a bad or repeated one plainly', async () => {
    const withRepos = STANDARD_SEED.replace('    timezone: Europe/London\n', '    timezone: Europe/London\n    repositories: [Acme/Shop, acme/api]\n');
    expect((await applySeed(withRepos)).clients).toMatchObject({ updated: 1 });
    expect((await ClientModel.findOne({ key: 'ACME' }).lean())?.repositories).toEqual(['acme/shop', 'acme/api']);
    expect((await applySeed(withRepos)).clients).toEqual({ created: 0, updated: 0, unchanged: 2 });
    expect(await seedError(withRepos.replace('[Acme/Shop, acme/api]', '[https://github.com/acme/shop]'))).toEqual([
      'clients[0].repositories[0]: must be a GitHub repository written owner/name, such as acme/shop',
    ]);
    expect(await seedError(withRepos.replace('[Acme/Shop, acme/api]', 'acme/shop'))).toEqual([
      'clients[0].repositories: must be a list of GitHub repositories, such as [acme/shop, acme/api]',
    ]);
    expect(await seedError(withRepos.replace('[Acme/Shop, acme/api]', '[acme/shop, ACME/SHOP]'))).toEqual([
      'clients[0].repositories: lists a repository twice (names are case-insensitive)',
    ]);
  });

  it("stores a client's accounting settings for the invoice exports, only the fields given, and names a bad one plainly", async () => {
    const withAccounting = STANDARD_SEED.replace(
      '    timezone: Europe/London\n',
      '    timezone: Europe/London\n    accounting: { contactName: Acme Limited, accountCode: "4000", paymentTermsDays: 30 }\n',
    );
    expect((await applySeed(withAccounting)).clients).toMatchObject({ updated: 1 });
    expect((await ClientModel.findOne({ key: 'ACME' }).lean())?.accounting).toEqual({ contactName: 'Acme Limited', accountCode: '4000', paymentTermsDays: 30 });
    expect((await applySeed(withAccounting)).clients).toEqual({ created: 0, updated: 0, unchanged: 2 });
    expect(await seedError(withAccounting.replace('paymentTermsDays: 30', 'paymentTermsDays: "net 30"'))).toEqual([
      'clients[0].accounting.paymentTermsDays: must be a number of days, such as 14',
    ]);
    // Taken out of the file: removed from the client, so the defaults apply again.
    expect((await applySeed(STANDARD_SEED)).clients).toMatchObject({ updated: 1 });
    expect((await ClientModel.findOne({ key: 'ACME' }).lean())?.accounting).toBeUndefined();
    expect((await applySeed(STANDARD_SEED)).clients).toEqual({ created: 0, updated: 0, unchanged: 2 });
  });

  it('removes a monthly budget taken out of the file', async () => {
    const withBudget = STANDARD_SEED.replace('    timezone: Europe/London\n', '    timezone: Europe/London\n    monthlyBudgetHours: 40\n');
    await applySeed(withBudget);
    expect((await ClientModel.findOne({ key: 'ACME' }).lean())?.monthlyBudgetMinutes).toBe(2400);
    expect((await applySeed(STANDARD_SEED)).clients).toMatchObject({ updated: 1 });
    expect((await ClientModel.findOne({ key: 'ACME' }).lean())?.monthlyBudgetMinutes).toBeUndefined();
  });

  it('rejects a mapping used as a key without a process warning quoting the file', async () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const errors = await seedError('clients:\n  - key: ACME\n    ? { "$gt": "" }\n    : 1\n');
      expect(errors.join('\n')).toMatch(/clients\[0\]/);
      expect(emitWarning).not.toHaveBeenCalled();
    } finally {
      emitWarning.mockRestore();
    }
  });

  it('refuses to change the currency of a client that has estimates, and allows it before', async () => {
    const seed = (currency: string) => `managers: [U0MGR]\nengineers: [U0ENG]\nclients:\n  - key: CURR\n    name: Curr Ltd\n    channels: [C0CURR]\n    hourlyRate: 95\n    currency: ${currency}\n`;
    await applySeed(seed('GBP'));
    // No estimates yet: a mistake in the set-up can still be corrected.
    await applySeed(seed('EUR'));
    expect((await ClientModel.findOne({ key: 'CURR' }).lean())?.currency).toBe('EUR');
    await EstimateModel.create({
      requestKey: 'CURR-1',
      clientKey: 'CURR',
      version: 1,
      kind: 'estimate',
      lowMinutes: 60,
      highMinutes: 60,
      hourlyRateMinor: 9500,
      currency: 'EUR',
      amountMinor: 9500,
      authorId: 'U0ENG',
      createdAt: new Date(),
    });
    expect(await seedError(seed('CLP'))).toEqual([
      "clients[0].currency: CURR already has estimates in EUR, so its currency can't change to CLP; set the client up again under a new key for CLP",
    ]);
    expect((await ClientModel.findOne({ key: 'CURR' }).lean())?.currency).toBe('EUR');
  });

  it('rejects a channel that already belongs to another client', async () => {
    const problems = await seedError(`
clients:
  - key: GAMMA
    name: Gamma
    channels: [C0ACME]
    hourlyRate: 50
`);
    expect(problems).toEqual(['clients[0].channels: C0ACME already belongs to client ACME']);
  });

  it.each([
    ['not yaml', 'clients: [\n  - key: ['],
    ['hourly rate with too many decimals', 'clients:\n  - { key: ZED, name: Z, hourlyRate: 1.234 }'],
    ['two clients with one key', 'clients:\n  - { key: ZED, name: Z, hourlyRate: 1 }\n  - { key: ZED, name: Y, hourlyRate: 1 }'],
  ])('rejects %s', async (_label, yaml) => {
    expect((await seedError(yaml)).length).toBeGreaterThan(0);
  });

  it('runs as `npm run seed -- file.yml` and reports a bad file with exit code 1', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'seed-'));
    const good = path.join(dir, 'good.yml');
    const bad = path.join(dir, 'bad.yml');
    writeFileSync(good, STANDARD_SEED);
    writeFileSync(bad, 'clients:\n  - key: x\n');
    // ACME as it was before a rename, so that the file updates one client.
    await applySeed(STANDARD_SEED.replace('name: Acme Ltd', 'name: Acme Old'));
    const env = { ...process.env, MONGODB_URI: uri };
    const tsx = path.join(__dirname, '../../node_modules/.bin/tsx');
    const script = path.join(__dirname, '../../scripts/seed.ts');
    // As a process once; the bad file in-process (the same main).
    const ok = await run(tsx, [script, good], { env });
    expect(ok.stdout).toMatch(/clients \{"created":0,"updated":1,"unchanged":1\}/);
    expect(await runCommand(seed, [bad], { MONGODB_URI: uri })).toMatchObject({ code: 1, stderr: expect.stringContaining('clients[0].key') });
    expect(await runCommand(seed, [], { MONGODB_URI: uri })).toMatchObject({ code: 2, stderr: expect.stringContaining('Usage: npm run seed') });
  });
});
