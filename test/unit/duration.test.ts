import {
  formatDuration,
  formatRange,
  MAX_DURATION_MINUTES,
  parseDuration,
  parseDurationRange,
} from '../../src/domain/duration';

describe('parseDuration accepts', () => {
  it.each([
    ['90m', 90],
    ['90min', 90],
    ['90 mins', 90],
    ['90 MIN', 90],
    ['1 minute', 1],
    ['45 minutes', 45],
    ['1h', 60],
    ['2h', 120],
    ['1H', 60],
    ['1hr', 60],
    ['3hrs', 180],
    ['1 hour', 60],
    ['2 hours', 120],
    ['1h30m', 90],
    ['1h 30m', 90],
    ['1H30M', 90],
    ['1h30', 90],
    ['1h 30', 90],
    ['1 h 30 m', 90],
    ['1 hour 30 minutes', 90],
    ['0h30m', 30],
    ['2h0m', 120],
    ['1.5h', 90],
    ['1,5h', 90],
    ['1.50h', 90],
    ['0.25h', 15],
    ['0.05h', 3],
    ['0.1h', 6],
    ['2.75 hours', 165],
    ['1:30', 90],
    ['0:45', 45],
    ['10:05', 605],
    ['007m', 7],
    ['  2h  ', 120],
    ['\t90m\n', 90],
    ['200h', 12000],
    ['12000m', 12000],
    ['199h 59m', 11999],
    ['200:00', 12000],
  ])('%j → %d minutes', (text, minutes) => expect(parseDuration(text)).toEqual({ ok: true, minutes }));
});

describe('parseDuration rejects', () => {
  it.each([
    ['', /^Enter a duration/],
    ['   ', /^Enter a duration/],
    ['0', /^“0” is zero/],
    ['0m', /^“0m” is zero/],
    ['0h', /is zero/],
    ['0:00', /is zero/],
    ['0.0h', /is zero/],
    ['-1h', /^“-1h” is negative/],
    ['-30m', /is negative/],
    ['−1h', /is negative/], // a Unicode minus sign
    ['90', /^“90” has no unit: add m or h/],
    ['1.5', /has no unit: add m or h/],
    ['999h', /^“999h” is too long: a duration can be at most 200h\.$/],
    ['200h 1m', /at most 200h/],
    ['12001m', /at most 200h/],
    ['200:01', /at most 200h/],
    ['1:75', /^“1:75” is not a time: after the colon use two digits from 00 to 59/],
    ['1:5', /00 to 59/],
    ['1:300', /00 to 59/],
    ['abc', /^“abc” is not a duration\. Try 90m, 1h30m, 1\.5h or 1:30\.$/],
    ['1h-', /^“1h-” is not a duration/],
    ['NaN', /is not a duration/],
    ['Infinity', /is not a duration/],
    ['infinityh', /is not a duration/],
    ['nanm', /is not a duration/],
    ['1e3m', /is not a duration/],
    ['0x10m', /is not a duration/],
    ['m', /is not a duration/],
    ['h', /is not a duration/],
    ['1h30mm', /is not a duration/],
    ['1m30s', /is not a duration/],
    ['.5h', /is not a duration/],
    ['1:30h', /is not a duration/],
    ['1.33h', /^“1\.33h” is not a whole number of minutes/],
    ['1.333h', /not a whole number of minutes/],
    ['1,000h', /not a whole number of minutes/], // a thousands separator must not become 1h
    ['1.5m', /^“1\.5m” has part of a minute/],
    ['1h 30.5m', /has part of a minute/],
    ['1.5h30m', /mixes decimal hours with minutes/],
    ['1h75m', /^“1h75m” has 75 minutes after the hours: use 0 to 59, or write 2h 15m\.$/],
    ['x'.repeat(21), /^That is too long to be a duration/],
    ['000000000000000000090m', /too long to be a duration/],
    ['<!channel>', /^That is not a duration/], // never echo markup back into Slack
    ['*90*m', /^That is not a duration/],
  ])('%j', (text, error) => {
    const result = parseDuration(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });

  it('allows surrounding whitespace beyond the 20-character limit', () => {
    expect(parseDuration(`${' '.repeat(30)}1h 30m${' '.repeat(30)}`)).toEqual({ ok: true, minutes: 90 });
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0m'],
    [1, '1m'],
    [45, '45m'],
    [59, '59m'],
    [60, '1h'],
    [90, '1h 30m'],
    [120, '2h'],
    [605, '10h 5m'],
    [MAX_DURATION_MINUTES, '200h'],
    [-90, '-1h 30m'],
  ])('%d → %j', (minutes, text) => expect(formatDuration(minutes)).toBe(text));

  it('reads back every duration it can write', () => {
    for (let minutes = 1; minutes <= MAX_DURATION_MINUTES; minutes++) {
      expect(parseDuration(formatDuration(minutes))).toEqual({ ok: true, minutes });
    }
  });
});

describe('formatRange', () => {
  it.each([
    [120, 240, '2h – 4h'],
    [90, 120, '1h 30m – 2h'],
    [120, 120, '2h'],
    [45, 45, '45m'],
  ])('%d–%d → %j', (low, high, text) => expect(formatRange(low, high)).toBe(text));
});

describe('parseDurationRange accepts', () => {
  it.each([
    ['3h', 180, 180],
    ['1h30m', 90, 90],
    ['1:30', 90, 90],
    ['2-4h', 120, 240],
    ['2h-4h', 120, 240],
    ['2H-4H', 120, 240],
    ['90m-2h', 90, 120],
    ['1:30-2:00', 90, 120],
    ['2 - 4h', 120, 240],
    ['2 - 4 hours', 120, 240],
    ['30-45m', 30, 45], // the unit after the second number applies to both
    ['1.5-2h', 90, 120],
    ['1,5-2,5h', 90, 150],
    ['1h30m-2h', 90, 120],
    ['2–4h', 120, 240], // en dash
    ['2h – 4h', 120, 240], // what formatRange writes
    ['  1h-200h  ', 60, 12000],
  ])('%j → %d to %d', (text, low, high) => expect(parseDurationRange(text)).toEqual({ ok: true, low, high }));
});

describe('parseDurationRange rejects', () => {
  it.each([
    ['', /^Enter a duration/],
    ['4-2h', /^“4-2h”: the range must go up/],
    ['4h-2h', /the range must go up/],
    ['2h-2h', /the range must go up/],
    ['2h-90m', /the range must go up/],
    ['2-1h30m', /^“2-1h30m”: give the first number a unit too/],
    ['1-2:00', /give the first number a unit too/],
    ['2-4', /^“4” has no unit: add m or h/],
    ['2h-4', /has no unit: add m or h/],
    ['1h-', /^“1h-” is not a duration or range/],
    ['-4h', /^“-4h” is negative/],
    ['-1h-2h', /is negative/],
    ['1h--2h', /is not a duration or range/],
    ['1-2-3h', /is not a duration or range/],
    ['2-999h', /^“999h” is too long: a duration can be at most 200h/],
    ['999-1000h', /at most 200h/],
    ['0-4h', /is zero/],
    ['2h-abc', /^“abc” is not a duration/],
    ['abc-2h', /^“abc” is not a duration/],
    ['1:75-2:00', /00 to 59/],
    ['0', /is zero/],
    ['90', /add m or h/],
    ['999h', /at most 200h/],
    ['1'.repeat(41), /^That is too long to be a duration or range/],
  ])('%j', (text, error) => {
    const result = parseDurationRange(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });
});
