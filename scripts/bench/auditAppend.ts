// Section `audit`: recordAudit alone, open loop, at 100 and 200 a second, from one client's chain
// and spread over three: the ledger's share of what `/help`'s acknowledgement waits for, without
// the app, Slack or Redis around it, so it moves less with the machine's load than section 1.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import mongoose from 'mongoose';
import { connectDatabase, disconnectDatabase } from '../../src/db/connection';
import { recordAudit } from '../../src/services/audit';
import { databaseUri, uniqueName } from './environment';
import { summarize, type LatencySummary } from './stats';

export interface AuditAppendPhase {
  chains: number;
  ratePerSecond: number;
  seconds: number;
  latencyMs: LatencySummary;
}

async function phase(rate: number, seconds: number, chains: string[]): Promise<number[]> {
  const latencies: number[] = [];
  const start = performance.now() + 50;
  const calls: Promise<void>[] = [];
  for (let i = 0; i < rate * seconds; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const clientKey = chains[i % chains.length];
    calls.push(
      recordAudit({ actorId: 'U0BENCH', action: 'request.opened', entityType: 'request', entityId: `${clientKey}-${i}`, clientKey, after: { state: 'open', number: i, title: 'x'.repeat(60) } }).then(() => {
        latencies.push(performance.now() - due);
      }),
    );
  }
  await Promise.all(calls);
  return latencies;
}

export async function measureAuditAppend(input: { mongodbUri: string; seconds: number; log: (line: string) => void }): Promise<AuditAppendPhase[]> {
  await connectDatabase(databaseUri(input.mongodbUri, uniqueName('bench_audit_')));
  try {
    await phase(50, 2, ['WARM']);
    const out: AuditAppendPhase[] = [];
    for (const chains of [['ONE'], ['TRIA', 'TRIB', 'TRIC']]) {
      for (const rate of [100, 200]) {
        input.log(`audit appends: ${rate}/s for ${input.seconds} s over ${chains.length} chain(s)`);
        const latencies = await phase(rate, input.seconds, chains.map((c) => `${c}${rate}`));
        out.push({ chains: chains.length, ratePerSecond: rate, seconds: input.seconds, latencyMs: summarize(latencies) });
      }
    }
    return out;
  } finally {
    await mongoose.connection.db?.dropDatabase().catch(() => undefined);
    await disconnectDatabase();
  }
}
