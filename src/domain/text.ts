// Text as characters. JavaScript strings are UTF-16 units, and a cut at a unit count can leave
// half of a surrogate pair (half an emoji). That half is not a character: MongoDB (BSON is UTF-8)
// stores it as U+FFFD, Slack shows garbage, and a hash taken over it no longer matches what was
// stored. So text is made well-formed before it is kept, and cut only between whole characters.

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Every lone surrogate replaced by U+FFFD, exactly as MongoDB's UTF-8 would store it. */
export function wellFormed(text: string): string {
  return text.toWellFormed();
}

/**
 * The longest start of `text` that fits in `max` UTF-16 units (the unit Slack and our limits
 * count) and ends between two whole characters: a grapheme cluster (an emoji with its skin tone,
 * a flag, a letter with its accents) is kept whole or left out. When even the first cluster is
 * longer than `max` (a letter under hundreds of accents), it is cut between code points instead,
 * never inside a surrogate pair. `ellipsis` is added when something was cut, within `max`.
 * The result is well-formed.
 */
export function cutText(text: string, max: number, ellipsis = ''): string {
  const whole = wellFormed(text);
  if (whole.length <= max) return whole;
  const room = Math.max(0, max - ellipsis.length);
  let end = 0;
  // Segments come lazily: only the clusters up to the cut are looked at.
  for (const { index } of graphemes.segment(whole)) {
    if (index > room) break;
    end = index;
  }
  if (end === 0) end = isHighSurrogate(whole.charCodeAt(room - 1)) ? room - 1 : room;
  return `${whole.slice(0, Math.max(0, end))}${ellipsis}`;
}

/** `text` in pieces of at most `max` UTF-16 units, each cut between whole characters; at most `limit` pieces. */
export function chunkText(text: string, max: number, limit = Infinity): string[] {
  const chunks: string[] = [];
  let rest = wellFormed(text);
  while (rest.length > 0 && chunks.length < limit) {
    // A piece holds at least one code point, however small `max` is.
    const chunk = cutText(rest, max) || String.fromCodePoint(rest.codePointAt(0) ?? 0xfffd);
    chunks.push(chunk);
    rest = rest.slice(chunk.length);
  }
  return chunks;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}
