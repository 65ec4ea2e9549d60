// domain/ledger.ts, the pure parts the verifier adds on top of the chain: strings hashed as
// MongoDB stores them, a stored summary against the record the ledger kept of it, and finding the
// event a client's kept head is the hash of.
import { GENESIS, canonicalContent, compareIssued, findHead, linkHash, storable, type IssuedRecord } from '../../src/domain/ledger';

const event = { chain: 'ACME', seq: 1, at: '2026-11-02T09:00:00.000Z', actorId: 'U1', action: 'request.added_to', entityType: 'request', entityId: 'ACME-1' };

describe('storable and the hash', () => {
  it('makes every string well-formed, keys included, and keeps the rest', () => {
    const at = new Date('2026-11-02T09:00:00Z');
    expect(storable({ text: 'a\ud83d', ['k\ude00']: ['\ud83d', 1, undefined], at, gone: undefined })).toEqual({ text: 'a\ufffd', 'k\ufffd': ['\ufffd', 1, null], at });
    expect(storable('x\ud800y')).toBe('x\ufffdy');
  });

  it('hashes an event carrying half an emoji exactly as the same event read back from MongoDB', () => {
    const written = { ...event, actorId: 'U1\ud83d', after: { text: `${'a'.repeat(3)}\ud83d` } };
    // What MongoDB gives back: each string through UTF-8.
    const utf8 = (text: string) => Buffer.from(text, 'utf8').toString('utf8');
    const asStored = { ...event, actorId: utf8(written.actorId), after: { text: utf8(written.after.text) } };
    expect(asStored).toMatchObject({ actorId: 'U1\ufffd', after: { text: 'aaa\ufffd' } });
    expect(canonicalContent(written)).toBe(canonicalContent(asStored));
    expect(linkHash(GENESIS, written)).toBe(linkHash(GENESIS, asStored));
    // A whole emoji is content like any other.
    expect(linkHash(GENESIS, { ...event, after: { text: '\u{1F600}' } })).not.toBe(linkHash(GENESIS, asStored));
  });
});

describe('compareIssued', () => {
  const terms = { key: 'ACME', billingMode: 'on_completion', hourlyRateMinor: 9500, incrementMinutes: 15, minimumMinutes: 30, timezone: 'Europe/London' } as const;
  const totals = { billedMinutes: 90, amountMinor: 14250, netMinor: 14250 };
  const record: Pick<IssuedRecord, 'terms' | 'currency' | 'totals'> = { terms, currency: 'GBP', totals };
  const stored = { ...terms, currency: 'GBP', totals: { ...totals } };

  it('finds nothing when the stored summary is the one recorded', () => {
    expect(compareIssued(record, stored)).toEqual([]);
  });

  it('names each total, the currency and each term that differ', () => {
    expect(compareIssued(record, { ...stored, currency: 'EUR', hourlyRateMinor: 1, timezone: 'Europe/Paris', totals: { ...totals, netMinor: 1, extra: 5 } })).toEqual([
      { field: 'totals.netMinor', recorded: 14250, stored: 1 },
      { field: 'totals.extra', recorded: undefined, stored: 5 },
      { field: 'currency', recorded: 'GBP', stored: 'EUR' },
      { field: 'hourlyRateMinor', recorded: 9500, stored: 1 },
      { field: 'timezone', recorded: 'Europe/London', stored: 'Europe/Paris' },
    ]);
    expect(compareIssued(record, { ...stored, billingMode: 'upfront', incrementMinutes: 1, minimumMinutes: 0, totals: {} }).map((d) => d.field)).toEqual([
      'totals.billedMinutes',
      'totals.amountMinor',
      'totals.netMinor',
      'billingMode',
      'incrementMinutes',
      'minimumMinutes',
    ]);
  });

  it('does not compare what a record from before totals and currency were kept does not carry', () => {
    expect(compareIssued({ terms }, { ...stored, currency: 'EUR', totals: { netMinor: 1 } })).toEqual([]);
  });
});

describe('findHead', () => {
  const a = 'ab'.repeat(32);
  const b = 'abcd'.repeat(16);
  const events = [
    { seq: 1, hash: a },
    { seq: 2, hash: b },
  ];

  it('finds the event by its whole hash or its start', () => {
    expect(findHead(events, a)).toEqual({ found: 'one', seq: 1, hash: a });
    expect(findHead(events, b.slice(0, 16))).toEqual({ found: 'one', seq: 2, hash: b });
  });

  it('finds the start of the chain for a month computed before it had any event', () => {
    expect(findHead(events, GENESIS.slice(0, 16))).toEqual({ found: 'one', seq: 0, hash: GENESIS });
  });

  it('says when no event, or more than one, has it', () => {
    expect(findHead(events, 'f'.repeat(16))).toEqual({ found: 'none' });
    expect(findHead(events, 'ab')).toEqual({ found: 'several', seqs: [1, 2] });
    expect(findHead([...events, { seq: 3, hash: GENESIS }], '0000')).toEqual({ found: 'several', seqs: [0, 3] });
  });
});
