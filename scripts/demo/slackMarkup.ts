// Slack's mrkdwn as a reader sees it: mentions, channels and dates resolved, entities decoded,
// emoji drawn. Pure: text in, plain text or escaped HTML out.

/** Who and what the IDs in a message stand for. */
export interface Directory {
  /** User ID → display name, e.g. U0BOB → Bob. */
  users: Record<string, string>;
  /** Channel ID → name without '#', e.g. C0ACME → acme-support. */
  channels: Record<string, string>;
  /** DM channel ID → the user the app talks to there. */
  dmChannels: Record<string, string>;
  /** What the app is called in the transcript. */
  appName: string;
}

/** The emoji the app uses, and a few more; any other `:name:` stays as it is. */
export const EMOJI: Record<string, string> = {
  alarm_clock: '⏰',
  arrows_counterclockwise: '🔄',
  bar_chart: '📊',
  calendar: '📆',
  clipboard: '📋',
  eyes: '👀',
  hammer_and_wrench: '🛠️',
  heavy_check_mark: '✔️',
  heavy_multiplication_x: '✖️',
  hourglass_flowing_sand: '⏳',
  inbox_tray: '📥',
  large_green_circle: '🟢',
  link: '🔗',
  information_source: 'ℹ️',
  large_blue_circle: '🔵',
  large_orange_circle: '🟠',
  leftwards_arrow_with_hook: '↩️',
  lock: '🔒',
  memo: '📝',
  money_with_wings: '💸',
  moneybag: '💰',
  no_entry_sign: '🚫',
  outbox_tray: '📤',
  page_facing_up: '📄',
  question: '❓',
  red_circle: '🔴',
  receipt: '🧾',
  rotating_light: '🚨',
  sos: '🆘',
  sparkles: '✨',
  star: '⭐',
  stopwatch: '⏱️',
  tada: '🎉',
  twisted_rightwards_arrows: '🔀',
  thumbsup: '👍',
  warning: '⚠️',
  wave: '👋',
  white_check_mark: '✅',
  white_circle: '⚪',
  x: '❌',
  zzz: '💤',
};

/** A piece of mrkdwn between `<` and `>`, resolved to what the reader sees. */
export type SpecialToken =
  | { kind: 'user'; label: string }
  | { kind: 'channel'; label: string }
  | { kind: 'broadcast'; label: string }
  | { kind: 'date'; label: string }
  | { kind: 'link'; url: string; label: string };

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

/** Stands for a quote's leading '>' while the rest of a line is converted. */
const QUOTE_MARK = '\uf8ff';

export function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (entity) => ENTITIES[entity] ?? entity);
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function emojify(text: string): string {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => EMOJI[name] ?? whole);
}

export function userName(id: string, dir: Directory, label?: string): string {
  return dir.users[id] ?? (label ? label.replace(/^@/, '') : id);
}

export function channelName(id: string, dir: Directory, label?: string): string {
  return dir.channels[id] ?? (label || id);
}

/** The inside of `<…>`: a mention, a channel, `!here`, a date or a link. */
export function resolveSpecial(inner: string, dir: Directory): SpecialToken {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? '' : decodeEntities(inner.slice(bar + 1));
  if (target.startsWith('@')) return { kind: 'user', label: `@${userName(target.slice(1), dir, label)}` };
  if (target.startsWith('#')) return { kind: 'channel', label: `#${channelName(target.slice(1), dir, label)}` };
  if (target.startsWith('!date^')) {
    // <!date^seconds^format[^link]|fallback>: each reader sees their own timezone; the fallback is what we can show.
    const seconds = Number(target.split('^')[1]);
    const fallback = label || (Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : target);
    return { kind: 'date', label: fallback };
  }
  if (target.startsWith('!subteam^')) return { kind: 'broadcast', label: label || '@group' };
  if (target.startsWith('!')) return { kind: 'broadcast', label: label || `@${target.slice(1)}` };
  const url = decodeEntities(target);
  return { kind: 'link', url, label: label || url };
}

/** Splits mrkdwn into plain runs (entities still encoded) and `<…>` specials. */
export function splitSpecials(text: string): Array<{ text: string } | { special: string }> {
  const parts: Array<{ text: string } | { special: string }> = [];
  let last = 0;
  for (const match of text.matchAll(/<([^<>\n]*)>/g)) {
    const at = match.index ?? 0;
    if (at > last) parts.push({ text: text.slice(last, at) });
    parts.push({ special: match[1] ?? '' });
    last = at + match[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

function specialAsText(token: SpecialToken): string {
  if (token.kind === 'link') return token.label === token.url ? token.url : `${token.label} (${token.url})`;
  return token.label;
}

/**
 * Readable text: `<@U0BOB>` → `@Bob`, `<#C0ACME>` → `#acme-support`, a date → its fallback,
 * `&lt;` → `<`, emoji drawn; `*bold*` and the other markers are kept as they are.
 */
export function mrkdwnToText(text: string, dir: Directory): string {
  // A quote is a literal '>' at the start of a line (typed text arrives as &gt;); draw it as a bar.
  const marked = text.replace(new RegExp(QUOTE_MARK, 'g'), '\ufffd').replace(/^>[ \t]?/gm, QUOTE_MARK);
  return splitSpecials(marked)
    .map((part) => ('special' in part ? specialAsText(resolveSpecial(part.special, dir)) : emojify(decodeEntities(part.text))))
    .join('')
    .replace(new RegExp(QUOTE_MARK, 'g'), '│ ');
}

/** A plain_text object's text for reading: never markup, emoji drawn when Slack would. */
export function plainToText(text: string, emoji: boolean): string {
  return emoji ? emojify(text) : text;
}

// ---- HTML ------------------------------------------------------------------

// Placeholders from Unicode's private use area stand in for rendered pieces while the rest is
// formatted; any such characters in the input are replaced first, so they cannot be forged.
const PLACEHOLDER_BASE = 0xe000;
const PLACEHOLDER_PATTERN = /[\ue000-\uefff]/g;

function safeHref(url: string): string | undefined {
  return /^(https?:\/\/|mailto:)/i.test(url) ? url : undefined;
}

function specialAsHtml(token: SpecialToken): string {
  switch (token.kind) {
    case 'user':
    case 'channel':
    case 'broadcast':
      return `<span class="mention">${escapeHtml(token.label)}</span>`;
    case 'date':
      return `<span class="date">${escapeHtml(token.label)}</span>`;
    case 'link': {
      const href = safeHref(token.url);
      return href
        ? `<a href="${escapeHtml(href)}" rel="noopener noreferrer">${escapeHtml(token.label)}</a>`
        : escapeHtml(specialAsText(token));
    }
  }
}

function inlineFormatting(escaped: string): string {
  return escaped
    .replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])/g, '$1<strong>$2</strong>')
    .replace(/(^|[^\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])/g, '$1<em>$2</em>')
    .replace(/(^|[^\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])/g, '$1<del>$2</del>');
}

/** Groups lines that start with the quote mark into blockquotes and joins the rest with <br>. */
function linesToHtml(html: string): string {
  const out: string[] = [];
  let quote: string[] = [];
  const flushQuote = () => {
    if (quote.length > 0) out.push(`<blockquote>${quote.join('<br>')}</blockquote>`);
    quote = [];
  };
  const lines = html.split('\n');
  lines.forEach((line, i) => {
    if (line.startsWith(QUOTE_MARK)) {
      quote.push(line.slice(QUOTE_MARK.length));
      return;
    }
    flushQuote();
    out.push(line + (i < lines.length - 1 && !lines[i + 1]?.startsWith(QUOTE_MARK) ? '<br>' : ''));
  });
  flushQuote();
  return out.join('');
}

/** mrkdwn as HTML: bold, italics, strike, code, quotes, links, mentions; every text escaped. */
export function mrkdwnToHtml(text: string, dir: Directory): string {
  const pieces: string[] = [];
  const hold = (html: string): string => {
    pieces.push(html);
    return String.fromCharCode(PLACEHOLDER_BASE + pieces.length - 1);
  };
  const textOf: string[] = [];
  const clean = text.replace(PLACEHOLDER_PATTERN, '\ufffd').replace(new RegExp(QUOTE_MARK, 'g'), '\ufffd');

  // 1. Specials become placeholders (their plain text is kept too, for use inside code).
  let body = splitSpecials(clean)
    .map((part) => {
      if (!('special' in part)) return part.text;
      const token = resolveSpecial(part.special, dir);
      textOf.push(specialAsText(token));
      const mark = hold(specialAsHtml(token));
      return mark;
    })
    .join('');
  const restoreAsText = (s: string) =>
    s.replace(PLACEHOLDER_PATTERN, (c) => {
      const index = c.charCodeAt(0) - PLACEHOLDER_BASE;
      // Only specials exist at this point, and they were held in order.
      return textOf[index] ?? '';
    });

  // 2. Quote marks are literal '>' at the start of a line (typed text arrives as &gt;).
  body = body.replace(/^>[ \t]?/gm, QUOTE_MARK);
  body = decodeEntities(body);

  // 3. Code keeps its content verbatim.
  body = body.replace(/```([\s\S]*?)```\n?/g, (_m, code: string) => hold(`<pre>${escapeHtml(restoreAsText(code).replace(/^\n/, ''))}</pre>`));
  body = body.replace(/`([^`\n]+)`/g, (_m, code: string) => hold(`<code>${escapeHtml(restoreAsText(code))}</code>`));

  // 4. Everything else: escaped, emoji, inline formatting, lines.
  const html = linesToHtml(inlineFormatting(emojify(escapeHtml(body))));
  return html.replace(PLACEHOLDER_PATTERN, (c) => pieces[c.charCodeAt(0) - PLACEHOLDER_BASE] ?? '');
}
