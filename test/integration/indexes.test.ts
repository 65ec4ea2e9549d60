// Every index a model declares exists once the app has connected: autoIndex is off, so an index
// exists only if connectDatabase builds it (a model left out of its list would have none, and a
// unique rule it carries would silently not hold). Sparse ones must be sparse: a unique index on
// an optional field (a modal's submission) would otherwise let only one record lack it.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import mongoose from 'mongoose';
import { connectDatabase, disconnectDatabase } from '../../src/db/connection';
import { testDatabaseUri } from '../support/testEnv';

const DB_DIR = path.join(__dirname, '..', '..', 'src', 'db');

beforeAll(async () => {
  // Every model file, whether or not connection.ts knows it.
  for (const file of readdirSync(DB_DIR).filter((f) => f.endsWith('.ts') && f !== 'connection.ts')) {
    await import(path.join(DB_DIR, file));
  }
  await connectDatabase(testDatabaseUri());
});
afterAll(async () => {
  await mongoose.connection.db?.dropDatabase();
  await disconnectDatabase();
});

it('builds every index every model declares, unique ones unique and sparse ones sparse', async () => {
  const models = Object.values(mongoose.models);
  expect(models.length).toBeGreaterThanOrEqual(14);
  const missing: string[] = [];
  for (const model of models) {
    const existing = await model.collection.listIndexes().toArray().catch(() => []);
    for (const [keys, options] of model.schema.indexes()) {
      const found = existing.find((index) => JSON.stringify(index.key) === JSON.stringify(keys));
      const declared = options as { unique?: boolean; sparse?: boolean } | undefined;
      const unique = Boolean(declared?.unique);
      const sparse = Boolean(declared?.sparse);
      if (!found || Boolean(found.unique) !== unique || Boolean(found.sparse) !== sparse) {
        missing.push(`${model.collection.collectionName} ${JSON.stringify(keys)}${unique ? ' unique' : ''}${sparse ? ' sparse' : ''}`);
      }
    }
  }
  expect(missing).toEqual([]);
});
