// Parses the text after the help command into what the user asked for. Free text that merely
// starts with a sub-command word ("list of users is broken") is a new request, not a sub-command.
import { parseRequestKey } from './requestKey';

export type HelpCommand =
  | { kind: 'modal' }
  | { kind: 'open'; text: string }
  | { kind: 'list' }
  | { kind: 'status'; key: string }
  | { kind: 'usage' }
  | { kind: 'admin'; args: string[]; text: string }
  | { kind: 'estimate'; key: string; amount: string; assumptions: string }
  | { kind: 'log'; key: string; duration: string; note: string }
  | { kind: 'billing'; clientKey?: string | undefined; month?: string | undefined }
  | { kind: 'digest' };

const ADMIN_VERBS = new Set(['client', 'channel', 'engineer', 'manager', 'show', 'retry']);
const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;
const CLIENT_WORD = /^[A-Za-z]{2,10}$/;

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
  // `estimate ACME-42 3h [assumptions]`, `estimate ACME-42 +2h` (a top-up), `estimate ACME-42 2-4h`
  if (first === 'estimate' && words.length >= 3) {
    const key = parseRequestKey(words[1] ?? '');
    if (key && /^\+?[\d.,:]/.test(words[2] ?? '')) {
      return { kind: 'estimate', key: key.key, amount: words[2] ?? '', assumptions: restAfter(text, 3) };
    }
  }
  // `log 1h30m ACME-42 [note]` or `log ACME-42 1h30m [note]`
  if (first === 'log' && words.length >= 3) {
    const keyFirst = parseRequestKey(words[1] ?? '');
    const keySecond = parseRequestKey(words[2] ?? '');
    if (keySecond && /^[\d.,:]/.test(words[1] ?? '')) return { kind: 'log', key: keySecond.key, duration: words[1] ?? '', note: restAfter(text, 3) };
    if (keyFirst && /^[\d.,:]/.test(words[2] ?? '')) return { kind: 'log', key: keyFirst.key, duration: words[2] ?? '', note: restAfter(text, 3) };
  }
  // `billing`, `billing ACME`, `billing 2026-11`, `billing ACME 2026-11`
  if (first === 'billing' && words.length <= 3) {
    const rest = words.slice(1);
    const month = rest.find((w) => MONTH_PATTERN.test(w));
    const clientKey = rest.find((w) => CLIENT_WORD.test(w));
    if (rest.every((w) => w === month || w === clientKey)) return { kind: 'billing', clientKey: clientKey?.toUpperCase(), month };
  }
  if (first === 'digest' && words.length === 1) return { kind: 'digest' };
  if (first === 'admin' && (words.length === 1 || ADMIN_VERBS.has(words[1]?.toLowerCase() ?? ''))) {
    return { kind: 'admin', args: words.slice(1), text: text.slice(words[0]?.length ?? 0).trim() };
  }
  return { kind: 'open', text };
}

/** Splits fast-path text into a title (first line, at most `max` characters) and details. */
export function titleAndDetails(text: string, max: number): { title: string; details: string } {
  const firstLine = text.split('\n', 1)[0]?.trim() ?? '';
  if (firstLine.length <= max && firstLine === text.trim()) return { title: firstLine, details: '' };
  const title = firstLine.length <= max ? firstLine : `${firstLine.slice(0, max - 1).trimEnd()}…`;
  return { title, details: text.trim() };
}
