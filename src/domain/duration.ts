// Durations typed by people (estimates, time entries) → integer minutes, and minutes → text.

export const MAX_DURATION_MINUTES = 200 * 60;
/** Longest input parseDuration looks at; anything longer is not a duration someone typed. */
export const MAX_DURATION_INPUT = 20;
/** Two durations and a dash. */
export const MAX_RANGE_INPUT = 40;

export type DurationResult = { ok: true; minutes: number } | { ok: false; error: string };
export type RangeResult = { ok: true; low: number; high: number } | { ok: false; error: string };

const HINT = 'Try 90m, 1h30m, 1.5h or 1:30.';
const RANGE_HINT = 'Try 3h or 2-4h.';

const NUMBER = String.raw`(\d+(?:[.,]\d+)?)`;
const HOURS = String.raw`(?:h|hr|hrs|hour|hours)`;
const MINUTES = String.raw`(?:m|min|mins|minute|minutes)`;

const COLON_FORM = /^(\d+):(\d+)$/;
// `1h`, `1.5h`, `1h30`, `1h 30m`, `2 hours 5 minutes`; the minutes part may be a decimal only so
// that we can say why it is wrong.
const HOURS_FORM = new RegExp(String.raw`^${NUMBER}\s*${HOURS}(?:\s*${NUMBER}\s*(?:${MINUTES})?)?$`);
const MINUTES_FORM = new RegExp(String.raw`^${NUMBER}\s*${MINUTES}$`);
const BARE_NUMBER = new RegExp(`^${NUMBER}$`);
/** One number and one unit: the shape whose unit a bare first number in `2-4h` borrows. */
const NUMBER_WITH_UNIT = new RegExp(String.raw`^${NUMBER}\s*(${HOURS}|${MINUTES})$`);
const NEGATIVE = /^[-−]/;
const DASH = /[-–]/;

/**
 * `90m`, `90 mins`, `1h`, `1h30m`, `1h 30m`, `1h30`, `1.5h`, `1,5h`, `1:30`, `2 hours`, `45 minutes`
 * → minutes. Case and surrounding whitespace do not matter. The error is a sentence for the user.
 */
export function parseDuration(text: string): DurationResult {
  const trimmed = text.trim();
  if (trimmed === '') return fail(`Enter a duration. ${HINT}`);
  if (trimmed.length > MAX_DURATION_INPUT) return fail(`That is too long to be a duration. ${HINT}`);
  const quoted = quote(trimmed);
  if (NEGATIVE.test(trimmed)) return fail(`${quoted} is negative: a duration must be more than zero. ${HINT}`);
  const parsed = parseForm(trimmed.toLowerCase(), quoted);
  if (!parsed.ok) return parsed;
  if (parsed.minutes === 0) return fail(`${quoted} is zero: a duration must be more than zero. ${HINT}`);
  if (parsed.minutes > MAX_DURATION_MINUTES) {
    return fail(`${quoted} is too long: a duration can be at most ${formatDuration(MAX_DURATION_MINUTES)}.`);
  }
  return parsed;
}

/**
 * A single duration (low = high) or a range going up: `2-4h`, `2h-4h`, `90m-2h`, `1:30-2:00`,
 * `2 - 4h`. In `2-4h` the first number borrows the unit of the second.
 */
export function parseDurationRange(text: string): RangeResult {
  const trimmed = text.trim();
  if (trimmed.length > MAX_RANGE_INPUT) return fail(`That is too long to be a duration or range. ${RANGE_HINT}`);
  // A leading minus is a negative duration, not a range with nothing before the dash.
  if (NEGATIVE.test(trimmed) || !DASH.test(trimmed)) {
    const single = parseDuration(trimmed);
    return single.ok ? { ok: true, low: single.minutes, high: single.minutes } : single;
  }
  const quoted = quote(trimmed);
  const parts = trimmed.split(DASH).map((part) => part.trim());
  const [first, second] = parts;
  if (parts.length !== 2 || !first || !second) return fail(`${quoted} is not a duration or range. ${RANGE_HINT}`);

  const high = parseDuration(second);
  if (!high.ok) return high;
  let lowText = first;
  if (BARE_NUMBER.test(first)) {
    const unit = NUMBER_WITH_UNIT.exec(second.toLowerCase())?.[2];
    if (!unit) return fail(`${quoted}: give the first number a unit too, like 2h-4h.`);
    lowText = `${first}${unit}`;
  }
  const low = parseDuration(lowText);
  if (!low.ok) return low;
  if (low.minutes >= high.minutes) {
    return fail(`${quoted}: the range must go up, like 2h-4h (for one duration, write just 2h).`);
  }
  return { ok: true, low: low.minutes, high: high.minutes };
}

/** 90 → `1h 30m`, 45 → `45m`, 120 → `2h`, 0 → `0m`. */
export function formatDuration(minutes: number): string {
  const rounded = Math.round(minutes);
  const sign = rounded < 0 ? '-' : '';
  const total = Math.abs(rounded);
  const hours = Math.floor(total / 60);
  const rest = total % 60;
  if (hours === 0) return `${sign}${rest}m`;
  return rest === 0 ? `${sign}${hours}h` : `${sign}${hours}h ${rest}m`;
}

/** `2h – 4h`, or `2h` when both ends are the same. */
export function formatRange(low: number, high: number): string {
  return low === high ? formatDuration(low) : `${formatDuration(low)} – ${formatDuration(high)}`;
}

function parseForm(text: string, quoted: string): DurationResult {
  const colon = COLON_FORM.exec(text);
  if (colon) {
    const [, hours = '', minutes = ''] = colon;
    if (minutes.length !== 2 || Number(minutes) > 59) {
      return fail(`${quoted} is not a time: after the colon use two digits from 00 to 59, like 1:30.`);
    }
    return { ok: true, minutes: Number(hours) * 60 + Number(minutes) };
  }

  const hoursForm = HOURS_FORM.exec(text);
  if (hoursForm) {
    const [, hoursText = '', minutesText] = hoursForm;
    if (minutesText === undefined) return hoursToMinutes(hoursText, quoted);
    if (hasFraction(hoursText)) {
      return fail(`${quoted} mixes decimal hours with minutes: write either 1.5h or 1h30m. ${HINT}`);
    }
    if (hasFraction(minutesText)) return fail(`${quoted} has part of a minute: minutes must be whole.`);
    const minutes = Number(minutesText);
    if (minutes > 59) {
      const total = Number(hoursText) * 60 + minutes;
      return fail(`${quoted} has ${minutes} minutes after the hours: use 0 to 59, or write ${formatDuration(total)}.`);
    }
    return { ok: true, minutes: Number(hoursText) * 60 + minutes };
  }

  const minutesForm = MINUTES_FORM.exec(text);
  if (minutesForm) {
    const [, minutesText = ''] = minutesForm;
    if (hasFraction(minutesText)) return fail(`${quoted} has part of a minute: minutes must be whole.`);
    return { ok: true, minutes: Number(minutesText) };
  }

  const bare = BARE_NUMBER.exec(text);
  if (bare) {
    // Zero is zero in any unit, so say that rather than ask for a unit.
    if (Number(bare[1]?.replace(',', '.')) === 0) return { ok: true, minutes: 0 };
    return fail(`${quoted} has no unit: add m or h, like 90m or 1.5h.`);
  }

  return fail(`${quoted} is not a duration. ${HINT}`);
}

/**
 * Decimal hours in exact integer arithmetic. After at most two decimals a fraction of an hour is
 * whole minutes only in steps of 0.05h (3 minutes); more decimals (`1.333h`, `1,000h`) are refused
 * rather than rounded, because a silently rounded time entry is money.
 */
function hoursToMinutes(hoursText: string, quoted: string): DurationResult {
  const [whole = '', fraction = ''] = hoursText.split(/[.,]/);
  const hundredths = Number(fraction.padEnd(2, '0'));
  if (fraction.length > 2 || (hundredths * 60) % 100 !== 0) {
    return fail(`${quoted} is not a whole number of minutes: write it in hours and minutes, like 1h20m.`);
  }
  return { ok: true, minutes: Number(whole) * 60 + (hundredths * 60) / 100 };
}

function hasFraction(numberText: string): boolean {
  return /[.,]/.test(numberText);
}

/** The user's own words back in quotes, unless they hold anything Slack could read as markup. */
function quote(text: string): string {
  return /^[a-zA-Z0-9.,:\s+\-–−]+$/.test(text) ? `“${text}”` : 'That';
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
