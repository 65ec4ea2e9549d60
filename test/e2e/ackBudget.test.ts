// A command whose answer takes longer than ACK_BUDGET_MS (here: Slack itself is slow to tell the
// app who the person is) is acknowledged at once with "Working on it…", well inside Slack's 3 s
// whatever the work costs, and its answer arrives through the command's response URL. Opening a
// request (`/help <text>`) is acknowledged before its work starts, whatever the budget; and while
// the process already makes as many answers as it takes at once, the next command is acknowledged
// straight away, without waiting for its budget.
import { RequestModel } from '../../src/db/request';
import { DETAILS_MAX } from '../../src/domain/requestText';
import { ANSWER_CONCURRENCY } from '../../src/slack/listeners/afterAck';
import { WORKING_ON_IT } from '../../src/slack/listeners/replies';
import { SlackClientSimulator } from '../support/slackRequests';
import { until } from '../support/until';
import { startTestApp, type TestApp } from '../support/harness';
import { ACME, ACME_ORG, SIGNING_SECRET } from '../support/testEnv';

const NEWCOMER = 'U0ACMENEW';

const BUDGET_MS = 200;
/** Every Slack call (users.info included) takes this long: the answer cannot be ready within the budget. */
const SLACK_LATENCY_MS = 1500;

let t: TestApp;
/** Sees the acknowledgement itself, not the answer that follows it. */
let slack: SlackClientSimulator;

beforeAll(async () => {
  t = await startTestApp({ ACK_BUDGET_MS: String(BUDGET_MS) });
  await t.seed();
  slack = new SlackClientSimulator({ baseUrl: t.baseUrl, signingSecret: SIGNING_SECRET, responseUrlBase: t.fake.baseUrl });
});
afterAll(async () => {
  await t.stop();
});

it('answers a read in the acknowledgement itself when the answer is ready within the budget', async () => {
  t.fake.setLatency(0);
  const res = await slack.slashCommand({ text: 'list', user_id: ACME.member, channel_id: ACME.channel });
  expect(res.status).toBe(200);
  expect((res.json() as { text: string }).text).toMatch(/^\*Open requests for Acme/);
}, 30_000);

it('acknowledges /help <text> before writing it, and answers through the response URL once it is recorded', async () => {
  t.fake.setLatency(0);
  const fields = slack.buildSlashCommand({ text: 'The invoices page is blank', user_id: ACME.member, channel_id: ACME.channel });
  const ack = await slack.raw(new URLSearchParams(fields).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
  expect(ack.status).toBe(200);
  expect((ack.json() as { text: string }).text).toBe(WORKING_ON_IT);

  const answer = JSON.parse(await t.fake.answerAt(fields.response_url!)) as { text: string; response_type: string; replace_original: boolean };
  expect(answer).toMatchObject({ response_type: 'ephemeral', replace_original: true });
  const key = /Opened \*(ACME-\d+)\*/.exec(answer.text)?.[1];
  expect(key).toBeDefined();
  // Said only once it is true: the request is recorded when the answer is sent.
  expect(await RequestModel.findOne({ key }, { title: 1 }).lean()).toMatchObject({ title: 'The invoices page is blank' });
}, 30_000);

it('shows a request in its channel and in triage even when Slack refuses the answer at the response URL', async () => {
  t.fake.setLatency(0);
  const refused = t.fake.failWhen('response_url', () => true, { status: 404, error: 'expired_url' });
  try {
    const ack = await slack.slashCommand({ text: 'The answer to this one is refused', user_id: ACME.member, channel_id: ACME.channel });
    expect((ack.json() as { text: string }).text).toBe(WORKING_ON_IT);
    const request = await until(async () => RequestModel.findOne({ title: 'The answer to this one is refused' }).lean(), 'the request to be recorded');
    await until(async () => {
      const r = await RequestModel.findOne({ key: request.key }).lean();
      return r?.clientMessageTs && r.triageMessageTs ? r : undefined;
    }, 'its messages in the client channel and in triage');
    expect(t.fake.callsTo('response_url').filter((c) => c.status === 404).length).toBeGreaterThan(0);
  } finally {
    refused();
  }
}, 30_000);

it('answers a /help <text> it cannot open through the response URL, in plain words, and records nothing', async () => {
  t.fake.setLatency(0);
  const before = await RequestModel.countDocuments();
  const tooLong = slack.buildSlashCommand({ text: `A title\n${'x'.repeat(DETAILS_MAX + 1)}`, user_id: ACME.member, channel_id: ACME.channel });
  const elsewhere = slack.buildSlashCommand({ text: 'The invoices page is blank', user_id: ACME.member, channel_id: 'C0NOCLIENT' });
  for (const fields of [tooLong, elsewhere]) {
    const ack = await slack.raw(new URLSearchParams(fields).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    expect((ack.json() as { text: string }).text).toBe(WORKING_ON_IT);
  }
  expect((JSON.parse(await t.fake.answerAt(tooLong.response_url!)) as { text: string }).text).toMatch(/details are too long/);
  expect((JSON.parse(await t.fake.answerAt(elsewhere.response_url!)) as { text: string }).text).toMatch(/isn't linked to a client/);
  expect(await RequestModel.countDocuments()).toBe(before);
}, 30_000);

it('acknowledges a slow /help within its budget and answers through the response URL', async () => {
  // Someone the app has not met asks for the client's bill: whether they may see it depends on
  // who they are, which the app asks Slack (users.info) before it answers.
  t.fake.setUser({ id: NEWCOMER, team_id: ACME_ORG });
  t.fake.setLatency(SLACK_LATENCY_MS);
  const fields = slack.buildSlashCommand({ text: 'billing', user_id: NEWCOMER, channel_id: ACME.channel });
  const ack = await slack.raw(new URLSearchParams(fields).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
  expect(ack.status).toBe(200);
  expect((ack.json() as { text: string }).text).toBe(WORKING_ON_IT);
  // The budget, plus the time Bolt and the network take on a loaded machine; far from the 1.5 s the work needs.
  expect(ack.elapsedMs).toBeLessThan(BUDGET_MS + 700);

  const answer = JSON.parse(await t.fake.answerAt(fields.response_url!)) as { text: string; response_type: string; replace_original: boolean };
  expect(answer).toMatchObject({ response_type: 'ephemeral', replace_original: true });
  expect(answer.text).toMatch(/can see its billing summary/);
  expect(t.fake.callsTo('users.info').map((c) => c.args.user)).toContain(NEWCOMER);
  t.fake.setLatency(0);
}, 30_000);

describe('while as many answers as it makes at once are in the making', () => {
  // A long budget, and Slack slower still: a command that waits for its budget is acknowledged
  // after LONG_BUDGET_MS; one acknowledged at once, long before.
  const LONG_BUDGET_MS = 1200;
  let busy: TestApp;
  let sim: SlackClientSimulator;
  beforeAll(async () => {
    busy = await startTestApp({ ACK_BUDGET_MS: String(LONG_BUDGET_MS) });
    await busy.seed();
    sim = new SlackClientSimulator({ baseUrl: busy.baseUrl, signingSecret: SIGNING_SECRET, responseUrlBase: busy.fake.baseUrl });
  });
  afterAll(async () => {
    await busy.stop();
  });

  it('acknowledges the next command at once, without waiting for its budget, and answers it when a place frees up', async () => {
    // People the app has not met ask for the bill: each answer waits on users.info, which Slack is slow to give.
    const people = Array.from({ length: ANSWER_CONCURRENCY + 1 }, (_, i) => `U0BUSY${String(i).padStart(2, '0')}`);
    for (const id of people) busy.fake.setUser({ id, team_id: ACME_ORG });
    busy.fake.setLatency(LONG_BUDGET_MS + 400);
    const ask = (user: string) => {
      const fields = sim.buildSlashCommand({ text: 'billing', user_id: user, channel_id: ACME.channel });
      return { fields, ack: sim.raw(new URLSearchParams(fields).toString(), { 'content-type': 'application/x-www-form-urlencoded' }) };
    };
    try {
      const first = people.slice(0, ANSWER_CONCURRENCY).map(ask);
      // Every place is taken: each of those answers is waiting on Slack.
      await until(() => busy.fake.heldCalls('users.info') >= ANSWER_CONCURRENCY, 'every answer to be waiting on Slack', 10_000, 10);
      const next = ask(people[ANSWER_CONCURRENCY]!);
      const nextAck = await next.ack;
      expect((nextAck.json() as { text: string }).text).toBe(WORKING_ON_IT);
      // At once: far inside the budget the others waited for.
      expect(nextAck.elapsedMs).toBeLessThan(LONG_BUDGET_MS / 2);
      const firstAcks = await Promise.all(first.map((f) => f.ack));
      for (const ack of firstAcks) {
        expect((ack.json() as { text: string }).text).toBe(WORKING_ON_IT);
        expect(ack.elapsedMs).toBeGreaterThanOrEqual(LONG_BUDGET_MS - 50);
      }
      // Slack is quick again (those held keep their latency): every one is answered through its
      // response URL, the last once a place freed up.
      busy.fake.setLatency(0);
      const answers = await Promise.all([...first, next].map(async (f) => JSON.parse(await busy.fake.answerAt(f.fields.response_url!)) as { text: string }));
      for (const answer of answers) expect(answer.text).toMatch(/can see its billing summary/);
    } finally {
      busy.fake.setLatency(0);
    }
  }, 40_000);
});
