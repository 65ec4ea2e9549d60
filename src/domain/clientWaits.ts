// A request's waits on the client (a question, an estimate to approve): the spans its SLA clock
// stops for. At most one is open; a new wait starts only when none is.

export type ClientWaits = Array<{ from: Date; to?: Date | null | undefined }>;

/** Opens a wait on the client unless one is open already. */
export function startWaiting(waits: ClientWaits, at: Date): ClientWaits {
  return waits.some((w) => !w.to) ? waits : [...waits, { from: at }];
}

export function stopWaiting(waits: ClientWaits, at: Date): ClientWaits {
  return waits.map((w) => (w.to ? w : { from: w.from, to: at }));
}
