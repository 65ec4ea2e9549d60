// The app as deployed: `src/main.ts` (web) or `src/worker.ts` as a process of its own, run by
// Node with tsx's loader (or, for the bench, the compiled build that production runs) against
// the test's Slack fake, MongoDB and Redis. For the tests (and the bench) whose
// subject is processes: signals, several web processes and workers sharing one Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { BOT_TOKEN, SIGNING_SECRET, TRIAGE, uniqueName } from './testEnv';

const ROOT = path.join(__dirname, '..', '..');

/** What each process says once it is ready. */
const READY = { 'main.ts': 'is listening', 'worker.ts': 'Worker is taking jobs' } as const;

export type AppScript = keyof typeof READY;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The environment of an app process talking to the Slack fake at `apiUrl`; `extra` overrides. */
export function appEnv(apiUrl: string, mongodbUri: string, redisUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: apiUrl,
    MONGODB_URI: mongodbUri,
    REDIS_URL: redisUrl,
    TRIAGE_CHANNEL_ID: TRIAGE,
    QUEUE_PREFIX: uniqueName('q'),
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export interface AppProcess {
  name: string;
  child: ChildProcess;
  /** Everything it wrote (stdout and stderr), line by line. */
  output: string[];
  /** Resolves with the exit code once it has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it is still running after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  /**
   * Run the compiled build (`node dist/src/<script>.js`, as `npm start` and the Docker image do;
   * `npm run build` first) instead of the TypeScript sources through tsx. The bench measures this.
   */
  build?: boolean;
}

/** The command line that runs `script`: from the build, or from the sources with tsx's loader. */
export function appCommand(script: AppScript, options: StartOptions = {}): string[] {
  if (options.build) return [path.join(ROOT, 'dist', 'src', script.replace(/\.ts$/, '.js'))];
  // Node itself with tsx's loader, not the tsx command: the tsx command is a parent process that
  // relays signals to Node, and under load it sometimes died of the SIGTERM itself (exit 143)
  // instead of letting the app shut down. This way the signal reaches the app, as in production.
  return ['--import', 'tsx', path.join(ROOT, 'src', script)];
}

/** Starts `src/<script>` and resolves once it says it is ready; rejects if it exits or takes over a minute. */
export function startAppProcess(name: string, script: AppScript, env: Record<string, string>, options: StartOptions = {}): Promise<AppProcess> {
  const child = spawn(process.execPath, appCommand(script, options), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const proc: AppProcess = {
    name,
    child,
    output,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  return new Promise((resolve, reject) => {
    let buffered = '';
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start:\n${output.join('\n')}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      output.push(...lines);
      if (!ready && lines.some((line) => line.includes(READY[script]))) {
        ready = true;
        clearTimeout(timer);
        resolve(proc);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`${name} exited with ${code}:\n${output.join('\n')}`));
    });
  });
}
