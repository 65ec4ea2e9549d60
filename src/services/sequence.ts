// Allocates per-client request numbers with a compare-and-set on a counter document: read the
// current value, then increment only if it is still that value; retry when another writer won.
// Guarded single-document updates are exact on every MongoDB-wire server we run against.
import { setTimeout as sleep } from 'node:timers/promises';
import { CounterModel } from '../db/counter';

const MAX_ATTEMPTS = 200;

// Allocations of one counter in this process go one at a time: they would only collide and retry
// otherwise. The compare-and-set still keeps several processes exact.
const queues = new Map<string, Promise<unknown>>();
// The last value this process saw of each counter: tried first, so the usual allocation is one
// guarded write. When another process moved the counter meanwhile, the write matches nothing
// and the counter is read as before.
const lastSeen = new Map<string, number>();

export function nextSequence(name: string): Promise<number> {
  const previous = queues.get(name) ?? Promise.resolve();
  const next = previous.then(() => allocate(name), () => allocate(name));
  const tail = next.catch(() => undefined);
  queues.set(name, tail);
  void tail.then(() => {
    if (queues.get(name) === tail) queues.delete(name);
  });
  return next;
}

async function allocate(name: string): Promise<number> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const seen = lastSeen.get(name);
    lastSeen.delete(name);
    const counter = seen === undefined ? await CounterModel.findById(name).lean() : { seq: seen };
    if (!counter) {
      try {
        await CounterModel.create({ _id: name, seq: 0 });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      continue;
    }
    const result = await CounterModel.updateOne({ _id: name, seq: counter.seq }, { $inc: { seq: 1 } });
    if (result.modifiedCount === 1) {
      lastSeen.set(name, counter.seq + 1);
      return counter.seq + 1;
    }
    if (seen !== undefined) continue; // another process allocated since: read the counter
    // Lost the race: back off a little, with jitter, so twenty writers do not collide in lockstep.
    await sleep(Math.floor(Math.random() * Math.min(2 + attempt * 2, 25)));
  }
  throw new Error(`Could not allocate a number for ${name} after ${MAX_ATTEMPTS} attempts`);
}

export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === 11000;
}
