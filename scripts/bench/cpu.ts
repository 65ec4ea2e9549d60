// Where the CPU went during a phase: how busy the main thread's event loop was (the app's, or
// the bare Bolt app's), the whole Node process (all threads, load generator and Slack fake
// included), and each server the bench started (mongo-java-server's JVM, redis-server), from
// /proc. Tells "the app computes" from "the app waits on MongoDB".
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

export interface CpuSnapshot {
  at: number;
  /** Busy and total jiffies of the whole machine (/proc/stat), when readable. */
  system: { busy: number; total: number } | undefined;
  process: NodeJS.CpuUsage;
  eventLoop: EventLoopUtilization;
  children: Map<number, { name: string; ticks: number }>;
}

export interface CpuUse {
  /** Share of the phase the main thread's event loop was busy, 0–1. */
  mainEventLoopBusy: number;
  /** CPU time of the whole Node process over wall time, in cores. */
  nodeProcessCores: number;
  /** CPU time of each child process (by command name) over wall time, in cores. */
  servers: Record<string, number>;
  /** Cores busy with processes that are not the bench's (other work on the machine disturbs the numbers). */
  otherProcessesCores: number | null;
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function childProcesses(): Map<number, { name: string; ticks: number }> {
  const children = new Map<number, { name: string; ticks: number }>();
  let pids: number[] = [];
  try {
    pids = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return children; // not Linux: only the Node figures are reported
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields after the name start at 3 (state); utime and stime are 14 and 15.
      const ticks = Number(fields[11]) + Number(fields[12]);
      children.set(pid, { name, ticks });
    } catch {
      // The child exited in between.
    }
  }
  return children;
}

function systemJiffies(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [, ...values] = line.trim().split(/\s+/);
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const [user, nice, system, idle, iowait, irq, softirq, steal] = values.slice(0, 8).map(Number);
    const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
    return { busy, total: busy + (idle ?? 0) + (iowait ?? 0) };
  } catch {
    return undefined;
  }
}

export function cpuSnapshot(): CpuSnapshot {
  return {
    at: performance.now(),
    system: systemJiffies(),
    process: process.cpuUsage(),
    eventLoop: performance.eventLoopUtilization(),
    children: childProcesses(),
  };
}

const two = (n: number) => Math.round(n * 100) / 100;

export function cpuSince(start: CpuSnapshot): CpuUse {
  const wallSeconds = Math.max(0.001, (performance.now() - start.at) / 1000);
  const used = process.cpuUsage(start.process);
  const servers: Record<string, number> = {};
  for (const [pid, now] of childProcesses()) {
    const before = start.children.get(pid);
    if (!before) continue;
    servers[now.name] = two((servers[now.name] ?? 0) + (now.ticks - before.ticks) / ticksPerSecond() / wallSeconds);
  }
  const nodeProcessCores = (used.user + used.system) / 1e6 / wallSeconds;
  const system = systemJiffies();
  let otherProcessesCores: number | null = null;
  if (system && start.system && system.total > start.system.total) {
    const machineBusyCores = ((system.busy - start.system.busy) / (system.total - start.system.total)) * os.availableParallelism();
    const ours = nodeProcessCores + Object.values(servers).reduce((sum, cores) => sum + cores, 0);
    otherProcessesCores = two(Math.max(0, machineBusyCores - ours));
  }
  return {
    mainEventLoopBusy: two(performance.eventLoopUtilization(start.eventLoop).utilization),
    nodeProcessCores: two(nodeProcessCores),
    servers,
    otherProcessesCores,
  };
}

/** Above this many cores used by other processes, a measurement counts as disturbed. */
export const DISTURBED_CORES = 0.25;

/**
 * Waits (at most `maxMs`) until other processes leave the machine alone for two one-second
 * windows in a row, so a measurement does not share two cores with someone's test suite.
 * Resolves with how long it waited and whether the machine became quiet.
 */
export async function waitForQuiet(maxMs: number): Promise<{ waitedMs: number; quiet: boolean }> {
  const started = performance.now();
  let quietWindows = 0;
  while (performance.now() - started < maxMs) {
    const before = cpuSnapshot();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const others = cpuSince(before).otherProcessesCores;
    if (others === null) return { waitedMs: 0, quiet: true }; // cannot tell: do not wait
    quietWindows = others < DISTURBED_CORES ? quietWindows + 1 : 0;
    if (quietWindows >= 2) return { waitedMs: Math.round(performance.now() - started), quiet: true };
  }
  return { waitedMs: Math.round(performance.now() - started), quiet: false };
}
