// Billing months as UTC instants, proved on DST tables: each bound is its own local midnight,
// whatever clock change falls inside the month.
import { isPeriod, monthBounds, nextPeriod, periodOf, previousPeriodOf } from '../../src/domain/periods';

describe('monthBounds', () => {
  it.each([
    // London: BST ends 25 Oct 2026, starts 29 Mar 2026.
    ['2026-10', 'Europe/London', '2026-09-30T23:00:00.000Z', '2026-11-01T00:00:00.000Z'],
    ['2026-03', 'Europe/London', '2026-03-01T00:00:00.000Z', '2026-03-31T23:00:00.000Z'],
    ['2026-04', 'Europe/London', '2026-03-31T23:00:00.000Z', '2026-04-30T23:00:00.000Z'],
    // Los Angeles: PDT ends 1 Nov 2026, starts 8 Mar 2026.
    ['2026-11', 'America/Los_Angeles', '2026-11-01T07:00:00.000Z', '2026-12-01T08:00:00.000Z'],
    ['2026-03', 'America/Los_Angeles', '2026-03-01T08:00:00.000Z', '2026-04-01T07:00:00.000Z'],
    // Sydney, southern hemisphere: AEDT ends 5 Apr 2026, starts 4 Oct 2026.
    ['2026-04', 'Australia/Sydney', '2026-03-31T13:00:00.000Z', '2026-04-30T14:00:00.000Z'],
    ['2026-10', 'Australia/Sydney', '2026-09-30T14:00:00.000Z', '2026-10-31T13:00:00.000Z'],
    // A year's end.
    ['2026-12', 'Europe/London', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
  ])('%s in %s runs from %s to %s', (period, zone, start, end) => {
    const bounds = monthBounds(period, zone);
    expect(bounds.start.toISOString()).toBe(start);
    expect(bounds.end.toISOString()).toBe(end);
    // The instants either side of each bound fall in the month they should.
    expect(periodOf(bounds.start, zone)).toBe(period);
    expect(periodOf(new Date(bounds.end.getTime() - 1), zone)).toBe(period);
    expect(periodOf(bounds.end, zone)).toBe(nextPeriod(period));
  });

  it('steps months and years both ways', () => {
    expect(nextPeriod('2026-12')).toBe('2027-01');
    expect(previousPeriodOf('2027-01')).toBe('2026-12');
    expect(previousPeriodOf('2026-10')).toBe('2026-09');
    expect(isPeriod('2026-13')).toBe(false);
    expect(isPeriod('2026-00')).toBe(false);
    expect(isPeriod('2026-07')).toBe(true);
  });
});
