// cleanText: what a request's title and details become before they are validated and stored.
import { cleanText } from '../../src/domain/requestText';

it.each([
  ['control characters go, line breaks and tabs stay', 'a\u0000b\u001bc\nd\te\u007f', 'abc\nd\te'],
  ['trimmed', '  padded \n', 'padded'],
  ['a lone high surrogate becomes U+FFFD', 'x\ud800y', 'x\ufffdy'],
  ['a lone low surrogate becomes U+FFFD', 'x\udc00y', 'x\ufffdy'],
  ['a high surrogate at the very end', 'tail\ud83d', 'tail\ufffd'],
  ['two high surrogates in a row: both lone', '\ud800\ud800', '\ufffd\ufffd'],
  ['a surrogate pair (an emoji) is kept', 'fire \ud83d\udd25', 'fire 🔥'],
  ['right-to-left text is kept', 'مرحبا', 'مرحبا'],
])('%s', (_label, input, expected) => {
  expect(cleanText(input)).toBe(expected);
});

it('gives the same text MongoDB would store (UTF-8 round trip)', () => {
  const input = 'a\ud800b\udc00c\ud83d\udd25';
  expect(cleanText(input)).toBe(Buffer.from(input, 'utf8').toString('utf8'));
});
