// The reconciliation of the counters the budget guard reserves against (services/timeEntries.ts):
// each open request's billableMinutesLogged and each client's counter for its current month (in
// the client's timezone) are recomputed from the live entries. A disagreement is repaired only once
// it has stayed the same for a grace period (domain/counters.ts: a log in flight disagrees for a
// moment; a crash between a reservation and its write, for ever), and only by a guarded update that
// holds while the counter is still the value read, so a log or an edit landing meanwhile wins and
// the next sweep looks again. Each repair is audited (`counters.repaired`, before and after).
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import { ClientModel } from '../db/client';
import { MonthlyUsageModel } from '../db/monthlyUsage';
import { RequestModel } from '../db/request';
import { driftVerdict, type DriftSeen } from '../domain/counters';
import { OPEN_STATES } from '../domain/lifecycle';
import { logger } from '../logger';
import { recordAudit } from './audit';
import { billableMinutesOfMonth, billableMinutesOfRequests } from './timeEntries';

dayjs.extend(utc);
dayjs.extend(timezone);

/**
 * How long a disagreement must stay unchanged before it is repaired. A reservation and its write
 * are milliseconds apart; the sweep runs every minute, so a drift is repaired on the sweep after
 * the one that noticed it.
 */
export const DRIFT_GRACE_MS = 30_000;

export interface CounterRepairs {
  requests: number;
  months: number;
}

export async function reconcileCounters(graceMs = DRIFT_GRACE_MS, now = new Date()): Promise<CounterRepairs> {
  return { requests: await reconcileRequests(graceMs, now), months: await reconcileMonths(graceMs, now) };
}

async function reconcileRequests(graceMs: number, now: Date): Promise<number> {
  let repaired = 0;
  const open = await RequestModel.find({ state: { $in: OPEN_STATES } }, { key: 1, clientKey: 1, billableMinutesLogged: 1, counterDrift: 1 }).lean();
  const logged = await billableMinutesOfRequests(open.map((r) => r.key));
  for (const request of open) {
    const counter = request.billableMinutesLogged;
    const entries = logged.get(request.key) ?? 0;
    const seen = request.counterDrift ?? undefined;
    const verdict = driftVerdict(counter, entries, seen, now, graceMs);
    const unchanged = { key: request.key, billableMinutesLogged: counter };
    if (verdict === 'agrees') {
      if (seen) await RequestModel.updateOne(unchanged, { $unset: { counterDrift: '' } });
    } else if (verdict === 'noticed') {
      await RequestModel.updateOne(unchanged, { $set: { counterDrift: { counter, entries, at: now } } });
    } else if (verdict === 'repair' && seen) {
      const fixed = await RequestModel.updateOne({ ...unchanged, 'counterDrift.at': seen.at }, { $set: { billableMinutesLogged: entries }, $unset: { counterDrift: '' } });
      if (fixed.modifiedCount !== 1) continue; // changed since the read: the next sweep looks again
      repaired++;
      logger.warn({ request: request.key, counter, entries }, "A request's billable minutes had drifted from its time entries; repaired");
      await recordAudit({
        actorId: 'system',
        action: 'counters.repaired',
        entityType: 'request',
        entityId: request.key,
        clientKey: request.clientKey,
        before: { billableMinutesLogged: counter },
        after: { billableMinutesLogged: entries },
      });
    }
  }
  return repaired;
}

async function reconcileMonths(graceMs: number, now: Date): Promise<number> {
  let repaired = 0;
  for (const client of await ClientModel.find({}, { key: 1, timezone: 1 }).lean()) {
    const month = dayjs(now).tz(client.timezone).format('YYYY-MM');
    // No counter yet: it is created from the entries when the month is first needed.
    const usage = await MonthlyUsageModel.findOne({ clientKey: client.key, month }).lean();
    if (!usage) continue;
    const counter = usage.billableMinutes;
    const entries = await billableMinutesOfMonth(client.key, month, client.timezone);
    const seen: DriftSeen | undefined = usage.drift ?? undefined;
    const verdict = driftVerdict(counter, entries, seen, now, graceMs);
    const unchanged = { _id: usage._id, billableMinutes: counter };
    if (verdict === 'agrees') {
      if (seen) await MonthlyUsageModel.updateOne(unchanged, { $unset: { drift: '' } });
    } else if (verdict === 'noticed') {
      await MonthlyUsageModel.updateOne(unchanged, { $set: { drift: { counter, entries, at: now } } });
    } else if (verdict === 'repair' && seen) {
      const fixed = await MonthlyUsageModel.updateOne({ ...unchanged, 'drift.at': seen.at }, { $set: { billableMinutes: entries }, $unset: { drift: '' } });
      if (fixed.modifiedCount !== 1) continue;
      repaired++;
      logger.warn({ client: client.key, month, counter, entries }, "A client's month counter had drifted from its time entries; repaired");
      await recordAudit({
        actorId: 'system',
        action: 'counters.repaired',
        entityType: 'client',
        entityId: client.key,
        clientKey: client.key,
        before: { month, billableMinutes: counter },
        after: { month, billableMinutes: entries },
      });
    }
  }
  return repaired;
}
