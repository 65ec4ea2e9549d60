// The estimate hint's rules (domain/estimateSuggestion.ts) and the index it searches
// (domain/historyIndex.ts): percentiles, the threshold, the privacy rule, and the similarity.
import {
  MAX_SIMILAR,
  SIMILARITY_THRESHOLD,
  estimateHint,
  isUsableHistory,
  medianMinutes,
  percentileMinutes,
  type PastMatch,
} from '../../src/domain/estimateSuggestion';
import { HistoryIndex, normaliseTerm, termsOf, type ClosedRequest } from '../../src/domain/historyIndex';
import { similarRequestsText } from '../../src/slack/views/similarRequests';

describe('percentileMinutes (linear between closest ranks, rounded to the minute)', () => {
  it.each([
    [[60], 50, 60],
    [[60], 80, 60],
    [[30, 90], 50, 60],
    [[30, 91], 50, 61], // 60.5 rounds up
    [[10, 20, 30], 50, 20],
    [[10, 20, 30, 40], 50, 25],
    // 5 values: rank 0.8 × 4 = 3.2 → 40 + 0.2 × (100 − 40) = 52
    [[100, 10, 40, 20, 30], 80, 52],
    [[10, 20, 30, 40, 100], 0, 10],
    [[10, 20, 30, 40, 100], 100, 100],
    // 3 values: rank 1.6 → 60 + 0.6 × 60 = 96
    [[30, 60, 120], 80, 96],
    [[45, 45, 45, 45], 80, 45],
  ])('%j at p%d is %d', (values, p, expected) => {
    expect(percentileMinutes(values, p)).toBe(expected);
  });

  it('does not reorder its input', () => {
    const values = [30, 10, 20];
    percentileMinutes(values, 50);
    expect(values).toEqual([30, 10, 20]);
  });

  it('refuses no values and percentiles outside 0–100', () => {
    expect(() => percentileMinutes([], 50)).toThrow(RangeError);
    expect(() => percentileMinutes([1], -1)).toThrow(RangeError);
    expect(() => percentileMinutes([1], 101)).toThrow(RangeError);
    expect(() => percentileMinutes([1], Number.NaN)).toThrow(RangeError);
  });

  it('the median is the 50th percentile', () => {
    expect(medianMinutes([120, 30, 45, 600])).toBe(83); // (45 + 120) / 2 = 82.5 → 83
  });
});

describe('estimateHint', () => {
  const match = (key: string, minutes: number, score: number, similarity = 0.9, clientKey = key.split('-')[0] ?? ''): PastMatch => ({
    key,
    clientKey,
    title: `Title of ${key}`,
    minutes,
    score,
    similarity,
  });

  it('with three or more qualifying matches, suggests their median and 80th percentile, best score first', () => {
    const hint = estimateHint([match('ACME-1', 60, 5), match('ACME-2', 120, 9), match('ACME-3', 90, 7)], 'ACME');
    expect(hint).toEqual({
      kind: 'suggestion',
      matches: [
        { own: true, key: 'ACME-2', title: 'Title of ACME-2', minutes: 120 },
        { own: true, key: 'ACME-3', title: 'Title of ACME-3', minutes: 90 },
        { own: true, key: 'ACME-1', title: 'Title of ACME-1', minutes: 60 },
      ],
      medianMinutes: 90,
      p80Minutes: 108, // rank 1.6: 90 + 0.6 × 30
    });
  });

  it("shows another client's request by its time only, and counts it in the range", () => {
    const hint = estimateHint([match('ACME-1', 60, 5), match('BETA-7', 240, 9), match('ACME-3', 90, 7)], 'ACME');
    expect(hint.matches[0]).toEqual({ own: false, minutes: 240 });
    expect(JSON.stringify(hint)).not.toContain('BETA');
    expect(hint).toMatchObject({ kind: 'suggestion', medianMinutes: 90 });
  });

  it('says not enough with fewer than three qualifying matches, and suggests nothing', () => {
    const hint = estimateHint([match('ACME-1', 60, 5), match('ACME-2', 120, 9)], 'ACME');
    expect(hint.kind).toBe('not_enough');
    expect(hint).not.toHaveProperty('medianMinutes');
    expect(hint.matches).toHaveLength(2);
  });

  it('leaves out matches below the similarity threshold, with no time, or the request itself', () => {
    const below = SIMILARITY_THRESHOLD - 0.01;
    const hint = estimateHint(
      [match('ACME-1', 60, 5), match('ACME-2', 120, 9, below), match('ACME-3', 0, 8), match('ACME-4', 30, 99), match('ACME-5', 45, 4, SIMILARITY_THRESHOLD)],
      'ACME',
      'ACME-4',
    );
    expect(hint.kind).toBe('not_enough');
    expect(hint.matches.map((m) => (m.own ? m.key : '?'))).toEqual(['ACME-1', 'ACME-5']);
  });

  it(`shows at most ${MAX_SIMILAR}, and the range is theirs`, () => {
    const many = [1, 2, 3, 4, 5, 6, 7].map((n) => match(`ACME-${n}`, n * 10, n));
    const hint = estimateHint(many, 'ACME');
    expect(hint.matches).toHaveLength(MAX_SIMILAR);
    // Best five by score: 70, 60, 50, 40, 30 → median 50, p80 rank 3.2 → 60 + 0.2 × 10 = 62
    expect(hint).toMatchObject({ kind: 'suggestion', medianMinutes: 50, p80Minutes: 62 });
  });

  it('usable history is a positive whole number of minutes', () => {
    expect([isUsableHistory(1), isUsableHistory(0), isUsableHistory(-5), isUsableHistory(1.5)]).toEqual([true, false, false, false]);
  });
});

describe('HistoryIndex', () => {
  const closed = (key: string, title: string, minutes: number, category = 'maintenance', details = ''): ClosedRequest => ({
    key,
    clientKey: key.split('-')[0] ?? '',
    title,
    details,
    category,
    minutes,
    closedAt: new Date('2026-10-01T12:00:00Z'),
  });

  it('normalises words: lower case, light stemming, no function words', () => {
    expect(['Upgrade', 'upgrades', 'upgrading', 'upgraded'].map(normaliseTerm)).toEqual(['upgrad', 'upgrad', 'upgrad', 'upgrad']);
    expect(['the', 'Please', 'a', 'x'].map(normaliseTerm)).toEqual([null, null, null, null]);
    expect([...termsOf('The SSL certificates expired!')]).toEqual(['ssl', 'certificat', 'expir']);
  });

  it('finds the requests that share telling words, the closest first, and scores how similar they are', () => {
    const index = new HistoryIndex();
    index.add(closed('ACME-1', 'Renew the SSL certificate on the shop', 60));
    index.add(closed('ACME-2', 'Upgrade Postgres to version 16', 240));
    index.add(closed('BETA-1', 'SSL certificate expired on the API', 45));
    index.add(closed('BETA-2', 'Add a dark mode to the dashboard', 600, 'project'));
    const found = index.similarTo({ title: 'SSL certificate renewal for the shop', details: '', category: 'maintenance' });
    expect(found[0]?.key).toBe('ACME-1');
    expect(found.map((m) => m.key)).toContain('BETA-1');
    const byKey = new Map(found.map((m) => [m.key, m]));
    expect(byKey.get('ACME-1')?.similarity).toBeGreaterThan(byKey.get('BETA-1')?.similarity ?? 1);
    // Sharing only the category is far below the threshold.
    expect(byKey.get('ACME-2')?.similarity ?? 0).toBeLessThan(SIMILARITY_THRESHOLD);
    expect(byKey.has('BETA-2')).toBe(false);
    for (const m of found) {
      expect(m.similarity).toBeGreaterThanOrEqual(0);
      expect(m.similarity).toBeLessThanOrEqual(1);
    }
    expect(byKey.get('ACME-1')).toMatchObject({ clientKey: 'ACME', title: 'Renew the SSL certificate on the shop', minutes: 60 });
  });

  it('a request in words history has never seen is not similar to anything', () => {
    const index = new HistoryIndex();
    for (let i = 1; i <= 5; i++) index.add(closed(`ACME-${i}`, `Renew the SSL certificate ${i}`, 60));
    const found = index.similarTo({ title: 'Kubernetes ingress flapping between zones', details: '', category: 'maintenance' });
    expect(found.every((m) => m.similarity < SIMILARITY_THRESHOLD)).toBe(true);
  });

  it('leaves out words in more than a tenth of a large history, and ranks the same category first', () => {
    const index = new HistoryIndex();
    for (let i = 1; i <= 60; i++) index.add(closed(`ACME-${i}`, `Team request number ${i}`, 30, 'advice'));
    index.add(closed('BETA-1', 'Grafana dashboard is blank', 60, 'incident'));
    index.add(closed('BETA-2', 'Grafana dashboard is blank', 90, 'maintenance'));
    const found = index.similarTo({ title: 'Team: the Grafana dashboard is blank', details: '', category: 'maintenance' });
    // "team" is in 60 of 62 requests: it finds none of them, and does not count in the similarity.
    expect(found.map((m) => m.key)).toEqual(['BETA-2', 'BETA-1']);
    expect(found[0]?.similarity).toBeCloseTo(1, 6);
    // In a small history the same word still counts.
    const small = new HistoryIndex();
    for (let i = 1; i <= 5; i++) small.add(closed(`ACME-${i}`, `Team request number ${i}`, 30, 'advice'));
    expect(small.similarTo({ title: 'Team', details: '', category: 'advice' })).toHaveLength(5);
  });

  it('adds once, and takes a request out again (the bench leaves each one out in turn)', () => {
    const index = new HistoryIndex();
    const a = closed('ACME-1', 'Renew the SSL certificate', 60);
    expect(index.add(a)).toBe(true);
    expect(index.add(a)).toBe(false);
    index.add(closed('ACME-2', 'Renew the SSL certificate again', 90));
    expect(index.size).toBe(2);
    index.remove(a);
    expect(index.has('ACME-1')).toBe(false);
    expect(index.similarTo({ title: 'SSL certificate', details: '', category: 'advice' }).map((m) => m.key)).toEqual(['ACME-2']);
    // The idf forgets it too. Counting the query in (n = 2): "ssl" and "certificat" are in both
    // (df 2), "advic" only in the query (df 1); each weighs its idf squared.
    const common = Math.log(1 + 0.5 / 2.5) ** 2;
    const rare = Math.log(1 + 1.5 / 1.5) ** 2;
    expect(index.similarTo({ title: 'SSL certificate', details: '', category: 'advice' })[0]?.similarity).toBeCloseTo((2 * common) / (2 * common + rare), 6);
  });
});

describe('similarRequestsText', () => {
  it('escapes the titles it shows, words the range with the duration formatter, and shows others by time only', () => {
    const text = similarRequestsText({
      kind: 'suggestion',
      matches: [
        { own: true, key: 'ACME-3', title: 'Fix <!channel> & <@U0BOSS> pings', minutes: 135 },
        { own: false, minutes: 45 },
        { own: true, key: 'ACME-4', title: 'Another', minutes: 60 },
      ],
      medianMinutes: 60,
      p80Minutes: 105,
    });
    expect(text.split('\n')).toEqual([
      '*Similar past requests*',
      '• *ACME-3* Fix &lt;!channel&gt; &amp; &lt;@U0BOSS&gt; pings, 2h 15m',
      "• another client's request, 45m",
      '• *ACME-4* Another, 1h',
      'Suggested: *1h – 1h 45m* (the median and 80th percentile of what these really took)',
    ]);
    expect(similarRequestsText({ kind: 'not_enough', matches: [] })).toBe('*Similar past requests*\nNot enough similar history yet, so no suggestion.');
  });
});
