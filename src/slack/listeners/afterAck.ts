// Work a listener does after its acknowledgement (recording a new request's Slack effects, its
// timers and Home tabs) runs a few at a time. Under a burst it would otherwise interleave with
// every newer request's work before its ack, and those acks would wait behind it. Nothing is lost
// by waiting here: the request is recorded, and the worker's sweep asks for anything a process
// that died meanwhile did not (worker.ts maintenanceSweep).

/** How many listeners' after-ack work runs at once in a web process. */
export const AFTER_ACK_CONCURRENCY = 4;

export type AfterAck = <T>(work: () => Promise<T>) => Promise<T>;

/** Runs work at most `limit` at a time, in the order it was handed over. */
export function createAfterAck(limit = AFTER_ACK_CONCURRENCY): AfterAck {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (work) => {
    if (running < limit) running++;
    // A finishing run hands its place straight to the next in line.
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
