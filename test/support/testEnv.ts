// The test environment: the shared local servers (started by globalSetup), a database of this
// test file's own, and the standard seed used across tests.
import { randomBytes } from 'node:crypto';

export const SIGNING_SECRET = 'test-signing-secret';
export const BOT_TOKEN = 'xoxb-test-ours';
export const TRIAGE = 'C0TRIAGE';

export const STAFF = { manager: 'U0MANAGER', engineer: 'U0ENG1', engineer2: 'U0ENG2' } as const;
export const ACME = { channel: 'C0ACME', boss: 'U0ACMEBOSS', member: 'U0ACMEDEV' } as const;
export const BETA = { channel: 'C0BETA', member: 'U0BETADEV' } as const;
/** Acme's own Slack organisation: its people reach ACME's channel through Slack Connect. */
export const ACME_ORG = 'T0ACMEORG';
/** One of our own full members who is not staff (an account manager), in client channels. */
export const COLLEAGUE = 'U0OURSALES';

export const STANDARD_SEED = `
managers: [${STAFF.manager}]
engineers: [${STAFF.engineer}, ${STAFF.engineer2}]
clients:
  - key: ACME
    name: Acme Ltd
    channels: [${ACME.channel}]
    hourlyRate: 95
    currency: GBP
    billingMode: on_completion
    incrementMinutes: 15
    minimumMinutes: 30
    approvers: [${ACME.boss}]
    timezone: Europe/London
    slaMinutes: { urgent: 15, high: 60, normal: 240, low: 480 }
    businessHours: { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:30" }
  - key: BETA
    name: Beta Co
    channels: [${BETA.channel}]
    hourlyRate: 120.50
    billingMode: upfront
    businessHours: 24x7
`;

export function uniqueName(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

/** The MongoDB URI of the shared test server with a database of this test file's own. */
export function testDatabaseUri(): string {
  const base = process.env.TEST_MONGODB_URI;
  if (!base) throw new Error('TEST_MONGODB_URI is not set: run the tests with `npm test` (jest globalSetup)');
  const url = new URL(base);
  url.pathname = `/${uniqueName('t_')}`;
  return url.toString();
}

export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) throw new Error('TEST_REDIS_URL is not set: run the tests with `npm test` (jest globalSetup)');
  return url;
}
