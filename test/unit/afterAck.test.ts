// The web process's work queues: a few at a time, in order, a failure frees its place like a
// success, and busy() says when new work would wait.
import { createWorkQueue } from '../../src/slack/listeners/afterAck';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

it('runs at most `limit` at once and the rest in the order they came', async () => {
  const queue = createWorkQueue(2);
  const gates = Array.from({ length: 5 }, () => deferred());
  const started: number[] = [];
  let running = 0;
  let most = 0;
  const runs = gates.map((gate, i) =>
    queue.run(async () => {
      started.push(i);
      running++;
      most = Math.max(most, running);
      try {
        await gate.promise;
      } finally {
        running--;
      }
      return i;
    }),
  );
  const outcomes = Promise.allSettled(runs);
  await tick();
  expect(started).toEqual([0, 1]);
  expect(queue.busy()).toBe(true);
  gates[1]!.resolve();
  await tick();
  expect(started).toEqual([0, 1, 2]);
  gates[0]!.reject(new Error('failed'));
  await tick();
  expect(started).toEqual([0, 1, 2, 3]);
  for (const gate of gates.slice(2)) gate.resolve();
  const settled = await outcomes;
  expect(settled.map((s) => s.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
  expect(started).toEqual([0, 1, 2, 3, 4]);
  expect(most).toBe(2);
  expect(queue.busy()).toBe(false);
});
