// Text as Slack delivers it (with <@U…|name>, <#C…|name>, <!here>, <url|label> and &amp; entities)
// turned into plain text we can store and later escape for display.
import { wellFormed } from './text';

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

/** Well-formed (domain/text.ts): whatever Slack sent, no half of a surrogate pair gets further. */
export function plainTextFromSlack(text: string): string {
  return wellFormed(text)
    .replace(/<@([UW][A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => `@${name || id}`)
    .replace(/<#([CG][A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => `#${name || id}`)
    .replace(/<!(channel|here|everyone)(?:\|[^>]*)?>/g, (_m, word: string) => `@${word}`)
    .replace(/<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>/g, (_m, name?: string) => name ?? '@group')
    .replace(/<(https?:\/\/[^|>]+)(?:\|([^>]*))?>/g, (_m, url: string, label?: string) => (label && label !== url ? `${label} (${url})` : url))
    .replace(/&(amp|lt|gt);/g, (entity) => ENTITIES[entity] ?? entity);
}

/** The user ID in `<@U123|jane>` or a bare `U123`; undefined for anything else. */
export function userIdFromSlack(token: string): string | undefined {
  const match = /^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$/.exec(token) ?? /^([UW][A-Z0-9]{2,})$/.exec(token);
  return match?.[1];
}

/** The channel ID in `<#C123|acme>` or a bare `C123`; undefined for anything else. */
export function channelIdFromSlack(token: string): string | undefined {
  const match = /^<#([CG][A-Z0-9]{2,})(?:\|[^>]*)?>$/.exec(token) ?? /^([CG][A-Z0-9]{2,})$/.exec(token);
  return match?.[1];
}

/** Removes a leading mention of the bot from an app_mention's text. */
export function withoutLeadingMention(text: string, botUserId: string): string {
  return text.replace(new RegExp(`^\\s*<@${botUserId}(?:\\|[^>]*)?>[\\s:,]*`), '').trim();
}
