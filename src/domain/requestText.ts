// What people type into a request: how long it may be, and how it is cleaned before it is kept.
// Shared by the service that validates it and the modals that limit it as it is typed.
import { wellFormed } from './text';

export const TITLE_MAX = 150;
export const DETAILS_MAX = 3000;

/** Longest text kept in the audit event of something added to a request (UTF-16 units, cut between whole characters). */
export const ADDED_TEXT_LIMIT = 2000;

/**
 * Strips control characters (keeping line breaks and tabs), trims, and replaces lone surrogates
 * with U+FFFD as MongoDB's UTF-8 would (domain/text.ts): the text in hand is then exactly the
 * text stored.
 */
export function cleanText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return wellFormed(text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '')).trim();
}
