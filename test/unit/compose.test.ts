// docker-compose.yml runs app, worker, MongoDB and Redis, wired the way the app expects.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '../..');
const ENV_EXAMPLE = path.join(ROOT, '.env.example');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string };
  ports?: string[];
}

const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  version?: unknown;
};

function service(name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no "${name}" service`);
  return found;
}

/** Names set by `environment:`, in either the map or the list ("NAME=value") form. */
function environmentNames(s: Service): string[] {
  const env = s.environment ?? {};
  return Array.isArray(env) ? env.map((entry) => entry.split('=')[0]!) : Object.keys(env);
}

/** The major version in an image tag: "mongo:7" → 7, "redis:7-alpine" → 7, "mongo" → NaN. */
function majorVersion(image: string | undefined): number {
  const tag = /:(\d+)/.exec(image ?? '');
  return tag ? Number(tag[1]) : Number.NaN;
}

describe('docker-compose.yml', () => {
  it('defines mongo, redis, app and worker, without the obsolete version key', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['app', 'mongo', 'redis', 'worker']);
    expect(compose.version).toBeUndefined();
  });

  it('uses MongoDB 7+ and Redis 7+ with healthchecks', () => {
    expect(service('mongo').image).toMatch(/^mongo:/);
    expect(majorVersion(service('mongo').image)).toBeGreaterThanOrEqual(7);
    expect(service('redis').image).toMatch(/^redis:/);
    expect(majorVersion(service('redis').image)).toBeGreaterThanOrEqual(7);
    expect(service('mongo').healthcheck?.test).toBeDefined();
    expect(service('redis').healthcheck?.test).toBeDefined();
  });

  it.each(['app', 'worker'])('starts %s only once mongo and redis are healthy', (name) => {
    expect(service(name).depends_on).toEqual({
      mongo: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
  });

  it('runs app and worker from the same build, the worker with its own entry point', () => {
    expect(service('app').build).toBeDefined();
    expect(service('worker').image).toBe(service('app').image);
    expect(service('app').command).toBeUndefined(); // the Dockerfile's CMD: dist/src/main.js
    expect(service('worker').command).toEqual(['node', 'dist/src/worker.js']);
  });

  it.each(['app', 'worker'])('points %s at the compose databases', (name) => {
    const env = service(name).environment as Record<string, string>;
    expect(env.MONGODB_URI).toMatch(/^mongodb:\/\/mongo:27017\//);
    expect(env.REDIS_URL).toBe('redis://redis:6379');
  });

  describe('MongoDB as a single-node replica set', () => {
    const replSet = (): string => {
      const command = service('mongo').command;
      const args = Array.isArray(command) ? command : (command ?? '').split(/\s+/);
      const at = args.indexOf('--replSet');
      if (at < 0 || !args[at + 1]) throw new Error(`mongo's command names no --replSet: ${JSON.stringify(command)}`);
      return args[at + 1]!;
    };
    /** The script mongo's healthcheck runs in mongosh. */
    const healthScript = (): string => {
      const test = service('mongo').healthcheck?.test;
      const args = Array.isArray(test) ? test : [];
      const at = args.indexOf('--eval');
      if (args[0] !== 'CMD' || args[1] !== 'mongosh' || at < 0 || !args[at + 1]) throw new Error(`mongo's healthcheck is not mongosh --eval: ${JSON.stringify(test)}`);
      return args[at + 1]!;
    };

    it('starts mongod with --replSet', () => {
      expect(service('mongo').command).toEqual(expect.arrayContaining(['mongod', '--replSet', '--bind_ip_all']));
      expect(replSet()).toMatch(/^[A-Za-z0-9_-]+$/);
    });

    it('initiates the set once (the volume keeps it), naming the member as the app reaches it, and is healthy only once primary', () => {
      const run = (initiated: boolean, primary: boolean) => {
        const calls: string[] = [];
        let exitCode: number | undefined;
        const rs = {
          status: () => {
            if (!initiated) throw new Error('no replset config has been received');
            return { ok: 1 };
          },
          initiate: (config: { _id: string; members: Array<{ host: string }> }) => calls.push(`initiate ${config._id} ${config.members.map((m) => m.host).join(',')}`),
        };
        const db = { hello: () => ({ isWritablePrimary: primary }) };
        new Function('rs', 'db', 'quit', healthScript())(rs, db, (code: number) => (exitCode = code));
        return { calls, exitCode };
      };
      expect(run(false, false)).toEqual({ calls: [`initiate ${replSet()} mongo:27017`], exitCode: 1 });
      expect(run(true, false)).toEqual({ calls: [], exitCode: 1 });
      expect(run(true, true)).toEqual({ calls: [], exitCode: 0 });
    });

    it.each(['app', 'worker'])('points %s at the replica set', (name) => {
      const uri = new URL((service(name).environment as Record<string, string>).MONGODB_URI!);
      expect(uri.host).toBe('mongo:27017');
      expect(uri.searchParams.get('replicaSet')).toBe(replSet());
      expect(uri.searchParams.get('directConnection')).toBeNull(); // the driver follows the set, not one node
    });
  });

  it('checks the app through /healthz on the port it publishes', () => {
    expect(JSON.stringify(service('app').healthcheck?.test)).toContain('http://127.0.0.1:3000/healthz');
  });

  it('serves /metrics on its own port, reachable on the compose network and not published', () => {
    const env = service('app').environment as Record<string, string>;
    expect(env.METRICS_PORT).toBeDefined();
    expect(env.METRICS_PORT).not.toBe(env.PORT);
    expect(env.METRICS_HOST).toBe('0.0.0.0');
    expect(service('app').ports).toEqual([`${env.PORT}:${env.PORT}`]);
  });

  it('sets only environment variables that .env.example documents', () => {
    // .env.example is the one list of every setting; a name set here but missing there is a
    // setting a reader of .env.example cannot discover. Deliberately fails if the file is absent.
    const used = [...new Set([...environmentNames(service('app')), ...environmentNames(service('worker'))])];
    if (!existsSync(ENV_EXAMPLE)) throw new Error(`.env.example is missing; it must document ${used.join(', ')}`);
    const documented = new Set(
      readFileSync(ENV_EXAMPLE, 'utf8')
        .split('\n')
        .map((line) => /^\s*#?\s*([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
        .filter((name): name is string => name !== undefined),
    );
    expect(used.filter((name) => !documented.has(name))).toEqual([]);
  });
});
