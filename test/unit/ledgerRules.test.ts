// domain/ledger.ts, the chain and billing from the ledger alone, as pure rules: the hash of a link
// (SHA-256 of the previous hash, a newline and the event's canonical JSON), what verifyChain names
// for each way a chain can be broken, the request histories the audit events tell, and an issued
// month recomputed from the events up to the head it recorded. The same rules run against the real
// database in test/integration/ledger.test.ts.
import { createHash } from 'node:crypto';
import type { BillingLine, Terms } from '../../src/domain/billingLines';
import {
  GENESIS,
  HEAD_PATTERN,
  SHARED_CHAIN,
  canonicalContent,
  chainOf,
  compareLines,
  findHead,
  historiesFromLedger,
  linkHash,
  recomputeIssued,
  storable,
  verifyChain,
  type IssuedRecord,
  type LedgerContent,
  type LedgerLink,
} from '../../src/domain/ledger';

describe('chainOf', () => {
  it.each([
    ['ACME', 'ACME'],
    [null, '-'],
    [undefined, '-'],
  ] as const)('%j → %j', (clientKey, chain) => expect(chainOf(clientKey)).toBe(chain));

  it('names the shared chain "-" and starts every chain from 64 zeros', () => {
    expect(SHARED_CHAIN).toBe('-');
    expect(GENESIS).toBe('0000000000000000000000000000000000000000000000000000000000000000');
  });
});

describe('storable', () => {
  it('drops undefined fields, turns undefined array items into null, and keeps dates, numbers and booleans', () => {
    const at = new Date('2026-10-01T09:00:00Z');
    expect(storable({ a: 1, gone: undefined, nested: { b: true, gone: undefined, at }, list: [1, undefined, { c: null }] })).toEqual({
      a: 1,
      nested: { b: true, at },
      list: [1, null, { c: null }],
    });
    const out = storable({ gone: undefined }) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual([]);
  });

  it('writes an id (anything with toHexString) as its hex string', () => {
    const id = { toHexString: () => '65f0c0ffee0000000000beef', other: 1 };
    expect(storable({ requestId: id })).toEqual({ requestId: '65f0c0ffee0000000000beef' });
  });

  it.each([null, undefined, 0, 12, true, false])('keeps %j as it is', (value) => expect(storable(value)).toBe(value));

  it('keeps a date the same date', () => {
    const at = new Date('2026-10-01T09:00:00Z');
    expect(storable(at)).toBe(at);
  });
});

describe('the hash of a link', () => {
  const event: LedgerContent = {
    chain: 'ACME',
    seq: 3,
    at: new Date('2026-10-01T09:00:00Z'),
    actorId: 'U1',
    action: 'time.logged',
    entityType: 'time_entry',
    entityId: 'T1',
  };

  it('hashes canonical JSON: keys sorted, the time as ISO, missing fields as null', () => {
    const json = '{"action":"time.logged","actorId":"U1","after":null,"at":"2026-10-01T09:00:00.000Z","before":null,"chain":"ACME","clientKey":null,"entityId":"T1","entityType":"time_entry","seq":3}';
    expect(canonicalContent(event)).toBe(json);
    expect(canonicalContent({ ...event, at: '2026-10-01T09:00:00Z' })).toBe(json);
    expect(linkHash(GENESIS, event)).toBe(createHash('sha256').update(`${GENESIS}\n${json}`).digest('hex'));
  });

  it('covers the client, what was before and what is after', () => {
    const json =
      '{"action":"time.logged","actorId":"U1","after":{"minutes":90,"z":[1,null]},"at":"2026-10-01T09:00:00.000Z","before":{"minutes":60},"chain":"ACME","clientKey":"ACME","entityId":"T1","entityType":"time_entry","seq":3}';
    const full = { ...event, clientKey: 'ACME', before: { minutes: 60 }, after: { z: [1, undefined], minutes: 90, gone: undefined } };
    expect(canonicalContent(full)).toBe(json);
    const prev = 'ab'.repeat(32);
    expect(linkHash(prev, full)).toBe(createHash('sha256').update(`${prev}\n${json}`).digest('hex'));
  });
});

describe('verifyChain', () => {
  const chain = (count: number): LedgerLink[] => {
    const links: LedgerLink[] = [];
    let prevHash = GENESIS;
    for (let seq = 1; seq <= count; seq += 1) {
      const content: LedgerContent = {
        chain: 'ACME',
        seq,
        at: new Date(Date.UTC(2026, 9, 1, 9, seq)),
        actorId: 'U1',
        action: 'time.logged',
        entityType: 'time_entry',
        entityId: `T${seq}`,
        after: { minutes: seq * 10 },
      };
      const hash = linkHash(prevHash, content);
      links.push({ ...content, prevHash, hash });
      prevHash = hash;
    }
    return links;
  };
  const four = chain(4);
  const [e1, e2, e3, e4] = four as [LedgerLink, LedgerLink, LedgerLink, LedgerLink];

  it('finds nothing wrong with an intact chain, with or without its head, or with none at all', () => {
    expect(verifyChain(four)).toEqual([]);
    expect(verifyChain(four, { seq: 4, hash: e4.hash })).toEqual([]);
    expect(verifyChain([])).toEqual([]);
    expect(verifyChain([], { seq: 0, hash: GENESIS })).toEqual([]);
  });

  it('accepts a head behind the last event (events appended after the head was read)', () => {
    expect(verifyChain(four, { seq: 3, hash: e3.hash })).toEqual([]);
  });

  it('names one missing event, and a run of them', () => {
    expect(verifyChain([e1, e3, e4])).toEqual([{ seq: 2, problem: 'events #2 are missing' }]);
    expect(verifyChain([e1, e4])).toEqual([{ seq: 2, problem: 'events #2–#3 are missing' }]);
    expect(verifyChain([e2, e3, e4])).toEqual([{ seq: 1, problem: 'events #1 are missing' }]);
  });

  it('names an event that appears twice', () => {
    expect(verifyChain([e1, e2, e2, e3, e4])).toEqual([{ seq: 3, problem: '#2 appears twice' }]);
  });

  it('names an event that does not follow the one before it', () => {
    const relinked = { ...e3, prevHash: e1.hash };
    relinked.hash = linkHash(relinked.prevHash, relinked);
    expect(verifyChain([e1, e2, relinked])).toEqual([
      { seq: 3, problem: '#3 (time.logged T3) does not follow the event before it: its prevHash is not that event\'s hash' },
    ]);
  });

  it('names an event whose content was changed after it was written', () => {
    const edited = { ...e2, after: { minutes: 999 } };
    expect(verifyChain([e1, edited, e3, e4])).toEqual([
      { seq: 2, problem: '#2 (time.logged T2 at 2026-10-01T09:02:00.000Z) was changed after it was written: its content does not match its hash' },
    ]);
    // The first event is checked too, against the chain's start.
    expect(verifyChain([{ ...e1, entityId: 'T9' }, e2])).toEqual([
      { seq: 1, problem: '#1 (time.logged T9 at 2026-10-01T09:01:00.000Z) was changed after it was written: its content does not match its hash' },
    ]);
    expect(verifyChain([{ ...e1, prevHash: 'f'.repeat(64) }])).toHaveLength(2);
  });

  it('names events removed from the end, and a head that does not match its event', () => {
    expect(verifyChain([e1, e2], { seq: 4, hash: e4.hash })).toEqual([
      { seq: 3, problem: "the chain's head says it ends at #4, but the last event is #2: events at the end were removed" },
    ]);
    expect(verifyChain([e1, e2, e3], { seq: 3, hash: e4.hash })).toEqual([{ seq: 3, problem: "the chain's head does not match event #3" }]);
    expect(verifyChain([], { seq: 1, hash: e1.hash })).toEqual([
      { seq: 1, problem: "the chain's head says it ends at #1, but the last event is #0: events at the end were removed" },
    ]);
    expect(verifyChain([], { seq: 0, hash: e1.hash })).toEqual([{ seq: 0, problem: "the chain's head does not match event #0" }]);
  });
});

describe('historiesFromLedger', () => {
  const at = (iso: string) => new Date(iso);

  it('tells a request: opened, its state, close, cancellation and merge', () => {
    const histories = historiesFromLedger([
      { at: '2026-10-01T09:00:00Z', action: 'request.opened', entityType: 'request', entityId: 'ACME-7', after: { number: 12, title: 'Printer', createdAt: '2026-10-01T08:59:00Z' } },
      { at: '2026-10-01T09:00:00Z', action: 'request.opened', entityType: 'request', entityId: 'ACME-18', after: { title: 42 } },
      { at: '2026-10-02T09:30:00Z', action: 'request.touched', entityType: 'request', entityId: 'ACME-7', after: null },
      { at: '2026-10-02T09:40:00Z', action: 'request.touched', entityType: 'request', entityId: 'ACME-7', after: 'garbage' },
      { at: '2026-10-02T09:00:00Z', action: 'request.claimed', entityType: 'request', entityId: 'ACME-7', after: { state: 'claimed' } },
      { at: '2026-10-03T09:00:00Z', action: 'request.closed', entityType: 'request', entityId: 'ACME-7', after: { state: 'closed', closedAt: '2026-10-03T09:00:00Z' } },
      { at: '2026-10-04T09:00:00Z', action: 'request.cancelled', entityType: 'request', entityId: 'ACME-18', after: { state: 3, cancelledAt: at('2026-10-04T09:00:00Z'), mergedAt: '2026-10-04T10:00:00Z' } },
      { at: '2026-10-05T09:00:00Z', action: 'request.closed', entityType: 'request', entityId: 'ACME-9', after: { state: 'closed', closedAt: '2026-10-05T09:00:00Z' } },
    ]);
    expect(histories).toEqual([
      {
        request: { key: 'ACME-7', number: 12, title: 'Printer', createdAt: at('2026-10-01T08:59:00Z'), state: 'closed', closedAt: at('2026-10-03T09:00:00Z') },
        estimates: [],
        entries: [],
      },
      {
        // No number recorded: the key's; no title: empty; no createdAt: the event's time.
        request: { key: 'ACME-18', number: 18, title: '', createdAt: at('2026-10-01T09:00:00Z'), state: 'open', cancelledAt: at('2026-10-04T09:00:00Z'), mergedAt: at('2026-10-04T10:00:00Z') },
        estimates: [],
        entries: [],
      },
    ]);
    // A transition sets only the fields it recorded.
    expect(Object.keys(histories[0]!.request)).toEqual(['key', 'number', 'title', 'createdAt', 'state', 'closedAt']);
    expect(Object.keys(histories[1]!.request)).toEqual(['key', 'number', 'title', 'createdAt', 'state', 'cancelledAt', 'mergedAt']);
  });

  it('tells estimates and top-ups, their decisions and the terms approved', () => {
    const [history] = historiesFromLedger([
      { at: '2026-10-01T09:00:00Z', action: 'request.opened', entityType: 'request', entityId: 'ACME-1', after: { number: 1 } },
      { at: '2026-10-01T10:00:00Z', action: 'estimate.posted', entityType: 'estimate', entityId: 'ACME-1/v1', after: { highMinutes: 120, hourlyRateMinor: 6000, amountMinor: 12000 } },
      {
        at: '2026-10-01T11:00:00Z',
        action: 'estimate.decided',
        entityType: 'estimate',
        entityId: 'ACME-1/v1',
        after: { decision: 'approved', decidedAt: '2026-10-01T10:30:00Z', terms: { billingMode: 'upfront', incrementMinutes: 15, minimumMinutes: 30 } },
      },
      { at: '2026-10-02T10:00:00Z', action: 'estimate.topup_requested', entityType: 'estimate', entityId: 'ACME-1/v2', after: { highMinutes: 'sixty' } },
      { at: '2026-10-02T11:00:00Z', action: 'estimate.decided', entityType: 'estimate', entityId: 'ACME-1/v2', after: { decision: 'approved', terms: { billingMode: 'on_completion' } } },
      { at: '2026-10-03T10:00:00Z', action: 'estimate.posted', entityType: 'estimate', entityId: 'ACME-1/v3', after: { highMinutes: 60, hourlyRateMinor: 6000, amountMinor: 6000 } },
      { at: '2026-10-03T11:00:00Z', action: 'estimate.decided', entityType: 'estimate', entityId: 'ACME-1/v3', after: { decision: 'declined', terms: { billingMode: 'weekly' } } },
      // A decision without one, and one about a version never posted, tell nothing.
      { at: '2026-10-03T12:00:00Z', action: 'estimate.decided', entityType: 'estimate', entityId: 'ACME-1/v3', after: { decision: 7 } },
      { at: '2026-10-03T12:00:00Z', action: 'estimate.decided', entityType: 'estimate', entityId: 'ACME-1/v4', after: { decision: 'approved' } },
      { at: '2026-10-04T10:00:00Z', action: 'estimate.posted', entityType: 'estimate', entityId: 'ACME-1/v5', after: { highMinutes: 30, hourlyRateMinor: 6000, amountMinor: 3000 } },
    ]);
    expect(history!.estimates).toEqual([
      {
        version: 1,
        kind: 'estimate',
        decision: 'approved',
        highMinutes: 120,
        hourlyRateMinor: 6000,
        amountMinor: 12000,
        createdAt: at('2026-10-01T10:00:00Z'),
        decidedAt: at('2026-10-01T10:30:00Z'),
        terms: { billingMode: 'upfront', incrementMinutes: 15, minimumMinutes: 30 },
      },
      {
        version: 2,
        kind: 'topup',
        decision: 'approved',
        highMinutes: 0,
        hourlyRateMinor: 0,
        amountMinor: 0,
        createdAt: at('2026-10-02T10:00:00Z'),
        decidedAt: at('2026-10-02T11:00:00Z'),
        terms: { billingMode: 'on_completion', incrementMinutes: 1, minimumMinutes: 0 },
      },
      { version: 3, kind: 'estimate', decision: 'declined', highMinutes: 60, hourlyRateMinor: 6000, amountMinor: 6000, createdAt: at('2026-10-03T10:00:00Z'), decidedAt: at('2026-10-03T11:00:00Z') },
      { version: 5, kind: 'estimate', decision: 'pending', highMinutes: 30, hourlyRateMinor: 6000, amountMinor: 3000, createdAt: at('2026-10-04T10:00:00Z') },
    ]);
  });

  it('reads an estimate whose id names no version as version 0, its decision with it', () => {
    const [history] = historiesFromLedger([
      { at: '2026-10-01T09:00:00Z', action: 'request.opened', entityType: 'request', entityId: 'ACME-1', after: { number: 1 } },
      { at: '2026-10-01T10:00:00Z', action: 'estimate.posted', entityType: 'estimate', entityId: 'ACME-1', after: { highMinutes: 60, hourlyRateMinor: 6000, amountMinor: 6000 } },
      { at: '2026-10-01T11:00:00Z', action: 'estimate.decided', entityType: 'estimate', entityId: 'ACME-1', after: { decision: 'approved' } },
    ]);
    expect(history!.estimates).toEqual([expect.objectContaining({ version: 0, decision: 'approved', decidedAt: at('2026-10-01T11:00:00Z') })]);
  });

  it('tells the billable time: logged, edited, made non-billable and back, deleted', () => {
    const histories = historiesFromLedger([
      { at: '2026-10-01T09:00:00Z', action: 'request.opened', entityType: 'request', entityId: 'ACME-1', after: { number: 1 } },
      { at: '2026-10-01T09:00:00Z', action: 'request.opened', entityType: 'request', entityId: 'ACME-2', after: { number: 2 } },
      { at: '2026-10-05T09:00:00Z', action: 'time.logged', entityType: 'time_entry', entityId: 'T1', after: { requestKey: 'ACME-1', workDate: '2026-10-05', minutes: 50, billable: true } },
      { at: '2026-10-05T09:00:00Z', action: 'time.logged', entityType: 'time_entry', entityId: 'T2', after: { requestKey: 'ACME-1', workDate: '2026-10-06', minutes: 20, billable: true } },
      { at: '2026-10-05T09:00:00Z', action: 'time.logged', entityType: 'time_entry', entityId: 'T3', after: { requestKey: 'ACME-1', workDate: '2026-10-07', minutes: 30, billable: false } },
      { at: '2026-10-05T09:00:00Z', action: 'time.logged', entityType: 'time_entry', entityId: 'T4', after: { requestKey: 'ACME-2', workDate: '2026-10-07', minutes: 45, billable: 'yes' } },
      { at: '2026-10-05T09:00:00Z', action: 'time.logged', entityType: 'time_entry', entityId: 'T5', after: { requestKey: 'ACME-2', workDate: '2026-10-08', minutes: 15, billable: true } },
      { at: '2026-10-06T09:00:00Z', action: 'time.edited', entityType: 'time_entry', entityId: 'T1', after: { minutes: 70 } },
      { at: '2026-10-06T09:00:00Z', action: 'time.edited', entityType: 'time_entry', entityId: 'T2', after: { minutes: 'lots', billable: false } },
      { at: '2026-10-06T09:00:00Z', action: 'time.edited', entityType: 'time_entry', entityId: 'T3', after: { billable: true } },
      { at: '2026-10-06T09:00:00Z', action: 'time.edited', entityType: 'time_entry', entityId: 'T5', after: { billable: 'no' } },
      { at: '2026-10-06T09:00:00Z', action: 'time.edited', entityType: 'time_entry', entityId: 'T404', after: { minutes: 5 } },
      { at: '2026-10-05T09:00:00Z', action: 'time.logged', entityType: 'time_entry', entityId: 'T6', after: { requestKey: 'ACME-2', workDate: '2026-10-09', minutes: 25, billable: true } },
      { at: '2026-10-07T09:00:00Z', action: 'time.deleted', entityType: 'time_entry', entityId: 'T6', after: null },
      { at: '2026-10-07T09:00:00Z', action: 'time.logged', entityType: 'billing_summary', entityId: 'T7', after: { requestKey: 'ACME-2', workDate: '2026-10-09', minutes: 5, billable: true } },
      { at: '2026-10-07T09:00:00Z', action: 'time.noted', entityType: 'time_entry', entityId: 'T3', after: { minutes: 1 } },
    ]);
    expect(histories.map((h) => [h.request.key, h.entries])).toEqual([
      [
        'ACME-1',
        [
          { workDate: '2026-10-05', minutes: 70 },
          { workDate: '2026-10-07', minutes: 30 },
        ],
      ],
      ['ACME-2', [{ workDate: '2026-10-08', minutes: 15 }]],
    ]);
  });

  it('reads a logged entry with nothing recorded as no time on no request', () => {
    const histories = historiesFromLedger([
      { at: '2026-10-01T09:00:00Z', action: 'request.opened', entityType: 'request', entityId: 'ACME-1', after: {} },
      { at: '2026-10-05T09:00:00Z', action: 'time.logged', entityType: 'time_entry', entityId: 'T1', after: { requestKey: 'ACME-1', billable: true } },
      { at: '2026-10-05T09:00:00Z', action: 'time.logged', entityType: 'time_entry', entityId: 'T2', after: 'garbage' },
      { at: '2026-10-05T09:00:00Z', action: 'request.opened', entityType: 'other', entityId: 'ACME-3', after: {} },
    ]);
    expect(histories).toEqual([{ request: expect.objectContaining({ key: 'ACME-1', number: 1 }), estimates: [], entries: [{ workDate: '', minutes: 0 }] }]);
  });
});

const line = (requestKey: string, fields: Partial<BillingLine> = {}): BillingLine => ({
  requestKey,
  title: requestKey,
  openedAt: new Date('2026-10-01T09:00:00Z'),
  state: 'closed',
  estimateMinutes: 0,
  approvedAmountMinor: 0,
  loggedMinutes: 0,
  rawMinutes: 0,
  billedMinutes: 0,
  amountMinor: 0,
  upfrontMinor: 0,
  reconciliationMinor: 0,
  adjustment: false,
  ...fields,
});

describe('compareLines', () => {
  it('finds nothing when the numbers agree, whatever the titles say', () => {
    expect(compareLines([line('ACME-1', { amountMinor: 100 })], [line('ACME-1', { amountMinor: 100, title: 'renamed' })])).toEqual([]);
  });

  it('names each number column that differs', () => {
    expect(compareLines([line('ACME-1', { amountMinor: 100, billedMinutes: 60, loggedMinutes: 5 })], [line('ACME-1', { amountMinor: 150, billedMinutes: 60, estimateMinutes: 9 })])).toEqual([
      { requestKey: 'ACME-1', column: 'estimateMinutes', recorded: 0, recomputed: 9 },
      { requestKey: 'ACME-1', column: 'loggedMinutes', recorded: 5, recomputed: 0 },
      { requestKey: 'ACME-1', column: 'amountMinor', recorded: 100, recomputed: 150 },
    ]);
  });

  it('names a line only one side has, with its amount', () => {
    expect(compareLines([line('ACME-1', { amountMinor: 100 })], [line('ACME-2', { amountMinor: 70 })])).toEqual([
      { requestKey: 'ACME-1', column: 'line', recorded: 100, recomputed: 'missing' },
      { requestKey: 'ACME-2', column: 'line', recorded: 'missing', recomputed: 70 },
    ]);
  });

  it('tells a request own line from its adjustments, and adjustments of different months apart', () => {
    const own = line('ACME-1', { amountMinor: 100 });
    const sept = line('ACME-1', { amountMinor: 10, adjustment: true, adjustsPeriod: '2026-09' });
    const aug = line('ACME-1', { amountMinor: 20, adjustment: true, adjustsPeriod: '2026-08' });
    expect(compareLines([own, sept, aug], [aug, own, sept])).toEqual([]);
    expect(compareLines([own, sept], [own, { ...sept, adjustsPeriod: '2026-08' }])).toEqual([
      { requestKey: 'ACME-1', adjustsPeriod: '2026-09', column: 'line', recorded: 10, recomputed: 'missing' },
      { requestKey: 'ACME-1', adjustsPeriod: '2026-08', column: 'line', recorded: 'missing', recomputed: 10 },
    ]);
    expect(compareLines([{ ...own, adjustsPeriod: '2026-09' }], [own])).toEqual([]);
  });

  it('does not take an adjustment that names no month for the request own line', () => {
    const own = line('ACME-1', { amountMinor: 100 });
    const unnamed = line('ACME-1', { amountMinor: 10, adjustment: true });
    expect(compareLines([own], [own, unnamed])).toEqual([{ requestKey: 'ACME-1', column: 'line', recorded: 'missing', recomputed: 10 }]);
    expect(compareLines([unnamed, own], [own])).toEqual([{ requestKey: 'ACME-1', column: 'line', recorded: 10, recomputed: 'missing' }]);
  });
});

describe('recomputeIssued', () => {
  // £60/h, 15-minute increments, 30-minute minimum, billed on completion. ACME-1: 2h approved on
  // 1 Oct, 50 minutes logged on 5 Oct, closed on 20 Oct; October issued (head #5); the entry then
  // edited to 70 minutes; November issued (head #7).
  const terms: Terms = { key: 'ACME', billingMode: 'on_completion', hourlyRateMinor: 6000, incrementMinutes: 15, minimumMinutes: 30, timezone: 'Europe/London' };
  const base = { chain: 'ACME', actorId: 'U1', clientKey: 'ACME' };
  const events = [
    { ...base, seq: 1, at: '2026-10-01T09:00:00Z', action: 'request.opened', entityType: 'request', entityId: 'ACME-1', after: { number: 1, title: 'Printer' } },
    { ...base, seq: 2, at: '2026-10-01T10:00:00Z', action: 'estimate.posted', entityType: 'estimate', entityId: 'ACME-1/v1', after: { highMinutes: 120, hourlyRateMinor: 6000, amountMinor: 12000 } },
    {
      ...base,
      seq: 3,
      at: '2026-10-01T11:00:00Z',
      action: 'estimate.decided',
      entityType: 'estimate',
      entityId: 'ACME-1/v1',
      after: { decision: 'approved', terms: { billingMode: 'on_completion', incrementMinutes: 15, minimumMinutes: 30 } },
    },
    { ...base, seq: 4, at: '2026-10-05T09:00:00Z', action: 'time.logged', entityType: 'time_entry', entityId: 'T1', after: { requestKey: 'ACME-1', workDate: '2026-10-05', minutes: 50, billable: true } },
    { ...base, seq: 5, at: '2026-10-20T12:00:00Z', action: 'request.closed', entityType: 'request', entityId: 'ACME-1', after: { state: 'closed', closedAt: '2026-10-20T12:00:00Z' } },
    { ...base, seq: 6, at: '2026-11-01T01:00:00Z', action: 'billing.issued', entityType: 'billing_summary', entityId: 'ACME/2026-10', after: {} },
    { ...base, seq: 7, at: '2026-11-03T09:00:00Z', action: 'time.edited', entityType: 'time_entry', entityId: 'T1', after: { minutes: 70 } },
    { ...base, seq: 8, at: '2026-12-01T01:00:00Z', action: 'billing.issued', entityType: 'billing_summary', entityId: 'ACME/2026-11', after: {} },
  ];
  const october = {
    requestKey: 'ACME-1',
    estimateMinutes: 120,
    approvedAmountMinor: 12000,
    loggedMinutes: 50,
    rawMinutes: 50,
    billedMinutes: 60, // 50 minutes up to the 15-minute increment
    amountMinor: 6000, // 1h at £60
    upfrontMinor: 0,
    reconciliationMinor: 0,
    adjustment: false,
  };
  const octoberRecord: IssuedRecord = { period: '2026-10', seq: 6, terms, ledgerHead: { seq: 5, hash: 'x' }, lines: [line('ACME-1', { ...october, title: 'Printer' })] };
  const novemberRecord: IssuedRecord = { period: '2026-11', seq: 8, terms, ledgerHead: { seq: 7, hash: 'y' }, lines: [] };

  it('recomputes a month from the events up to the head it recorded, not from later ones', () => {
    expect(recomputeIssued(octoberRecord, events, [])).toEqual([expect.objectContaining(october)]);
    expect(recomputeIssued(octoberRecord, events, [octoberRecord, novemberRecord])).toEqual([expect.objectContaining(october)]);
  });

  it('carries a later change to an issued month as the next month adjustment', () => {
    const adjustment = {
      requestKey: 'ACME-1',
      adjustment: true,
      adjustsPeriod: '2026-10',
      estimateMinutes: 0,
      approvedAmountMinor: 0,
      loggedMinutes: 20,
      rawMinutes: 20,
      billedMinutes: 15, // 70 minutes bill 75, 60 were billed
      amountMinor: 1500,
      upfrontMinor: 0,
      reconciliationMinor: 0,
    };
    expect(recomputeIssued(novemberRecord, events, [octoberRecord, novemberRecord])).toEqual([expect.objectContaining(adjustment)]);
    // Only months issued before it, and earlier than it, count: not itself, nor a later month.
    const december: IssuedRecord = { period: '2026-12', seq: 7, terms, ledgerHead: { seq: 7, hash: 'z' }, lines: [] };
    const lateSeptember: IssuedRecord = { period: '2026-09', seq: 9, terms, ledgerHead: { seq: 8, hash: 'w' }, lines: [line('ACME-1', { billedMinutes: 30, amountMinor: 3000 })] };
    expect(recomputeIssued(novemberRecord, events, [december, octoberRecord, novemberRecord, lateSeptember])).toEqual([expect.objectContaining(adjustment)]);
    // Without October issued, November has nothing to adjust.
    expect(recomputeIssued(novemberRecord, events, [novemberRecord])).toEqual([]);
  });

  it('places the month in the timezone it was issued in', () => {
    // Closed at 23:30 UTC on 31 Oct: still October in London, already November in Paris.
    const late = events.map((e) => (e.seq === 5 ? { ...e, at: '2026-10-31T23:30:00Z', after: { state: 'closed', closedAt: '2026-10-31T23:30:00Z' } } : e));
    expect(recomputeIssued(octoberRecord, late, [])).toEqual([expect.objectContaining(october)]);
    const paris = { ...terms, timezone: 'Europe/Paris' };
    expect(recomputeIssued({ ...octoberRecord, terms: paris }, late, [])).toEqual([
      expect.objectContaining({ ...october, billedMinutes: 0, amountMinor: 0 }),
    ]);
  });
});

describe('a head a client kept', () => {
  it.each(['0123456789abcdef', 'f'.repeat(64), 'ab'.repeat(20)])('%j is one (16 to 64 lower-case hex characters)', (text) => expect(HEAD_PATTERN.test(text)).toBe(true));

  it.each(['0123456789abcde', 'f'.repeat(65), '0123456789ABCDEF', '0123456789abcdeg', ' 0123456789abcdef', '0123456789abcdef ', 'x0123456789abcdef', ''])('%j is not', (text) =>
    expect(HEAD_PATTERN.test(text)).toBe(false),
  );

  it('passes over events not linked yet (no hash)', () => {
    const hash = 'cd'.repeat(32);
    const unchained = { seq: 2 } as { seq: number; hash: string };
    expect(findHead([{ seq: 1, hash }, unchained], 'cdcdcdcdcdcdcdcd')).toEqual({ found: 'one', seq: 1, hash });
    expect(findHead([unchained], 'cdcdcdcdcdcdcdcd')).toEqual({ found: 'none' });
  });
});
