// Parses the text after the help command into what the user asked for. Free text that merely
// starts with a sub-command word ("list of users is broken") is a new request, not a sub-command.
import { parseRequestKey } from './requestKey';

export type HelpCommand =
  | { kind: 'modal' }
  | { kind: 'open'; text: string }
  | { kind: 'list' }
  | { kind: 'status'; key: string }
  | { kind: 'usage' }
  | { kind: 'admin'; args: string[]; text: string };

const ADMIN_VERBS = new Set(['client', 'channel', 'engineer', 'manager', 'show']);

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
