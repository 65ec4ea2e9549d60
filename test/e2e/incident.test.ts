// An incident against a Slack that enforces its published limits: 50 `/help` over 45 s across
// three client channels, each claimed as soon as its triage message appears, six Home tabs open,
// the request modal opened three times during the burst; two web processes and two workers, as
// deployed. The app paces itself, so Slack never has to refuse it, and it converges about as fast
// as Slack's limits allow. The triage channel takes one message a second, so the incident's length
// is set by its size: `npm test` plays 50 requests (the pace, the claims, the modals and Home tabs
// are the same, at half the count), TEST_INCIDENT_REQUESTS=100 the full 100 over 90 s, as
// `npm run bench -- --only incident` does.
import mongoose from 'mongoose';
import { connectDatabase, disconnectDatabase } from '../../src/db/connection';
import { runIncident, type IncidentResult } from '../support/incident';
import { SlackFake } from '../support/slackFake';
import { testDatabaseUri, testRedisUrl } from '../support/testEnv';

const REQUESTS = Number(process.env.TEST_INCIDENT_REQUESTS ?? 50);
const SECONDS = Math.round(REQUESTS * 0.9);
/** "Within 120 s of the last claim in any case." */
const SETTLE_SECONDS = 120;

let result: IncidentResult;
const fake = new SlackFake();

beforeAll(async () => {
  await fake.start();
  const uri = testDatabaseUri();
  await connectDatabase(uri);
  result = await runIncident({
    fake,
    mongodbUri: uri,
    redisUrl: testRedisUrl(),
    webs: 2,
    workers: 2,
    requests: REQUESTS,
    seconds: SECONDS,
    modals: 3,
    settleSeconds: SETTLE_SECONDS,
    log: (line) => process.stderr.write(`[incident] ${line}\n`),
  });
  const sorted = [...result.acks].sort((a, b) => a - b);
  process.stderr.write(
    `[incident] converged in ${result.convergenceSeconds.toFixed(1)} s; Slack's limits allow ${result.minimumSeconds.toFixed(1)} s at best ` +
      `(${(result.convergenceSeconds / result.minimumSeconds).toFixed(2)}×); ${result.afterLastClaimSeconds.toFixed(1)} s after the last claim; ` +
      `ack p99 ${sorted[Math.ceil(sorted.length * 0.99) - 1]?.toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms; ` +
      `calls ${JSON.stringify(result.callsByMethod)}; 429s ${JSON.stringify(result.rateLimited)}\n`,
  );
}, 420_000);

afterAll(async () => {
  await mongoose.connection.db?.dropDatabase().catch(() => undefined);
  await disconnectDatabase();
  await fake.stop();
});

it('acknowledges everything within Slack’s 3 s', () => {
  expect(result.failedAcks).toEqual([]);
  expect(result.acks.length).toBeGreaterThanOrEqual(REQUESTS + 3 + 6 + REQUESTS);
  expect(Math.max(...result.acks)).toBeLessThan(3000);
});

it('creates every request once, and every one is claimed', () => {
  expect(result.requestsSent).toBe(REQUESTS);
  expect(result.requestsCreated).toBe(REQUESTS);
  expect(result.claims).toBe(REQUESTS);
});

it('opens every modal asked for during the burst', () => {
  expect(result.modalsAsked).toBe(3);
  expect(result.modalsOpened).toBe(3);
});

it('never posts a second root message for a request', () => {
  expect(result.duplicateRoots).toEqual([]);
});

it('is never refused by Slack: it paces itself', () => {
  expect(result.rateLimited).toEqual({});
});

it('shows every engineer within 1.25× the time Slack’s limits allow, and within 120 s of the last claim', () => {
  expect(result.unconverged).toEqual([]);
  expect(result.minimumSeconds).toBeGreaterThan(0);
  expect(result.convergenceSeconds).toBeLessThanOrEqual(1.25 * result.minimumSeconds);
  expect(result.afterLastClaimSeconds).toBeLessThanOrEqual(SETTLE_SECONDS);
});

it('logs no warnings or errors while it copes', () => {
  expect(result.problems).toEqual([]);
});
