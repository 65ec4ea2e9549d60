// `npm run export -- [--client ACME] [--out dir] [--format jsonl,csv]`: writes every record (or one
// client's) as JSON Lines and CSV, one file per collection (see src/services/export.ts).
// `npm run export -- --format xero|quickbooks --month 2026-11 [--client ACME] [--out dir|-]`:
// writes the month's issued summaries as invoice import files (src/services/invoiceExport.ts).
// Needs only MONGODB_URI.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { connectDatabase, disconnectDatabase } from '../src/db/connection';
import { mongoUriFromEnv, runMain } from './cli';
import { INVOICE_FORMATS, INVOICE_FORMAT_NAMES, type InvoiceFormat } from '../src/domain/invoiceExport';
import { isPeriod } from '../src/domain/periods';
import { CLIENT_KEY_PATTERN } from '../src/domain/requestKey';
import { ErrorCode, UserFacingError, isUserFacingError } from '../src/errors';
import { EXPORT_FORMATS, exportRecords, type ExportFormat } from '../src/services/export';
import { exportIssuedMonth, invoiceLabel } from '../src/services/invoiceExport';

const USAGE = [
  'Usage: npm run export -- [--client ACME] [--out directory] [--format jsonl,csv]',
  '       npm run export -- --format xero|quickbooks --month 2026-11 [--client ACME] [--out directory, or - for stdout]',
].join('\n');

const isInvoiceFormat = (text: string): text is InvoiceFormat => (INVOICE_FORMATS as readonly string[]).includes(text);

const argsSchema = z
  .object({
    client: z.string().regex(CLIENT_KEY_PATTERN, 'the client key must be 2–10 capital letters, such as ACME').optional(),
    out: z.string().trim().min(1, 'the output directory must not be empty').optional(),
    format: z
      .string()
      .transform((text) => text.split(',').map((f) => f.trim()))
      .pipe(
        z.union(
          [z.tuple([z.enum(INVOICE_FORMATS)]), z.array(z.enum(EXPORT_FORMATS)).min(1)],
          `formats are ${EXPORT_FORMATS.join(' and ')}, separated by a comma, or one of ${INVOICE_FORMATS.join(' and ')}`,
        ),
      )
      .optional(),
    month: z.string().refine(isPeriod, 'the month must be written YYYY-MM, such as 2026-11').optional(),
  })
  .superRefine((args, ctx) => {
    const invoices = args.format?.length === 1 && args.format[0] !== undefined && isInvoiceFormat(args.format[0]);
    if (invoices && !args.month) ctx.addIssue({ code: 'custom', path: ['month'], message: `${args.format?.[0] ?? ''} exports one month: give it, such as --month 2026-11` });
    if (!invoices && args.month) ctx.addIssue({ code: 'custom', path: ['month'], message: 'a month goes with --format xero or --format quickbooks only' });
    if (!invoices && args.out === '-') ctx.addIssue({ code: 'custom', path: ['out'], message: 'records are written to a directory; - (stdout) is for xero and quickbooks' });
  });

export type ExportArgs =
  | { kind: 'records'; client?: string | undefined; out?: string | undefined; format?: ExportFormat[] | undefined }
  | { kind: 'invoices'; format: InvoiceFormat; month: string; client?: string | undefined; out?: string | undefined };

/** The command line, validated; the reason in plain words when it is not right. */
export function parseExportArgs(argv: string[]): { ok: true; value: ExportArgs } | { ok: false; message: string } {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: argv,
      options: { client: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' }, month: { type: 'string' } },
      strict: true,
    }).values;
  } catch (error) {
    return { ok: false, message: `${error instanceof Error ? error.message : String(error)}\n${USAGE}` };
  }
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) return { ok: false, message: `${parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('\n')}\n${USAGE}` };
  const { client, out, format, month } = parsed.data;
  const only = format?.length === 1 ? format[0] : undefined;
  if (only !== undefined && isInvoiceFormat(only) && month) {
    return { ok: true, value: { kind: 'invoices', format: only, month, ...(client ? { client } : {}), ...(out ? { out } : {}) } };
  }
  const records = format?.filter((f): f is ExportFormat => !isInvoiceFormat(f));
  return { ok: true, value: { kind: 'records', ...(client ? { client } : {}), ...(out ? { out } : {}), ...(records ? { format: records } : {}) } };
}

export interface Output {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * The month's invoice files into `out` (new or empty; by default `export-<client or invoices>-<month>-<format>`),
 * or, with `--out -`, the one file on stdout. Returns the exit code.
 */
async function writeInvoices(args: Extract<ExportArgs, { kind: 'invoices' }>, io: Output): Promise<number> {
  const { files, skipped } = await exportIssuedMonth({ period: args.month, format: args.format, clientKey: args.client });
  for (const s of skipped) io.stderr(`Skipped ${s.clientKey}: ${s.reason}\n`);
  const name = INVOICE_FORMAT_NAMES[args.format];
  if (files.length === 0) {
    io.stderr(`No issued ${args.month} summary gives an invoice, so no ${name} file was written.\n`);
    return 1;
  }
  if (args.out === '-') {
    if (files.length > 1) {
      throw new UserFacingError(ErrorCode.InvalidInput, `The invoices take ${files.length} ${name} files, so they cannot all go to stdout: give --out a directory.`);
    }
    io.stdout(files[0]?.content ?? '');
    return 0;
  }
  // Named like the records' export directories (export-…), which git and the tools already ignore.
  const dir = args.out ?? `export-${invoiceLabel(args.client, args.month)}-${args.format}`;
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0) {
    throw new UserFacingError(ErrorCode.Conflict, `${dir} is not empty: export into a new or empty directory, so no file of another export is mixed in.`);
  }
  for (const file of files) {
    const where = path.join(dir, file.filename);
    await writeFile(where, file.content, 'utf8');
    io.stdout(`${where}: ${file.invoices.length} ${file.invoices.length === 1 ? 'invoice' : 'invoices'} (${file.invoices.join(', ')})\n`);
  }
  io.stdout(`Wrote the ${args.month} invoices for ${name} to ${dir}\n`);
  return 0;
}

async function writeRecords(args: Extract<ExportArgs, { kind: 'records' }>, io: Output): Promise<number> {
  const { client, format } = args;
  const out = args.out ?? `export-${client ?? 'all'}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}`;
  const report = await exportRecords({ outDir: out, clientKey: client, formats: format });
  for (const c of report.collections) io.stdout(`${c.name}: ${c.records} records → ${c.files.join(', ')}\n`);
  io.stdout(`Exported ${client ? `client ${client}` : 'every client'} to ${out}\n`);
  return 0;
}

/**
 * The command, on an open database connection: 0 when done, 1 when refused (the reason on
 * stderr), 2 for a usage error.
 */
export async function runExport(argv: string[], io: Output): Promise<number> {
  const args = parseExportArgs(argv);
  if (!args.ok) {
    io.stderr(`${args.message}\n`);
    return 2;
  }
  try {
    return args.value.kind === 'invoices' ? await writeInvoices(args.value, io) : await writeRecords(args.value, io);
  } catch (error) {
    if (isUserFacingError(error)) {
      io.stderr(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function main(): Promise<number> {
  const io: Output = { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) };
  // A usage error needs no database: runExport says what is wrong before connecting to anything.
  if (!parseExportArgs(process.argv.slice(2)).ok) return runExport(process.argv.slice(2), io);
  const uri = mongoUriFromEnv();
  if (!uri) return 2;
  await connectDatabase(uri);
  try {
    return await runExport(process.argv.slice(2), io);
  } finally {
    await disconnectDatabase();
  }
}

if (require.main === module) runMain(main, 'Export failed');
