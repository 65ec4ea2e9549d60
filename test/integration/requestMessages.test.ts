// What a sync records about a request's Slack messages: the ts of the messages it posted (never
// overwriting one another process stored first) and the revision they show, in one write when
// nothing raced it.
import { RequestModel } from '../../src/db/request';
import { recordShown } from '../../src/services/requestMessages';
import { useTestDatabase } from '../support/database';

useTestDatabase();

let counter = 0;

async function freshRequest(fields: Record<string, unknown> = {}) {
  const number = ++counter;
  const key = `ACME-${number}`;
  await RequestModel.create({
    key,
    clientKey: 'ACME',
    number,
    title: 'Checkout fails',
    category: 'incident',
    priority: 'normal',
    state: 'open',
    source: 'command',
    requesterId: 'U0ACMEDEV',
    clientChannelId: 'C0ACME',
    triageChannelId: 'C0TRIAGE',
    createdAt: new Date('2026-11-03T10:00:00Z'),
    revision: 2,
    ...fields,
  });
  return key;
}

const stored = (key: string) => RequestModel.findOne({ key }, { clientMessageTs: 1, triageMessageTs: 1, syncedRevision: 1 }).lean();

describe('recordShown', () => {
  it('stores both new messages and the revision they show', async () => {
    const key = await freshRequest();
    await recordShown(key, { client: '100.1', triage: '200.1' }, 2);
    expect(await stored(key)).toMatchObject({ clientMessageTs: '100.1', triageMessageTs: '200.1', syncedRevision: 2 });
  });

  it('keeps the message another process stored first and still stores the other one', async () => {
    const key = await freshRequest({ clientMessageTs: '100.0' });
    await recordShown(key, { client: '100.9', triage: '200.9' }, 2);
    expect(await stored(key)).toMatchObject({ clientMessageTs: '100.0', triageMessageTs: '200.9', syncedRevision: 2 });
  });

  it('stores what was posted but not the revision when a message could not be shown', async () => {
    const key = await freshRequest();
    await recordShown(key, { client: '100.2' }, null);
    const record = await stored(key);
    expect(record).toMatchObject({ clientMessageTs: '100.2', syncedRevision: -1 });
    expect(record?.triageMessageTs).toBeUndefined();
  });

  it('never moves the synced revision backwards', async () => {
    const key = await freshRequest({ clientMessageTs: '100.3', triageMessageTs: '200.3', syncedRevision: 5, revision: 5 });
    await recordShown(key, {}, 3);
    expect((await stored(key))?.syncedRevision).toBe(5);
    await recordShown(key, {}, 6);
    expect((await stored(key))?.syncedRevision).toBe(6);
  });
});
