// Starts the local services the tests and the demo need, unless MONGODB_URI / REDIS_URL point at
// real ones: an in-memory MongoDB-wire server (mongo-java-server, see scripts/mongo-test-server)
// and a Redis server on loopback with persistence off.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';

export interface LocalServices {
  mongodbUri: string;
  redisUrl: string;
  stop(): Promise<void>;
}

const MONGO_DIR = path.join(__dirname, 'mongo-test-server');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function ensureMongoJars(): void {
  const lib = path.join(MONGO_DIR, 'lib');
  if (existsSync(lib) && readdirSync(lib).some((f) => f.startsWith('mongo-java-server-core'))) return;
  const result = spawnSync('mvn', ['-q', '-B', 'dependency:copy-dependencies', '-DoutputDirectory=lib'], {
    cwd: MONGO_DIR,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('Could not fetch mongo-java-server with Maven (is Java 17 + Maven installed?)');
}

export function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start in time:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(match);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with code ${code}:\n${output}`));
    });
  });
}

async function startMongo(): Promise<{ uri: string; child: ChildProcess }> {
  ensureMongoJars();
  const child = spawn('java', ['-Xss8m', '-cp', `lib${path.delimiter}lib/*`, 'MongoTestServer.java', '0'], {
    cwd: MONGO_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const match = await waitForLine(child, /listening (\d+)/, 'mongo-java-server');
  child.stdout?.resume();
  child.stderr?.resume();
  return { uri: `mongodb://127.0.0.1:${match[1]}`, child };
}

export function redisServerBinary(): string {
  for (const candidate of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) {
    if (existsSync(candidate)) return candidate;
  }
  return 'redis-server';
}

async function startRedis(fixedPort?: number): Promise<{ url: string; child: ChildProcess }> {
  const port = fixedPort ?? (await freePort());
  const child = spawn(
    redisServerBinary(),
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitForLine(child, /Ready to accept connections/, 'redis-server', 20_000);
  child.stdout?.resume();
  child.stderr?.resume();
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await probe.connect();
  await probe.ping();
  probe.disconnect();
  return { url, child };
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Uses MONGODB_URI / REDIS_URL when given; otherwise starts local servers. */
export async function startLocalServices(env: Record<string, string | undefined>): Promise<LocalServices> {
  const children: ChildProcess[] = [];
  try {
    const [mongodbUri, redisUrl] = await Promise.all([
      env.MONGODB_URI
        ? Promise.resolve(env.MONGODB_URI)
        : startMongo().then(({ uri, child }) => {
            children.push(child);
            return uri;
          }),
      env.REDIS_URL
        ? Promise.resolve(env.REDIS_URL)
        : startRedis().then(({ url, child }) => {
            children.push(child);
            return url;
          }),
    ]);
    return {
      mongodbUri,
      redisUrl,
      stop: async () => {
        await Promise.all(children.map(stopChild));
      },
    };
  } catch (error) {
    await Promise.all(children.map(stopChild));
    throw error;
  }
}

export interface LocalServer {
  url: string;
  stop(): Promise<void>;
}

/** A private MongoDB-wire server, e.g. for a test that stops it mid-way. */
export async function startMongoServer(): Promise<LocalServer> {
  const { uri, child } = await startMongo();
  return { url: uri, stop: () => stopChild(child) };
}

/** A private Redis server; give the port of a stopped one to bring it back at the same address. */
export async function startRedisServer(port?: number): Promise<LocalServer & { port: number }> {
  const { url, child } = await startRedis(port);
  return { url, port: Number(new URL(url).port), stop: () => stopChild(child) };
}
