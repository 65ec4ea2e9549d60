// `npm run demo`: runs the real web app and worker against local MongoDB-wire and Redis servers
// (or MONGODB_URI / REDIS_URL) and a local fake of Slack, plays the whole story with signed
// requests, and prints what each person saw in Slack; an HTML version goes to .demo/.
//
//   npx tsx scripts/demo.ts [--out DIR]
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { loadConfig } from '../src/config';
import { startWeb } from '../src/main';
import { applySeed } from '../src/services/seed';
import { startWorker } from '../src/worker';
import { BOT_USER_ID, SlackFake, dmChannelId } from '../test/support/slackFake';
import { SlackClientSimulator } from '../test/support/slackRequests';
import { APP_NAME, CAST, DEMO_SEED, TRIAGE_CHANNEL, demoDirectory } from './demo/cast';
import { buildTranscript } from './demo/events';
import { renderTranscriptHtml } from './demo/html';
import { DemoStepError, Stage } from './demo/stage';
import { playStory } from './demo/story';
import { renderTranscriptText, type TranscriptHeader } from './demo/transcript';
import { startLocalServices } from './services';

const SIGNING_SECRET = 'demo-signing-secret';
const BOT_TOKEN = 'xoxb-demo';
/** The whole story normally takes seconds; past this something is stuck. */
const STORY_TIMEOUT_MS = 120_000;
/** Each part of shutting down gets this long before the demo moves on. */
const STOP_TIMEOUT_MS = 10_000;

interface Options {
  outDir: string;
}

function parseOptions(argv: string[]): Options {
  let outDir = path.resolve(__dirname, '..', '.demo');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out') {
      const dir = argv[++i];
      if (!dir) throw new Error('--out needs a directory');
      outDir = path.resolve(dir);
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write('Usage: npm run demo [-- --out DIR]\nPlays the Ad-hoc Help story against a local fake of Slack.\n');
      process.exit(0);
    } else throw new Error(`Unknown argument ${String(arg)}; try --help`);
  }
  return { outDir };
}

/** The URI with a database of the demo's own, unless the URI already names one. */
function demoDatabase(uri: string): { uri: string; ours: boolean } {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match) return { uri, ours: false };
  const [, base = '', dbPath = '', query = ''] = match;
  if (dbPath.length > 1) return { uri, ours: false };
  return { uri: `${base}/demo_${randomBytes(4).toString('hex')}${query}`, ours: true };
}

/** Removes the demo's BullMQ keys (its queue prefix is its own). */
async function forgetQueues(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Shutdown steps, run last-registered first, each once, each bounded in time. */
class Shutdown {
  private readonly steps: Array<{ what: string; run: () => Promise<void> }> = [];
  private done: Promise<void> | undefined;

  add(what: string, run: () => Promise<void>): void {
    this.steps.push({ what, run });
  }

  run(): Promise<void> {
    this.done ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        await withTimeout(step.run(), STOP_TIMEOUT_MS, `Stopping ${step.what}`).catch((error: unknown) => {
          process.stderr.write(`demo: could not stop ${step.what} cleanly: ${error instanceof Error ? error.message : String(error)}\n`);
        });
      }
    })();
    return this.done;
  }
}

async function writeAtomically(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content, 'utf8');
  await rename(temporary, file);
}

function header(): TranscriptHeader {
  return {
    title: `${APP_NAME} — the demo story`,
    intro: [
      ...CAST.map((person) => `${person.name}: ${person.role}`),
      `Slack here is a local fake: everything below is what the app asked Slack to show, and to whom.`,
    ],
  };
}

async function main(argv: string[]): Promise<number> {
  const started = performance.now();
  const options = parseOptions(argv);
  const shutdown = new Shutdown();
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\ndemo: ${signal} received, shutting down…\n`);
    void shutdown.run().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let stage: Stage | undefined;
  let fake: SlackFake | undefined;
  const directory = demoDirectory(dmChannelId, BOT_USER_ID);
  try {
    const services = await startLocalServices(process.env);
    shutdown.add('the local MongoDB-wire and Redis servers', () => services.stop());

    const slackFake = new SlackFake();
    fake = slackFake;
    await slackFake.start();
    shutdown.add('the Slack fake', () => slackFake.stop());
    for (const person of CAST) {
      slackFake.setUser({ id: person.id, name: person.name.toLowerCase(), real_name: person.name, tz: 'Europe/London', ...(person.teamId ? { team_id: person.teamId } : {}) });
    }
    slackFake.setChannelInfo(TRIAGE_CHANNEL.id, { name: TRIAGE_CHANNEL.name });

    const database = demoDatabase(services.mongodbUri);
    const queuePrefix = `demo-${randomBytes(4).toString('hex')}`;
    shutdown.add('the demo queues', () => forgetQueues(services.redisUrl, queuePrefix));
    const config = loadConfig({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slackFake.url,
      PORT: '0',
      MONGODB_URI: database.uri,
      REDIS_URL: services.redisUrl,
      QUEUE_PREFIX: queuePrefix,
      TRIAGE_CHANNEL_ID: TRIAGE_CHANNEL.id,
      LOG_LEVEL: process.env.DEMO_LOG_LEVEL ?? 'silent',
    });

    const web = await startWeb(config);
    shutdown.add('the web app', () => web.stop());
    if (database.ours) {
      // Runs after the worker stops and before the web app closes the last connection.
      shutdown.add('the demo database', async () => {
        await mongoose.connection.db?.dropDatabase();
      });
    }
    const worker = await startWorker(config);
    shutdown.add('the worker', () => worker.stop());
    await applySeed(DEMO_SEED);

    const baseUrl = `http://127.0.0.1:${web.port}`;
    const slack = new SlackClientSimulator({ baseUrl, signingSecret: SIGNING_SECRET, responseUrlBase: slackFake.baseUrl, followDeferred: (url) => slackFake.answerAt(url) });
    stage = new Stage({ config, fake: slackFake, slack, web, baseUrl, directory });
    const running = stage;
    await withTimeout(playStory(running), STORY_TIMEOUT_MS, 'The story');

    const steps = buildTranscript(slackFake.calls, running.notes, { triggers: running.triggers, dmChannels: directory.dmChannels });
    const text = renderTranscriptText(steps, directory, header());
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const html = renderTranscriptHtml(steps, directory, header(), `Generated by npm run demo on ${new Date().toISOString()} in ${seconds} s.`);
    const htmlFile = path.join(options.outDir, 'transcript.html');
    await writeAtomically(htmlFile, html);
    await writeAtomically(path.join(options.outDir, 'transcript.txt'), text);
    process.stdout.write(`${text}\nTranscript written to ${htmlFile}\nThe demo took ${seconds} s.\n`);
    return 0;
  } catch (error) {
    if (stage && fake) {
      const steps = buildTranscript(fake.calls, stage.notes, { triggers: stage.triggers, dmChannels: directory.dmChannels });
      process.stderr.write(`${renderTranscriptText(steps, directory, header())}\n`);
    }
    const message =
      error instanceof DemoStepError ? error.message : `The demo could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    const during = stage && !(error instanceof DemoStepError) ? ` (during step ${stage.currentStep.number}: ${stage.currentStep.title})` : '';
    process.stderr.write(`\ndemo FAILED${during}: ${message}\n`);
    return 1;
  } finally {
    await shutdown.run();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
