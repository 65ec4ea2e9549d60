// Escaping of user-typed text before we echo it, so nobody can make the app ping a channel or
// forge a link: Slack only parses mentions and links written with < >, which become &lt; &gt;.
import { cutText } from '../domain/text';

export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes and cuts to `max` UTF-16 units (Slack counts the escaped text against its limits),
 * between whole characters (domain/text.ts).
 */
export function escapeAndTruncate(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  // Never cut inside an entity such as &amp;
  let cut = cutText(escaped, max - 1);
  const amp = cut.lastIndexOf('&');
  if (amp > cut.length - 5 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  return `${cut}…`;
}

export const mention = (userId: string) => `<@${userId}>`;
