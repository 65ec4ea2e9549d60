// An incident, as a support team lives one: many `/help` in a short time across several client
// channels, each claimed as soon as its triage message appears, people with their Home tab open
// and modals opened during the burst. The app runs as deployed (web and worker processes of its
// own, sharing MongoDB and Redis) against a Slack fake that enforces Slack's published limits.
// Used by the incident test (test/e2e/incident.test.ts) and by `npm run bench`.
import { setTimeout as sleep } from 'node:timers/promises';
import { RequestModel } from '../../src/db/request';
import { applySeed } from '../../src/services/seed';
import { ACTION } from '../../src/slack/ids';
import { appEnv, freePort, startAppProcess, type AppProcess } from './appProcess';
import type { RecordedCall, SlackFake } from './slackFake';
import { minimumSeconds, type TimedCall } from './slackLimits';
import { SlackClientSimulator } from './slackRequests';
import { SIGNING_SECRET, TRIAGE } from './testEnv';

export const INCIDENT_ENGINEERS = ['U0INCENG1', 'U0INCENG2'] as const;
const MANAGER = 'U0INCMGR';
const CLIENTS = ['INCA', 'INCB', 'INCC'].map((key) => ({ key, channel: `C0${key}`, member: `U0${key}DEV`, approver: `U0${key}BOSS` }));

function incidentSeed(): string {
  const clients = CLIENTS.map(
    (c) => `  - key: ${c.key}\n    name: ${c.key} Ltd\n    channels: [${c.channel}]\n    hourlyRate: 95\n    approvers: [${c.approver}]\n    businessHours: 24x7`,
  );
  return `managers: [${MANAGER}]\nengineers: [${INCIDENT_ENGINEERS.join(', ')}]\nclients:\n${clients.join('\n')}\n`;
}

export interface IncidentOptions {
  /** A started Slack fake (limits on, as Slack); the caller stops it. */
  fake: SlackFake;
  /** The database of this run; mongoose must already be connected to it (the seed is written through it). */
  mongodbUri: string;
  redisUrl: string;
  webs: number;
  workers: number;
  requests: number;
  seconds: number;
  /** How many `/help` without text (which open the request modal) are sent during the burst. */
  modals: number;
  /** How long to wait, after the last claim, for every message to show its engineer. */
  settleSeconds: number;
  /** Run the processes from the compiled build (the bench), not from the sources. */
  build?: boolean;
  log?: (line: string) => void;
}

export interface IncidentResult {
  requestsSent: number;
  requestsCreated: number;
  /** Every acknowledgement's latency (slash commands, clicks, events), ms. */
  acks: number[];
  /** Answers that were not HTTP 200. */
  failedAcks: string[];
  modalsAsked: number;
  modalsOpened: number;
  claims: number;
  /** Requests with more than one root message in their client channel or in triage. */
  duplicateRoots: string[];
  /** Requests whose client or triage message did not show their engineer when waiting stopped. */
  unconverged: string[];
  /** 429s Slack answered the app, by method. */
  rateLimited: Record<string, number>;
  /** Web API calls the app made (429s excluded), by method; `response_url` counts messages updated through a click's. */
  callsByMethod: Record<string, number>;
  /** From the first `/help` to the last message showing its engineer, s. */
  convergenceSeconds: number;
  /** The shortest time Slack's limits allow for the chat calls the app made, each as soon as it was needed, s. */
  minimumSeconds: number;
  /** From the last claim to the last message showing its engineer, s. */
  afterLastClaimSeconds: number;
  /** What the processes wrote at warn level or above. */
  problems: string[];
}

/** pino lines at warn (40) or above. */
function problemsIn(procs: AppProcess[]): string[] {
  return procs.flatMap((p) =>
    p.output
      .filter((line) => {
        try {
          return (JSON.parse(line) as { level?: number }).level! >= 40;
        } catch {
          return line.trim() !== '';
        }
      })
      .map((line) => `${p.name}: ${line}`),
  );
}

function shows(call: RecordedCall, engineer: string): boolean {
  return JSON.stringify(call.args.blocks ?? []).includes(`Engineer: <@${engineer}>`);
}

/** The request a message is about: `INCA-7: …` (client), `NORMAL INCA-7 (INCA Ltd): …` (triage). */
function keyIn(call: RecordedCall): string | undefined {
  return /\b([A-Z]{2,}-\d+)\b/.exec(String(call.args.text ?? ''))?.[1];
}

function countBy(calls: RecordedCall[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) counts[call.method] = (counts[call.method] ?? 0) + 1;
  return counts;
}

export async function runIncident(options: IncidentOptions): Promise<IncidentResult> {
  const { fake, log = () => undefined } = options;
  await applySeed(incidentSeed());
  const env = appEnv(fake.url, options.mongodbUri, options.redisUrl);
  const procs: AppProcess[] = [];
  try {
    log(`starting ${options.webs} web and ${options.workers} worker processes`);
    const ports = await Promise.all(Array.from({ length: options.webs }, () => freePort()));
    procs.push(
      ...(await Promise.all([
        ...ports.map((port, i) => startAppProcess(`web${i + 1}`, 'main.ts', { ...env, PORT: String(port) }, { build: options.build })),
        ...Array.from({ length: options.workers }, (_, i) => startAppProcess(`worker${i + 1}`, 'worker.ts', env, { build: options.build })),
      ])),
    );
    // Only what they say from now on counts as a problem (start-up lines are info).
    for (const proc of procs) proc.output.length = 0;
    // A load balancer in front of the web processes: each request goes to the next one.
    const sims = ports.map(
      (port) => new SlackClientSimulator({ baseUrl: `http://127.0.0.1:${port}`, signingSecret: SIGNING_SECRET, responseUrlBase: fake.baseUrl, followDeferred: (url) => fake.answerAt(url) }),
    );
    let turn = 0;
    const nextSim = () => sims[turn++ % sims.length]!;

    const acks: number[] = [];
    /** When people acted on each request (its /help, its claim), ms. */
    const actions = new Map<string, number[]>();
    const acted = (key: string, at: number) => actions.set(key, [...(actions.get(key) ?? []), at]);
    const failedAcks: string[] = [];
    const inFlight: Array<Promise<unknown>> = [];
    const send = <T extends { status: number; elapsedMs: number; body: string }>(what: string, answer: Promise<T>): Promise<T | undefined> => {
      const settled = answer.then(
        (res) => {
          acks.push(res.elapsedMs);
          if (res.status !== 200) failedAcks.push(`${what}: HTTP ${res.status} ${res.body}`);
          return res;
        },
        (error: unknown) => {
          failedAcks.push(`${what}: ${String(error)}`);
          return undefined;
        },
      );
      inFlight.push(settled);
      return settled;
    };

    // Six people keep their Home tab open: both engineers, the manager, one person per client.
    const viewers = [...INCIDENT_ENGINEERS, MANAGER, ...CLIENTS.map((c) => c.approver)];
    for (const user of viewers) {
      void send(`Home of ${user}`, nextSim().event({ type: 'app_home_opened', user, channel: `D${user}`, tab: 'home', event_ts: String(Date.now() / 1000) }));
    }

    // Engineers claim each request as soon as its triage message appears.
    const claimed = new Set<string>();
    let lastClaimAt = 0;
    let claims = 0;
    let stopClaiming = false;
    const claimer = (async () => {
      while (!stopClaiming) {
        for (const call of fake.callsTo('chat.postMessage')) {
          if (call.status !== 200 || call.args.channel !== TRIAGE || call.args.thread_ts !== undefined) continue;
          const key = keyIn(call);
          const ts = (call.response as { ts?: string }).ts;
          if (!key || !ts || claimed.has(key)) continue;
          claimed.add(key);
          claims += 1;
          const engineer = INCIDENT_ENGINEERS[claims % INCIDENT_ENGINEERS.length]!;
          lastClaimAt = Date.now();
          acted(key, lastClaimAt);
          void send(
            `claim of ${key}`,
            nextSim().blockAction({
              user: { id: engineer, team_id: 'T0OURS' },
              channel: { id: TRIAGE },
              container: { type: 'message', channel_id: TRIAGE, message_ts: ts },
              actions: [{ action_id: ACTION.claim, value: key, type: 'button' }],
            }),
          );
        }
        await sleep(100);
      }
    })();

    // The burst: `requests` times `/help <text>`, evenly over `seconds`, round the client channels;
    // `modals` of them without text, which open the request modal.
    const startedAt = Date.now();
    const modalAt = new Set(Array.from({ length: options.modals }, (_, i) => Math.floor(((i + 1) * options.requests) / (options.modals + 1))));
    const modalTriggers: string[] = [];
    log(`sending ${options.requests} /help over ${options.seconds} s (${options.modals} of them open the modal)`);
    for (let i = 0; i < options.requests + options.modals; i += 1) {
      const dueAt = startedAt + (i * options.seconds * 1000) / (options.requests + options.modals);
      const wait = dueAt - Date.now();
      if (wait > 0) await sleep(wait);
      const client = CLIENTS[i % CLIENTS.length]!;
      const sim = nextSim();
      if (modalAt.has(i) && modalTriggers.length < options.modals) {
        const trigger = sim.buildSlashCommand({ user_id: client.member, channel_id: client.channel }).trigger_id!;
        modalTriggers.push(trigger);
        void send('/help (modal)', sim.slashCommand({ user_id: client.member, channel_id: client.channel, trigger_id: trigger }));
      } else {
        const sentAt = Date.now();
        void send(`/help #${i}`, sim.slashCommand({ text: `Incident report ${i}: checkout is failing`, user_id: client.member, channel_id: client.channel })).then((res) => {
          const key = /\*([A-Z]+-\d+)\*/.exec(res?.body ?? '')?.[1];
          if (key) acted(key, sentAt);
        });
      }
    }
    const requestsSent = options.requests + options.modals - modalTriggers.length;
    log('burst sent; waiting for every request to be claimed and shown');

    // Wait for every request to be claimed, then for every message to show its engineer.
    const deadline = () => Math.max(startedAt + options.seconds * 1000, lastClaimAt) + options.settleSeconds * 1000;
    let unconverged: string[] = [];
    for (;;) {
      const requests = await RequestModel.find({}, { key: 1, assigneeId: 1, clientChannelId: 1, clientMessageTs: 1, triageChannelId: 1, triageMessageTs: 1 }).lean();
      unconverged = requests
        .filter((r) => {
          if (!r.assigneeId || !r.clientMessageTs || !r.triageMessageTs) return true;
          const needle = `Engineer: <@${r.assigneeId}>`;
          const client = fake.message(r.clientChannelId, r.clientMessageTs);
          const triage = fake.message(r.triageChannelId, r.triageMessageTs);
          return !JSON.stringify(client?.blocks ?? []).includes(needle) || !JSON.stringify(triage?.blocks ?? []).includes(needle);
        })
        .map((r) => r.key);
      if (requests.length >= requestsSent && claimed.size >= requests.length && unconverged.length === 0) break;
      if (Date.now() > deadline()) break;
      await sleep(250);
    }
    stopClaiming = true;
    await claimer;
    await Promise.all(inFlight);

    // What Slack saw.
    const requests = await RequestModel.find({}, { key: 1, assigneeId: 1 }).lean();
    const assignees = new Map(requests.map((r) => [r.key, r.assigneeId ?? undefined]));
    const served = fake.calls.filter((c) => !c.rateLimited && c.path.startsWith('/api/'));
    // A triage message the engineer claimed from is updated through the click's response_url.
    const responded = fake.callsTo('response_url').filter((c) => c.status === 200);
    const roots = new Map<string, number>();
    let lastShownAt = startedAt;
    for (const call of served) {
      if (call.status !== 200 || (call.method !== 'chat.postMessage' && call.method !== 'chat.update')) continue;
      const key = keyIn(call);
      if (!key) continue;
      if (call.method === 'chat.postMessage' && call.args.thread_ts === undefined) {
        const where = `${key} in ${String(call.args.channel)}`;
        roots.set(where, (roots.get(where) ?? 0) + 1);
      }
      const engineer = assignees.get(key);
      if (engineer && shows(call, engineer)) lastShownAt = Math.max(lastShownAt, call.at);
    }
    for (const call of responded) {
      const engineer = assignees.get(keyIn(call) ?? '');
      if (engineer && shows(call, engineer)) lastShownAt = Math.max(lastShownAt, call.at);
    }
    // Each chat call as early as it was needed: at the latest action of a person on its request
    // (the /help or the claim) before it was made; a call about no request, when it was made.
    const rootKeys = new Map<string, string>();
    for (const call of served) {
      const key = keyIn(call);
      const ts = (call.response as { ts?: unknown }).ts;
      if (call.method === 'chat.postMessage' && key && typeof ts === 'string') rootKeys.set(ts, key);
    }
    const timed: TimedCall[] = served
      .filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update')
      .map((c) => {
        const key = keyIn(c) ?? rootKeys.get(String(c.args.thread_ts));
        const asked = (key ? actions.get(key) : undefined)?.filter((at) => at <= c.at) ?? [];
        return { method: c.method, teamId: c.teamId, args: c.args, at: asked.length > 0 ? Math.max(...asked) : c.at };
      });
    const first = Math.min(...timed.map((c) => c.at));
    const minimum = (first - startedAt) / 1000 + minimumSeconds(timed);
    const modalsOpened = fake.callsTo('views.open').filter((c) => c.status === 200 && (c.response as { ok?: boolean }).ok === true && modalTriggers.includes(String(c.args.trigger_id))).length;
    return {
      requestsSent,
      requestsCreated: requests.length,
      acks,
      failedAcks,
      modalsAsked: modalTriggers.length,
      modalsOpened,
      claims,
      duplicateRoots: [...roots].filter(([, n]) => n > 1).map(([where, n]) => `${where} (${n})`),
      unconverged,
      rateLimited: countBy(fake.rateLimited()),
      callsByMethod: countBy([...served, ...responded]),
      convergenceSeconds: (lastShownAt - startedAt) / 1000,
      minimumSeconds: minimum,
      afterLastClaimSeconds: (lastShownAt - lastClaimAt) / 1000,
      problems: problemsIn(procs),
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}
