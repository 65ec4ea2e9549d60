// Starts MongoDB-wire and Redis servers once for the whole run (unless MONGODB_URI / REDIS_URL
// are given) and hands their addresses to the test files through the environment.
import { startLocalServices, type LocalServices } from '../../scripts/services';

declare global {
  var __localServices: LocalServices | undefined;
}

export default async function globalSetup(): Promise<void> {
  const services = await startLocalServices(process.env);
  process.env.TEST_MONGODB_URI = services.mongodbUri;
  process.env.TEST_REDIS_URL = services.redisUrl;
  globalThis.__localServices = services;
}
