// Counters kept beside the records they count (a request's billable minutes, a client's month of
// them) are moved by guarded increments around the entry's own write, so for a moment a counter
// may disagree with its entries while a change is in flight; a crash in that moment makes the
// disagreement permanent. Drift, then, is a disagreement that stays: the same counter and the same
// entries, seen again at least a grace period later. Only that is repaired.

/** A disagreement noticed: the counter, what its entries add up to, and when. */
export interface DriftSeen {
  counter: number;
  entries: number;
  at: Date;
}

/**
 * `agrees`: nothing to do (forget any disagreement noticed). `noticed`: a new disagreement, or a
 * different one from last time: remember it. `waiting`: the one remembered, not yet old enough.
 * `repair`: the one remembered, unchanged for the grace period: set the counter to the entries.
 */
export type DriftVerdict = 'agrees' | 'noticed' | 'waiting' | 'repair';

export function driftVerdict(counter: number, entries: number, seen: DriftSeen | null | undefined, now: Date, graceMs: number): DriftVerdict {
  if (counter === entries) return 'agrees';
  if (!seen || seen.counter !== counter || seen.entries !== entries) return 'noticed';
  return now.getTime() - seen.at.getTime() >= graceMs ? 'repair' : 'waiting';
}
