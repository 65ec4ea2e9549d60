// The edges of typed durations (src/domain/duration.ts): the longest inputs read, the last minute
// before an hour, hours in hundredths, units in every spelling and case, and when the user's words
// are quoted back. The main cases are in duration.test.ts.
import { formatDuration, parseDuration, parseDurationRange } from '../../src/domain/duration';

describe('parseDuration at its edges', () => {
  it.each([
    ['0'.repeat(17) + '90m', 90], // 20 characters: the longest read
    ['1:59', 119],
    ['1:00', 60],
    ['1h59', 119],
    ['1h59m', 119],
    ['1 h 30', 90],
    ['2h 0', 120],
    ['1 hours 5', 65],
    ['1h 30 mins', 90],
    ['1hr 1min', 61],
    ['2hrs 2minute', 122],
    ['1hour 3minutes', 63],
    ['1.5 hours', 90],
    ['1.05h', 63],
    ['0.95h', 57],
    ['1.1h', 66],
    ['1,25h', 75],
    ['5MINS', 5],
    ['5 MINUTE', 5],
  ])('%j → %d minutes', (text, minutes) => expect(parseDuration(text)).toEqual({ ok: true, minutes }));

  it.each([
    ['0'.repeat(18) + '90m', 'That is too long to be a duration. Try 90m, 1h30m, 1.5h or 1:30.'],
    ['1:60', '“1:60” is not a time: after the colon use two digits from 00 to 59, like 1:30.'],
    ['1h60m', '“1h60m” has 60 minutes after the hours: use 0 to 59, or write 2h.'],
    ['1.01h', '“1.01h” is not a whole number of minutes: write it in hours and minutes, like 1h20m.'],
    ['1.5h30m', '“1.5h30m” mixes decimal hours with minutes: write either 1.5h or 1h30m. Try 90m, 1h30m, 1.5h or 1:30.'],
    ['1h 30.5m', '“1h 30.5m” has part of a minute: minutes must be whole.'],
    ['2.5m', '“2.5m” has part of a minute: minutes must be whole.'],
    ['0,0', '“0,0” is zero: a duration must be more than zero. Try 90m, 1h30m, 1.5h or 1:30.'], // zero with a decimal comma
    ['0,5', '“0,5” has no unit: add m or h, like 90m or 1.5h.'],
    ['90', '“90” has no unit: add m or h, like 90m or 1.5h.'],
    ['-2h', '“-2h” is negative: a duration must be more than zero. Try 90m, 1h30m, 1.5h or 1:30.'],
    ['201h', '“201h” is too long: a duration can be at most 200h.'],
    ['', 'Enter a duration. Try 90m, 1h30m, 1.5h or 1:30.'],
    // The user's words are quoted back only when they hold nothing Slack could read as markup.
    ['1h+', '“1h+” is not a duration. Try 90m, 1h30m, 1.5h or 1:30.'],
    ['a1:30', '“a1:30” is not a duration. Try 90m, 1h30m, 1.5h or 1:30.'],
    ['1h 30s', '“1h 30s” is not a duration. Try 90m, 1h30m, 1.5h or 1:30.'],
    ['A-Z,.:', '“A-Z,.:” is not a duration. Try 90m, 1h30m, 1.5h or 1:30.'],
    ['1_h', 'That is not a duration. Try 90m, 1h30m, 1.5h or 1:30.'],
    ['1h @x', 'That is not a duration. Try 90m, 1h30m, 1.5h or 1:30.'],
    ['`1h`', 'That is not a duration. Try 90m, 1h30m, 1.5h or 1:30.'],
  ])('%j → %j', (text, error) => expect(parseDuration(text)).toEqual({ ok: false, error }));
});

describe('parseDurationRange at its edges', () => {
  it.each([
    ['0'.repeat(16) + '90m-' + '0'.repeat(18) + '2h', 90, 120], // 40 characters: the longest read
    ['2-4H', 120, 240], // the borrowed unit in any case
    ['2-4hours', 120, 240],
    ['2-4 h', 120, 240],
    ['2-30 minutes', 2, 30],
    [' 2 -4h', 120, 240],
    ['1h–90m', 60, 90],
    ['  ' + '0'.repeat(16) + '90m-' + '0'.repeat(18) + '2h  ', 90, 120], // spaces around do not count
  ])('%j → %d to %d', (text, low, high) => expect(parseDurationRange(text)).toEqual({ ok: true, low, high }));

  it.each([
    ['0'.repeat(17) + '90m-' + '0'.repeat(18) + '2h', 'That is too long to be a duration or range. Try 3h or 2-4h.'],
    ['2h-', '“2h-” is not a duration or range. Try 3h or 2-4h.'],
    [' -4h', '“-4h” is negative: a duration must be more than zero. Try 90m, 1h30m, 1.5h or 1:30.'],
    ['-', '“-” is negative: a duration must be more than zero. Try 90m, 1h30m, 1.5h or 1:30.'],
    ['2--4h', '“2--4h” is not a duration or range. Try 3h or 2-4h.'],
    ['1h-2h-3h', '“1h-2h-3h” is not a duration or range. Try 3h or 2-4h.'],
    ['2-1:30', '“2-1:30”: give the first number a unit too, like 2h-4h.'],
    ['3h-2h', '“3h-2h”: the range must go up, like 2h-4h (for one duration, write just 2h).'],
    ['1h-1:00', '“1h-1:00”: the range must go up, like 2h-4h (for one duration, write just 2h).'],
  ])('%j → %j', (text, error) => expect(parseDurationRange(text)).toEqual({ ok: false, error }));
});

describe('formatDuration of what is not whole minutes', () => {
  it.each([
    [89.6, '1h 30m'],
    [89.4, '1h 29m'],
    [0.4, '0m'],
    [-0.4, '0m'],
    [-45, '-45m'],
    [-60, '-1h'],
    [61, '1h 1m'],
  ])('%d → %j', (minutes, text) => expect(formatDuration(minutes)).toBe(text));
});
