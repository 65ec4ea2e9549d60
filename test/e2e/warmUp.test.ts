// A web process warms up before it listens (so before /readyz answers): it learns who the bot is
// (auth.test, which the first person's request would otherwise wait for) and sends one `/help help`
// through Bolt's whole dispatch, which records nothing and sends nothing to Slack.
import { RequestModel } from '../../src/db/request';
import { SlackEffectModel } from '../../src/db/slackEffect';
import { startTestApp, type TestApp } from '../support/harness';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({}, undefined, { worker: false });
});
afterAll(async () => {
  await t.stop();
});

it('has asked Slack who the bot is before its first request, and recorded nothing', async () => {
  expect(t.fake.callsTo('auth.test')).toHaveLength(1);
  expect(t.fake.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
  expect(await RequestModel.countDocuments()).toBe(0);
  expect(await SlackEffectModel.countDocuments()).toBe(0);
  const ready = await fetch(`${t.baseUrl}/readyz`);
  expect(ready.status).toBe(200);
});
