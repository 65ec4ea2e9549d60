// The lines of a monthly summary (src/domain/billingLines.ts), case by case: what a line says about
// its request, the order of the lines, the adjustments that carry a change to an issued month, and
// the totals. The same rules are checked on random histories, against the reference model, in
// billingProperties.test.ts.
import {
  billingTotals,
  differences,
  monthLines,
  numbersOf,
  outstandingAdjustments,
  ownLines,
  type BillingLine,
  type RequestHistory,
  type Terms,
} from '../../src/domain/billingLines';
import { monthBounds } from '../../src/domain/periods';

const terms: Terms = { key: 'ACME', billingMode: 'on_completion', hourlyRateMinor: 6000, incrementMinutes: 15, minimumMinutes: 30, timezone: 'Europe/London' };
const october = monthBounds('2026-10', 'Europe/London');
const at = (iso: string) => new Date(iso);
const onCompletion = { billingMode: 'on_completion', incrementMinutes: 15, minimumMinutes: 30 } as const;

// ACME-2: 2 h approved at £60/h on 1 Oct, 50 minutes logged on 5 Oct, closed on 20 Oct.
const closed: RequestHistory = {
  request: { key: 'ACME-2', number: 2, title: 'Printer', createdAt: at('2026-10-01T09:00:00Z'), state: 'closed', closedAt: at('2026-10-20T12:00:00Z') },
  estimates: [
    { version: 1, kind: 'estimate', decision: 'approved', highMinutes: 120, hourlyRateMinor: 6000, amountMinor: 12000, createdAt: at('2026-10-01T10:00:00Z'), decidedAt: at('2026-10-01T11:00:00Z'), terms: onCompletion },
  ],
  entries: [{ workDate: '2026-10-05', minutes: 50 }],
};
// ACME-1: open, no estimate, 30 minutes logged in October: shown, billing nothing yet.
const open: RequestHistory = {
  request: { key: 'ACME-1', number: 1, title: 'Laptop', createdAt: at('2026-09-20T09:00:00Z'), state: 'open' },
  estimates: [],
  entries: [
    { workDate: '2026-10-31', minutes: 30 },
    { workDate: '2026-11-01', minutes: 45 },
  ],
};
// ACME-10: the same number as ACME-2 (say, from an import): ordered by key after the number.
const twin: RequestHistory = {
  request: { key: 'ACME-10', number: 2, title: 'Twin', createdAt: at('2026-10-02T09:00:00Z'), state: 'cancelled', cancelledAt: at('2026-10-03T09:00:00Z') },
  estimates: [],
  entries: [{ workDate: '2026-10-01', minutes: 15 }],
};

const zero = { estimateMinutes: 0, approvedAmountMinor: 0, loggedMinutes: 0, rawMinutes: 0, billedMinutes: 0, amountMinor: 0, upfrontMinor: 0, reconciliationMinor: 0 };
const line = (requestKey: string, fields: Partial<BillingLine> = {}): BillingLine => ({
  requestKey,
  title: requestKey,
  openedAt: at('2026-10-01T09:00:00Z'),
  state: 'closed',
  ...zero,
  adjustment: false,
  ...fields,
});

describe('monthLines', () => {
  const lines = monthLines(terms, [closed, twin, open], october);

  it('says for each request what it is and what the month added, in number order, then key order', () => {
    expect(lines).toEqual([
      {
        requestKey: 'ACME-1',
        title: 'Laptop',
        openedAt: at('2026-09-20T09:00:00Z'),
        closedAt: undefined,
        cancelledAt: undefined,
        state: 'open',
        ...zero,
        loggedMinutes: 30,
        rawMinutes: 30,
        adjustment: false,
      },
      {
        requestKey: 'ACME-10',
        title: 'Twin',
        openedAt: at('2026-10-02T09:00:00Z'),
        closedAt: undefined,
        cancelledAt: at('2026-10-03T09:00:00Z'),
        state: 'cancelled',
        ...zero,
        loggedMinutes: 15,
        rawMinutes: 15,
        adjustment: false,
      },
      {
        requestKey: 'ACME-2',
        title: 'Printer',
        openedAt: at('2026-10-01T09:00:00Z'),
        closedAt: at('2026-10-20T12:00:00Z'),
        cancelledAt: undefined,
        state: 'closed',
        estimateMinutes: 120,
        approvedAmountMinor: 12000,
        loggedMinutes: 50,
        rawMinutes: 50,
        billedMinutes: 60, // 50 minutes up to the 15-minute increment
        amountMinor: 6000, // 1 h at £60
        upfrontMinor: 0,
        reconciliationMinor: 0,
        adjustment: false,
      },
    ]);
  });

  it('totals the lines, and nets the amount against the reconciliation', () => {
    expect(billingTotals(lines)).toEqual({
      estimateMinutes: 120,
      approvedAmountMinor: 12000,
      loggedMinutes: 95,
      rawMinutes: 95,
      billedMinutes: 60,
      amountMinor: 6000,
      upfrontMinor: 0,
      reconciliationMinor: 0,
      netMinor: 6000,
    });
    const upfront = [line('ACME-3', { estimateMinutes: 240, approvedAmountMinor: 24000, amountMinor: 24000, upfrontMinor: 24000, reconciliationMinor: -9000 }), line('ACME-4', { amountMinor: 500 })];
    expect(billingTotals(upfront)).toMatchObject({ estimateMinutes: 240, approvedAmountMinor: 24000, amountMinor: 24500, upfrontMinor: 24000, reconciliationMinor: -9000, netMinor: 15500 });
    expect(billingTotals([])).toEqual({ ...zero, netMinor: 0 });
  });

  it('writes the numbers of the lines in one comparable form', () => {
    expect(numbersOf([lines[2]!, line('ACME-2', { amountMinor: -5, adjustment: true, adjustsPeriod: '2026-09' })])).toBe(
      '[["ACME-2",false,null,120,12000,50,50,60,6000,0,0],["ACME-2",true,"2026-09",0,0,0,0,0,-5,0,0]]',
    );
  });
});

describe('differences', () => {
  it('carries, for each request whose charge changed, now minus what was billed, in every column', () => {
    const billed = [line('ACME-1', { title: 'Old title', loggedMinutes: 50, rawMinutes: 50, billedMinutes: 60, amountMinor: 6000 }), line('ACME-1', { amountMinor: 500, adjustment: true, adjustsPeriod: '2026-10' })];
    const now = [line('ACME-1', { title: 'New title', state: 'closed', closedAt: at('2026-10-20T12:00:00Z'), loggedMinutes: 70, rawMinutes: 70, billedMinutes: 75, amountMinor: 7500 })];
    expect(differences(now, billed, '2026-10')).toEqual([
      {
        requestKey: 'ACME-1',
        title: 'New title',
        openedAt: at('2026-10-01T09:00:00Z'),
        closedAt: at('2026-10-20T12:00:00Z'),
        cancelledAt: undefined,
        state: 'closed',
        ...zero,
        loggedMinutes: 20,
        rawMinutes: 20,
        billedMinutes: 15,
        amountMinor: 1000, // 7500 now, 6000 + 500 billed
        adjustment: true,
        adjustsPeriod: '2026-10',
      },
    ]);
  });

  it('takes back what a request no longer comes to, described as it was last billed', () => {
    const billed = [line('ACME-5', { title: 'Gone', state: 'cancelled', cancelledAt: at('2026-10-09T00:00:00Z'), billedMinutes: 30, amountMinor: 3000 })];
    expect(differences([], billed, '2026-10')).toEqual([
      expect.objectContaining({ requestKey: 'ACME-5', title: 'Gone', state: 'cancelled', cancelledAt: at('2026-10-09T00:00:00Z'), billedMinutes: -30, amountMinor: -3000, adjustment: true }),
    ]);
  });

  it('leaves out a request whose charge did not change, even if its time did', () => {
    expect(differences([line('ACME-1', { loggedMinutes: 40, amountMinor: 100 })], [line('ACME-1', { loggedMinutes: 10, amountMinor: 100 })], '2026-10')).toEqual([]);
    for (const column of ['billedMinutes', 'amountMinor', 'upfrontMinor', 'reconciliationMinor'] as const) {
      expect(differences([line('ACME-1', { [column]: 1 })], [line('ACME-1')], '2026-10')).toEqual([expect.objectContaining({ [column]: 1 })]);
    }
  });
});

describe('outstandingAdjustments', () => {
  const octoberIssued = { period: '2026-10', lines: [line('ACME-1', { billedMinutes: 60, amountMinor: 6000 })] };
  const novemberIssued = { period: '2026-11', lines: [line('ACME-1', { billedMinutes: 15, amountMinor: 1500, adjustment: true, adjustsPeriod: '2026-10' })] };

  it('carries what an issued month comes to now, less its lines and the adjustments already issued for it', () => {
    const recomputed = new Map([
      ['2026-10', [line('ACME-1', { billedMinutes: 90, amountMinor: 9000 })]],
      ['2026-11', []],
    ]);
    expect(outstandingAdjustments('2026-12', [novemberIssued, octoberIssued], recomputed)).toEqual([
      expect.objectContaining({ requestKey: 'ACME-1', billedMinutes: 15, amountMinor: 1500, adjustment: true, adjustsPeriod: '2026-10' }),
    ]);
    // Nothing more when the month comes to what was issued for it.
    recomputed.set('2026-10', [line('ACME-1', { billedMinutes: 75, amountMinor: 7500 })]);
    expect(outstandingAdjustments('2026-12', [octoberIssued, novemberIssued], recomputed)).toEqual([]);
  });

  it('lists the adjustments month by month, however the issued months are given', () => {
    const recomputed = new Map([
      ['2026-10', [line('ACME-1', { billedMinutes: 90, amountMinor: 9000 })]],
      ['2026-11', [line('ACME-2', { billedMinutes: 30, amountMinor: 3000 })]],
    ]);
    const expected = [
      expect.objectContaining({ requestKey: 'ACME-1', amountMinor: 1500, adjustsPeriod: '2026-10' }),
      expect.objectContaining({ requestKey: 'ACME-2', amountMinor: 3000, adjustsPeriod: '2026-11' }),
    ];
    expect(outstandingAdjustments('2026-12', [novemberIssued, octoberIssued], recomputed)).toEqual(expected);
    expect(outstandingAdjustments('2026-12', [octoberIssued, novemberIssued], recomputed)).toEqual(expected);
  });

  it('looks only at months before the draft, which must have been recomputed', () => {
    expect(outstandingAdjustments('2026-10', [octoberIssued, novemberIssued], new Map())).toEqual([]);
    expect(() => outstandingAdjustments('2026-12', [octoberIssued], new Map())).toThrow(new Error('outstandingAdjustments: 2026-10 was not recomputed'));
  });

  it('takes a summary own lines apart from the adjustments it carries', () => {
    expect(ownLines(novemberIssued)).toEqual([]);
    expect(ownLines({ lines: [...octoberIssued.lines, ...novemberIssued.lines] })).toEqual(octoberIssued.lines);
  });
});

describe('the instants a month runs between', () => {
  const november = monthBounds('2026-11', 'Europe/London');
  const september = monthBounds('2026-09', 'Europe/London');
  const approvedSeptember = [
    { version: 1, kind: 'estimate' as const, decision: 'approved', highMinutes: 120, hourlyRateMinor: 6000, amountMinor: 12000, createdAt: at('2026-09-28T09:00:00Z'), decidedAt: at('2026-09-28T10:00:00Z'), terms: onCompletion },
  ];
  const history = (key: string, number: number, closedAt: Date): RequestHistory => ({
    request: { key, number, title: key, createdAt: at('2026-09-28T09:00:00Z'), state: 'closed', closedAt },
    estimates: approvedSeptember,
    entries: [{ workDate: '2026-09-29', minutes: 50 }],
  });
  // Closed at the very instant October began (00:00 BST on 1 Oct), and at the instant it ended.
  const atStart = history('ACME-1', 1, october.start);
  const atEnd = history('ACME-2', 2, october.end);
  const keysAndAmounts = (lines: BillingLine[]) => lines.map((l) => [l.requestKey, l.billedMinutes, l.amountMinor]);

  it('bills a request closed at a month first instant in that month, and one closed at its end in the next', () => {
    expect(october.start.toISOString()).toBe('2026-09-30T23:00:00.000Z');
    expect(keysAndAmounts(monthLines(terms, [atStart, atEnd], september))).toEqual([
      ['ACME-1', 0, 0],
      ['ACME-2', 0, 0],
    ]);
    expect(keysAndAmounts(monthLines(terms, [atStart, atEnd], october))).toEqual([['ACME-1', 60, 6000]]);
    expect(keysAndAmounts(monthLines(terms, [atStart, atEnd], november))).toEqual([['ACME-2', 60, 6000]]);
  });

  it('bills an upfront approval given at the instant a month ended in the next month', () => {
    const upfront: RequestHistory = {
      request: { key: 'ACME-3', number: 3, title: 'Upfront', createdAt: at('2026-10-01T09:00:00Z'), state: 'open' },
      estimates: [
        { version: 1, kind: 'estimate', decision: 'approved', highMinutes: 120, hourlyRateMinor: 6000, amountMinor: 12000, createdAt: at('2026-10-30T09:00:00Z'), decidedAt: october.end, terms: { ...onCompletion, billingMode: 'upfront' } },
      ],
      entries: [{ workDate: '2026-10-05', minutes: 50 }],
    };
    expect(monthLines(terms, [upfront], october)).toEqual([expect.objectContaining({ estimateMinutes: 0, loggedMinutes: 50, billedMinutes: 0, amountMinor: 0, upfrontMinor: 0 })]);
    expect(monthLines(terms, [upfront], november)).toEqual([expect.objectContaining({ estimateMinutes: 120, loggedMinutes: 0, billedMinutes: 120, amountMinor: 12000, upfrontMinor: 12000 })]);
  });

  it('carries a late entry on a closed upfront request as the change in its reconciliation', () => {
    // 2 h invoiced upfront (£120); closed on 20 Oct with 50 minutes (1 h used: −£60); 15 more
    // minutes on 3 Nov make it 65, billed as 75 (−£45): November reconciles +£15.
    const late: RequestHistory = {
      request: { key: 'ACME-4', number: 4, title: 'Late', createdAt: at('2026-10-01T09:00:00Z'), state: 'closed', closedAt: at('2026-10-20T12:00:00Z') },
      estimates: [
        { version: 1, kind: 'estimate', decision: 'approved', highMinutes: 120, hourlyRateMinor: 6000, amountMinor: 12000, createdAt: at('2026-10-01T09:00:00Z'), decidedAt: at('2026-10-01T10:00:00Z'), terms: { ...onCompletion, billingMode: 'upfront' } },
      ],
      entries: [
        { workDate: '2026-10-05', minutes: 50 },
        { workDate: '2026-11-03', minutes: 15 },
      ],
    };
    expect(monthLines(terms, [late], october)).toEqual([expect.objectContaining({ billedMinutes: 120, amountMinor: 12000, upfrontMinor: 12000, reconciliationMinor: -6000 })]);
    expect(monthLines(terms, [late], november)).toEqual([
      expect.objectContaining({ loggedMinutes: 15, rawMinutes: 65, billedMinutes: 0, amountMinor: 0, upfrontMinor: 0, reconciliationMinor: 1500 }),
    ]);
  });
});

describe('an approval recorded without its decision time', () => {
  it('is billed in the month it was made, as decidedBefore counts it', () => {
    // Upfront, 2 h approved on 10 Oct (no decidedAt: its creation time stands in), nothing logged.
    const legacy: RequestHistory = {
      request: { key: 'ACME-6', number: 6, title: 'Legacy', createdAt: at('2026-10-01T09:00:00Z'), state: 'open' },
      estimates: [{ version: 1, kind: 'estimate', decision: 'approved', highMinutes: 120, hourlyRateMinor: 6000, amountMinor: 12000, createdAt: at('2026-10-10T09:00:00Z'), terms: { ...onCompletion, billingMode: 'upfront' } }],
      entries: [],
    };
    expect(monthLines(terms, [legacy], october)).toEqual([expect.objectContaining({ requestKey: 'ACME-6', billedMinutes: 120, amountMinor: 12000, upfrontMinor: 12000 })]);
    expect(monthLines(terms, [legacy], monthBounds('2026-11', 'Europe/London'))).toEqual([]);
  });
});
