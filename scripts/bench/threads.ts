// Worker threads that run TypeScript: the load generator and the Slack fake run beside the app,
// not on its event loop, so neither the send schedule nor the fake's work is charged to the app.
import { Worker } from 'node:worker_threads';

const TSX_REGISTER = require.resolve('tsx/cjs');

export function startTsWorker(file: string, workerData: unknown): Worker {
  const source = `require(${JSON.stringify(TSX_REGISTER)}); require(${JSON.stringify(file)});`;
  return new Worker(source, { eval: true, workerData });
}

/** The first message of `worker`, or a rejection when it fails, exits or takes longer than `timeoutMs`. */
export function firstMessage<T>(worker: Worker, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      void worker.terminate();
      reject(new Error(`${what} did not answer within ${Math.round(timeoutMs / 1000)} s; it was stopped`));
    }, timeoutMs);
    const onMessage = (message: T) => {
      cleanup();
      resolve(message);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`${what} exited with code ${code} before answering`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
