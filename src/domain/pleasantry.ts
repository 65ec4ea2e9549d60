// Messages that are only a greeting, thanks, acknowledgement or emoji ("thanks!", "ok 👍", "hi"):
// said to the app in a DM or a mention, they are conversation, never a support request. Pure.

export type Pleasantry = 'greeting' | 'thanks' | 'acknowledgement';

/** Whole phrases first (longest first), then single words; everything lower-case. */
const PHRASES: Record<Pleasantry, string[]> = {
  greeting: [
    'good morning', 'good afternoon', 'good evening', 'good day', 'hi there', 'hello there', 'hey there',
    'how are you', 'how are you doing', 'how is it going', 'hows it going', 'whats up',
    'hi', 'hello', 'hey', 'hiya', 'howdy', 'yo', 'morning', 'afternoon', 'evening', 'greetings', 'hallo', 'bonjour', 'hola', 'ciao', 'sup',
  ],
  thanks: [
    'thank you', 'thank you very much', 'thank you so much', 'thanks a lot', 'thanks a bunch', 'many thanks', 'much appreciated', 'thanks again',
    'thanks', 'thx', 'ty', 'tysm', 'tyvm', 'cheers', 'ta', 'merci', 'gracias', 'danke', 'appreciated', 'appreciate it', 'kudos',
  ],
  acknowledgement: [
    'got it', 'sounds good', 'all good', 'no worries', 'no problem', 'will do', 'makes sense', 'fair enough', 'all set', 'that works', 'thats great',
    'looks good', 'that worked', 'it works', 'works now', 'see you', 'have a good day', 'have a nice day', 'have a great day', 'bye for now', 'talk soon',
    'ok', 'okay', 'k', 'kk', 'okey', 'okie', 'sure', 'cool', 'great', 'nice', 'perfect', 'awesome', 'excellent', 'lovely', 'brilliant', 'super',
    'fine', 'noted', 'roger', 'understood', 'yes', 'yep', 'yeah', 'yup', 'np', 'bye', 'goodbye', 'cya', 'lol', 'wow', 'amazing', 'fantastic', 'sweet',
  ],
};

/** Words that may pad a pleasantry without making it a request: "thanks so much for that, team". */
const FILLER = new Set([
  'so', 'very', 'much', 'a', 'lot', 'again', 'all', 'guys', 'team', 'folks', 'everyone', 'mate', 'man', 'dude', 'for', 'that', 'this', 'it',
  'the', 'help', 'your', 'you', 'really', 'just', 'and', 'oh', 'ah', 'well', 'then', 'now', 'too', 'indeed', 'there', 'again', 'bot', 'ad', 'hoc',
]);

/** Emoji (pictographs, their modifiers and joiners), Slack :shortcodes:, punctuation. */
const EMOJI = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u200d\ufe0f\u20e3]/gu;
const SHORTCODE = /:[a-z0-9_+'-]+:/g;

const PHRASE_LIST = (Object.entries(PHRASES) as Array<[Pleasantry, string[]]>)
  .flatMap(([kind, phrases]) => phrases.map((phrase) => ({ kind, words: phrase.split(' ') })))
  .sort((a, b) => b.words.length - a.words.length);

/** More than this many words is a message with something to say, whatever its words. */
const MAX_WORDS = 10;

/**
 * What kind of pleasantry `text` is (plain text, after the mention is removed), or undefined when
 * it says anything else. An emoji alone counts as an acknowledgement. Greetings win over thanks
 * over acknowledgements when a message mixes them ("hi, thanks!" is answered as a greeting).
 */
export function pleasantryOf(text: string): Pleasantry | undefined {
  const bare = text
    .toLowerCase()
    .replace(SHORTCODE, ' ')
    .replace(EMOJI, ' ')
    .replace(/['’]/g, '')
    .replace(/@\S+/g, ' ')
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .trim();
  const words = bare.split(/\s+/).filter((w) => w.length > 0);
  // Nothing but emoji (and punctuation around them): "👍", ":pray:!". A bare mention of someone,
  // punctuation alone, or nothing at all is not a pleasantry.
  if (words.length === 0) return new RegExp(EMOJI.source, 'u').test(text) || new RegExp(SHORTCODE.source).test(text.toLowerCase()) ? 'acknowledgement' : undefined;
  if (words.length > MAX_WORDS) return undefined;
  const found = new Set<Pleasantry>();
  for (let i = 0; i < words.length; ) {
    const match = PHRASE_LIST.find((p) => p.words.every((w, j) => words[i + j] === w));
    if (match) {
      found.add(match.kind);
      i += match.words.length;
    } else if (FILLER.has(words[i] ?? '')) {
      i += 1;
    } else {
      return undefined;
    }
  }
  if (found.has('greeting')) return 'greeting';
  if (found.has('thanks')) return 'thanks';
  return found.has('acknowledgement') ? 'acknowledgement' : undefined;
}
