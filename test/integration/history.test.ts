// The index of closed requests behind estimate hints (services/history.ts) on the real
// MongoDB-wire server: requests closed through the lifecycle become findable, requests that are
// not closed or logged no billable time do not count, and other clients' titles never reach the text.
import { RequestModel } from '../../src/db/request';
import { setLogLevel } from '../../src/logger';
import { postEstimate } from '../../src/services/estimates';
import { createRequestHistory } from '../../src/services/history';
import { transitionRequest } from '../../src/services/requestLifecycle';
import { applySeed } from '../../src/services/seed';
import { logTime } from '../../src/services/timeEntries';
import { similarRequestsText } from '../../src/slack/views/similarRequests';
import { useTestDatabase } from '../support/database';
import { createClaimedRequest } from '../support/records';
import { ACME, BETA, STAFF } from '../support/testEnv';

// Estimates up to a day are approved without asking, so history is quick to make here.
const SEED = `
managers: [${STAFF.manager}]
engineers: [${STAFF.engineer}]
clients:
  - key: ACME
    name: Acme Ltd
    channels: [${ACME.channel}]
    hourlyRate: 95
    autoApproveMinutes: 1440
  - key: BETA
    name: Beta Co
    channels: [${BETA.channel}]
    hourlyRate: 120
    autoApproveMinutes: 1440
`;

beforeAll(() => {
  setLogLevel(process.env.TEST_LOG_LEVEL ?? 'silent');
});
useTestDatabase(() => applySeed(SEED));

const numbers = new Map<string, number>();
const engineer = { userId: STAFF.engineer };

/** A request of `clientKey` claimed by the engineer, with a title and category. */
async function claimed(clientKey: 'ACME' | 'BETA', title: string, category = 'maintenance'): Promise<string> {
  const number = (numbers.get(clientKey) ?? 0) + 1;
  numbers.set(clientKey, number);
  const channel = clientKey === 'ACME' ? ACME.channel : BETA.channel;
  return createClaimedRequest(clientKey, number, { title, category, clientChannelId: channel, requesterId: clientKey === 'ACME' ? ACME.member : BETA.member });
}

/** Estimated, approved, worked for `minutes`, resolved and auto-closed: the lifecycle's own path. */
async function closedAfter(clientKey: 'ACME' | 'BETA', title: string, minutes: number): Promise<string> {
  const key = await claimed(clientKey, title);
  await postEstimate({ key, actor: engineer, lowMinutes: minutes, highMinutes: minutes, assumptions: '' });
  await logTime({ key, actor: engineer, minutes, note: 'work', billable: true });
  await transitionRequest({ key, action: 'resolve', actor: engineer, set: { resolution: 'Done' } });
  await transitionRequest({ key, action: 'autoClose', actor: { userId: 'system' }, asSystem: true });
  return key;
}

describe('the history behind estimate hints', () => {
  it('finds a request once it is closed, with the billable time it really took, and never an open one', async () => {
    const history = createRequestHistory();
    const request = { key: 'ACME-999', clientKey: 'ACME', title: 'Renew the SSL certificate on the shop', details: '', category: 'maintenance' };
    // Built lazily: nothing is read before the first hint.
    expect(history.size).toBe(0);
    expect(await history.hintFor(request)).toEqual({ kind: 'not_enough', matches: [] });

    const open = await claimed('ACME', 'Renew the SSL certificate on the blog');
    const first = await closedAfter('ACME', 'Renew the SSL certificate on the shop', 75);
    // Closed after the index was built: the next hint reads it.
    const hint = await history.hintFor(request);
    expect(hint.matches).toEqual([{ own: true, key: first, title: 'Renew the SSL certificate on the shop', minutes: 75 }]);
    expect(JSON.stringify(hint)).not.toContain(open);
    expect(history.size).toBe(1);
  });

  it('suggests a range from three similar closed requests, shows only the time of other clients’ ones, and skips requests with no billable time', async () => {
    const history = createRequestHistory();
    const ours = await closedAfter('ACME', 'Postgres upgrade to version 16 on the shop database', 120);
    const theirs1 = await closedAfter('BETA', 'Secret project Nightjar: Postgres upgrade to version 15', 240);
    const theirs2 = await closedAfter('BETA', 'Postgres database upgrade to 16 for Falcon payroll', 180);
    // Closed without any billable time (say the estimate was declined and it was answered for free).
    const free = await claimed('ACME', 'Postgres upgrade to version 16, quick question');
    await transitionRequest({ key: free, action: 'resolve', actor: engineer, set: { resolution: 'Answered' } });
    await transitionRequest({ key: free, action: 'autoClose', actor: { userId: 'system' }, asSystem: true });
    expect((await RequestModel.findOne({ key: free }).lean())?.state).toBe('closed');

    const current = await claimed('ACME', 'Upgrade Postgres to version 16');
    const request = await RequestModel.findOne({ key: current }).lean();
    if (!request) throw new Error('unreachable');
    const hint = await history.hintFor(request);
    expect(hint.kind).toBe('suggestion');
    expect([...hint.matches].map((m) => m.minutes).sort((a, b) => a - b)).toEqual([120, 180, 240]);
    expect(hint).toMatchObject({ medianMinutes: 180, p80Minutes: 216 });

    const text = similarRequestsText(hint);
    expect(text).toContain(`*${ours}* Postgres upgrade to version 16 on the shop database, 2h`);
    expect(text).toContain("another client's request, 4h");
    expect(text).toContain("another client's request, 3h");
    expect(text).toContain('Suggested: *3h – 3h 36m*');
    for (const secret of [theirs1, theirs2, 'BETA', 'Nightjar', 'Falcon', 'payroll', free]) expect(text).not.toContain(secret);
  });

  it('says there is not enough history for a request unlike anything closed, even with much history', async () => {
    const history = createRequestHistory();
    const hint = await history.hintFor({ key: 'ACME-998', clientKey: 'ACME', title: 'Kubernetes ingress flaps between zones', details: 'Since Tuesday', category: 'incident' });
    expect(history.size).toBeGreaterThanOrEqual(4);
    expect(hint.kind).toBe('not_enough');
    expect(similarRequestsText(hint)).toContain('Not enough similar history yet');
  });
});
