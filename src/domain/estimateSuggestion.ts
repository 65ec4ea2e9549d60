// What history suggests for an estimate: the closed requests most like the one being estimated,
// the time they really took, and a range (median – 80th percentile) when there are enough of them.
// In the spirit of Weiss et al., "How Long Will It Take to Fix This Bug?" (MSR 2007): the nearest
// past reports by text, and their effort. Other clients' requests count in the numbers but are
// shown without key or title: the redaction is decided here, so no view can get it wrong.

/** A past request as the search found it: `score` orders (BM25+), `similarity` (0–1) qualifies. */
export interface PastMatch {
  key: string;
  clientKey: string;
  title: string;
  /** Billable minutes it really took. */
  minutes: number;
  score: number;
  similarity: number;
}

/** At most this many past requests are shown, and the suggestion is computed from them. */
export const MAX_SIMILAR = 5;
/** Fewer qualifying matches than this: not enough history, no suggestion. */
export const MIN_SIMILAR = 3;
/**
 * A match qualifies when it shares at least this share of what the request says, weighted by how
 * rare each word is (domain/historyIndex.ts similarity): a quarter is one of its four telling words.
 */
export const SIMILARITY_THRESHOLD = 0.25;

export type ShownMatch =
  | { own: true; key: string; title: string; minutes: number }
  /** Another client's request: only its time. */
  | { own: false; minutes: number };

export type EstimateHint =
  | { kind: 'suggestion'; matches: ShownMatch[]; medianMinutes: number; p80Minutes: number }
  /** Fewer than MIN_SIMILAR qualifying matches: those there are (maybe none), and no range. */
  | { kind: 'not_enough'; matches: ShownMatch[] };

/**
 * The p-th percentile (0–100) of integer minutes, by linear interpolation between the closest
 * ranks (R-7, what spreadsheets' PERCENTILE.INC computes): rank (n − 1)·p/100 of the sorted
 * values, then rounded to the nearest whole minute (halves up). The median is the 50th.
 */
export function percentileMinutes(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of no values');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is not between 0 and 100`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = ((sorted.length - 1) * p) / 100;
  const below = Math.floor(rank);
  const lower = sorted[below] ?? 0;
  const upper = sorted[Math.min(below + 1, sorted.length - 1)] ?? lower;
  return Math.round(lower + (upper - lower) * (rank - below));
}

export function medianMinutes(values: readonly number[]): number {
  return percentileMinutes(values, 50);
}

/** A closed request that logged no billable time says nothing about effort (a declined estimate, a question answered for free). */
export function isUsableHistory(minutes: number): boolean {
  return Number.isInteger(minutes) && minutes > 0;
}

/**
 * The hint for a request of `clientKey` from the search's matches (any order): those at or over
 * the threshold, best score first, at most MAX_SIMILAR; the range from their minutes when there
 * are at least MIN_SIMILAR. `excludeKey` is the request being estimated, never its own history.
 * `threshold` is the product's; the bench tries others next to it.
 */
export function estimateHint(matches: readonly PastMatch[], clientKey: string, excludeKey?: string, threshold = SIMILARITY_THRESHOLD): EstimateHint {
  const qualifying = matches
    .filter((m) => m.key !== excludeKey && m.similarity >= threshold && isUsableHistory(m.minutes))
    .sort((a, b) => b.score - a.score || b.similarity - a.similarity || a.key.localeCompare(b.key))
    .slice(0, MAX_SIMILAR);
  const shown = qualifying.map((m): ShownMatch => (m.clientKey === clientKey ? { own: true, key: m.key, title: m.title, minutes: m.minutes } : { own: false, minutes: m.minutes }));
  if (qualifying.length < MIN_SIMILAR) return { kind: 'not_enough', matches: shown };
  const minutes = qualifying.map((m) => m.minutes);
  return { kind: 'suggestion', matches: shown, medianMinutes: medianMinutes(minutes), p80Minutes: percentileMinutes(minutes, 80) };
}
