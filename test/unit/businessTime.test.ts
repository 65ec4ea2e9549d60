// Business hours and SLA clocks, worked by hand. Europe/London is GMT (= UTC) in winter and
// BST (UTC+1) from Sun 2026-03-29 01:00 GMT (clocks jump to 02:00) to Sun 2026-10-25 02:00 BST
// (clocks fall back to 01:00). America/New_York changes on Sun 2026-03-08 and Sun 2026-11-01.
// 2026-01-12 is a Monday, so 14 Jan is a Wednesday, 16 a Friday, 17 a Saturday, 19 a Monday.
import {
  addBusinessMinutes,
  businessMinutesBetween,
  dueAt,
  elapsedBusinessMinutes,
  isWorkingTime,
  nextOpening,
  type ClockPause,
  type WorkingCalendar,
} from '../../src/domain/businessTime';

const calendar = (timezone: string, days: number[], start: string, end: string): WorkingCalendar => ({
  timezone,
  hours: { alwaysOpen: false, days, start, end },
});
const WEEKDAYS = [1, 2, 3, 4, 5];
const LONDON = calendar('Europe/London', WEEKDAYS, '09:00', '17:30');
const NEW_YORK = calendar('America/New_York', WEEKDAYS, '09:00', '17:30');
const ALWAYS: WorkingCalendar = { timezone: 'Europe/London', hours: { alwaysOpen: true, days: [], start: '00:00', end: '00:00' } };
/** Sunday night only: the window in which both London clock changes happen. */
const SUNDAY_NIGHT = calendar('Europe/London', [7], '00:00', '04:00');
/** Opens at 01:30, which does not exist on 29 March and happens twice on 25 October. */
const SUNDAY_0130 = calendar('Europe/London', [7], '01:30', '03:00');
/** Entirely inside the hour skipped on 29 March. */
const SUNDAY_0115 = calendar('Europe/London', [7], '01:15', '01:45');

const at = (iso: string) => new Date(iso);
const pause = (from: string, to?: string): ClockPause => ({ from: at(from), to: to === undefined ? undefined : at(to) });

describe('isWorkingTime', () => {
  it.each<[string, WorkingCalendar, string, boolean]>([
    ['Wed 10:00 GMT', LONDON, '2026-01-14T10:00Z', true],
    ['Wed 09:00 GMT, the opening minute', LONDON, '2026-01-14T09:00Z', true],
    ['Wed 08:59 GMT', LONDON, '2026-01-14T08:59Z', false],
    ['Wed 17:29 GMT', LONDON, '2026-01-14T17:29Z', true],
    ['Wed 17:30 GMT, closing is not working time', LONDON, '2026-01-14T17:30Z', false],
    ['Sat 11:00 GMT', LONDON, '2026-01-17T11:00Z', false],
    ['Wed 09:00 BST = 08:00Z', LONDON, '2026-06-03T08:00Z', true],
    ['Wed 08:30 BST = 07:30Z, would be 08:30 working time in GMT', LONDON, '2026-06-03T07:30Z', false],
    ['Wed 17:45 BST = 16:45Z', LONDON, '2026-06-03T16:45Z', false],
    ['Mon 09:00 EST = 14:00Z', NEW_YORK, '2026-01-12T14:00Z', true],
    ['Sat under 24x7', ALWAYS, '2026-01-17T03:00Z', true],
  ])('%s → %s', (_name, cal, instant, expected) => {
    expect(isWorkingTime(at(instant), cal)).toBe(expected);
  });
});

describe('addBusinessMinutes', () => {
  it.each<[string, WorkingCalendar, string, number, string]>([
    // 10:00 + 1h30 = 11:30, all on Wednesday.
    ['within a day', LONDON, '2026-01-14T10:00Z', 90, '2026-01-14T11:30Z'],
    // 30 min to 17:30 Wed, the other 30 from Thu 09:00.
    ['crossing the end of the day', LONDON, '2026-01-14T17:00Z', 60, '2026-01-15T09:30Z'],
    // Exactly the 30 min left: due at closing, not at the next opening.
    ['reaching closing exactly', LONDON, '2026-01-14T17:00Z', 30, '2026-01-14T17:30Z'],
    // 30 min Fri (to 17:30) + 210 min Mon from 09:00 = Mon 12:30.
    ['Friday 17:00 + 4 business hours', LONDON, '2026-01-16T17:00Z', 240, '2026-01-19T12:30Z'],
    // After hours: counting starts Mon 09:00.
    ['Friday 19:00 + 15 min', LONDON, '2026-01-16T19:00Z', 15, '2026-01-19T09:15Z'],
    ['Saturday 11:00 + 1h', LONDON, '2026-01-17T11:00Z', 60, '2026-01-19T10:00Z'],
    ['Wed 07:00, before opening, + 30 min', LONDON, '2026-01-14T07:00Z', 30, '2026-01-14T09:30Z'],
    ['N = 0 inside hours', LONDON, '2026-01-14T10:00Z', 0, '2026-01-14T10:00Z'],
    ['N = 0 at the opening minute', LONDON, '2026-01-14T09:00Z', 0, '2026-01-14T09:00Z'],
    ['N = 0 at closing', LONDON, '2026-01-14T17:30Z', 0, '2026-01-15T09:00Z'],
    ['N = 0 in the evening', LONDON, '2026-01-14T18:00Z', 0, '2026-01-15T09:00Z'],
    ['N = 0 on Saturday', LONDON, '2026-01-17T11:00Z', 0, '2026-01-19T09:00Z'],
    // 450 min Wed (10:00–17:30) + 60 min Thu = Thu 10:00.
    ['1 business day from Wed 10:00', LONDON, '2026-01-14T10:00Z', 510, '2026-01-15T10:00Z'],
    // Wed 16:00 BST (15:00Z): 90 min to 17:30, 30 min Thu → Thu 09:30 BST = 08:30Z.
    ['summer time, crossing a night', LONDON, '2026-06-03T15:00Z', 120, '2026-06-04T08:30Z'],
    // Fri 17:00 GMT: 30 min Fri, 30 min Mon from 09:00 BST → Mon 09:30 BST = 08:30Z.
    ['spring-forward weekend', LONDON, '2026-03-27T17:00Z', 60, '2026-03-30T08:30Z'],
    // Fri 17:00 BST (16:00Z): 30 min Fri, 30 min Mon from 09:00 GMT → Mon 09:30 GMT = 09:30Z.
    ['fall-back weekend', LONDON, '2026-10-23T16:00Z', 60, '2026-10-26T09:30Z'],
    // 00:30 GMT + 2h of real time = 02:30Z, which London reads as 03:30 BST.
    ['24x7 across the spring-forward hour', ALWAYS, '2026-03-29T00:30Z', 120, '2026-03-29T02:30Z'],
    // 00:30 BST (23:30Z on the 24th) + 2h = 01:30Z = 01:30 GMT (01:00–02:00 happened twice).
    ['24x7 across the fall-back hour', ALWAYS, '2026-10-24T23:30Z', 120, '2026-10-25T01:30Z'],
    ['24x7 N = 0 on Saturday', ALWAYS, '2026-01-17T03:00Z', 0, '2026-01-17T03:00Z'],
    // Fri 17:00 EST (22:00Z): 30 min Fri, 30 min Mon 9 March from 09:00 EDT (13:00Z) → 13:30Z.
    ['New York, spring-forward weekend', NEW_YORK, '2026-03-06T22:00Z', 60, '2026-03-09T13:30Z'],
    // Sunday 00:00–04:00 on 29 March runs 00:00Z → 03:00Z (04:00 BST): 180 real minutes, not 240.
    ['Sunday night, spring: the whole short window', SUNDAY_NIGHT, '2026-03-29T00:00Z', 180, '2026-03-29T03:00Z'],
    // 180 used up; the next Sunday opens 5 April 00:00 BST = 4 April 23:00Z, + 1 min.
    ['Sunday night, spring: one minute more', SUNDAY_NIGHT, '2026-03-29T00:00Z', 181, '2026-04-04T23:01Z'],
    // 00:00 BST (23:00Z on the 24th) + 4h of real time = 03:00Z, which reads 03:00 GMT.
    ['Sunday night, autumn: 240 min end before 04:00', SUNDAY_NIGHT, '2026-10-24T23:00Z', 240, '2026-10-25T03:00Z'],
    // The window runs to 04:00 GMT = 04:00Z: 300 real minutes.
    ['Sunday night, autumn: the whole long window', SUNDAY_NIGHT, '2026-10-24T23:00Z', 300, '2026-10-25T04:00Z'],
    // 300 used up; next Sunday 1 November opens 00:00 GMT = 00:00Z, + 1 min.
    ['Sunday night, autumn: one minute more', SUNDAY_NIGHT, '2026-10-24T23:00Z', 301, '2026-11-01T00:01Z'],
    // 01:30 does not exist on 29 March: the window opens when the clock jumps, 02:00 BST = 01:00Z.
    ['opening inside the skipped hour', SUNDAY_0130, '2026-03-28T12:00Z', 0, '2026-03-29T01:00Z'],
    // 02:00 BST → 03:00 BST closing = 01:00Z → 02:00Z.
    ['opening inside the skipped hour, whole window', SUNDAY_0130, '2026-03-28T12:00Z', 60, '2026-03-29T02:00Z'],
    // 01:30 happens twice on 25 October: the window opens at the first, 01:30 BST = 00:30Z.
    ['opening in the repeated hour', SUNDAY_0130, '2026-10-24T12:00Z', 0, '2026-10-25T00:30Z'],
    // 00:30Z → 03:00 GMT = 03:00Z: 150 real minutes.
    ['opening in the repeated hour, whole window', SUNDAY_0130, '2026-10-24T12:00Z', 150, '2026-10-25T03:00Z'],
    // 01:15–01:45 on 29 March are both "02:00 BST": no time at all; next Sunday 01:15 BST = 00:15Z.
    ['a window inside the skipped hour is empty', SUNDAY_0115, '2026-03-28T12:00Z', 0, '2026-04-05T00:15Z'],
  ])('%s: %s + %d min', (_name, cal, from, minutes, expected) => {
    expect(addBusinessMinutes(at(from), minutes, cal).toISOString()).toBe(at(expected).toISOString());
  });

  it('refuses a negative number of minutes', () => {
    expect(() => addBusinessMinutes(at('2026-01-14T10:00Z'), -1, LONDON)).toThrow(RangeError);
  });

  it('refuses to look further than ten years ahead', () => {
    expect(() => addBusinessMinutes(at('2026-01-14T10:00Z'), 11 * 365 * 24 * 60, LONDON)).toThrow(/ten years/);
  });

  it.each<[string, WorkingCalendar]>([
    ['no working day', calendar('Europe/London', [], '09:00', '17:30')],
    ['day 0', calendar('Europe/London', [0], '09:00', '17:30')],
    ['end before start', calendar('Europe/London', WEEKDAYS, '17:30', '09:00')],
    ['a time that is not HH:mm', calendar('Europe/London', WEEKDAYS, '9:00', '17:30')],
  ])('refuses business hours with %s', (_name, cal) => {
    expect(() => addBusinessMinutes(at('2026-01-14T10:00Z'), 60, cal)).toThrow(RangeError);
  });
});

describe('nextOpening', () => {
  it.each<[string, WorkingCalendar, string, string]>([
    ['in hours: now', LONDON, '2026-01-14T10:00Z', '2026-01-14T10:00Z'],
    ['Wed evening → Thu 09:00', LONDON, '2026-01-14T18:00Z', '2026-01-15T09:00Z'],
    ['Fri at closing → Mon 09:00', LONDON, '2026-01-16T17:30Z', '2026-01-19T09:00Z'],
    // Saturday in GMT; Monday opens 09:00 BST = 08:00Z.
    ['spring-forward weekend', LONDON, '2026-03-28T12:00Z', '2026-03-30T08:00Z'],
    // Saturday in BST; Monday opens 09:00 GMT = 09:00Z.
    ['fall-back weekend', LONDON, '2026-10-24T12:00Z', '2026-10-26T09:00Z'],
    // Saturday 31 October (EDT); Monday 2 November opens 09:00 EST = 14:00Z.
    ['New York fall-back weekend', NEW_YORK, '2026-10-31T16:00Z', '2026-11-02T14:00Z'],
    ['24x7: now', ALWAYS, '2026-10-25T01:30Z', '2026-10-25T01:30Z'],
  ])('%s', (_name, cal, instant, expected) => {
    expect(nextOpening(at(instant), cal).toISOString()).toBe(at(expected).toISOString());
  });
});

describe('businessMinutesBetween', () => {
  it.each<[string, WorkingCalendar, string, string, number]>([
    ['same day 10:00 → 12:15', LONDON, '2026-01-14T10:00Z', '2026-01-14T12:15Z', 135],
    // Only 09:00–10:00 counts.
    ['from before opening 07:00 → 10:00', LONDON, '2026-01-14T07:00Z', '2026-01-14T10:00Z', 60],
    // Only 16:00–17:30 counts.
    ['into the evening 16:00 → 20:00', LONDON, '2026-01-14T16:00Z', '2026-01-14T20:00Z', 90],
    // 90 min Fri (16:00–17:30) + 60 min Mon (09:00–10:00).
    ['across a weekend', LONDON, '2026-01-16T16:00Z', '2026-01-19T10:00Z', 150],
    // 5 days × 510 min.
    ['a whole week', LONDON, '2026-01-12T00:00Z', '2026-01-19T00:00Z', 2550],
    // Fri 16:00 GMT → Mon 10:00 BST (09:00Z): 90 + 60.
    ['across the spring-forward weekend', LONDON, '2026-03-27T16:00Z', '2026-03-30T09:00Z', 150],
    // Fri 16:00 BST (15:00Z) → Mon 10:00 GMT (10:00Z): 90 + 60.
    ['across the fall-back weekend', LONDON, '2026-10-23T15:00Z', '2026-10-26T10:00Z', 150],
    // Mon 23 March 00:00 GMT → Mon 30 March 00:00 BST (29th 23:00Z): still 5 × 510.
    ['the whole spring-forward week', LONDON, '2026-03-23T00:00Z', '2026-03-29T23:00Z', 2550],
    // Fri 30 October 16:00 EDT (20:00Z) → Mon 2 November 10:00 EST (15:00Z): 90 + 60.
    ['New York fall-back weekend', NEW_YORK, '2026-10-30T20:00Z', '2026-11-02T15:00Z', 150],
    ['reversed', LONDON, '2026-01-14T12:00Z', '2026-01-14T10:00Z', 0],
    ['empty', LONDON, '2026-01-14T10:00Z', '2026-01-14T10:00Z', 0],
    // 1 min 59.999 s → 1.
    ['partial minutes are floored', LONDON, '2026-01-14T10:00:00.000Z', '2026-01-14T10:01:59.999Z', 1],
    // 90 s → 1.
    ['partial minutes are floored, odd start', LONDON, '2026-01-14T10:00:30Z', '2026-01-14T10:02:00Z', 1],
    // 30 s Fri + 29 s Mon = 59 s → 0.
    ['seconds on both sides of a weekend', LONDON, '2026-01-16T17:29:30Z', '2026-01-19T09:00:29Z', 0],
    // 00:00 GMT → 04:00 BST is 3h of real time.
    ['24x7 over the spring-forward night', ALWAYS, '2026-03-29T00:00Z', '2026-03-29T03:00Z', 180],
    // 00:00 BST → 04:00 GMT is 5h of real time.
    ['24x7 over the fall-back night', ALWAYS, '2026-10-24T23:00Z', '2026-10-25T04:00Z', 300],
    ['Sunday 00:00–04:00 on the spring-forward Sunday', SUNDAY_NIGHT, '2026-03-28T12:00Z', '2026-03-30T12:00Z', 180],
    ['Sunday 00:00–04:00 on the fall-back Sunday', SUNDAY_NIGHT, '2026-10-24T12:00Z', '2026-10-26T12:00Z', 300],
    // 02:00 BST → 03:00 BST.
    ['Sunday 01:30–03:00 on the spring-forward Sunday', SUNDAY_0130, '2026-03-28T12:00Z', '2026-03-30T12:00Z', 60],
    // First 01:30 (BST) → 03:00 GMT.
    ['Sunday 01:30–03:00 on the fall-back Sunday', SUNDAY_0130, '2026-10-24T12:00Z', '2026-10-26T12:00Z', 150],
  ])('%s', (_name, cal, from, to, expected) => {
    expect(businessMinutesBetween(at(from), at(to), cal)).toBe(expected);
  });

  it('refuses a span of more than ten years', () => {
    expect(() => businessMinutesBetween(at('2026-01-14T10:00Z'), at('2037-01-14T10:00Z'), LONDON)).toThrow(/ten years/);
  });
});

describe('elapsedBusinessMinutes', () => {
  it.each<[string, WorkingCalendar, string, string, ClockPause[], number]>([
    ['no pauses', LONDON, '2026-01-14T10:00Z', '2026-01-14T12:00Z', [], 120],
    // 120 − 30.
    ['a pause inside hours', LONDON, '2026-01-14T10:00Z', '2026-01-14T12:00Z', [pause('2026-01-14T10:30Z', '2026-01-14T11:00Z')], 90],
    // Counted: Fri 15:00–16:00 and Mon 10:00–11:00; the pause holds Fri 16:00–17:30 and Mon 09:00–10:00.
    [
      'a pause over the weekend',
      LONDON,
      '2026-01-16T15:00Z',
      '2026-01-19T11:00Z',
      [pause('2026-01-16T16:00Z', '2026-01-19T10:00Z')],
      120,
    ],
    // Union 10:30–12:00 = 90 paused; 180 − 90.
    [
      'overlapping pauses count once',
      LONDON,
      '2026-01-14T10:00Z',
      '2026-01-14T13:00Z',
      [pause('2026-01-14T11:00Z', '2026-01-14T12:00Z'), pause('2026-01-14T10:30Z', '2026-01-14T11:30Z'), pause('2026-01-14T11:15Z', '2026-01-14T11:20Z')],
      90,
    ],
    // 240 − 30 (10:30–11:00) − 120 (12:00–now).
    [
      'an open pause runs to now',
      LONDON,
      '2026-01-14T10:00Z',
      '2026-01-14T14:00Z',
      [pause('2026-01-14T10:30Z', '2026-01-14T11:00Z'), pause('2026-01-14T12:00Z')],
      90,
    ],
    // Clipped to 10:00–10:30 and 11:45–12:00: 120 − 30 − 15.
    [
      'pauses reaching outside [start, now) are clipped',
      LONDON,
      '2026-01-14T10:00Z',
      '2026-01-14T12:00Z',
      [pause('2026-01-14T08:00Z', '2026-01-14T10:30Z'), pause('2026-01-14T11:45Z', '2026-01-14T13:00Z')],
      75,
    ],
    // Wed 17:00–17:30 + Thu 09:00–10:00; the overnight pause holds no business time.
    [
      'a pause outside hours costs nothing',
      LONDON,
      '2026-01-14T17:00Z',
      '2026-01-15T10:00Z',
      [pause('2026-01-14T18:00Z', '2026-01-15T08:00Z')],
      90,
    ],
    // Fri 15:00 GMT → Mon 11:00 BST (10:00Z) = 150 + 120; paused Fri 16:00–17:30 + Mon 09:00–10:00 BST.
    [
      'a pause over the spring-forward weekend',
      LONDON,
      '2026-03-27T15:00Z',
      '2026-03-30T10:00Z',
      [pause('2026-03-27T16:00Z', '2026-03-30T09:00Z')],
      120,
    ],
    // 00:00 BST → 04:00 GMT = 300, minus 30.
    ['24x7 over the fall-back night', ALWAYS, '2026-10-24T23:00Z', '2026-10-25T04:00Z', [pause('2026-10-25T00:30Z', '2026-10-25T01:00Z')], 270],
    ['now before start', LONDON, '2026-01-14T12:00Z', '2026-01-14T10:00Z', [], 0],
  ])('%s', (_name, cal, start, now, pauses, expected) => {
    expect(elapsedBusinessMinutes(at(start), at(now), pauses, cal)).toBe(expected);
  });
});

describe('dueAt', () => {
  it.each<[string, WorkingCalendar, string, number, ClockPause[], string]>([
    ['no pauses: 10:00 + 4h', LONDON, '2026-01-14T10:00Z', 240, [], '2026-01-14T14:00Z'],
    ['target 0 in hours: now', LONDON, '2026-01-14T10:00Z', 0, [], '2026-01-14T10:00Z'],
    // 60 before the pause, 180 after 12:00.
    ['a one-hour pause pushes it one hour', LONDON, '2026-01-14T10:00Z', 240, [pause('2026-01-14T11:00Z', '2026-01-14T12:00Z')], '2026-01-14T15:00Z'],
    // Union 11:00–12:30 = 90 min paused.
    [
      'overlapping pauses count once',
      LONDON,
      '2026-01-14T10:00Z',
      240,
      [pause('2026-01-14T11:30Z', '2026-01-14T12:30Z'), pause('2026-01-14T11:00Z', '2026-01-14T12:00Z')],
      '2026-01-14T15:30Z',
    ],
    ['a later pause changes nothing', LONDON, '2026-01-14T10:00Z', 60, [pause('2026-01-14T13:00Z', '2026-01-14T14:00Z')], '2026-01-14T11:00Z'],
    // The 60 min run out at 11:00, as the pause begins.
    ['due exactly as a pause begins', LONDON, '2026-01-14T10:00Z', 60, [pause('2026-01-14T11:00Z', '2026-01-14T12:00Z')], '2026-01-14T11:00Z'],
    // 30 min before the pause; the other 30 from Thu 09:30.
    ['a pause over the night', LONDON, '2026-01-14T10:00Z', 60, [pause('2026-01-14T10:30Z', '2026-01-15T09:30Z')], '2026-01-15T10:00Z'],
    // 90 min Wed (16:00–17:30), 30 min Thu; the pause holds no business time.
    ['a pause outside hours', LONDON, '2026-01-14T16:00Z', 120, [pause('2026-01-14T18:00Z', '2026-01-15T08:00Z')], '2026-01-15T09:30Z'],
    // Clipped to 10:00–10:30: counting starts 10:30.
    ['a pause that began before the start', LONDON, '2026-01-14T10:00Z', 60, [pause('2026-01-14T08:00Z', '2026-01-14T10:30Z')], '2026-01-14T11:30Z'],
    // Fri 15:00–16:00 GMT = 60; 180 more from Mon 10:00 BST (09:00Z) → 13:00 BST = 12:00Z.
    [
      'a pause over the spring-forward weekend',
      LONDON,
      '2026-03-27T15:00Z',
      240,
      [pause('2026-03-27T16:00Z', '2026-03-30T09:00Z')],
      '2026-03-30T12:00Z',
    ],
    // 30 min to 23:30Z; 90 more from 00:30Z → 02:00Z (the clock read 01:00–02:00 twice meanwhile).
    ['24x7 over the fall-back night', ALWAYS, '2026-10-24T23:00Z', 120, [pause('2026-10-24T23:30Z', '2026-10-25T00:30Z')], '2026-10-25T02:00Z'],
  ])('%s', (_name, cal, start, target, pauses, expected) => {
    expect(dueAt(at(start), target, pauses, cal)?.toISOString()).toBe(at(expected).toISOString());
  });

  it('is unknown while the clock is paused', () => {
    expect(dueAt(at('2026-01-14T10:00Z'), 240, [pause('2026-01-14T11:00Z')], LONDON)).toBeUndefined();
    expect(
      dueAt(at('2026-01-14T10:00Z'), 240, [pause('2026-01-14T10:15Z', '2026-01-14T10:30Z'), pause('2026-01-14T11:00Z')], LONDON),
    ).toBeUndefined();
  });
});

describe('round trips over the DST weeks', () => {
  // Mon–Mon weeks holding London's two clock changes (Sun 29 March, Sun 25 October), plus New
  // York's autumn one (Sun 1 November).
  const WEEKS = ['2026-03-23T00:00Z', '2026-10-19T00:00Z', '2026-10-26T00:00Z'];
  const STEP_MINUTES = 37;
  const TARGETS = [1, 59, 240, 510, 1440];

  /** Deterministic starts every 37 minutes, each moved by a seeded 0–59 s so seconds are exercised too. */
  function starts(): Date[] {
    let seed = 20260329;
    const nextSeconds = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % 60;
    };
    const result: Date[] = [];
    for (const week of WEEKS) {
      const begin = Date.parse(week);
      for (let t = begin; t < begin + 7 * 24 * 60 * 60_000; t += STEP_MINUTES * 60_000) {
        result.push(new Date(t + nextSeconds() * 1000));
      }
    }
    return result;
  }

  it.each<[string, WorkingCalendar]>([
    ['London weekdays', LONDON],
    ['London Sunday night', SUNDAY_NIGHT],
    ['London 24x7', ALWAYS],
    ['New York weekdays', NEW_YORK],
  ])('businessMinutesBetween undoes addBusinessMinutes: %s', (_name, cal) => {
    const failures: string[] = [];
    for (const from of starts()) {
      const opened = isWorkingTime(from, cal) ? from : nextOpening(from, cal);
      if (!isWorkingTime(opened, cal)) failures.push(`${from.toISOString()}: next opening ${opened.toISOString()} is not working time`);
      for (const n of TARGETS) {
        const due = addBusinessMinutes(from, n, cal);
        const measured = businessMinutesBetween(opened, due, cal);
        if (measured !== n) failures.push(`${from.toISOString()} + ${n} → ${due.toISOString()}, measured ${measured}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it.each<[string, WorkingCalendar]>([
    ['London weekdays', LONDON],
    ['London 24x7', ALWAYS],
  ])('elapsedBusinessMinutes reaches the target exactly at dueAt: %s', (_name, cal) => {
    const failures: string[] = [];
    for (const [i, start] of starts().entries()) {
      // A 0–9 h pause beginning 0–5 h after the start, varied by position.
      const from = new Date(start.getTime() + (i % 6) * 60 * 60_000);
      const pauses = [{ from, to: new Date(from.getTime() + (i % 10) * 60 * 60_000) }];
      for (const n of TARGETS) {
        const due = dueAt(start, n, pauses, cal);
        const elapsed = due === undefined ? undefined : elapsedBusinessMinutes(start, due, pauses, cal);
        if (elapsed !== n) failures.push(`${start.toISOString()} + ${n} → ${due?.toISOString()}, elapsed ${elapsed}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
