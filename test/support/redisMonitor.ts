// Watching every command a Redis runs, for tests that count what the app asks of it (how many
// pacer scripts ran on a bucket). A plain socket speaking MONITOR rather than ioredis's
// `monitor()`: under load ioredis can take a monitor line for a reply to a command it has not
// queued yet ("Command queue state error"), which failed CI once.
import { connect } from 'node:net';

export interface RedisMonitor {
  /** Every command seen since the monitor started, each as its arguments (the command first). */
  readonly commands: string[][];
  stop(): void;
}

/** The arguments of one MONITOR line: `1796620273.037623 [0 127.0.0.1:40046] "evalsha" "…" …`. */
export function monitorArgs(line: string): string[] {
  const quoted = line.slice(line.indexOf('] ') + 2);
  return [...quoted.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(["\\])/g, '$1'));
}

/** Starts watching the Redis at `url` (no password: the tests' own servers); resolves once Redis has said OK to MONITOR. */
export async function monitorRedis(url: string): Promise<RedisMonitor> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
  const commands: string[][] = [];
  let pending = '';
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      const lines = pending.split('\r\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '+OK') resolve();
        else if (line.startsWith('-')) reject(new Error(`MONITOR refused: ${line.slice(1)}`));
        else if (line.startsWith('+')) commands.push(monitorArgs(line.slice(1)));
      }
    });
    socket.write('MONITOR\r\n');
  });
  return { commands, stop: () => socket.destroy() };
}
