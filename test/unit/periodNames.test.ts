// Billing periods as names (src/domain/periods.ts): which texts are months, the months around one,
// a month's label, and the work dates a month covers. The instants a month runs between are in
// periods.test.ts.
import { isPeriod, monthBounds, nextPeriod, periodLabel, periodOf, previousPeriodOf } from '../../src/domain/periods';

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
