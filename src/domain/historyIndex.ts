// The full-text index of closed requests that "Similar past requests" searches: MiniSearch
// (maintained, BM25+, no dependencies) over title, details and category. In memory and without
// I/O, so the web process (services/history.ts) and the bench's leave-one-out
// (scripts/bench/estimates.ts) run the same code on records from wherever they come.
//
// MiniSearch ranks; it does not say how similar a match is in absolute terms (BM25 scores grow
// with the length of the query). So each match also gets a similarity from 0 to 1: the share of
// the request's distinct words the past request contains, each word weighted by its BM25 idf
// squared, as in the dot product of tf-idf vectors (a rare word says much more than a common one:
// a dozen filler words must not outweigh the one that names the problem). Words history has never
// seen weigh the most (as much as its rarest), so a request about something new is "not enough
// history" rather than matched on filler.
import MiniSearch from 'minisearch';
import type { PastMatch } from './estimateSuggestion';

export interface ClosedRequest {
  key: string;
  clientKey: string;
  title: string;
  details: string;
  category: string;
  /** Billable minutes it really took. */
  minutes: number;
  closedAt: Date;
}

export interface HistoryQuery {
  title: string;
  details: string;
  category: string;
}

interface Stored {
  key: string;
  clientKey: string;
  title: string;
  minutes: number;
  closedAtMs: number;
}

const FIELDS = ['title', 'details', 'category'] as const;
/** The title says what the request is; details say it at length. */
const BOOST = { title: 2, details: 1, category: 1 };
/** Details beyond this are not indexed or searched: the gist is at the start, and memory is per request. */
const DETAILS_INDEXED = 2000;
/** Matches returned by a search, best score first (the hint shows five). */
const DEFAULT_LIMIT = 100;
/**
 * A word in more than this share of the closed requests, and in more than COMMON_MIN_REQUESTS
 * of them, is left out of searches. With 100,000 requests a search takes about 20 ms at the
 * median with them left out and about 250 ms with them in (scripts/bench/estimates.ts history).
 */
const COMMON_SHARE = 0.1;
/** Of two past requests worded alike, the one of the same category ranks first. */
const SAME_CATEGORY_BOOST = 1.5;
const COMMON_MIN_REQUESTS = 50;

// Function words that say nothing about the work.
const STOP_WORDS = new Set(
  ('a an and are as at be been but by can could do does for from had has have he her his how i if in into is it its me my no not of on or our ' +
    'she so than that the their them then there these they this to too us was we were what when where which who why will with would you your ' +
    'please thanks thank hi hello help need needs cannot')
    .split(' '),
);

/** Splits on anything that is not a letter or a digit. */
export function tokenize(text: string): string[] {
  return text.split(/[^\p{L}\p{N}]+/u).filter((t) => t.length > 0);
}

/**
 * A word as it is indexed and searched: lower case, a few English endings taken off so that
 * "upgrade", "upgrades" and "upgrading" meet (a light stemmer, not a linguist), function words dropped.
 */
export function normaliseTerm(term: string): string | null {
  const word = term.toLowerCase();
  if (word.length < 2 || STOP_WORDS.has(word)) return null;
  for (const suffix of ['ations', 'ation', 'ings', 'ing', 'ies', 'es', 'ed', 's']) {
    if (word.length - suffix.length >= 4 && word.endsWith(suffix)) {
      const stem = word.slice(0, -suffix.length);
      // "upgrad(ing)" and "upgrad(e)" meet at "upgrad": a trailing e goes too.
      return suffix === 'ies' ? `${stem}y` : stem;
    }
  }
  return word.length >= 5 && word.endsWith('e') ? word.slice(0, -1) : word;
}

/** The distinct normalised terms of a text. */
export function termsOf(text: string): Set<string> {
  const terms = new Set<string>();
  for (const token of tokenize(text)) {
    const term = normaliseTerm(token);
    if (term) terms.add(term);
  }
  return terms;
}

function queryText(q: HistoryQuery): string {
  return `${q.title} ${q.details.slice(0, DETAILS_INDEXED)} ${q.category}`;
}

export class HistoryIndex {
  private readonly search = new MiniSearch<ClosedRequest>({
    idField: 'key',
    fields: [...FIELDS],
    storeFields: ['key', 'clientKey', 'title', 'category', 'minutes', 'closedAtMs'],
    extractField: (doc, field) => {
      if (field === 'details') return doc.details.slice(0, DETAILS_INDEXED);
      if (field === 'closedAtMs') return doc.closedAt.getTime();
      return (doc as unknown as Record<string, unknown>)[field];
    },
    tokenize,
    processTerm: (term) => normaliseTerm(term),
    searchOptions: { boost: BOOST, combineWith: 'OR' },
  });
  /** How many indexed requests contain each term (in any field): the idf of the similarity. */
  private readonly documentFrequency = new Map<string, number>();

  get size(): number {
    return this.search.documentCount;
  }

  has(key: string): boolean {
    return this.search.has(key);
  }

  /** Adds a closed request; false when it is already there. */
  add(request: ClosedRequest): boolean {
    if (this.search.has(request.key)) return false;
    this.search.add(request);
    for (const term of termsOf(queryText(request))) this.documentFrequency.set(term, (this.documentFrequency.get(term) ?? 0) + 1);
    return true;
  }

  /** Takes a request out (the same record that was added): the bench's leave-one-out. */
  remove(request: ClosedRequest): void {
    if (!this.search.has(request.key)) return;
    this.search.remove(request);
    for (const term of termsOf(queryText(request))) {
      const left = (this.documentFrequency.get(term) ?? 1) - 1;
      if (left > 0) this.documentFrequency.set(term, left);
      else this.documentFrequency.delete(term);
    }
  }

  /**
   * BM25's idf of a query term over the requests indexed now and the request asking: counting it
   * in, a word no past request used weighs as much as the rarest word history has, not far more.
   */
  private idf(term: string): number {
    const n = this.search.documentCount + 1;
    const df = (this.documentFrequency.get(term) ?? 0) + 1;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** In so much of history that it tells nothing apart here: the desk's own filler ("team", "site"). */
  private isCommon(term: string): boolean {
    return (this.documentFrequency.get(term) ?? 0) > Math.max(COMMON_MIN_REQUESTS, COMMON_SHARE * this.search.documentCount);
  }

  /**
   * The closed requests that share words with the query, best BM25+ score first, each with its
   * similarity. Common words are left out of both: nearly free in the score, they would make
   * every search score a large part of history. The category is one of them at any size (a
   * quarter of history each), so it ranks instead: a request of the same category first.
   */
  similarTo(query: HistoryQuery, limit = DEFAULT_LIMIT): PastMatch[] {
    const terms = [...termsOf(queryText(query))].filter((term) => !this.isCommon(term));
    const weights = new Map(terms.map((term) => [term, this.idf(term) ** 2]));
    const total = [...weights.values()].reduce((sum, w) => sum + w, 0);
    if (total === 0 || this.search.documentCount === 0) return [];
    // The terms are normalised already (normalising twice is not always the same).
    const boostDocument = (_id: unknown, _term: string, stored?: Record<string, unknown>) => (stored?.category === query.category ? SAME_CATEGORY_BOOST : 1);
    return this.search.search(terms.join(' '), { processTerm: (term) => term, boostDocument }).slice(0, limit).map((result) => {
      const stored = result as unknown as Stored & { score: number; queryTerms: string[] };
      const shared = new Set(stored.queryTerms).values();
      let weight = 0;
      for (const term of shared) weight += weights.get(term) ?? 0;
      return {
        key: stored.key,
        clientKey: stored.clientKey,
        title: stored.title,
        minutes: stored.minutes,
        score: stored.score,
        similarity: weight / total,
      };
    });
  }
}
