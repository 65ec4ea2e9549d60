// A test file's own MongoDB database on the test server: connected (then `prepare`, e.g. a seed)
// before its tests, dropped and disconnected after them.
import mongoose from 'mongoose';
import { connectDatabase, disconnectDatabase } from '../../src/db/connection';
import { testDatabaseUri } from './testEnv';

/** Returns the database's URI, for processes of the app the file starts against it. */
export function useTestDatabase(prepare?: () => Promise<unknown>): string {
  const uri = testDatabaseUri();
  beforeAll(async () => {
    await connectDatabase(uri);
    await prepare?.();
  });
  afterAll(async () => {
    await mongoose.connection.db?.dropDatabase();
    await disconnectDatabase();
  });
  return uri;
}
