// `npm run seed -- path/to/file.yml`: upserts staff and clients from a seed file (format in the
// README). Needs only MONGODB_URI.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { connectDatabase, disconnectDatabase } from '../src/db/connection';
import { SeedError, applySeed } from '../src/services/seed';

async function main(): Promise<number> {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('Usage: npm run seed -- path/to/file.yml\n');
    return 2;
  }
  const uri = z.string().regex(/^mongodb(\+srv)?:\/\//).safeParse(process.env.MONGODB_URI);
  if (!uri.success) {
    process.stderr.write('MONGODB_URI is missing or not a mongodb:// URI\n');
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    process.stderr.write(`Cannot read ${file}\n`);
    return 2;
  }
  await connectDatabase(uri.data);
  try {
    const report = await applySeed(text);
    process.stdout.write(`Seeded ${file}: staff ${JSON.stringify(report.staff)}, clients ${JSON.stringify(report.clients)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof SeedError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await disconnectDatabase();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Seeding failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
