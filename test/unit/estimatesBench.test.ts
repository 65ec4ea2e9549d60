// The estimate hints' bench (scripts/bench/estimates.ts): its synthetic history is the same for
// the same seed, has the structure it claims, and the leave-one-out reports every predictor.
import { measureEstimates, syntheticClosedRequests } from '../../scripts/bench/estimates';
import { medianMinutes } from '../../src/domain/estimateSuggestion';

describe('the estimate hints bench', () => {
  it('generates the same history for the same seed, and another for another seed', () => {
    expect(syntheticClosedRequests(50)).toEqual(syntheticClosedRequests(50));
    expect(syntheticClosedRequests(50, 1)).not.toEqual(syntheticClosedRequests(50));
  });

  it('gives categories different typical efforts, and engineers a first estimate on most requests', () => {
    const history = syntheticClosedRequests(1000);
    const of = (category: string) => medianMinutes(history.filter((r) => r.category === category).map((r) => r.minutes));
    expect(of('project')).toBeGreaterThan(3 * of('incident'));
    const estimated = history.filter((r) => r.firstEstimate !== undefined).length / history.length;
    expect(estimated).toBeGreaterThan(0.5);
    expect(estimated).toBeLessThan(0.95);
    expect(new Set(history.map((r) => r.clientKey)).size).toBe(8);
    expect(history.every((r) => Number.isInteger(r.minutes) && r.minutes > 0)).toBe(true);
  });

  it('reports the suggestion and the three baselines, reproducibly', () => {
    const run = measureEstimates(300);
    expect(run.predictors.map((p) => p.name)).toEqual(['suggestion (median of similar requests)', "client's median", 'global median', "engineer's first estimate"]);
    expect(run.coverage).toBeGreaterThan(0);
    expect(run.coverage).toBeLessThan(1);
    expect(run.predictors[0]?.covered.requests).toBe(Math.round(run.coverage * 300));
    const again = measureEstimates(300);
    expect(again.predictors).toEqual(run.predictors);
    expect(again.thresholds).toEqual(run.thresholds);
  });
});
