// `npm run seed -- path/to/file.yml`: upserts staff and clients from a seed file (format in the
// README). Needs only MONGODB_URI.
import { readFileSync } from 'node:fs';
import { connectDatabase, disconnectDatabase } from '../src/db/connection';
import { mongoUriFromEnv, runMain } from './cli';
import { SeedError, applySeed } from '../src/services/seed';

async function main(): Promise<number> {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('Usage: npm run seed -- path/to/file.yml\n');
    return 2;
  }
  const uri = mongoUriFromEnv();
  if (!uri) return 2;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    process.stderr.write(`Cannot read ${file}\n`);
    return 2;
  }
  await connectDatabase(uri);
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

runMain(main, 'Seeding failed');
