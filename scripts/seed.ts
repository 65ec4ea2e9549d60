// `npm run seed -- path/to/file.yml`: upserts staff and clients from a seed file (format in the
// README). Needs only MONGODB_URI.
import { readFileSync } from 'node:fs';
import { connectDatabase, disconnectDatabase } from '../src/db/connection';
import { PROCESS_IO, mongoUriFromEnv, runMain, type CommandIo } from './cli';
import { SeedError, applySeed } from '../src/services/seed';

/** `npm run seed -- <argv>`: the exit code. */
export async function main(argv: string[], io: CommandIo = PROCESS_IO): Promise<number> {
  const file = argv[0];
  if (!file) {
    io.stderr('Usage: npm run seed -- path/to/file.yml\n');
    return 2;
  }
  const uri = mongoUriFromEnv(io);
  if (!uri) return 2;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    io.stderr(`Cannot read ${file}\n`);
    return 2;
  }
  await connectDatabase(uri);
  try {
    const report = await applySeed(text);
    io.stdout(`Seeded ${file}: staff ${JSON.stringify(report.staff)}, clients ${JSON.stringify(report.clients)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof SeedError) {
      io.stderr(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await disconnectDatabase();
  }
}

if (require.main === module) runMain(main, 'Seeding failed');
