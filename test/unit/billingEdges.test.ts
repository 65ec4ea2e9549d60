// The edges of the billing rules (src/domain/billing.ts): what a refusal says (a programming error
// must name the bad value), the largest amount that is still exact, and amounts that round at
// exactly half a unit. The rules themselves are in billing.test.ts.
import { MissingTermsError, agreementOf, allocateTotal, amountForMinutes, billableMinutes, priceTranches, requestCharge, summaryTotals } from '../../src/domain/billing';

describe('refusals name the value', () => {
  it.each<[string, () => unknown, string]>([
    ['negative minutes', () => billableMinutes(-1, 15, 30), 'loggedMinutes must be a whole number of at least 0, got -1'],
    ['a zero increment', () => billableMinutes(10, 0, 30), 'incrementMinutes must be a whole number of at least 1, got 0'],
    ['a fractional minimum', () => billableMinutes(10, 15, 0.5), 'minimumMinutes must be a whole number of at least 0, got 0.5'],
    ['a rate that is not a number', () => amountForMinutes(60, Number.NaN), 'hourlyRateMinor must be a whole number of at least 0, got NaN'],
    ['an amount past 2^53', () => amountForMinutes(120, Number.MAX_SAFE_INTEGER), 'amount 18014398509481982 is too large to hold exactly'],
    ['a tranche with negative minutes', () => priceTranches(10, [{ minutes: -5, hourlyRateMinor: 6000, amountMinor: 0 }]), 'tranche minutes must be a whole number of at least 0, got -5'],
    ['a tranche with a fractional amount', () => priceTranches(10, [{ minutes: 60, hourlyRateMinor: 6000, amountMinor: 0.5 }]), 'tranche amountMinor must be a whole number of at least 0, got 0.5'],
    ['a fractional weight', () => allocateTotal(10, [1, 1.5]), 'weights[1] must be a whole number of at least 0, got 1.5'],
    ['a total on no lines', () => allocateTotal(5, []), 'allocateTotal: cannot place 5 on no lines'],
    ['a fractional total', () => allocateTotal(1.5, [1]), `totalMinor must be a whole number of at least ${Number.MIN_SAFE_INTEGER}, got 1.5`],
    ['fractional minutes to price', () => priceTranches(1.5, []), 'minutes must be a whole number of at least 0, got 1.5'],
    ['a request with a zero increment', () => requestCharge({ billingMode: 'upfront', incrementMinutes: 0, minimumMinutes: 0, closed: false, loggedBillableMinutes: 0, tranches: [] }), 'incrementMinutes must be a whole number of at least 1, got 0'],
    ['a request with a negative minimum', () => requestCharge({ billingMode: 'upfront', incrementMinutes: 1, minimumMinutes: -1, closed: false, loggedBillableMinutes: 0, tranches: [] }), 'minimumMinutes must be a whole number of at least 0, got -1'],
    ['a request with negative time', () => requestCharge({ billingMode: 'upfront', incrementMinutes: 1, minimumMinutes: 0, closed: false, loggedBillableMinutes: -5, tranches: [] }), 'loggedBillableMinutes must be a whole number of at least 0, got -5'],
    [
      'a total that is not whole',
      () => summaryTotals([{ amountMinor: 0, billedMinutes: 0, rawMinutes: 0, upfrontMinor: 0, reconciliationMinor: -0.5 }]),
      `reconciliationMinor must be a whole number of at least ${Number.MIN_SAFE_INTEGER}, got -0.5`,
    ],
    [
      'a column total past 2^53',
      () => summaryTotals([0, 1].map((extra) => ({ amountMinor: 0, billedMinutes: Number.MAX_SAFE_INTEGER - 1 + extra, rawMinutes: 0, upfrontMinor: 0, reconciliationMinor: 0 }))),
      `total billedMinutes must be a whole number of at least ${Number.MIN_SAFE_INTEGER}, got 18014398509481980`,
    ],
    [
      'approved minutes past 2^53',
      () =>
        requestCharge({
          billingMode: 'on_completion',
          incrementMinutes: 1,
          minimumMinutes: 0,
          closed: true,
          loggedBillableMinutes: 1,
          tranches: [0, 1].map(() => ({ minutes: Number.MAX_SAFE_INTEGER, hourlyRateMinor: 0, amountMinor: 0 })),
        }),
      'approvedMinutes must be a whole number of at least 0, got 18014398509481982',
    ],
    [
      'approved amounts past 2^53',
      () =>
        requestCharge({
          billingMode: 'on_completion',
          incrementMinutes: 1,
          minimumMinutes: 0,
          closed: true,
          loggedBillableMinutes: 1,
          tranches: [0, 1].map(() => ({ minutes: 1, hourlyRateMinor: 0, amountMinor: Number.MAX_SAFE_INTEGER })),
        }),
      'approvedAmountMinor must be a whole number of at least 0, got 18014398509481982',
    ],
  ])('%s', (_name, act, message) => {
    expect(act).toThrow(RangeError);
    expect(act).toThrow(message);
  });
});

describe('the largest amounts', () => {
  it('holds exactly an amount of 2^53 − 1 minor units, and no more', () => {
    expect(amountForMinutes(60, Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => amountForMinutes(61, Number.MAX_SAFE_INTEGER)).toThrow('is too large to hold exactly');
    expect(allocateTotal(Number.MAX_SAFE_INTEGER, [1])).toEqual([Number.MAX_SAFE_INTEGER]);
    expect(allocateTotal(-Number.MAX_SAFE_INTEGER, [1, 0])).toEqual([-Number.MAX_SAFE_INTEGER, 0]);
  });

  it('takes a negative total down to −(2^53 − 1)', () => {
    expect(() => allocateTotal(Number.MIN_SAFE_INTEGER - 1, [1])).toThrow(RangeError);
    expect(summaryTotals([{ amountMinor: Number.MIN_SAFE_INTEGER, billedMinutes: 0, rawMinutes: 0, upfrontMinor: 0, reconciliationMinor: 0 }]).amountMinor).toBe(Number.MIN_SAFE_INTEGER);
  });
});

describe('a part of a tranche', () => {
  it('is priced at its rate, and never above what the tranche agreed', () => {
    // 59 of 60 minutes at £100/h is £98.33; a tranche agreed below its rate (£90 for the hour) caps it.
    expect(priceTranches(59, [{ minutes: 60, hourlyRateMinor: 10000, amountMinor: 10000 }])).toBe(9833);
    expect(priceTranches(59, [{ minutes: 60, hourlyRateMinor: 10000, amountMinor: 9000 }])).toBe(9000);
    // Used in full it bills what was agreed, whatever the rate says.
    expect(priceTranches(60, [{ minutes: 60, hourlyRateMinor: 10000, amountMinor: 9000 }])).toBe(9000);
    expect(priceTranches(90, [{ minutes: 60, hourlyRateMinor: 10000, amountMinor: 9000 }, { minutes: 60, hourlyRateMinor: 6000, amountMinor: 6000 }])).toBe(12000);
  });

  it('prices nothing for no minutes, and nothing beyond the tranches', () => {
    expect(priceTranches(0, [{ minutes: 60, hourlyRateMinor: 10000, amountMinor: 10000 }])).toBe(0);
    expect(priceTranches(30, [])).toBe(0);
  });
});

describe('a request billing refuses for want of stored terms', () => {
  it('names the request and each approval without terms, in words that fit one or several', () => {
    const one = new MissingTermsError('OLD-1', [1]);
    expect(one).toBeInstanceOf(Error);
    expect(one).toMatchObject({ name: 'MissingTermsError', requestKey: 'OLD-1', versions: [1] });
    expect(one.message).toBe(
      "OLD-1 cannot be billed: its approved estimate v1 has no billing terms stored (approved before terms were stored), and billing will not assume today's terms. " +
        'Record the terms the client approved it under, then generate the summary again.',
    );
    expect(new MissingTermsError('OLD-2', [1, 3]).message).toBe(
      "OLD-2 cannot be billed: its approved estimates v1, v3 have no billing terms stored (approved before terms were stored), and billing will not assume today's terms. " +
        'Record the terms the client approved it under, then generate the summary again.',
    );
  });
});

describe('largest remainder', () => {
  it('gives the leftover unit to the larger remainder, not the larger weight', () => {
    // 5 over 2:1 is 3.33 and 1.67: the second line's remainder (0.67) is the larger.
    expect(allocateTotal(5, [2, 1])).toEqual([3, 2]);
    expect(allocateTotal(-5, [2, 1])).toEqual([-3, -2]);
  });
});

describe('an agreement without an approved estimate', () => {
  it('has no terms to miss: top-ups approved on their own agree to nothing', () => {
    expect(agreementOf([{ version: 1, kind: 'topup', decision: 'approved', highMinutes: 60, hourlyRateMinor: 6000, amountMinor: 6000 }])).toEqual({
      tranches: [],
      terms: undefined,
      approvedMinutes: 0,
      approvedAmountMinor: 0,
      missingTerms: [],
    });
  });
});
