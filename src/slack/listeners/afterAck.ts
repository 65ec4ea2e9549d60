// Work queues of a web process, so that acknowledgements never wait behind its own work:
// - `answers`: the work of making commands' answers runs at most ANSWER_CONCURRENCY at a time.
//   While that many are in the making, a new command is acknowledged at once ("Working on it…")
//   and answered through its response URL when its turn comes, instead of adding to the work the
//   event loop interleaves (which made every acknowledgement late under a burst).
// - `afterAck`: the work listeners do after their acknowledgement (a new request's Slack effects,
//   timers and Home tabs) runs AFTER_ACK_CONCURRENCY at a time. Nothing is lost by waiting there:
//   the request is recorded, and the worker's sweep asks for anything a process that died
//   meanwhile did not (worker.ts maintenanceSweep).

/** How many commands' answers are made at once in a web process. */
export const ANSWER_CONCURRENCY = 16;
/** How many listeners' after-ack work runs at once in a web process. */
export const AFTER_ACK_CONCURRENCY = 4;

export interface WorkQueue {
  /** Runs `work` when one of the places is free, in the order work was handed over. */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Every place is taken: new work would wait. */
  busy(): boolean;
}

export function createWorkQueue(limit: number): WorkQueue {
  let running = 0;
  const waiting: Array<() => void> = [];
  return {
    async run(work) {
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
    },
    busy: () => running >= limit,
  };
}
