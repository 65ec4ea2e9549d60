// What one claim costs the database: a click on Claim, over signed HTTP, reads the request at most
// twice (the check before the guarded update, and the record the update leaves) and hands that
// record, with its client, to everything that follows (its messages, timers, Home tabs, notice).
// No worker runs here, so every query counted is the web process handling the click.
import mongoose from 'mongoose';
import { RequestModel } from '../../src/db/request';
import { SlackEffectModel } from '../../src/db/slackEffect';
import { ACTION } from '../../src/slack/ids';
import { click } from '../support/flows';
import { startTestApp, type TestApp } from '../support/harness';
import { ACME, STAFF, TRIAGE } from '../support/testEnv';
import { until } from '../support/until';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({}, undefined, { worker: false });
  await t.seed();
});
afterAll(async () => {
  mongoose.set('debug', false);
  await t.stop();
});

const READS = new Set(['find', 'findOne', 'findOneAndUpdate', 'findOneAndReplace', 'aggregate', 'countDocuments']);

/** Until the app has asked nothing of the database for a while: the work of the click is done. */
async function quiet(queries: unknown[]): Promise<void> {
  let seen = -1;
  while (seen !== queries.length) {
    seen = queries.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

describe('a claim', () => {
  it('reads the request at most twice', async () => {
    const res = await t.slack.slashCommand({ text: 'Checkout returns 500', user_id: ACME.member, channel_id: ACME.channel });
    const key = /\*([A-Z]+-\d+)\*/.exec(String((res.json() as { text?: string }).text))?.[1];
    if (!key) throw new Error(`no request was opened: ${res.body}`);
    // Its messages as if the worker had posted them: the claim is a click on the triage message.
    const opened = await until(
      () => RequestModel.findOneAndUpdate({ key, timersRevision: { $gte: 0 } }, { $set: { clientMessageTs: '100.1', triageMessageTs: '100.2' } }, { returnDocument: 'after' }).lean(),
      'the open',
    );
    const queries: Array<{ collection: string; method: string }> = [];
    mongoose.set('debug', (collection: string, method: string) => {
      queries.push({ collection, method });
    });
    await quiet(queries);
    queries.length = 0;

    await click(t, { user: STAFF.engineer, channel: TRIAGE, actionId: ACTION.claim, value: key });
    // The click is answered before the work; the thread notice is the last thing a claim asks for.
    const notice = `thread|${key}|r${opened.revision + 1}`;
    await until(() => SlackEffectModel.exists({ _id: notice }), 'the claim notice');
    await quiet(queries);
    mongoose.set('debug', false);

    const claimed = await RequestModel.findOne({ key }).lean();
    expect(claimed).toMatchObject({ state: 'claimed', assigneeId: STAFF.engineer });
    expect(claimed?.timersRevision).toBe(claimed?.revision);
    const reads = (collection: string) => queries.filter((q) => q.collection === collection && READS.has(q.method));
    // While counting, this test itself reads only the effects collection.
    const requestReads = reads('requests');
    const clientReads = reads('clients');
    // eslint-disable-next-line no-console
    console.log(`A claim read the request ${requestReads.length} times and the client ${clientReads.length} times`, { requests: requestReads.map((q) => q.method), clients: clientReads.map((q) => q.method) });
    expect(requestReads.length).toBeLessThanOrEqual(2);
    expect(clientReads.length).toBeLessThanOrEqual(1);
  });
});
