// The on-call rota (#13): one engineer a week, handing over at local midnight, across clock changes.
import { nextOnRota, onCallAt, type Rota } from '../../src/domain/onCall';

const rota: Rota = { engineers: ['U0A', 'U0B', 'U0C'], startsOn: '2026-10-19', timezone: 'Europe/London' };
const at = (iso: string) => new Date(iso);

describe('on call', () => {
  it.each([
    ['2026-10-19T00:00:00+01:00', 'U0A'], // the first day, local midnight (BST)
    ['2026-10-25T23:59:00Z', 'U0A'], // Sunday 23:59 GMT, after the clocks went back that morning
    ['2026-10-26T00:00:00Z', 'U0B'], // Monday 00:00 GMT: the handover
    ['2026-11-02T09:00:00Z', 'U0C'],
    ['2026-11-09T09:00:00Z', 'U0A'], // round again
    ['2026-03-29T00:30:00Z', 'U0A'], // before the rota starts: the first person
  ])('%s → %s', (instant, who) => {
    expect(onCallAt(rota, at(instant))).toBe(who);
  });

  it('hands over at local midnight in spring too (the clocks go forward on Sunday 28 March 2027)', () => {
    const spring: Rota = { ...rota, startsOn: '2027-03-22' };
    expect(onCallAt(spring, at('2027-03-28T22:59:00Z'))).toBe('U0A'); // Sunday 23:59 BST
    expect(onCallAt(spring, at('2027-03-28T23:00:00Z'))).toBe('U0B'); // Monday 00:00 BST
  });

  it('names the next person on the rota, and nobody for a rota of one or none', () => {
    expect(nextOnRota(rota, 'U0A')).toBe('U0B');
    expect(nextOnRota(rota, 'U0C')).toBe('U0A');
    expect(nextOnRota({ ...rota, engineers: ['U0A'] }, 'U0A')).toBeUndefined();
    expect(onCallAt({ ...rota, engineers: [] }, at('2026-11-02T09:00:00Z'))).toBeUndefined();
  });
});
