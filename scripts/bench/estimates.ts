// `npm run bench -- --only estimates`: how good "Similar past requests" is as an estimate, by
// leave-one-out over a SYNTHETIC history of closed requests: each request in turn is taken out
// of the index, estimated from the rest with the product's own code (domain/historyIndex.ts and
// domain/estimateSuggestion.ts), and put back. Its real time is compared with the suggestion
// (the median of the similar requests) and with three baselines: the client's median, the global
// median (both over the other requests) and the engineer's first estimate, where there is one.
//
// The history is generated, not real, with structure rather than tuned to the method: topics
// within categories with different typical efforts and log-normal noise; titles and details drawn
// from each topic's words, its category's words, filler every request shares and now and then a
// word of another topic; clients with their own mix of topics and their own size factor;
// engineers whose first estimates have their own bias and noise; and a long tail of one-off
// requests in words of their own. Fixed seed: the same figures every run.
import { estimateHint, medianMinutes, SIMILARITY_THRESHOLD } from '../../src/domain/estimateSuggestion';
import { HistoryIndex, type ClosedRequest } from '../../src/domain/historyIndex';
import type { Category } from '../../src/domain/lifecycle';
import { prng } from './syntheticData';

export const ESTIMATES_SEED = 20261206;

interface Topic {
  category: Category;
  /** Typical real effort in minutes for a client of size factor 1. */
  minutes: number;
  words: string[];
}

const TOPICS: Topic[] = [
  { category: 'incident', minutes: 90, words: ['outage', 'down', '502', 'gateway', 'nginx', 'unreachable', 'homepage', 'offline'] },
  { category: 'incident', minutes: 150, words: ['payment', 'checkout', 'stripe', 'card', 'declined', 'webhook', 'orders'] },
  { category: 'incident', minutes: 75, words: ['email', 'smtp', 'mail', 'bounce', 'delivery', 'inbox', 'sendgrid'] },
  { category: 'incident', minutes: 45, words: ['disk', 'full', 'storage', 'logs', 'volume', 'space', 'server'] },
  { category: 'incident', minutes: 120, words: ['login', 'password', 'sso', 'session', 'authentication', 'locked', 'account'] },
  { category: 'maintenance', minutes: 45, words: ['ssl', 'tls', 'certificate', 'renew', 'expiry', 'https', 'letsencrypt'] },
  { category: 'maintenance', minutes: 360, words: ['postgres', 'database', 'upgrade', 'version', 'migration', 'replica'] },
  { category: 'maintenance', minutes: 180, words: ['dependencies', 'npm', 'packages', 'update', 'security', 'audit', 'vulnerabilities'] },
  { category: 'maintenance', minutes: 120, words: ['backup', 'restore', 'snapshot', 'nightly', 'retention', 's3'] },
  { category: 'maintenance', minutes: 90, words: ['wordpress', 'plugins', 'theme', 'php', 'update', 'core'] },
  { category: 'project', minutes: 1200, words: ['feature', 'dashboard', 'report', 'export', 'filter', 'page'] },
  { category: 'project', minutes: 1500, words: ['api', 'integration', 'crm', 'salesforce', 'sync', 'endpoint'] },
  { category: 'project', minutes: 2400, words: ['migrate', 'cloud', 'aws', 'kubernetes', 'containers', 'docker', 'hosting'] },
  { category: 'project', minutes: 900, words: ['performance', 'slow', 'caching', 'queries', 'optimise', 'redis', 'load'] },
  { category: 'advice', minutes: 90, words: ['architecture', 'review', 'design', 'scaling', 'options'] },
  { category: 'advice', minutes: 150, words: ['security', 'pentest', 'gdpr', 'compliance', 'risk', 'audit'] },
  { category: 'advice', minutes: 60, words: ['choose', 'framework', 'compare', 'recommendation', 'vendor', 'tool'] },
  { category: 'advice', minutes: 120, words: ['roadmap', 'plan', 'priorities', 'quarter', 'budget', 'costs'] },
];

const CATEGORY_WORDS: Record<Category, string[]> = {
  incident: ['urgent', 'broken', 'error', 'failing', 'production', 'asap', 'again'],
  maintenance: ['routine', 'monthly', 'fix', 'scheduled', 'outdated', 'patch'],
  project: ['build', 'implement', 'new', 'phase', 'add', 'scope'],
  advice: ['advice', 'question', 'thoughts', 'opinion', 'sanity', 'check'],
};

const FILLER = ['our', 'team', 'client', 'site', 'app', 'system', 'customers', 'today', 'morning', 'since', 'yesterday', 'issue', 'problem',
  'request', 'some', 'all', 'staging', 'live', 'main', 'portal', 'users', 'weird', 'quick', 'now', 'after', 'before', 'week'];

const CLIENTS = 8;
const ENGINEERS = 6;
/** Log-normal spread of real effort around a topic's typical effort for a client (σ of the log). */
const EFFORT_SIGMA = 0.6;

/** Share of requests about a one-off subject (the long tail every help desk has). */
const ONE_OFF_SHARE = 0.15;
const SYLLABLES = ['ka', 'lo', 'mi', 'ter', 'vex', 'dra', 'nul', 'pos', 'qui', 'ros', 'sta', 'zen', 'bri', 'cor', 'fal', 'gim'];
const CATEGORY_MINUTES: Record<Category, number> = { incident: 90, maintenance: 150, project: 1200, advice: 90 };

/** A subject of its own: invented words, an effort typical of its category but spread wider. */
function oneOffTopic(random: () => number): Topic {
  const category = pick(Object.keys(CATEGORY_MINUTES) as Category[], random);
  const invented = Array.from({ length: 3 }, () => words(2 + Math.floor(random() * 2), SYLLABLES, random).join(''));
  return { category, minutes: CATEGORY_MINUTES[category] * Math.exp(0.6 * normal(random)), words: invented };
}

export interface SyntheticClosed extends ClosedRequest {
  /** The engineer's first estimate in minutes (the high end), when one was posted. */
  firstEstimate?: number;
}

function normal(random: () => number): number {
  // Box–Muller; 1 − u keeps log away from 0.
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}

function weighted(weights: readonly number[], random: () => number): number {
  const total = weights.reduce((s, w) => s + w, 0);
  let r = random() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i] ?? 0;
    if (r <= 0) return i;
  }
  return weights.length - 1;
}

function words(count: number, from: readonly string[], random: () => number): string[] {
  return Array.from({ length: count }, () => pick(from, random));
}

/** Filler as people write it: a few words very often, most now and then (Zipf). */
const FILLER_WEIGHTS = FILLER.map((_, rank) => 1 / (rank + 1));
function filler(count: number, random: () => number): string[] {
  return Array.from({ length: count }, () => FILLER[weighted(FILLER_WEIGHTS, random)] ?? 'our');
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** `count` closed requests, the same ones for the same seed. */
export function syntheticClosedRequests(count: number, seed = ESTIMATES_SEED): SyntheticClosed[] {
  const random = prng(seed);
  const clients = Array.from({ length: CLIENTS }, (_, i) => ({
    key: `C${String.fromCharCode(65 + i)}`,
    size: 1 / (i + 1) ** 0.7,
    // Each client needs some topics much more than others (and some not at all).
    mix: TOPICS.map(() => (random() < 0.35 ? 0 : random() ** 2)),
    factor: Math.exp(0.3 * normal(random)),
  }));
  const engineers = Array.from({ length: ENGINEERS }, () => ({ bias: Math.exp(-0.1 + 0.25 * normal(random)), sigma: 0.3 + 0.3 * random() }));
  const numbers = new Map<string, number>();
  const start = Date.parse('2024-01-01T00:00:00Z');
  return Array.from({ length: count }, (_, i) => {
    const client = clients[weighted(clients.map((c) => c.size), random)] ?? clients[0]!;
    // The long tail: a request about something nobody asked before, in words of its own.
    const topic = random() < ONE_OFF_SHARE ? oneOffTopic(random) : (TOPICS[weighted(client.mix, random)] ?? TOPICS[0]!);
    const typical = topic.minutes * client.factor;
    const minutes = Math.max(5, Math.round((typical * Math.exp(EFFORT_SIGMA * normal(random))) / 5) * 5);
    const noise = random() < 0.15 ? [pick(pick(TOPICS, random).words, random)] : [];
    const title = shuffle(
      [...words(1 + Math.floor(random() * 3), topic.words, random), ...words(Math.floor(random() * 2), CATEGORY_WORDS[topic.category], random), ...filler(Math.floor(random() * 3), random), ...noise],
      random,
    ).join(' ');
    const details = random() < 0.4 ? '' : shuffle([...words(Math.floor(random() * 4), topic.words, random), ...filler(2 + Math.floor(random() * 8), random)], random).join(' ');
    const engineer = pick(engineers, random);
    const estimated = random() < (topic.category === 'advice' ? 0.4 : 0.8);
    const firstEstimate = estimated ? Math.max(15, Math.round((typical * engineer.bias * Math.exp(engineer.sigma * normal(random))) / 15) * 15) : undefined;
    const number = (numbers.get(client.key) ?? 0) + 1;
    numbers.set(client.key, number);
    return {
      key: `${client.key}-${number}`,
      clientKey: client.key,
      title,
      details,
      category: topic.category,
      minutes,
      closedAt: new Date(start + i * 3_600_000),
      ...(firstEstimate !== undefined ? { firstEstimate } : {}),
    };
  });
}

export interface ErrorSummary {
  requests: number;
  /** Minutes. */
  medianAbsoluteError: number | null;
  /** |prediction − real| / real: an hour off a day's project counts less than an hour off a half-hour fix. */
  medianRelativeError: number | null;
}

export interface PredictorError {
  name: string;
  /** Over the requests that got a suggestion. */
  covered: ErrorSummary;
  /** Over every request. */
  all: ErrorSummary;
}

export interface ThresholdRow {
  threshold: number;
  coverage: number;
  suggestionError: number | null;
  clientMedianError: number | null;
}

export interface EstimatesResult {
  requests: number;
  clients: number;
  seed: number;
  threshold: number;
  /** Share of requests that got a suggestion (three similar requests or more). */
  coverage: number;
  predictors: PredictorError[];
  /** Share of suggested requests whose real time was at or under the suggested 80th percentile. */
  underP80: number | null;
  /** The same run at other thresholds, for the sensitivity. */
  thresholds: ThresholdRow[];
  seconds: number;
  /** Median time of one search of the index (MiniSearch and the similarity), in milliseconds: this machine's, not reproducible. */
  msPerSearch: number;
}

const mdae = (errors: number[]) => (errors.length === 0 ? null : medianMinutes(errors));

/** Leave-one-out over `count` synthetic closed requests. */
export function measureEstimates(count: number, log: (line: string) => void = () => undefined): EstimatesResult {
  const started = Date.now();
  const history = syntheticClosedRequests(count);
  log(`estimate hints: leave-one-out over ${history.length} synthetic closed requests`);
  const index = new HistoryIndex();
  for (const r of history) index.add(r);
  const byClient = new Map<string, number[]>();
  for (const r of history) {
    const values = byClient.get(r.clientKey) ?? [];
    values.push(r.minutes);
    byClient.set(r.clientKey, values);
  }
  for (const values of byClient.values()) values.sort((a, b) => a - b);
  const all = history.map((r) => r.minutes).sort((a, b) => a - b);
  /** Sorted values without one occurrence of `value` (still sorted). */
  const withoutOne = (values: number[], value: number) => {
    const i = values.indexOf(value);
    return [...values.slice(0, i), ...values.slice(i + 1)];
  };

  const tried = [0.15, SIMILARITY_THRESHOLD, 0.35, 0.5];
  const searchMs: number[] = [];
  const rows = history.map((r) => {
    index.remove(r);
    const searchStarted = performance.now();
    const matches = index.similarTo(r);
    searchMs.push(performance.now() - searchStarted);
    index.add(r);
    const hints = tried.map((threshold) => estimateHint(matches, r.clientKey, r.key, threshold));
    const othersOfClient = withoutOne(byClient.get(r.clientKey) ?? [], r.minutes);
    return {
      r,
      hints,
      clientMedian: othersOfClient.length > 0 ? medianMinutes(othersOfClient) : undefined,
      globalMedian: medianMinutes(withoutOne(all, r.minutes)),
    };
  });

  const productAt = tried.indexOf(SIMILARITY_THRESHOLD);
  const suggested = (row: (typeof rows)[number], t = productAt) => {
    const hint = row.hints[t];
    return hint?.kind === 'suggestion' ? hint : undefined;
  };
  const covered = rows.filter((row) => suggested(row));
  const errorsOf = (subset: typeof rows, predict: (row: (typeof rows)[number]) => number | undefined): ErrorSummary => {
    const errors = subset.flatMap((row) => {
      const p = predict(row);
      return p === undefined ? [] : [{ absolute: Math.abs(p - row.r.minutes), relative: Math.abs(p - row.r.minutes) / row.r.minutes }];
    });
    const relative = errors.map((e) => e.relative).sort((a, b) => a - b);
    const middle = relative.length / 2;
    return {
      requests: errors.length,
      medianAbsoluteError: mdae(errors.map((e) => e.absolute)),
      medianRelativeError: relative.length === 0 ? null : relative.length % 2 ? (relative[Math.floor(middle)] ?? 0) : ((relative[middle - 1] ?? 0) + (relative[middle] ?? 0)) / 2,
    };
  };
  const predictors: Array<[string, (row: (typeof rows)[number]) => number | undefined]> = [
    ['suggestion (median of similar requests)', (row) => suggested(row)?.medianMinutes],
    ["client's median", (row) => row.clientMedian],
    ['global median', (row) => row.globalMedian],
    ["engineer's first estimate", (row) => row.r.firstEstimate],
  ];
  const result: EstimatesResult = {
    requests: history.length,
    clients: byClient.size,
    seed: ESTIMATES_SEED,
    threshold: SIMILARITY_THRESHOLD,
    coverage: covered.length / rows.length,
    predictors: predictors.map(([name, predict]) => ({ name, covered: errorsOf(covered, predict), all: errorsOf(rows, predict) })),
    underP80: covered.length === 0 ? null : covered.filter((row) => row.r.minutes <= (suggested(row)?.p80Minutes ?? 0)).length / covered.length,
    thresholds: tried.map((threshold, t) => {
      const at = rows.filter((row) => suggested(row, t));
      return {
        threshold,
        coverage: at.length / rows.length,
        suggestionError: errorsOf(at, (row) => suggested(row, t)?.medianMinutes).medianAbsoluteError,
        clientMedianError: errorsOf(at, (row) => row.clientMedian).medianAbsoluteError,
      };
    }),
    seconds: (Date.now() - started) / 1000,
    msPerSearch: [...searchMs].sort((a, b) => a - b)[Math.floor(searchMs.length / 2)] ?? 0,
  };
  log(`estimate hints: done in ${result.seconds.toFixed(1)} s`);
  return result;
}
