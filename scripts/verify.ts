// `npm run verify [-- --client ACME [--head <hex>]]`: checks the audit ledger (src/services/ledger.ts):
// every link of every client's hash chain (or one client's), and every issued billing summary
// recomputed from the audit events alone and checked against the stored one; with --head, that
// the client's chain still holds the head printed on an issued summary. Says exactly which event
// or line disagrees; exits 1 if anything does, 2 on a usage error. Needs only MONGODB_URI.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { connectDatabase, disconnectDatabase } from '../src/db/connection';
import { PROCESS_IO, mongoUriFromEnv, runMain, type CommandIo } from './cli';
import { CLIENT_KEY_PATTERN } from '../src/domain/requestKey';
import { HEAD_PATTERN } from '../src/domain/ledger';
import { periodLabel } from '../src/domain/periods';
import { verifyLedger, type LedgerReport } from '../src/services/ledger';

const USAGE = 'Usage: npm run verify -- [--client ACME [--head <the hash printed on an issued summary: 16 to 64 hex characters>]]';

export function parseVerifyArgs(argv: string[]): { ok: true; client?: string | undefined; head?: string | undefined } | { ok: false; message: string } {
  let values: { client?: string | undefined; head?: string | undefined };
  try {
    values = parseArgs({ args: argv, options: { client: { type: 'string' }, head: { type: 'string' } }, strict: true }).values;
  } catch (error) {
    return { ok: false, message: `${error instanceof Error ? error.message : String(error)}\n${USAGE}` };
  }
  const client = z.string().regex(CLIENT_KEY_PATTERN, 'the client key must be 2–10 capital letters, such as ACME').optional().safeParse(values.client);
  if (!client.success) return { ok: false, message: `--client: ${client.error.issues[0]?.message ?? 'not a client key'}\n${USAGE}` };
  if (values.head === undefined) return { ok: true, client: client.data };
  const head = z
    .string()
    .trim()
    .toLowerCase()
    .regex(HEAD_PATTERN, 'give the hash as printed, at least its first 16 hex characters (0–9, a–f)')
    .safeParse(values.head);
  if (!head.success) return { ok: false, message: `--head: ${head.error.issues[0]?.message ?? 'not a hash'}\n${USAGE}` };
  if (!client.data) return { ok: false, message: `--head: say whose chain to look in, with --client\n${USAGE}` };
  return { ok: true, client: client.data, head: head.data };
}

export function reportText(report: LedgerReport): string {
  const out: string[] = [];
  for (const chain of report.chains) {
    const name = chain.chain === '-' ? 'events about no client' : chain.chain;
    const legacy =
      (chain.unchained > 0 ? ` (${chain.unchained} earlier events predate the ledger and are not chained)` : '') +
      (chain.pending > 0 ? ` (${chain.pending} events of the last minute wait for the worker's chainer)` : '');
    if (chain.problems.length === 0) out.push(`✓ ${name}: ${chain.events} events, every link holds${legacy}`);
    else out.push(`✗ ${name}: ${chain.events} events${legacy}`, ...chain.problems.map((p) => `    ${p}`));
    for (const summary of report.summaries.filter((s) => s.clientKey === chain.chain)) {
      const month = `${summary.clientKey} ${periodLabel(summary.period)}`;
      if (summary.problems.length === 0) out.push(`  ✓ ${month}: the issued summary is what the ledger says`);
      else out.push(`  ✗ ${month}:`, ...summary.problems.map((p) => `      ${p}`));
    }
  }
  if (report.head) out.push(...headText(report.head));
  if (report.chains.length === 0) out.push('No audit events to check.');
  out.push(report.ok ? 'The ledger holds.' : 'The ledger does NOT hold: see the ✗ lines above.');
  return `${out.join('\n')}\n`;
}

function headText(head: NonNullable<LedgerReport['head']>): string[] {
  const shown = head.given.length > 16 ? `${head.given.slice(0, 16)}…` : head.given;
  if (head.problems.length > 0) return [`✗ ${head.chain}'s chain does NOT hold the head ${shown}:`, ...head.problems.map((p) => `    ${p}`)];
  const months = head.issued.map((i) => `the ${periodLabel(i.period)} summary (issued in #${i.seq})`).join(' and ');
  return [`✓ ${head.chain}'s chain holds the head ${shown} at #${head.at?.seq ?? 0}: ${months} was computed from it, and every link from the first event to the last still holds.`];
}

/** `npm run verify -- <argv>`: the exit code. */
export async function main(argv: string[], io: CommandIo = PROCESS_IO): Promise<number> {
  const args = parseVerifyArgs(argv);
  if (!args.ok) {
    io.stderr(`${args.message}\n`);
    return 2;
  }
  const uri = mongoUriFromEnv(io);
  if (!uri) return 2;
  await connectDatabase(uri);
  try {
    const report = await verifyLedger({ clientKey: args.client, head: args.head });
    io.stdout(reportText(report));
    return report.ok ? 0 : 1;
  } finally {
    await disconnectDatabase();
  }
}

if (require.main === module) runMain(main, 'Verify failed');
