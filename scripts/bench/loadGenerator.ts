// Open-loop load: correctly signed `/help <text>` slash commands sent on a fixed schedule,
// whatever the server answers, from a thread of its own. Latency runs from the moment a request
// was due to be sent to the end of its HTTP response, so a server that falls behind is charged
// for the queue it builds (no coordinated omission).
import http from 'node:http';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { signSlackRequest } from '../../test/support/slackRequests';
import { firstMessage, startTsWorker } from './threads';

export interface LoadSpec {
  label: string;
  /** e.g. http://127.0.0.1:PORT/slack/events */
  url: string;
  signingSecret: string;
  ratePerSecond: number;
  durationMs: number;
  command: string;
  teamId: string;
  /** Request n goes to channelIds[n % length]: one channel per seeded client. */
  channelIds: string[];
  userId: string;
  /** Where response_url points (the Slack fake). */
  responseUrlBase: string;
  /** A 200 whose body lacks this text counts as an error (the app answers "Opened ACME-1")… */
  expectBodyIncludes?: string;
  /** …unless it has this one: an in-time ack that promises the answer through response_url. */
  deferredBodyIncludes?: string;
  timeoutMs: number;
}

export interface LoadResult {
  label: string;
  ratePerSecond: number;
  durationMs: number;
  sent: number;
  /** Acknowledged in time with the expected answer, or deferred (both have a latency). */
  ok: number;
  deferred: number;
  latenciesMs: number[];
  errors: { total: number; byStatus: Record<string, number>; timeouts: number; network: number; unexpectedBody: number };
  firstErrors: string[];
  /** How late the generator sent its latest request (its own schedule accuracy). */
  maxSendLagMs: number;
  elapsedMs: number;
}

const ROLE = 'load-generator';

/** Runs one open-loop phase on a fresh thread and returns what it measured. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const worker = startTsWorker(__filename, { role: ROLE, spec });
  try {
    return await firstMessage<LoadResult>(worker, spec.durationMs + spec.timeoutMs + 30_000, `The load generator (${spec.label})`);
  } finally {
    await worker.terminate();
  }
}

function slashCommandBody(spec: LoadSpec, n: number): string {
  const channelId = spec.channelIds[n % spec.channelIds.length] ?? '';
  const params = new URLSearchParams({
    token: 'fake-verification-token',
    team_id: spec.teamId,
    team_domain: 'bench',
    channel_id: channelId,
    channel_name: channelId.toLowerCase(),
    user_id: spec.userId,
    user_name: spec.userId.toLowerCase(),
    command: spec.command,
    text: `The checkout page returns 500 for some customers (bench ${spec.label} #${n})`,
    api_app_id: 'A0APP',
    is_enterprise_install: 'false',
    response_url: `${spec.responseUrlBase}/response_url/commands/${spec.teamId}/${n}/bench`,
    trigger_id: `${n}.${Date.now()}.bench`,
  });
  return params.toString();
}

async function generate(spec: LoadSpec): Promise<LoadResult> {
  const target = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  const total = Math.max(1, Math.round((spec.ratePerSecond * spec.durationMs) / 1000));
  const intervalMs = 1000 / spec.ratePerSecond;
  const latenciesMs: number[] = [];
  const errors: LoadResult['errors'] = { total: 0, byStatus: {}, timeouts: 0, network: 0, unexpectedBody: 0 };
  const firstErrors: string[] = [];
  let ok = 0;
  let deferred = 0;
  let maxSendLagMs = 0;
  const fail = (description: string) => {
    errors.total++;
    if (firstErrors.length < 5) firstErrors.push(description);
  };

  const send = (n: number, dueAt: number) =>
    new Promise<void>((resolve) => {
      maxSendLagMs = Math.max(maxSendLagMs, performance.now() - dueAt);
      const body = slashCommandBody(spec, n);
      const timestamp = Math.floor(Date.now() / 1000);
      let settled = false;
      const settle = () => {
        if (!settled) {
          settled = true;
          resolve();
        }
      };
      const req = http.request(
        {
          agent,
          method: 'POST',
          hostname: target.hostname,
          port: target.port,
          path: target.pathname,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
            'x-slack-request-timestamp': String(timestamp),
            'x-slack-signature': signSlackRequest(spec.signingSecret, timestamp, body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (error) => {
            errors.network++;
            fail(`#${n}: response ${error.message}`);
            settle();
          });
          res.on('end', () => {
            const elapsed = performance.now() - dueAt;
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status !== 200) {
              errors.byStatus[String(status)] = (errors.byStatus[String(status)] ?? 0) + 1;
              fail(`#${n}: HTTP ${status} ${text.slice(0, 120)}`);
            } else if (spec.expectBodyIncludes && !text.includes(spec.expectBodyIncludes)) {
              if (spec.deferredBodyIncludes && text.includes(spec.deferredBodyIncludes)) {
                deferred++;
                ok++;
                latenciesMs.push(elapsed);
              } else {
                errors.unexpectedBody++;
                fail(`#${n}: unexpected answer ${text.slice(0, 160)}`);
              }
            } else {
              ok++;
              latenciesMs.push(elapsed);
            }
            settle();
          });
        },
      );
      req.setTimeout(spec.timeoutMs, () => {
        errors.timeouts++;
        fail(`#${n}: no answer within ${spec.timeoutMs} ms`);
        req.destroy(new Error('timeout'));
        settle();
      });
      req.on('error', (error) => {
        if (!settled) {
          errors.network++;
          fail(`#${n}: ${error.message}`);
        }
        settle();
      });
      req.end(body);
    });

  const started = performance.now() + 10;
  const inFlight: Array<Promise<void>> = [];
  await new Promise<void>((allSent) => {
    let next = 0;
    const pump = () => {
      const now = performance.now();
      while (next < total && started + next * intervalMs <= now) {
        inFlight.push(send(next, started + next * intervalMs));
        next++;
      }
      if (next < total) setTimeout(pump, Math.max(0, started + next * intervalMs - performance.now()));
      else allSent();
    };
    setTimeout(pump, 10);
  });
  await Promise.all(inFlight); // each settles by its own timeout at the latest
  agent.destroy();
  return {
    label: spec.label,
    ratePerSecond: spec.ratePerSecond,
    durationMs: spec.durationMs,
    sent: total,
    ok,
    deferred,
    latenciesMs,
    errors,
    firstErrors,
    maxSendLagMs: Math.round(maxSendLagMs * 10) / 10,
    elapsedMs: Math.round(performance.now() - started),
  };
}

function loadJob(data: unknown): LoadSpec | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { role, spec } = data as { role?: unknown; spec?: LoadSpec };
  return role === ROLE ? spec : undefined;
}

const job = isMainThread ? undefined : loadJob(workerData);
if (job && parentPort) {
  const port = parentPort;
  void generate(job).then((result) => port.postMessage(result));
}
