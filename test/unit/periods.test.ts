// Billing months as UTC instants, proved on DST tables: each bound is its own local midnight,
// whatever clock change falls inside the month.
import { contiguousBounds, isPeriod, monthBounds, nextPeriod, periodOf, previousPeriodOf, startOfLocalDay } from '../../src/domain/periods';

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
    // Havana: on 1 Nov 2026 the clocks go back from 01:00 (UTC−4) to 00:00 (UTC−5), so midnight
    // happens twice, at 04:00Z and 05:00Z; November starts at the first (dayjs.tz picks the second).
    ['2026-10', 'America/Havana', '2026-10-01T04:00:00.000Z', '2026-11-01T04:00:00.000Z'],
    ['2026-11', 'America/Havana', '2026-11-01T04:00:00.000Z', '2026-12-01T05:00:00.000Z'],
    // Asunción: on 1 Oct 2017 the clocks went forward from 00:00 (UTC−4) to 01:00 (UTC−3): that
    // day had no midnight and began at 01:00, 04:00Z.
    ['2017-10', 'America/Asuncion', '2017-10-01T04:00:00.000Z', '2017-11-01T03:00:00.000Z'],
    ['2017-09', 'America/Asuncion', '2017-09-01T04:00:00.000Z', '2017-10-01T04:00:00.000Z'],
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

  it.each([
    // Santiago: 6 Sep 2026 has no midnight (00:00 UTC−4 → 01:00 UTC−3): it starts at 01:00.
    ['2026-09-06', 'America/Santiago', '2026-09-06T04:00:00.000Z'],
    ['2026-09-05', 'America/Santiago', '2026-09-05T04:00:00.000Z'],
    ['2026-09-07', 'America/Santiago', '2026-09-07T03:00:00.000Z'],
    // Havana: 1 Nov 2026 has two midnights; its first instant is the first of them.
    ['2026-11-01', 'America/Havana', '2026-11-01T04:00:00.000Z'],
    ['2026-11-02', 'America/Havana', '2026-11-02T05:00:00.000Z'],
    // Havana, 8 Mar 2026: no midnight (00:00 UTC−5 → 01:00 UTC−4).
    ['2026-03-08', 'America/Havana', '2026-03-08T05:00:00.000Z'],
    // London: the clocks went forward at 01:00 on 31 Mar 2024, the day before; 1 Apr starts at
    // 00:00 BST (UTC+1), 23:00 UTC the day before.
    ['2024-04-01', 'Europe/London', '2024-03-31T23:00:00.000Z'],
    ['2024-03-31', 'Europe/London', '2024-03-31T00:00:00.000Z'],
  ])('the day %s in %s starts at %s', (day, zone, start) => {
    expect(startOfLocalDay(day, zone).toISOString()).toBe(start);
    // Just before it, it is still the day before.
    expect(periodOf(new Date(Date.parse(start) - 1), zone) <= day.slice(0, 7)).toBe(true);
  });
});

describe('contiguousBounds', () => {
  const london = monthBounds('2026-10', 'Europe/London');
  const sydney = monthBounds('2026-10', 'Australia/Sydney');

  it("starts a month where the issued month before it ended, whatever today's timezone", () => {
    // October issued in London (ends 1 Nov 00:00Z); the client is now in Sydney, where November
    // would start at 31 Oct 13:00Z: it starts at 00:00Z instead, so those 11 hours are not billed twice.
    const november = contiguousBounds('2026-11', 'Australia/Sydney', { previous: london });
    expect(november.start.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(november.end).toEqual(monthBounds('2026-11', 'Australia/Sydney').end);
    expect(november).toMatchObject({ firstDay: '2026-11-01', nextFirstDay: '2026-12-01' });
    // Sydney → London: November starts at 31 Oct 13:00Z, where October ended, not at 1 Nov 00:00Z.
    expect(contiguousBounds('2026-11', 'Europe/London', { previous: sydney }).start.toISOString()).toBe('2026-10-31T13:00:00.000Z');
  });

  it('ends a month where an issued month after it began, and is its own month otherwise', () => {
    const november = monthBounds('2026-11', 'Europe/London');
    expect(contiguousBounds('2026-10', 'Australia/Sydney', { next: november }).end).toEqual(november.start);
    expect(contiguousBounds('2026-10', 'Australia/Sydney')).toEqual(sydney);
  });
});
