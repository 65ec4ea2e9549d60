// The Slack fake (test/support/slackFake.ts) on a thread of its own: the app's WebClient calls it
// over HTTP as it would call Slack, and its work (parsing, Block Kit validation) does not run on
// the app's event loop, where real Slack's work would not run either.
import { isMainThread, parentPort, workerData, type Worker } from 'node:worker_threads';
import { SlackFake } from '../../test/support/slackFake';
import { firstMessage, startTsWorker } from './threads';

interface Ready {
  url: string;
  baseUrl: string;
}
interface Ask {
  id: number;
  type: 'counts' | 'stop';
}
interface Answer {
  id: number;
  counts?: Record<string, number>;
  error?: string;
}

export interface SlackFakeThread {
  /** The Web API base URL (`SLACK_API_URL`). */
  url: string;
  /** The fake's origin, for response_url. */
  baseUrl: string;
  /** Recorded calls by Web API method. */
  callCounts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

const ROLE = 'slack-fake';
const ANSWER_TIMEOUT_MS = 15_000;

/**
 * `rateLimits: false`: a Slack without limits, for the acknowledgement section, whose subject is
 * the acknowledgement and whose every request must be delivered within the run (it runs the app
 * with SLACK_PACE=off). The incident and the cold starts run fakes of their own, limits on.
 */
export async function startSlackFakeThread(options: { rateLimits: boolean }): Promise<SlackFakeThread> {
  const worker: Worker = startTsWorker(__filename, { role: ROLE, rateLimits: options.rateLimits });
  const ready = await firstMessage<Ready>(worker, 60_000, 'The Slack fake thread');
  const pending = new Map<number, (answer: Answer) => void>();
  worker.on('message', (answer: Answer) => pending.get(answer.id)?.(answer));
  let nextId = 0;
  const ask = (type: Ask['type']) =>
    new Promise<Answer>((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`The Slack fake thread did not answer "${type}"`));
      }, ANSWER_TIMEOUT_MS);
      pending.set(id, (answer) => {
        clearTimeout(timer);
        pending.delete(id);
        if (answer.error) reject(new Error(answer.error));
        else resolve(answer);
      });
      worker.postMessage({ id, type } satisfies Ask);
    });
  return {
    url: ready.url,
    baseUrl: ready.baseUrl,
    async callCounts() {
      return (await ask('counts')).counts ?? {};
    },
    async stop() {
      await ask('stop').catch(() => undefined);
      await worker.terminate();
    },
  };
}

function isRole(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { role?: unknown }).role === ROLE;
}

if (!isMainThread && parentPort && isRole(workerData)) {
  const port = parentPort;
  const fake = new SlackFake({ rateLimits: (workerData as { rateLimits?: boolean }).rateLimits !== false });
  const counts = () => {
    const byMethod: Record<string, number> = {};
    for (const call of fake.calls) byMethod[call.method] = (byMethod[call.method] ?? 0) + 1;
    return byMethod;
  };
  port.on('message', (ask: Ask) => {
    if (ask.type === 'counts') {
      port.postMessage({ id: ask.id, counts: counts() } satisfies Answer);
      return;
    }
    fake
      .stop()
      .then(() => port.postMessage({ id: ask.id } satisfies Answer))
      .catch((error: unknown) => port.postMessage({ id: ask.id, error: String(error) } satisfies Answer));
  });
  fake
    .start()
    .then(() => port.postMessage({ url: fake.url, baseUrl: fake.baseUrl } satisfies Ready))
    .catch((error: unknown) => {
      throw error;
    });
}
