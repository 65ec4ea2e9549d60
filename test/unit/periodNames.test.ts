// Billing periods as names (src/domain/periods.ts): which texts are months, the months around one,
// a month's label, and the work dates a month covers. The instants a month runs between are in
// periods.test.ts.
import { contiguousBounds, isPeriod, monthBounds, nextPeriod, periodLabel, periodOf, previousPeriodOf, startOfLocalDay } from '../../src/domain/periods';

describe('isPeriod', () => {
  it.each(['2026-01', '2026-09', '2026-10', '2026-12', '0001-01', '9999-12'])('%j is a month', (text) => expect(isPeriod(text)).toBe(true));

  it.each(['2026-1', '2026-00', '2026-13', '2026-20', '26-07', '20260-07', '2026-07-01', ' 2026-07', '2026-07 ', 'x2026-07', '2026-07x', '2026/07', ''])(
    '%j is not',
    (text) => expect(isPeriod(text)).toBe(false),
  );
});

describe('the months around a month', () => {
  it.each([
    ['2026-01', '2025-12', '2026-02'],
    ['2026-06', '2026-05', '2026-07'],
    ['2026-09', '2026-08', '2026-10'],
    ['2026-11', '2026-10', '2026-12'],
    ['2026-12', '2026-11', '2027-01'],
    ['2000-01', '1999-12', '2000-02'],
  ])('before %s is %s, after it %s', (period, before, after) => {
    expect(previousPeriodOf(period)).toBe(before);
    expect(nextPeriod(period)).toBe(after);
  });
});

describe('the months around what is not a month', () => {
  it.each(['2026-13', '2026-1', 'November', ''])('%j is refused', (text) => {
    expect(() => nextPeriod(text)).toThrow(new RangeError(`${JSON.stringify(text)} is not a billing period (YYYY-MM)`));
    expect(() => previousPeriodOf(text)).toThrow(RangeError);
  });
});

describe('periodLabel', () => {
  it.each([
    ['2026-11', 'November 2026'],
    ['2027-01', 'January 2027'],
    ['2026-12', 'December 2026'],
  ])('%s → %s', (period, label) => expect(periodLabel(period)).toBe(label));
});

describe('periodOf', () => {
  it.each([
    // 23:30 UTC on 31 Oct 2026: still October in London (GMT), already November in Paris and Sydney.
    ['2026-10-31T23:30:00Z', 'Europe/London', '2026-10'],
    ['2026-10-31T23:30:00Z', 'Europe/Paris', '2026-11'],
    ['2026-10-31T23:30:00Z', 'Australia/Sydney', '2026-11'],
    // 05:00 UTC on 1 Dec: still November in Los Angeles.
    ['2026-12-01T05:00:00Z', 'America/Los_Angeles', '2026-11'],
    ['2026-12-31T23:59:59Z', 'UTC', '2026-12'],
  ])('%s in %s is %s', (iso, zone, period) => expect(periodOf(new Date(iso), zone)).toBe(period));
});

describe('monthBounds', () => {
  it('names the work dates the month covers: its first day, and the next month first day', () => {
    expect(monthBounds('2026-12', 'Europe/London')).toMatchObject({ firstDay: '2026-12-01', nextFirstDay: '2027-01-01' });
    expect(monthBounds('2026-02', 'Asia/Tokyo')).toEqual({
      start: new Date('2026-01-31T15:00:00.000Z'),
      end: new Date('2026-02-28T15:00:00.000Z'),
      firstDay: '2026-02-01',
      nextFirstDay: '2026-03-01',
    });
  });
});

describe('startOfLocalDay where the clocks change at midnight', () => {
  it.each([
    // São Paulo, 17 Feb 2019: at 00:00 (UTC−2) the clocks went back to 23:00 on the 16th, so the
    // 17th began at the second midnight, 00:00 UTC−3; the first 00:00 was still the 16th.
    ['2019-02-17', 'America/Sao_Paulo', '2019-02-17T03:00:00.000Z'],
    ['2019-02-16', 'America/Sao_Paulo', '2019-02-16T02:00:00.000Z'],
    // São Paulo, 4 Nov 2018: at 00:00 (UTC−3) the clocks went forward to 01:00: the day began then.
    ['2018-11-04', 'America/Sao_Paulo', '2018-11-04T03:00:00.000Z'],
    // Changes later in the day leave midnight alone.
    ['2026-10-25', 'Europe/London', '2026-10-24T23:00:00.000Z'],
    ['2026-03-29', 'Europe/London', '2026-03-29T00:00:00.000Z'],
    ['2026-04-05', 'Australia/Lord_Howe', '2026-04-04T13:00:00.000Z'], // back half an hour at 02:00
    ['2026-07-01', 'Asia/Kolkata', '2026-06-30T18:30:00.000Z'],
  ])('%s in %s begins at %s', (day, zone, start) => expect(startOfLocalDay(day, zone).toISOString()).toBe(start));
});

describe('contiguousBounds', () => {
  it('refuses a month that would end before it starts', () => {
    const later = { start: new Date('2026-12-05T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') };
    const earlier = { start: new Date('2026-10-01T00:00:00Z'), end: new Date('2026-11-01T00:00:00Z') };
    expect(() => contiguousBounds('2026-11', 'UTC', { previous: later, next: earlier })).toThrow(new RangeError('contiguousBounds: 2026-11 would end before it starts'));
    // An empty month (a previous month that ended where the next one began) is allowed.
    expect(contiguousBounds('2026-11', 'UTC', { previous: earlier, next: { start: earlier.end, end: later.end } })).toMatchObject({ start: earlier.end, end: earlier.end });
  });
});
