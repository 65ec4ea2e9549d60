// Every record can be exported (a PRODUCT principle): JSON Lines and CSV per collection, for
// every client or one, streamed, with no secret in any file and the database unchanged.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import { parseExportArgs } from '../../scripts/export';
import { connectDatabase, disconnectDatabase } from '../../src/db/connection';
import { AuditEventModel } from '../../src/db/auditEvent';
import { BillingSummaryModel } from '../../src/db/billingSummary';
import { EstimateModel } from '../../src/db/estimate';
import { InstallationModel } from '../../src/db/installation';
import { RequestModel } from '../../src/db/request';
import { StaffModel } from '../../src/db/staff';
import { TimeEntryModel } from '../../src/db/timeEntry';
import { recordAudit } from '../../src/services/audit';
import { generateBillingSummary } from '../../src/services/billing';
import { exportRecords } from '../../src/services/export';
import { applySeed } from '../../src/services/seed';
import { ACME, BETA, STAFF, STANDARD_SEED, TRIAGE, testDatabaseUri } from '../support/testEnv';

const run = promisify(execFile);
let uri: string;

const newDir = () => mkdtempSync(path.join(tmpdir(), 'export-'));
const jsonLines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

async function request(clientKey: string, number: number, title: string, extra: Record<string, unknown> = {}) {
  await RequestModel.create({
    key: `${clientKey}-${number}`,
    clientKey,
    number,
    title,
    category: 'maintenance',
    priority: 'normal',
    state: 'closed',
    source: 'command',
    requesterId: clientKey === 'ACME' ? ACME.member : BETA.member,
    clientChannelId: clientKey === 'ACME' ? ACME.channel : BETA.channel,
    triageChannelId: TRIAGE,
    createdAt: new Date('2026-11-02T09:00:00Z'),
    closedAt: new Date('2026-11-03T16:00:00Z'),
    ...extra,
  });
  await EstimateModel.create({
    requestKey: `${clientKey}-${number}`,
    clientKey,
    version: 1,
    kind: 'estimate',
    lowMinutes: 60,
    highMinutes: 90,
    hourlyRateMinor: 9500,
    currency: 'GBP',
    amountMinor: 14250,
    authorId: STAFF.engineer,
    createdAt: new Date('2026-11-02T10:00:00Z'),
    decision: 'approved',
    decidedBy: ACME.boss,
    decidedAt: new Date('2026-11-02T11:00:00Z'),
    // The client's terms when it was approved, as decideEstimate stores them (testEnv's seed).
    terms: clientKey === 'ACME' ? { billingMode: 'on_completion', incrementMinutes: 15, minimumMinutes: 30 } : { billingMode: 'upfront', incrementMinutes: 15, minimumMinutes: 30 },
  });
  await TimeEntryModel.create({
    requestKey: `${clientKey}-${number}`,
    clientKey,
    engineerId: STAFF.engineer,
    minutes: 75,
    workDate: '2026-11-03',
    billable: true,
    note: 'Fixed it',
    createdAt: new Date('2026-11-03T15:00:00Z'),
  });
  await recordAudit({ actorId: STAFF.engineer, action: 'request.close', entityType: 'request', entityId: `${clientKey}-${number}`, clientKey, after: { state: 'closed' } });
}

beforeAll(async () => {
  uri = testDatabaseUri();
  await connectDatabase(uri);
  await applySeed(STANDARD_SEED);
  await request('ACME', 1, '=HYPERLINK("http://evil")', { sourceMessage: { channelId: ACME.channel, ts: '1700000000.000100' } });
  await request('ACME', 2, 'Émoji 🚀 and עברית, "quoted", with a comma');
  await request('BETA', 1, 'Beta secret thing');
  await generateBillingSummary('ACME', '2026-11', STAFF.manager);
  await generateBillingSummary('BETA', '2026-11', STAFF.manager);
  // An installation holds a (sealed) bot token: it must never be exported.
  await InstallationModel.create({ key: 'T:T0CLIENT', teamId: 'T0CLIENT', isEnterpriseInstall: false, sealed: 'v1:secret-sealed-token', botUserId: 'U0BOT' });
});
afterAll(async () => {
  await mongoose.connection.db?.dropDatabase();
  await disconnectDatabase();
});

describe('exportRecords', () => {
  it('writes every record of every client, JSON Lines equal to the database, and no secret', async () => {
    const dir = newDir();
    const report = await exportRecords({ outDir: dir });
    const counts = Object.fromEntries(report.collections.map((c) => [c.name, c.records]));
    expect(counts).toEqual({
      clients: 2,
      staff: await StaffModel.countDocuments(),
      requests: 3,
      estimates: 3,
      timeentries: 3,
      billingsummaries: 2,
      auditevents: await AuditEventModel.countDocuments(),
    });
    expect(readdirSync(dir).sort()).toEqual(report.collections.flatMap((c) => [`${c.name}.csv`, `${c.name}.jsonl`]).sort());

    // A record round-trips: the JSON line is the stored document, dates as ISO instants, ids as hex.
    const stored = await RequestModel.findOne({ key: 'ACME-1' }).lean();
    const exported = jsonLines(path.join(dir, 'requests.jsonl')).find((r) => r.key === 'ACME-1');
    expect(exported).toEqual(JSON.parse(JSON.stringify(stored)));
    expect(exported?.closedAt).toBe('2026-11-03T16:00:00.000Z');
    // Money stays in integer minor units.
    const summary = jsonLines(path.join(dir, 'billingsummaries.jsonl')).find((s) => s.clientKey === 'ACME') as { totals: { amountMinor: number } };
    expect(Number.isInteger(summary.totals.amountMinor)).toBe(true);
    expect(summary.totals.amountMinor).toBe((await BillingSummaryModel.findOne({ clientKey: 'ACME' }).lean())?.totals.amountMinor);

    const everything = readdirSync(dir).map((f) => readFileSync(path.join(dir, f), 'utf8')).join('\n');
    expect(everything).not.toContain('secret-sealed-token');
    expect(everything).not.toContain('T0CLIENT');
    expect(readdirSync(dir).some((f) => f.startsWith('installations') || f.startsWith('oauthstates'))).toBe(false);
  });

  it('writes CSV with the schema as header, ISO dates, nested values as JSON and formulas kept as text', async () => {
    const dir = newDir();
    await exportRecords({ outDir: dir, formats: ['csv'] });
    expect(readdirSync(dir).every((f) => f.endsWith('.csv'))).toBe(true);
    const lines = readFileSync(path.join(dir, 'requests.csv'), 'utf8').split('\n');
    const header = lines[0]?.split(',') ?? [];
    expect(header.slice(0, 3)).toEqual(['_id', 'key', 'clientKey']);
    expect(header).toEqual(expect.arrayContaining(['title', 'closedAt', 'sourceMessage', 'revision']));
    const acme1 = lines.find((l) => l.includes(',ACME-1,')) ?? '';
    expect(acme1).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(acme1).toContain('2026-11-03T16:00:00.000Z');
    expect(acme1).toContain('"{""channelId"":""C0ACME"",""ts"":""1700000000.000100""}"');
    const acme2 = lines.find((l) => l.includes(',ACME-2,')) ?? '';
    expect(acme2).toContain('"Émoji 🚀 and עברית, ""quoted"", with a comma"');
    // One line per record plus the header (and the final newline).
    expect(lines.filter((l) => l !== '')).toHaveLength(1 + 3);
  });

  it("writes one client's records only, without our staff", async () => {
    const dir = newDir();
    const report = await exportRecords({ outDir: dir, clientKey: 'ACME', formats: ['jsonl'] });
    expect(report.collections.map((c) => c.name)).not.toContain('staff');
    for (const c of report.collections) {
      for (const record of jsonLines(path.join(dir, `${c.name}.jsonl`))) {
        expect([record.clientKey, record.key]).toContain('ACME');
      }
    }
    expect(report.collections.find((c) => c.name === 'requests')?.records).toBe(2);
    expect(readdirSync(dir).map((f) => readFileSync(path.join(dir, f), 'utf8')).join('\n')).not.toContain('Beta secret thing');
  });

  it('refuses an unknown client and a directory that is not empty, writing nothing', async () => {
    const dir = newDir();
    await expect(exportRecords({ outDir: dir, clientKey: 'NOPE' })).rejects.toThrow('There is no client NOPE');
    expect(readdirSync(dir)).toEqual([]);
    writeFileSync(path.join(dir, 'old.txt'), 'an earlier export');
    await expect(exportRecords({ outDir: dir })).rejects.toThrow('is not empty');
    expect(readdirSync(dir)).toEqual(['old.txt']);
  });
});

describe('npm run export', () => {
  it.each([
    [['--client', 'acme'], '--client: the client key must be 2–10 capital letters'],
    [['--client', '{"$gt":""}'], '--client: the client key must be 2–10 capital letters'],
    [['--format', 'xml'], '--format: formats are jsonl and csv'],
    [['--format', ''], '--format: formats are jsonl and csv'],
    [['--out', '   '], '--out: the output directory must not be empty'],
    [['--bogus'], "Unknown option '--bogus'"],
  ])('refuses %j in plain words', (argv, message) => {
    const parsed = parseExportArgs(argv);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(message);
  });

  it('accepts a client, a directory and formats', () => {
    expect(parseExportArgs(['--client', 'ACME', '--out', 'x', '--format', 'csv, jsonl'])).toEqual({ ok: true, value: { client: 'ACME', out: 'x', format: ['csv', 'jsonl'] } });
  });

  it('runs as a command, says what it wrote, and exits 1 for an unknown client', async () => {
    const dir = path.join(newDir(), 'out');
    const env = { ...process.env, MONGODB_URI: uri };
    const tsx = path.join(__dirname, '../../node_modules/.bin/tsx');
    const script = path.join(__dirname, '../../scripts/export.ts');
    const ok = await run(tsx, [script, '--client', 'BETA', '--out', dir], { env });
    expect(ok.stdout).toContain('requests: 1 records');
    expect(ok.stdout).toContain(`Exported client BETA to ${dir}`);
    expect(jsonLines(path.join(dir, 'requests.jsonl')).map((r) => r.key)).toEqual(['BETA-1']);
    await expect(run(tsx, [script, '--client', 'NOPE', '--out', path.join(dir, 'x')], { env })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('There is no client NOPE'),
    });
  });
});
