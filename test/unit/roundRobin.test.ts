// Round robin (#13): the next engineer in turn who is available, working now in their own
// timezone, under the load limit and has not declined.
import { isWorkingAt, nextEngineer, notWorkingNow, type Engineer } from '../../src/domain/roundRobin';

const at = (iso: string) => new Date(iso);
const london = { timezone: 'Europe/London', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:30' };
const sydney = { timezone: 'Australia/Sydney', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };
const eng = (userId: string, extra: Partial<Engineer> = {}): Engineer => ({ userId, available: true, openAssigned: 0, ...extra });
// Tuesday 1 December 2026, 10:00 in London (GMT) = 21:00 in Sydney (AEDT).
const now = at('2026-12-01T10:00:00Z');

describe('working hours', () => {
  it.each([
    [london, '2026-12-01T10:00:00Z', true],
    [london, '2026-12-01T17:30:00Z', false], // the end is exclusive
    [london, '2026-12-05T10:00:00Z', false], // Saturday
    [sydney, '2026-12-01T10:00:00Z', false], // 21:00 in Sydney
    [sydney, '2026-11-30T23:00:00Z', true], // Tuesday 10:00 in Sydney, still Monday in London
    // Across the March change in London: 08:30 GMT on Friday 27 March is 08:30, on Monday 30 March 09:30 BST.
    [london, '2026-03-27T08:30:00Z', false],
    [london, '2026-03-30T08:30:00Z', true],
    [undefined, '2026-12-05T03:00:00Z', true], // no hours: any time
  ])('%j at %s: %s', (hours, instant, working) => {
    expect(isWorkingAt(hours, at(instant))).toBe(working);
  });
});

describe('notWorkingNow (checked again when an offer runs out)', () => {
  it.each([
    [{ available: true, hours: london }, undefined],
    [{ available: false, hours: london }, 'away'],
    [{ available: true, hours: sydney }, 'off_hours'],
    [{ available: false, hours: sydney }, 'away'],
    [{ available: true, hours: undefined }, undefined],
  ] as const)('%j: %s', (engineer, reason) => {
    expect(notWorkingNow(engineer, now)).toBe(reason);
  });
});

describe('nextEngineer', () => {
  const team = [eng('U0C'), eng('U0A'), eng('U0B')];

  it('goes round in user ID order after the last one offered, wrapping at the end', () => {
    expect(nextEngineer(team, undefined, [], 5, now).pick).toBe('U0A');
    expect(nextEngineer(team, 'U0A', [], 5, now).pick).toBe('U0B');
    expect(nextEngineer(team, 'U0C', [], 5, now).pick).toBe('U0A');
    expect(nextEngineer(team, 'U0BB', [], 5, now).pick).toBe('U0C'); // someone since removed
  });

  it('passes over who is away, off hours, at capacity or declined, and says why', () => {
    const busy = [eng('U0A', { available: false }), eng('U0B', { hours: sydney }), eng('U0C', { openAssigned: 5 }), eng('U0D'), eng('U0E')];
    expect(nextEngineer(busy, undefined, ['U0D'], 5, now)).toEqual({
      pick: 'U0E',
      passedOver: [
        { userId: 'U0A', reason: 'away' },
        { userId: 'U0B', reason: 'off_hours' },
        { userId: 'U0C', reason: 'at_capacity' },
        { userId: 'U0D', reason: 'declined' },
      ],
    });
  });

  it('picks nobody when nobody fits', () => {
    expect(nextEngineer([eng('U0A', { available: false })], undefined, [], 5, now)).toEqual({ pick: undefined, passedOver: [{ userId: 'U0A', reason: 'away' }] });
    expect(nextEngineer([], 'U0A', [], 5, now).pick).toBeUndefined();
  });
});
