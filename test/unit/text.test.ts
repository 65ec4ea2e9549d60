// domain/text.ts: text made well-formed and cut between whole characters, never inside half an
// emoji (which MongoDB would store as U+FFFD, and Slack would show as garbage).
import fc from 'fast-check';
import { chunkText, cutText, wellFormed } from '../../src/domain/text';
import { titleAndDetails } from '../../src/domain/helpCommand';
import { escapeAndTruncate } from '../../src/slack/mrkdwn';

const EMOJI = '\u{1F600}'; // two UTF-16 units
const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}'; // one character, eight units
const FLAG = '\u{1F1EC}\u{1F1E7}'; // one flag, four units

describe('wellFormed', () => {
  it.each([
    ['a lone high surrogate', 'a\ud83d', 'a\ufffd'],
    ['a lone low surrogate', '\ude00b', '\ufffdb'],
    ['a whole pair is kept', `x${EMOJI}`, `x${EMOJI}`],
  ])('%s', (_label, input, expected) => {
    expect(wellFormed(input)).toBe(expected);
    expect(wellFormed(input)).toBe(Buffer.from(input, 'utf8').toString('utf8'));
  });
});

describe('cutText', () => {
  it('keeps text that fits as it is', () => {
    expect(cutText(`ab${EMOJI}`, 4)).toBe(`ab${EMOJI}`);
  });

  it('leaves out an emoji that would be cut in half, rather than keeping half of it', () => {
    const text = `${'a'.repeat(1999)}${EMOJI}`;
    expect(text.slice(0, 2000).isWellFormed()).toBe(false);
    expect(cutText(text, 2000)).toBe('a'.repeat(1999));
  });

  it('keeps a character made of several code points whole, or leaves it out', () => {
    expect(cutText(`ab${FAMILY}c`, 9)).toBe('ab');
    expect(cutText(`ab${FAMILY}c`, 10)).toBe(`ab${FAMILY}`);
    expect(cutText(`${FLAG}${FLAG}`, 6)).toBe(FLAG);
    expect(cutText('ne\u0301e', 2)).toBe('n'); // é as e + accent: both or neither
    expect(cutText('ne\u0301e', 3)).toBe('ne\u0301');
  });

  it('cuts between code points when even the first character is longer than the limit', () => {
    const zalgo = `${EMOJI}${'\u0301'.repeat(10)}`;
    expect(cutText(zalgo, 1)).toBe('');
    expect(cutText(zalgo, 3)).toBe(`${EMOJI}\u0301`);
    expect(cutText(`e${'\u0301'.repeat(10)}`, 4)).toBe(`e${'\u0301'.repeat(3)}`);
  });

  it('adds the ellipsis only when it cut, within the limit', () => {
    expect(cutText('abcdef', 6, '…')).toBe('abcdef');
    expect(cutText(`abcd${EMOJI}`, 5, '…')).toBe('abcd…');
    expect(cutText(`abc${EMOJI}x`, 5, '…')).toBe('abc…');
  });

  it('always gives a well-formed start of the text, within the limit', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.nat(70), (text, max) => {
        const cut = cutText(text, max);
        expect(cut.isWellFormed()).toBe(true);
        expect(cut.length).toBeLessThanOrEqual(max);
        expect(wellFormed(text).startsWith(cut)).toBe(true);
        // Never shorter than needed by more than one character's worth when the text is plain letters.
        if (/^[a-z]*$/.test(text)) expect(cut).toBe(text.slice(0, max));
      }),
    );
  });

  it('ends between grapheme clusters whenever the first one fits', () => {
    const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    const pieces = fc.constantFrom('a', 'é', 'e\u0301', EMOJI, FAMILY, FLAG, '\u{1F44D}\u{1F3FD}', ' ');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 30 }), fc.integer({ min: 8, max: 80 }), (parts, max) => {
        const text = parts.join('');
        const cut = cutText(text, max);
        const boundaries = new Set([...segmenter.segment(text)].map((s) => s.index).concat(text.length));
        expect(boundaries.has(cut.length)).toBe(true);
        // And it is the longest such start.
        const longer = [...boundaries].filter((b) => b > cut.length && b <= max);
        expect(longer).toEqual([]);
      }),
    );
  });
});

describe('chunkText', () => {
  it('splits into pieces of whole characters that join back into the text', () => {
    const text = `${'a'.repeat(5)}${EMOJI}${'b'.repeat(5)}${EMOJI}`;
    const chunks = chunkText(text, 6);
    expect(chunks).toEqual(['aaaaa', `${EMOJI}bbbb`, `b${EMOJI}`]);
    expect(chunks.join('')).toBe(text);
    expect(chunkText(text, 6, 2)).toHaveLength(2);
    expect(chunkText(EMOJI, 1)).toEqual([EMOJI]);
  });
});

describe('text cut for people', () => {
  it('a long first line becomes a title without half an emoji', () => {
    const { title } = titleAndDetails(`${'a'.repeat(148)}${EMOJI}tail`, 150);
    expect(title).toBe(`${'a'.repeat(148)}…`);
    expect(title.isWellFormed()).toBe(true);
  });

  it('escaped text cut for Slack keeps whole characters', () => {
    const cut = escapeAndTruncate(`${'a'.repeat(8)}${EMOJI}${EMOJI}`, 10);
    expect(cut).toBe(`${'a'.repeat(8)}…`);
    expect(cut.isWellFormed()).toBe(true);
  });
});
