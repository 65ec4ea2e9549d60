// Parses the text after the help command into what the user asked for. Free text that merely
// starts with a sub-command word ("list of users is broken") is a new request, not a sub-command;
// but text that starts with `log`, `estimate` or `billing` and carries a request key, a duration
// or a month is that command: parsed fully, or answered with what was wrong (it never opens a request).
import { isPeriod } from './periods';
import { parseRequestKey } from './requestKey';
import { cutText } from './text';

export type HelpCommand =
  | { kind: 'modal' }
  | { kind: 'open'; text: string }
  | { kind: 'list' }
  | { kind: 'status'; key: string }
  | { kind: 'usage' }
  | { kind: 'admin'; args: string[]; text: string }
  | { kind: 'estimate'; key: string; amount: string; assumptions: string }
  /** `estimate ACME-42` with no time: similar past requests and a suggested range. */
  | { kind: 'estimateHint'; key: string }
  | { kind: 'log'; key: string; duration: string; note: string }
  | { kind: 'billing'; clientKey?: string | undefined; month?: string | undefined }
  | { kind: 'digest' }
  | { kind: 'link'; key: string; url: string }
  | { kind: 'merge'; key: string; into: string }
  /** A sub-command that could not be parsed: `problem` says what was wrong, in plain words. */
  | { kind: 'mistake'; command: Mistakable; problem: string };

type Mistakable = 'log' | 'estimate' | 'billing' | 'link' | 'merge';

const ADMIN_VERBS = new Set(['client', 'channel', 'engineer', 'manager', 'show', 'retry', 'dismiss', 'oncall']);
const CLIENT_WORD = /^[A-Za-z]{2,10}$/;
/** A word that looks like a month, valid or not (2026-13 included). */
const MONTHISH = /^\d{4}-\d{1,2}$/;
/** A word that looks like a duration: 1h, 30m, 1h30m, 1.5h, 1:30, -1h, +2h, 2-4h. */
const DURATION_WORD = /^[+\-−]?(\d[\d.,]*(-\d[\d.,]*)?\s*(h|hrs?|hours?)(\d+(m|mins?|minutes?))?|\d[\d.,]*(-\d[\d.,]*)?(m|mins?|minutes?)|\d+:\d{2})$/i;

/** How each sub-command is written, for its answer when it was written wrong. */
export const SUBCOMMAND_USAGE = {
  log: 'log 1h30m ACME-42 [note]` or `log ACME-42 1h 30m [note]',
  estimate: 'estimate ACME-42 3h [assumptions]` (a range: `2-4h`; a top-up: `+2h`)',
  billing: 'billing [ACME] [2026-11]',
  link: 'link ACME-42 https://github.com/acme/shop/pull/12` (GitHub, GitLab, Linear or Jira)',
  merge: 'merge ACME-7 ACME-5` (ACME-7 is the duplicate, ACME-5 the request it duplicates)',
} as const satisfies Record<Mistakable, string>;

function mistake(command: Mistakable, problem: string): HelpCommand {
  return { kind: 'mistake', command, problem };
}

function looksLikeDuration(word: string | undefined): boolean {
  return word !== undefined && DURATION_WORD.test(word);
}

/** A number with no unit: minutes after hours (`1h 30`), or the number of a unit that follows (`2 hours`). */
const BARE_NUMBER = /^\d+(?:[.,]\d+)?$/;
const HOURS_UNIT = /^(h|hrs?|hours?)$/i;
const MINUTES_UNIT = /^(m|mins?|minutes?)$/i;
/** Ends in hours and says no minutes: `1h`, `2 hours` (the unit word alone), `2-4h`, `+2h`. */
const ENDS_IN_HOURS = /(^|\d)(h|hrs?|hours?)$/i;

/**
 * Where the duration that starts at `rest[start]` ends: its words as parseDuration reads them
 * together. Besides duration words (`1h`, `30m`, `1:30`), a bare number right after hours is its
 * minutes (`1h 30`, `1h 30 mins`), as it is in parseDuration, and a bare number with a unit word
 * after it is that unit (`2 hours 5 minutes`). A note starting with a number after minutes
 * (`1h30m 2 servers`) stays the note.
 */
function durationEnd(rest: string[], start: number): number {
  let end = start;
  while (end < rest.length) {
    const word = rest[end] ?? '';
    const previous = end > start ? (rest[end - 1] ?? '') : undefined;
    const next = rest[end + 1];
    const taken =
      looksLikeDuration(word) ||
      (BARE_NUMBER.test(word) && ((previous !== undefined && ENDS_IN_HOURS.test(previous)) || (next !== undefined && (HOURS_UNIT.test(next) || MINUTES_UNIT.test(next))))) ||
      (previous !== undefined && BARE_NUMBER.test(previous) && (HOURS_UNIT.test(word) || MINUTES_UNIT.test(word)));
    if (!taken) break;
    end++;
  }
  return end;
}

/** The text after the first `count` words, spacing inside it kept. */
function restAfter(text: string, count: number): string {
  let rest = text.trim();
  for (let i = 0; i < count; i++) rest = rest.replace(/^\S+\s*/, '');
  return rest.trim();
}

export function parseHelpCommand(raw: string): HelpCommand {
  const text = raw.trim();
  if (text === '') return { kind: 'modal' };
  const words = text.split(/\s+/);
  const first = words[0]?.toLowerCase() ?? '';
  if (words.length === 1) {
    if (first === 'list') return { kind: 'list' };
    if (first === 'help' || first === '?') return { kind: 'usage' };
    const key = parseRequestKey(text);
    if (key) return { kind: 'status', key: key.key };
  }
  const rest = words.slice(1);
  const keyAt = rest.findIndex((w) => parseRequestKey(w) !== undefined);
  // `estimate ACME-42 3h [assumptions]`, `estimate ACME-42 +2h` (a top-up), `estimate ACME-42 2-4h`;
  // `estimate ACME-42` alone asks what similar past requests took.
  if (first === 'estimate' && (keyAt >= 0 || rest.some(looksLikeDuration))) {
    if (keyAt !== 0) return mistake('estimate', keyAt < 0 ? 'Say which request it is for, like ACME-42.' : 'Put the request first, then the time.');
    const key = parseRequestKey(rest[0] ?? '')?.key ?? '';
    let end = durationEnd(rest, 1);
    // No duration-like word: the next word is taken as the amount, so its own error says what is wrong with it.
    if (end === 1 && rest[1] !== undefined) end = 2;
    if (end === 1) return { kind: 'estimateHint', key };
    return { kind: 'estimate', key, amount: rest.slice(1, end).join(' '), assumptions: restAfter(text, 1 + end) };
  }
  // `log 1h30m ACME-42 [note]` or `log ACME-42 1h 30m [note]`
  if (first === 'log' && (keyAt >= 0 || rest.some(looksLikeDuration))) {
    if (keyAt < 0) return mistake('log', 'Say which request the time is for, like ACME-42.');
    const key = parseRequestKey(rest[keyAt] ?? '')?.key ?? '';
    let durationWords: string[];
    let noteFrom: number;
    if (keyAt > 0) {
      durationWords = rest.slice(0, keyAt);
      noteFrom = keyAt + 1;
    } else {
      const end = durationEnd(rest, 1);
      durationWords = rest.slice(1, end);
      noteFrom = end;
    }
    if (durationWords.length === 0) return mistake('log', `Say how long you worked on ${key}, like 1h30m.`);
    return { kind: 'log', key, duration: durationWords.join(' '), note: restAfter(text, 1 + noteFrom) };
  }
  // `billing`, `billing ACME`, `billing 2026-11`, `billing ACME 2026-11`
  if (first === 'billing' && (words.length <= 3 || rest.some((w) => MONTHISH.test(w)))) {
    const wrongMonth = rest.find((w) => MONTHISH.test(w) && !isPeriod(w));
    if (wrongMonth) return mistake('billing', `${wrongMonth} is not a month: give it as YYYY-MM, like 2026-11.`);
    const month = rest.find((w) => isPeriod(w));
    const clientKey = rest.find((w) => CLIENT_WORD.test(w));
    if (rest.every((w) => w === month || w === clientKey)) return { kind: 'billing', clientKey: clientKey?.toUpperCase(), month };
    if (month) return mistake('billing', 'Give at most a client key and a month.');
  }
  if (first === 'digest' && words.length === 1) return { kind: 'digest' };
  // `merge ACME-7 ACME-5`: the duplicate, then the request it duplicates.
  if (first === 'merge' && keyAt >= 0) {
    const keys = rest.map((w) => parseRequestKey(w)?.key);
    if (rest.length !== 2 || keys.some((k) => k === undefined)) return mistake('merge', 'Give two requests: the duplicate first, then the one it duplicates.');
    return { kind: 'merge', key: keys[0] ?? '', into: keys[1] ?? '' };
  }
  // `link ACME-42 <url>`: a URL or a request key makes it the command ("link to the docs is dead" is a request).
  const urlAt = rest.findIndex((w) => /^<?https?:\/\//i.test(w));
  if (first === 'link' && (keyAt >= 0 || urlAt >= 0)) {
    if (keyAt < 0) return mistake('link', 'Say which request the link is for, like ACME-42.');
    if (urlAt < 0) return mistake('link', 'Give the link to the pull request or issue after the request.');
    if (rest.length !== 2) return mistake('link', 'Give one request and one link, nothing else.');
    const key = parseRequestKey(rest[keyAt] ?? '')?.key ?? '';
    return { kind: 'link', key, url: (rest[urlAt] ?? '').replace(/^<([^|>]*)(\|[^>]*)?>$/, '$1') };
  }
  if (first === 'admin' && (words.length === 1 || ADMIN_VERBS.has(words[1]?.toLowerCase() ?? ''))) {
    return { kind: 'admin', args: words.slice(1), text: text.slice(words[0]?.length ?? 0).trim() };
  }
  return { kind: 'open', text };
}

/** Splits fast-path text into a title (first line, at most `max` characters) and details. */
export function titleAndDetails(text: string, max: number): { title: string; details: string } {
  const firstLine = text.split('\n', 1)[0]?.trim() ?? '';
  if (firstLine.length <= max && firstLine === text.trim()) return { title: firstLine, details: '' };
  const title = firstLine.length <= max ? firstLine : `${cutText(firstLine, max - 1).trimEnd()}…`;
  return { title, details: text.trim() };
}
