import { driftVerdict } from '../../src/domain/counters';

// #21, defect 4: drift is a disagreement that stays; a log in flight disagrees for a moment.
describe('driftVerdict', () => {
  const at = new Date('2026-11-10T12:00:00Z');
  const after = (ms: number) => new Date(at.getTime() + ms);
  it.each([
    ['agrees', 30, 30, undefined, at, 'agrees'],
    ['agrees again, whatever was noticed', 30, 30, { counter: 45, entries: 30, at }, after(60_000), 'agrees'],
    ['a first disagreement', 45, 30, undefined, at, 'noticed'],
    ['the same, too soon', 45, 30, { counter: 45, entries: 30, at }, after(29_999), 'waiting'],
    ['the same, after the grace period', 45, 30, { counter: 45, entries: 30, at }, after(30_000), 'repair'],
    ['too low, the same, after the grace period', 10, 30, { counter: 10, entries: 30, at }, after(30_000), 'repair'],
    ['the counter moved since', 50, 30, { counter: 45, entries: 30, at }, after(60_000), 'noticed'],
    ['the entries moved since', 45, 40, { counter: 45, entries: 30, at }, after(60_000), 'noticed'],
  ] as const)('%s', (_name, counter, entries, seen, now, verdict) => {
    expect(driftVerdict(counter, entries, seen, now, 30_000)).toBe(verdict);
  });
});
