// Crash points, for tests only: when CRASH_AT names one, the process kills itself there with
// SIGKILL (no shutdown, no clean-up), as a power cut or an OOM kill would. A test proves with
// them that what was written before the point is enough for the app to finish the job later.
// Unset in production, where a crash point costs one string comparison.
import { writeSync } from 'node:fs';
import { crashPointFromEnvironment } from './config';

export function crashPoint(name: string): void {
  if (crashPointFromEnvironment() !== name) return;
  // Written synchronously: an asynchronous log line would die with the process.
  writeSync(2, `CRASH_AT reached: ${name}; killing this process\n`);
  process.kill(process.pid, 'SIGKILL');
  // The signal is on its way; nothing after the point may run meanwhile.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5000);
}
