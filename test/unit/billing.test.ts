import {
  MissingTermsError,
  allocateTotal,
  amountForMinutes,
  billableMinutes,
  agreementOf,
  priceTranches,
  requestCharge,
  summaryTotals,
  type RequestCharge,
  type RequestChargeInput,
  type Tranche,
} from '../../src/domain/billing';
import { monthLines, type RequestHistory } from '../../src/domain/billingLines';
import { monthBounds } from '../../src/domain/periods';

describe('billableMinutes', () => {
  it.each([
    // logged, increment, minimum → billed
    [0, 15, 30, 0], // nothing billed for nothing
    [1, 15, 30, 30],
    [10, 15, 30, 30],
    [30, 15, 30, 30],
    [31, 15, 30, 45],
    [44, 15, 0, 45],
    [45, 15, 0, 45],
    [50, 15, 30, 60],
    [60, 15, 30, 60],
    [61, 15, 30, 75],
    [20, 15, 60, 60],
    [7, 1, 0, 7], // increment 1 bills exactly
    [61, 1, 0, 61],
    [61, 1, 30, 61],
    [10, 1, 30, 30],
    [0, 1, 30, 0],
    [1, 60, 0, 60],
    [119, 60, 60, 120],
    [5, 6, 0, 6],
    [12000, 15, 30, 12000],
  ])('logged %d, increment %d, minimum %d → %d', (logged, increment, minimum, billed) =>
    expect(billableMinutes(logged, increment, minimum)).toBe(billed),
  );

  it.each([
    [-1, 15, 30],
    [1.5, 15, 30],
    [Number.NaN, 15, 30],
    [10, 0, 30],
    [10, -15, 30],
    [10, 15, -1],
    [10, 7.5, 30],
  ])('refuses logged %d, increment %d, minimum %d', (logged, increment, minimum) =>
    expect(() => billableMinutes(logged, increment, minimum)).toThrow(RangeError),
  );
});

describe('amountForMinutes', () => {
  it.each([
    // minutes, rate per hour (minor units) → amount (minor units), rounded half up
    [60, 9500, 9500],
    [90, 9500, 14250],
    [0, 9500, 0],
    [15, 0, 0],
    [7, 9250, 1079], // 64750 / 60 = 1079.166…
    [1, 9250, 154], // 9250 / 60 = 154.166…
    [2, 9250, 308], // 18500 / 60 = 308.333…
    [3, 9250, 463], // 27750 / 60 = 462.5 → half up
    [29, 1, 0], // 0.483…
    [30, 1, 1], // 0.5 → half up
    [89, 1, 1], // 1.483…
    [90, 1, 2], // 1.5 → half up
    [12000, 99999999, 19999999800], // 200h × 99999999 = 19 999 999 800 exactly
    [11999, 99999999, 19998333133], // 1 199 899 988 001 / 60 = 19 998 333 133.35
    [7, Number.MAX_SAFE_INTEGER, 1050839913053116], // 63 050 394 783 186 937 / 60 = …115.616…
    // 27 021 597 764 214 090 / 60 = 450 359 962 736 901.5 → …902; floating point gives …901
    [3, 9007199254738030, 450359962736902],
  ])('%d minutes at %d/h → %d', (minutes, rate, amount) => expect(amountForMinutes(minutes, rate)).toBe(amount));

  it.each([
    [-1, 9500],
    [1.5, 9500],
    [60, -1],
    [60, 92.5],
    [60, Number.POSITIVE_INFINITY],
  ])('refuses %d minutes at %d/h', (minutes, rate) => expect(() => amountForMinutes(minutes, rate)).toThrow(RangeError));

  it.each([
    [1.5, 9500, 'minutes must be a whole number of at least 0, got 1.5'],
    [60, 92.5, 'hourlyRateMinor must be a whole number of at least 0, got 92.5'],
  ])('names what is wrong in %d minutes at %d/h', (minutes, rate, message) => {
    expect(() => amountForMinutes(minutes, rate)).toThrow(new RangeError(message));
  });

  it('refuses an amount too large to hold exactly', () => {
    expect(() => amountForMinutes(12000, Number.MAX_SAFE_INTEGER)).toThrow(RangeError);
  });
});

describe('requestCharge', () => {
  // £90/h, 15-minute increments, 30-minute minimum unless a case says otherwise.
  const tranche = (minutes: number, hourlyRateMinor: number): Tranche => ({ minutes, hourlyRateMinor, amountMinor: amountForMinutes(minutes, hourlyRateMinor) });
  const base: RequestChargeInput = {
    billingMode: 'on_completion',
    incrementMinutes: 15,
    minimumMinutes: 30,
    tranches: [tranche(240, 9000)],
    loggedBillableMinutes: 200,
    closed: true,
  };
  const charge = (raw: number, billed: number, amount: number, upfront: number, reconciliation: number): RequestCharge => ({
    rawMinutes: raw,
    billedMinutes: billed,
    amountMinor: amount,
    upfrontMinor: upfront,
    reconciliationMinor: reconciliation,
  });

  it.each<[string, Partial<RequestChargeInput>, RequestCharge]>([
    // 200 → 210 billable (under the 240 approved); 210 × 9000 / 60 = 31500; 36000 invoiced → −4500
    ['upfront, closed under the estimate', { billingMode: 'upfront' }, charge(200, 240, 36000, 36000, -4500)],
    // not closed: invoiced upfront, but unused approved time is not reconciled yet
    ['upfront, still open', { billingMode: 'upfront', closed: false }, charge(200, 240, 36000, 36000, 0)],
    // 300 logged, capped at 240 approved: 240 × 9000 / 60 = 36000 − 36000 = 0
    ['upfront, over the estimate', { billingMode: 'upfront', loggedBillableMinutes: 300 }, charge(300, 240, 36000, 36000, 0)],
    // approved at £85/h (240 × 8500 / 60 = 34000): the time used is priced at the approved rate,
    // whatever the client's rate is now, so using it all reconciles to 0 (it was +2000 before #14)
    ['upfront, all used', { billingMode: 'upfront', tranches: [tranche(240, 8500)], loggedBillableMinutes: 240 }, charge(240, 240, 34000, 34000, 0)],
    // 120 approved (18000 invoiced), nothing logged → 0 billable → −18000
    ['upfront, closed with nothing logged', { billingMode: 'upfront', tranches: [tranche(120, 9000)], loggedBillableMinutes: 0 }, charge(0, 120, 18000, 18000, -18000)],
    // no approved estimate (advice resolved without one): nothing at all, raw time still shown
    ['upfront, nothing approved', { billingMode: 'upfront', tranches: [], loggedBillableMinutes: 45 }, charge(45, 0, 0, 0, 0)],
    // 200 → 210 billable; 210 × 9000 / 60 = 31500
    ['on completion, closed', {}, charge(200, 210, 31500, 0, 0)],
    // nothing is invoiced before close
    ['on completion, still open', { closed: false }, charge(200, 0, 0, 0, 0)],
    // 300 logged, capped at 240 approved: 240 × 9000 / 60 = 36000
    ['on completion, capped at approved', { loggedBillableMinutes: 300 }, charge(300, 240, 36000, 0, 0)],
    // 10 logged → 30 minimum; 30 × 9000 / 60 = 4500
    ['on completion, minimum charge', { loggedBillableMinutes: 10 }, charge(10, 30, 4500, 0, 0)],
    // 10 logged → 30 minimum, but only 20 approved: 20 × 9000 / 60 = 3000
    ['on completion, cap below the minimum', { loggedBillableMinutes: 10, tranches: [tranche(20, 9000)] }, charge(10, 20, 3000, 0, 0)],
    ['on completion, nothing approved', { tranches: [], loggedBillableMinutes: 45 }, charge(45, 0, 0, 0, 0)],
    ['on completion, nothing logged', { loggedBillableMinutes: 0 }, charge(0, 0, 0, 0, 0)],
    // £92.50/h, increment 1, no minimum: 7 × 9250 / 60 = 1079.166… → 1079
    [
      'on completion, odd rate, exact minutes',
      { incrementMinutes: 1, minimumMinutes: 0, loggedBillableMinutes: 7, tranches: [tranche(60, 9250)] },
      charge(7, 7, 1079, 0, 0),
    ],
    // 240 estimate + 60 top-up = 300 approved; 290 → 300 billable; 300 × 9000 / 60 = 45000
    ['on completion, with a top-up', { tranches: [tranche(240, 9000), tranche(60, 9000)], loggedBillableMinutes: 290 }, charge(290, 300, 45000, 0, 0)],
    // Defect 2: 2 h approved at £100 (£200), rate cut to £80, 1 h top-up at £80 (£80). The client
    // agreed to £280; using all 3 h bills £280 (it billed £300), each tranche at its own rate.
    ['on completion, top-up at a lower rate, all used', { tranches: [tranche(120, 10000), tranche(60, 8000)], loggedBillableMinutes: 180 }, charge(180, 180, 28000, 0, 0)],
    // 150 used: the first 120 at £100, the next 30 at £80 = 20000 + 4000
    ['on completion, top-up at a lower rate, part used', { tranches: [tranche(120, 10000), tranche(60, 8000)], loggedBillableMinutes: 150 }, charge(150, 150, 24000, 0, 0)],
    // upfront, rate raised for the top-up: reconciles to 0 when all is used (it was −£20)
    ['upfront, top-up at a higher rate, all used', { billingMode: 'upfront', tranches: [tranche(120, 10000), tranche(60, 12000)], loggedBillableMinutes: 180 }, charge(180, 180, 32000, 32000, 0)],
    // and at the lower rate: +£20 before, now 0
    ['upfront, top-up at a lower rate, all used', { billingMode: 'upfront', tranches: [tranche(120, 10000), tranche(60, 8000)], loggedBillableMinutes: 180 }, charge(180, 180, 28000, 28000, 0)],
    // two tranches used exactly at an odd rate bill what was agreed, no +1 drift: 7 min at 9251 is
    // 1079.28 → 1079 each (2158 agreed), where 14 min priced at once would be 2158.57 → 2159
    ['on completion, two tranches used exactly', { incrementMinutes: 1, minimumMinutes: 0, tranches: [tranche(7, 9251), tranche(7, 9251)], loggedBillableMinutes: 14 }, charge(14, 14, 2158, 0, 0)],
  ])('%s', (_name, change, expected) => expect(requestCharge({ ...base, ...change })).toEqual(expected));

  it.each<Partial<RequestChargeInput>>([
    { tranches: [tranche(60, 9000), { minutes: 60, hourlyRateMinor: -1, amountMinor: 0 }], loggedBillableMinutes: 120 },
    { incrementMinutes: 0 },
    { minimumMinutes: -1 },
    { tranches: [{ minutes: 1.5, hourlyRateMinor: 9000, amountMinor: 225 }] },
    { tranches: [{ minutes: 60, hourlyRateMinor: 9000, amountMinor: -1 }] },
    { loggedBillableMinutes: -5 },
    { tranches: [], loggedBillableMinutes: -5 },
  ])('refuses %j', (change) => expect(() => requestCharge({ ...base, ...change })).toThrow(RangeError));
});

describe('agreementOf', () => {
  const version = (v: number, kind: 'estimate' | 'topup', decision: string, highMinutes: number, hourlyRateMinor = 10000) => ({
    version: v,
    kind,
    decision,
    highMinutes,
    hourlyRateMinor,
    amountMinor: amountForMinutes(highMinutes, hourlyRateMinor),
    terms: { billingMode: v === 1 ? 'upfront' : 'on_completion', incrementMinutes: 15, minimumMinutes: 0 } as const,
  });

  it('counts the latest approved estimate and the top-ups approved after it, in version order', () => {
    const agreement = agreementOf([
      version(4, 'topup', 'approved', 30, 8000),
      version(1, 'estimate', 'approved', 240),
      version(2, 'topup', 'declined', 60),
      version(3, 'estimate', 'approved', 120),
      version(5, 'topup', 'pending', 60),
    ]);
    expect(agreement.tranches).toEqual([
      { minutes: 120, hourlyRateMinor: 10000, amountMinor: 20000 },
      { minutes: 30, hourlyRateMinor: 8000, amountMinor: 4000 },
    ]);
    // One set of terms per request: the first approval's (v1, upfront), not the re-estimate's.
    expect(agreement).toMatchObject({ approvedMinutes: 150, approvedAmountMinor: 24000, terms: { billingMode: 'upfront' }, missingTerms: [] });
  });

  it('names the approvals that carry no stored terms, and takes none from them', () => {
    const { terms: _dropped, ...legacy } = version(1, 'estimate', 'approved', 60);
    const agreement = agreementOf([legacy, version(2, 'topup', 'approved', 30), version(3, 'topup', 'declined', 30)]);
    expect(agreement).toMatchObject({ terms: undefined, missingTerms: [1], approvedMinutes: 90 });
    expect(agreementOf([version(1, 'estimate', 'approved', 60), { ...version(2, 'topup', 'approved', 30), terms: null }]).missingTerms).toEqual([2]);
    // Only approvals need terms: a pending or declined version without them is not named.
    const { terms: _none, ...pending } = version(2, 'topup', 'pending', 30);
    const { terms: _neither, ...declined } = version(3, 'topup', 'declined', 30);
    expect(agreementOf([version(1, 'estimate', 'approved', 60), pending, declined])).toMatchObject({ missingTerms: [], approvedMinutes: 60 });
  });

  it('agrees to nothing when no estimate is approved, whatever top-ups say', () => {
    expect(agreementOf([version(1, 'estimate', 'declined', 60), version(2, 'topup', 'approved', 60)])).toEqual({
      tranches: [],
      terms: undefined,
      approvedMinutes: 0,
      approvedAmountMinor: 0,
      missingTerms: [],
    });
  });
});

describe('priceTranches', () => {
  const tranches: Tranche[] = [
    { minutes: 120, hourlyRateMinor: 10000, amountMinor: 20000 },
    { minutes: 60, hourlyRateMinor: 8000, amountMinor: 8000 },
  ];
  it.each([
    [0, 0],
    [1, 167], // 1 × 10000 / 60 = 166.67
    [120, 20000],
    [121, 20133], // 20000 + 133.33
    [180, 28000],
    [240, 28000], // never more than was approved
  ])('%d minutes → %d', (minutes, amount) => expect(priceTranches(minutes, tranches)).toBe(amount));

  it.each<[string, number, Tranche[], number]>([
    // Used in full, a tranche costs what was agreed for it, even where that is not its minutes at
    // its rate (here 60 minutes at 60.00/h agreed at 65.00); in part, its minutes at its rate.
    ['in full at its agreed amount', 60, [{ minutes: 60, hourlyRateMinor: 6000, amountMinor: 6500 }], 6500],
    ['in part at its rate', 30, [{ minutes: 60, hourlyRateMinor: 6000, amountMinor: 6500 }], 3000],
    // A tranche the minutes never reach adds nothing, even one of no minutes with an amount.
    ['not reached', 60, [{ minutes: 60, hourlyRateMinor: 6000, amountMinor: 6000 }, { minutes: 0, hourlyRateMinor: 6000, amountMinor: 500 }], 6000],
  ])('prices a tranche %s', (_case, minutes, given, amount) => expect(priceTranches(minutes, given)).toBe(amount));

  it.each<[number, Tranche[], string]>([
    [1.5, tranches, 'minutes must be a whole number of at least 0, got 1.5'],
    [60, [{ minutes: 60.5, hourlyRateMinor: 6000, amountMinor: 6000 }], 'tranche minutes must be a whole number of at least 0, got 60.5'],
    [60, [{ minutes: 60, hourlyRateMinor: 60.5, amountMinor: 6000 }], 'tranche hourlyRateMinor must be a whole number of at least 0, got 60.5'],
    [60, [{ minutes: 60, hourlyRateMinor: 6000, amountMinor: -1 }], 'tranche amountMinor must be a whole number of at least 0, got -1'],
  ])('refuses %d minutes over %j, naming what is wrong', (minutes, given, message) => {
    expect(() => priceTranches(minutes, given)).toThrow(new RangeError(message));
  });
});

describe('allocateTotal', () => {
  it.each([
    // total, weights → parts
    [10000, [1, 1, 1], [3334, 3333, 3333]],
    [100, [1, 1, 1], [34, 33, 33]],
    [10, [1, 1, 1, 1], [3, 3, 2, 2]], // 2.5 each: ties go to the earlier lines
    [7, [1, 2], [2, 5]], // 2.33… and 4.66…: the larger remainder wins
    [1, [2, 1, 1], [1, 0, 0]],
    [3, [1, 1, 1, 1, 1], [1, 1, 1, 0, 0]],
    [100, [1, 3], [25, 75]],
    [100, [33, 33, 34], [33, 33, 34]],
    [100, [0, 5], [0, 100]],
    [100, [1], [100]],
    [0, [1, 2, 3], [0, 0, 0]],
    [10, [0, 0, 0], [4, 3, 3]], // all-zero weights: evenly, remainder to the first lines
    [11, [0, 0, 0], [4, 4, 3]],
    [-10000, [1, 1, 1], [-3334, -3333, -3333]], // a negative total is the mirror image
    [Number.MAX_SAFE_INTEGER, [1, 1], [4503599627370496, 4503599627370495]],
    [0, [], []],
  ])('%d over %j → %j', (total, weights, parts) => expect(allocateTotal(total, weights)).toEqual(parts));

  it.each<[number, number[]]>([
    [5, []],
    [10, [1, -1]],
    [10, [1.5, 1]],
    [10.5, [1, 1]],
    [10, [Number.NaN]],
  ])('refuses %d over %j', (total, weights) => expect(() => allocateTotal(total, weights)).toThrow(RangeError));

  it('always adds up to the total, each part within one unit of its exact share', () => {
    // mulberry32: a tiny seeded PRNG, so the cases are the same on every run.
    let seed = 20240531;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const integer = (max: number): number => Math.floor(random() * (max + 1));

    for (let run = 0; run < 500; run++) {
      const weights = Array.from({ length: 1 + integer(9) }, () => (random() < 0.2 ? 0 : integer(run % 2 ? 1000 : 99999999)));
      const total = integer(10_000_000) * (random() < 0.1 ? -1 : 1);
      const parts = allocateTotal(total, weights);

      expect(parts).toHaveLength(weights.length);
      expect(parts.reduce((sum, part) => sum + part, 0)).toBe(total);
      const shares = weights.some((w) => w > 0) ? weights : weights.map(() => 1);
      const weightSum = BigInt(shares.reduce((sum, w) => sum + w, 0));
      parts.forEach((part, i) => {
        // |part − total × w / W| < 1, in integers: |part × W − total × w| < W
        const gap = BigInt(part) * weightSum - BigInt(total) * BigInt(shares[i] ?? 0);
        expect(gap < weightSum && -gap < weightSum).toBe(true);
        if (total >= 0) expect(part).toBeGreaterThanOrEqual(0);
      });
    }
  });
});

describe('summaryTotals', () => {
  const line = (amount: number, billed: number, raw: number, upfront: number, reconciliation: number) => ({
    amountMinor: amount,
    billedMinutes: billed,
    rawMinutes: raw,
    upfrontMinor: upfront,
    reconciliationMinor: reconciliation,
  });

  it('adds up every column', () => {
    expect(summaryTotals([line(36000, 240, 200, 36000, -4500), line(31500, 210, 200, 0, 0), line(0, 0, 45, 0, 0)])).toEqual(
      line(67500, 450, 445, 36000, -4500),
    );
  });

  it('is all zeros for no lines', () => {
    expect(summaryTotals([])).toEqual(line(0, 0, 0, 0, 0));
  });

  it('is exact for large amounts', () => {
    // three 200h lines at 99999999/h: 3 × 19 999 999 800 = 59 999 999 400
    const big = line(19999999800, 12000, 12000, 19999999800, 0);
    expect(summaryTotals([big, big, big])).toEqual(line(59999999400, 36000, 36000, 59999999400, 0));
  });

  it('refuses amounts that are not whole, or a total too large to hold exactly', () => {
    expect(() => summaryTotals([line(0.5, 0, 0, 0, 0)])).toThrow(RangeError);
    expect(() => summaryTotals([line(Number.MAX_SAFE_INTEGER, 0, 0, 0, 0), line(1, 0, 0, 0, 0)])).toThrow(RangeError);
  });

  it('matches a cap split over its lines', () => {
    // a monthly cap of £500 computed once and shown per line still totals £500
    const parts = allocateTotal(50000, [31500, 4500, 1079]);
    expect(summaryTotals(parts.map((amount) => line(amount, 0, 0, 0, 0))).amountMinor).toBe(50000);
  });
});

describe('a request approved without stored terms', () => {
  const terms = { key: 'OLD', billingMode: 'upfront', hourlyRateMinor: 10000, incrementMinutes: 15, minimumMinutes: 30, timezone: 'Europe/London' } as const;
  const history = (stored: boolean, decision = 'approved'): RequestHistory => ({
    request: { key: 'OLD-1', number: 1, title: 'Legacy', createdAt: new Date('2026-11-01T09:00:00Z'), state: 'closed', closedAt: new Date('2026-11-20T09:00:00Z') },
    estimates: [
      {
        version: 1,
        kind: 'estimate',
        decision,
        highMinutes: 120,
        hourlyRateMinor: 10000,
        amountMinor: 20000,
        createdAt: new Date('2026-11-02T09:00:00Z'),
        decidedAt: new Date('2026-11-02T10:00:00Z'),
        ...(stored ? { terms: { billingMode: 'on_completion', incrementMinutes: 1, minimumMinutes: 0 } } : {}),
      },
    ],
    entries: [{ workDate: '2026-11-10', minutes: 50 }],
  });
  const november = monthBounds('2026-11', 'Europe/London');

  it("is refused, by name, rather than billed under the client's terms of today", () => {
    // Under today's (upfront) terms it would bill £200 upfront and reconcile; it bills nothing silently.
    const refused = (() => {
      try {
        monthLines(terms, [history(false)], november);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(MissingTermsError);
    expect(refused).toMatchObject({ requestKey: 'OLD-1', versions: [1] });
    expect((refused as Error).message).toMatch(/^OLD-1 cannot be billed: its approved estimate v1 has no billing terms stored/);
  });

  it('bills under the stored terms when they are there, and needs none when nothing was approved', () => {
    expect(monthLines(terms, [history(true)], november).map((l) => [l.amountMinor, l.upfrontMinor])).toEqual([[8333, 0]]);
    expect(monthLines(terms, [history(false, 'declined')], november).map((l) => l.amountMinor)).toEqual([0]);
  });
});
