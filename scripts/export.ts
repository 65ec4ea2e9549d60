// `npm run export -- [--client ACME] [--out dir] [--format jsonl,csv]`: writes every record (or one
// client's) as JSON Lines and CSV, one file per collection (see src/services/export.ts). Needs
// only MONGODB_URI.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { connectDatabase, disconnectDatabase } from '../src/db/connection';
import { mongoUriFromEnv, runMain } from './cli';
import { CLIENT_KEY_PATTERN } from '../src/domain/requestKey';
import { isUserFacingError } from '../src/errors';
import { EXPORT_FORMATS, exportRecords } from '../src/services/export';

const USAGE = 'Usage: npm run export -- [--client ACME] [--out directory] [--format jsonl,csv]';

const argsSchema = z.object({
  client: z.string().regex(CLIENT_KEY_PATTERN, 'the client key must be 2–10 capital letters, such as ACME').optional(),
  out: z.string().trim().min(1, 'the output directory must not be empty').optional(),
  format: z
    .string()
    .transform((text) => text.split(',').map((f) => f.trim()))
    .pipe(z.array(z.enum(EXPORT_FORMATS, `formats are ${EXPORT_FORMATS.join(' and ')}, separated by a comma`)).min(1))
    .optional(),
});

/** The command line, validated; the reason in plain words when it is not right. */
export function parseExportArgs(argv: string[]): { ok: true; value: z.infer<typeof argsSchema> } | { ok: false; message: string } {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: argv, options: { client: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' } }, strict: true }).values;
  } catch (error) {
    return { ok: false, message: `${error instanceof Error ? error.message : String(error)}\n${USAGE}` };
  }
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) return { ok: false, message: `${parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('\n')}\n${USAGE}` };
  return { ok: true, value: parsed.data };
}

async function main(): Promise<number> {
  const args = parseExportArgs(process.argv.slice(2));
  if (!args.ok) {
    process.stderr.write(`${args.message}\n`);
    return 2;
  }
  const uri = mongoUriFromEnv();
  if (!uri) return 2;
  const { client, format } = args.value;
  const out = args.value.out ?? `export-${client ?? 'all'}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}`;
  await connectDatabase(uri);
  try {
    const report = await exportRecords({ outDir: out, clientKey: client, formats: format });
    for (const c of report.collections) process.stdout.write(`${c.name}: ${c.records} records → ${c.files.join(', ')}\n`);
    process.stdout.write(`Exported ${client ? `client ${client}` : 'every client'} to ${out}\n`);
    return 0;
  } catch (error) {
    if (isUserFacingError(error)) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await disconnectDatabase();
  }
}

if (require.main === module) runMain(main, 'Export failed');
