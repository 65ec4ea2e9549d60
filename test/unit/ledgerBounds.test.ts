// The verifier recomputes an issued month between the instants it was issued with (#21, defect 1):
// after a client moved from London to Sydney, November began where London's October ended, and
// recomputing it from the ledger must not use Sydney's own midnight, which would bill a request
// closed at 18:00Z on 31 October a second time and report a sound summary as wrong.
import { recomputeIssued, type IssuedRecord, type LedgerContent } from '../../src/domain/ledger';
import type { Terms } from '../../src/domain/billingLines';
import { monthBounds } from '../../src/domain/periods';

const terms = (timezone: string): Terms => ({ key: 'TZ', billingMode: 'on_completion', hourlyRateMinor: 10000, incrementMinutes: 1, minimumMinutes: 0, timezone });
const event = (seq: number, at: string, action: string, entityType: string, entityId: string, after: unknown): LedgerContent & { seq: number } => ({
  chain: 'TZ',
  seq,
  at,
  actorId: 'U0X',
  action,
  entityType,
  entityId,
  clientKey: 'TZ',
  after,
});

// £100/h, 2 h approved (£200), 2 h logged, closed on 31 Oct at 18:00Z.
const events = [
  event(1, '2026-10-01T09:00:00Z', 'request.opened', 'request', 'TZ-1', { number: 1, title: 'Move the servers', createdAt: '2026-10-01T09:00:00Z' }),
  event(2, '2026-10-05T09:00:00Z', 'estimate.posted', 'estimate', 'TZ-1/v1', { highMinutes: 120, hourlyRateMinor: 10000, amountMinor: 20000 }),
  event(3, '2026-10-05T10:00:00Z', 'estimate.approved', 'estimate', 'TZ-1/v1', { decision: 'approved', decidedAt: '2026-10-05T10:00:00Z', terms: { billingMode: 'on_completion', incrementMinutes: 1, minimumMinutes: 0 } }),
  event(4, '2026-10-20T12:00:00Z', 'time.logged', 'time_entry', 'e1', { requestKey: 'TZ-1', workDate: '2026-10-20', minutes: 120, billable: true }),
  event(5, '2026-10-31T18:00:00Z', 'request.closed', 'request', 'TZ-1', { state: 'closed', closedAt: '2026-10-31T18:00:00Z' }),
];
const london = monthBounds('2026-10', 'Europe/London');
const october: IssuedRecord = {
  seq: 6,
  period: '2026-10',
  terms: terms('Europe/London'),
  ledgerHead: { seq: 5, hash: 'x' },
  bounds: { start: london.start, end: london.end },
  lines: [],
};

describe('recomputeIssued', () => {
  it('recomputes a month between the instants it was issued with, not its own midnights in its zone', () => {
    const october_ = recomputeIssued(october, events, []);
    expect(october_.map((l) => [l.requestKey, l.amountMinor])).toEqual([['TZ-1', 20000]]);
    const november: IssuedRecord = {
      seq: 7,
      period: '2026-11',
      terms: terms('Australia/Sydney'),
      ledgerHead: { seq: 5, hash: 'x' },
      bounds: { start: london.end, end: monthBounds('2026-11', 'Australia/Sydney').end },
      lines: [],
    };
    const earlier = [{ ...october, lines: october_ }];
    expect(recomputeIssued(november, events, earlier)).toEqual([]);
    // Without the instants, November would start at Sydney's midnight (31 Oct 13:00Z) and bill it again.
    const { bounds: _dropped, ...legacy } = november;
    expect(recomputeIssued(legacy, events, earlier).map((l) => [l.requestKey, l.amountMinor])).toEqual([['TZ-1', 20000]]);
  });
});
