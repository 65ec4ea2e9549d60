// A test file's own MongoDB database on the test server: connected (then `prepare`, e.g. a seed)
// before its tests, dropped and disconnected after them.
import mongoose from 'mongoose';
import { connectDatabase, disconnectDatabase } from '../../src/db/connection';
import { testDatabaseUri } from './testEnv';

export function useTestDatabase(prepare?: () => Promise<unknown>): void {
  beforeAll(async () => {
    await connectDatabase(testDatabaseUri());
    await prepare?.();
  });
  afterAll(async () => {
    await mongoose.connection.db?.dropDatabase();
    await disconnectDatabase();
  });
}
