// Synthetic history for the digest and billing bench: ~20 clients of very different sizes over
// the months before April 2026 (three years unless told otherwise: the history a busy support
// desk builds up, which the week's digest and a month's billing must not have to read), requests
// that go through the lifecycle with realistic delays, estimates (some declined, some topped up) and engineers' time entries on approved work.
// Deterministic (a seeded PRNG), inserted with the models' collections in batches, and grown in
// steps so several data sizes can be measured in one run.
import { EstimateModel } from '../../src/db/estimate';
import { RequestModel } from '../../src/db/request';
import { TimeEntryModel } from '../../src/db/timeEntry';
import { amountForMinutes } from '../../src/domain/billing';
import type { Category, Priority, RequestState } from '../../src/domain/lifecycle';
import { applySeed } from '../../src/services/seed';
import { TRIAGE_CHANNEL } from './environment';
import type { DataSize } from './options';

/** "Now" for the synthetic history: nothing happened at or after it. */
export const DATA_END = new Date('2026-04-01T00:00:00Z');
export const DEFAULT_HISTORY_MONTHS = 36;

/** The first instant of the history: `months` calendar months before DATA_END (UTC). */
export function historyStart(months: number): Date {
  const start = new Date(DATA_END);
  start.setUTCMonth(start.getUTCMonth() - months);
  return start;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const REQUEST_CHUNK = 5_000;
const INSERT_BATCH = 10_000;

const CLIENT_KEYS = ['ALFA', 'BRAVO', 'CHARLIE', 'DELTA', 'ECHO', 'FOXTROT', 'GOLF', 'HOTEL', 'INDIA', 'JULIETT',
  'KILO', 'LIMA', 'MIKE', 'NOVEMBER', 'OSCAR', 'PAPA', 'QUEBEC', 'ROMEO', 'SIERRA', 'TANGO'] as const;
const ZONES = ['Europe/London', 'Europe/London', 'America/New_York', 'Europe/London', 'Europe/Berlin', 'Europe/London', 'Asia/Singapore'];
const ENGINEERS = Array.from({ length: 12 }, (_, i) => `U0ENG${String(i + 1).padStart(2, '0')}`);

interface SyntheticClient {
  key: string;
  channel: string;
  timezone: string;
  hourlyRateMinor: number;
  weight: number;
}

/** Zipf-like sizes: the largest client has about a fifth of all requests, the smallest about 1 %. */
export const SYNTHETIC_CLIENTS: SyntheticClient[] = CLIENT_KEYS.map((key, i) => ({
  key,
  channel: `C0${key}`,
  timezone: ZONES[i % ZONES.length] ?? 'Europe/London',
  hourlyRateMinor: 8000 + ((i * 1750) % 7000),
  weight: 1 / (i + 1) ** 0.8,
}));

export function syntheticSeed(): string {
  const clients = SYNTHETIC_CLIENTS.map(
    (c, i) => `  - key: ${c.key}
    name: ${c.key[0]}${c.key.slice(1).toLowerCase()} Ltd
    channels: [${c.channel}]
    hourlyRate: ${c.hourlyRateMinor / 100}
    billingMode: ${i % 3 === 1 ? 'upfront' : 'on_completion'}
    timezone: ${c.timezone}`,
  );
  return `managers: [U0MANAGER]\nengineers: [${ENGINEERS.join(', ')}]\nclients:\n${clients.join('\n')}\n`;
}

/** mulberry32: small, fast and good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weightedPicker<T>(entries: Array<[T, number]>, random: () => number): () => T {
  const total = entries.reduce((s, [, w]) => s + w, 0);
  return () => {
    let r = random() * total;
    for (const [value, weight] of entries) {
      r -= weight;
      if (r <= 0) return value;
    }
    return entries[entries.length - 1]![0];
  };
}

// YYYY-MM-DD in a zone, cached per hour (every zone used here has whole-hour offsets).
const dayFormatters = new Map<string, Intl.DateTimeFormat>();
const dayCache = new Map<string, string>();
function localDay(at: Date, zone: string): string {
  const bucket = `${zone}|${Math.floor(at.getTime() / HOUR)}`;
  const cached = dayCache.get(bucket);
  if (cached) return cached;
  let formatter = dayFormatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(zone, formatter);
  }
  const day = formatter.format(at);
  dayCache.set(bucket, day);
  return day;
}

export interface LoadStats {
  requests: number;
  estimates: number;
  timeEntries: number;
  seconds: number;
  documentsPerSecond: number;
}

export interface Totals {
  requests: number;
  estimates: number;
  timeEntries: number;
}

type Doc = Record<string, unknown>;

const SLA_MINUTES: Record<Priority, number> = { urgent: 15, high: 60, normal: 240, low: 480 };
const FIRST_RESPONSE_MEAN: Record<Priority, number> = { urgent: 10 * MINUTE, high: 40 * MINUTE, normal: 3 * HOUR, low: 8 * HOUR };
const WORK_MEAN: Record<Category, number> = { incident: 1 * DAY, maintenance: 2 * DAY, project: 7 * DAY, advice: 1 * DAY };
const ENTRY_WEIGHT: Record<Category, number> = { project: 3, maintenance: 1.5, incident: 1, advice: 0.6 };
const ESTIMATE_MINUTES: Record<Category, number[]> = {
  incident: [60, 120, 180, 240],
  maintenance: [60, 120, 240, 480],
  project: [480, 960, 1440, 2400],
  advice: [60, 90, 120],
};

export class SyntheticHistory {
  private readonly start: number;
  readonly totals: Totals = { requests: 0, estimates: 0, timeEntries: 0 };
  /** Billable time entries per `client|YYYY-MM` (work date in the client's timezone). */
  private readonly entriesByClientMonth = new Map<string, number>();
  private readonly numbers = new Map<string, number>();
  private readonly random = prng(20260401);
  private readonly pickClient = weightedPicker(SYNTHETIC_CLIENTS.map((c) => [c, c.weight] as [SyntheticClient, number]), this.random);
  private readonly pickPriority = weightedPicker<Priority>([['urgent', 5], ['high', 20], ['normal', 55], ['low', 20]], this.random);
  private readonly pickCategory = weightedPicker<Category>([['incident', 15], ['maintenance', 45], ['project', 25], ['advice', 15]], this.random);
  private readonly pickRating = weightedPicker<number>([[5, 55], [4, 30], [3, 10], [2, 3], [1, 2]], this.random);
  private readonly pickEntryMinutes = weightedPicker<number>([[15, 10], [30, 20], [45, 10], [60, 25], [90, 12], [120, 12], [180, 6], [240, 5]], this.random);

  constructor(readonly months: number = DEFAULT_HISTORY_MONTHS) {
    this.start = historyStart(months).getTime();
  }

  async seedClients(): Promise<void> {
    await applySeed(syntheticSeed(), 'bench');
  }

  /** The client with the most requests and its busiest month by billable time entries. */
  largestClientMonth(): { clientKey: string; period: string; timezone: string } {
    const largest = SYNTHETIC_CLIENTS[0]!;
    let period = '2026-03';
    let most = -1;
    for (const [key, count] of this.entriesByClientMonth) {
      const [client, month] = key.split('|');
      if (client === largest.key && month && count > most) {
        most = count;
        period = month;
      }
    }
    return { clientKey: largest.key, period, timezone: largest.timezone };
  }

  /** Inserts what it takes to reach `target` (cumulative sizes). */
  async growTo(target: DataSize, log: (line: string) => void): Promise<LoadStats> {
    const addRequests = target.requests - this.totals.requests;
    const addEntries = target.timeEntries - this.totals.timeEntries;
    if (addRequests <= 0) throw new Error(`Data sets must grow: ${target.requests} requests requested, ${this.totals.requests} loaded`);
    const before = { ...this.totals };
    const started = performance.now();
    let entriesLeft = Math.max(0, addEntries);
    for (let done = 0; done < addRequests; done += REQUEST_CHUNK) {
      const size = Math.min(REQUEST_CHUNK, addRequests - done);
      const entries = done + size >= addRequests ? entriesLeft : Math.round((Math.max(0, addEntries) * size) / addRequests);
      entriesLeft -= entries;
      await this.insertChunk(size, entries);
      if ((done / REQUEST_CHUNK) % 4 === 3) log(`reports: loaded ${this.totals.requests} requests, ${this.totals.timeEntries} time entries`);
    }
    const seconds = Math.round(performance.now() - started) / 1000;
    const documents = this.totals.requests + this.totals.estimates + this.totals.timeEntries - before.requests - before.estimates - before.timeEntries;
    return {
      requests: this.totals.requests - before.requests,
      estimates: this.totals.estimates - before.estimates,
      timeEntries: this.totals.timeEntries - before.timeEntries,
      seconds,
      documentsPerSecond: Math.round(documents / Math.max(seconds, 0.001)),
    };
  }

  private at(from: number, meanMs: number): number {
    return from + -Math.log(1 - this.random()) * meanMs;
  }

  /** Weekdays and working hours are busier; volume grows a little over the history. */
  private createdAt(): number {
    const span = DATA_END.getTime() - this.start;
    for (let attempt = 0; attempt < 100; attempt++) {
      const t = this.start + this.random() * span;
      const d = new Date(t);
      const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6;
      const hours = d.getUTCHours() >= 8 && d.getUTCHours() < 19;
      const p = (weekend ? 0.15 : 1) * (hours ? 1 : 0.3) * (0.75 + (0.5 * (t - this.start)) / span);
      if (this.random() * 1.25 < p) return t;
    }
    return this.start + this.random() * span;
  }

  private async insertChunk(requestCount: number, entryCount: number): Promise<void> {
    const end = DATA_END.getTime();
    const seen = (t: number | undefined) => (t !== undefined && t < end ? t : undefined);
    const requests: Doc[] = [];
    const estimates: Doc[] = [];
    const worked: Array<{ request: Doc; client: SyntheticClient; from: number; to: number; weight: number }> = [];

    for (let i = 0; i < requestCount; i++) {
      const client = this.pickClient();
      const number = (this.numbers.get(client.key) ?? 0) + 1;
      this.numbers.set(client.key, number);
      const key = `${client.key}-${number}`;
      const priority = this.pickPriority();
      const category = this.pickCategory();
      const created = this.createdAt();
      const firstResponse = this.at(created, FIRST_RESPONSE_MEAN[priority]);
      let cancelled: number | undefined;
      let estimated: number | undefined;
      let approved: number | undefined;
      let declined: number | undefined;
      let resolved: number | undefined;
      let closed: number | undefined;
      let rated: number | undefined;
      let topUp: number | undefined;
      if (this.random() < 0.04) {
        cancelled = this.at(created, 2 * HOUR);
      } else {
        if (this.random() < 0.85) {
          estimated = this.at(firstResponse, 3 * HOUR);
          if (this.random() < 0.9) approved = this.at(estimated, 8 * HOUR);
          else {
            declined = this.at(estimated, 8 * HOUR);
            cancelled = declined + DAY;
          }
        }
        if (!declined) {
          resolved = this.at(approved ?? firstResponse, WORK_MEAN[category]);
          closed = resolved + Math.min(-Math.log(1 - this.random()) * 12 * HOUR, 3 * DAY);
          if (this.random() < 0.45) rated = this.at(closed, 2 * HOUR);
          if (approved && this.random() < 0.1) topUp = approved + (resolved - approved) / 2;
        }
      }
      // Only what happened before DATA_END; later milestones did not happen yet.
      const seenFirstResponse = seen(firstResponse) !== undefined && (cancelled === undefined || firstResponse < cancelled) ? firstResponse : undefined;
      const m = {
        firstResponse: seenFirstResponse,
        estimated: seen(estimated),
        approved: seen(approved),
        declined: seen(declined),
        resolved: seen(resolved),
        closed: seen(closed),
        rated: seen(rated),
        cancelled: seen(cancelled),
        topUp: seen(topUp),
      };
      const state: RequestState = m.cancelled
        ? 'cancelled'
        : m.closed
          ? 'closed'
          : m.resolved
            ? 'resolved'
            : m.approved
              ? m.approved + 2 * HOUR < end
                ? 'in_progress'
                : 'approved'
              : m.declined
                ? 'declined'
                : m.estimated
                  ? 'awaiting_approval'
                  : m.firstResponse
                    ? 'claimed'
                    : 'open';
      const sla = SLA_MINUTES[priority] * MINUTE;
      const breached = (m.firstResponse ?? end) - created > sla && created + sla < end ? created + sla : undefined;
      const date = (t: number | undefined) => (t === undefined ? undefined : new Date(t));
      const engineer = ENGINEERS[Math.floor(this.random() * ENGINEERS.length)]!;
      const revision = Object.values(m).filter((t) => t !== undefined).length;
      const request: Doc = {
        key,
        clientKey: client.key,
        number,
        title: `Synthetic ${category} request ${number} for ${client.key}`,
        details: '',
        category,
        priority,
        state,
        source: 'command',
        requesterId: `U0${client.key}DEV`,
        clientChannelId: client.channel,
        clientMessageTs: `${Math.floor(created / 1000)}.000100`,
        triageChannelId: TRIAGE_CHANNEL,
        triageMessageTs: `${Math.floor(created / 1000)}.000200`,
        ...(m.firstResponse ? { assigneeId: engineer } : {}),
        createdAt: new Date(created),
        firstResponseAt: date(m.firstResponse),
        claimedAt: date(m.firstResponse),
        estimatedAt: date(m.estimated),
        approvedAt: date(m.approved),
        resolvedAt: date(m.resolved),
        closedAt: date(m.closed),
        cancelledAt: date(m.cancelled),
        ratedAt: date(m.rated),
        ...(m.rated ? { rating: this.pickRating() } : {}),
        clientWaits: m.estimated ? [{ from: new Date(m.estimated), ...(m.approved || m.declined ? { to: new Date((m.approved ?? m.declined)!) } : {}) }] : [],
        timersFired: [],
        scheduledTimers: [],
        timersRevision: revision,
        slaBreachedAt: date(breached),
        billableMinutesLogged: 0,
        revision,
        syncedRevision: revision,
        updatedAt: new Date(Math.max(created, ...Object.values(m).filter((t): t is number => t !== undefined))),
      };
      for (const field of Object.keys(request)) if (request[field] === undefined) delete request[field];
      requests.push(request);

      if (m.estimated) {
        const low = ESTIMATE_MINUTES[category][Math.floor(this.random() * ESTIMATE_MINUTES[category].length)]!;
        const high = Math.ceil((low * 1.5) / 15) * 15;
        const decidedAt = m.approved ?? m.declined;
        estimates.push({
          requestKey: key,
          clientKey: client.key,
          version: 1,
          kind: 'estimate',
          lowMinutes: low,
          highMinutes: high,
          hourlyRateMinor: client.hourlyRateMinor,
          currency: 'GBP',
          amountMinor: amountForMinutes(high, client.hourlyRateMinor),
          assumptions: '',
          authorId: engineer,
          createdAt: new Date(m.estimated),
          decision: m.approved ? 'approved' : m.declined ? 'declined' : 'pending',
          ...(decidedAt ? { decidedBy: `U0${client.key}BOSS`, decidedAt: new Date(decidedAt) } : {}),
          autoApproved: false,
          messageTs: `${Math.floor(m.estimated / 1000)}.000300`,
        });
        if (m.topUp) {
          const extra = Math.ceil(high / 2 / 15) * 15;
          estimates.push({
            requestKey: key,
            clientKey: client.key,
            version: 2,
            kind: 'topup',
            lowMinutes: extra,
            highMinutes: extra,
            hourlyRateMinor: client.hourlyRateMinor,
            currency: 'GBP',
            amountMinor: amountForMinutes(extra, client.hourlyRateMinor),
            assumptions: 'More than expected',
            authorId: engineer,
            createdAt: new Date(m.topUp - HOUR),
            decision: 'approved',
            decidedBy: `U0${client.key}BOSS`,
            decidedAt: new Date(m.topUp),
            autoApproved: false,
            messageTs: `${Math.floor(m.topUp / 1000)}.000400`,
          });
        }
      }
      if (m.approved) worked.push({ request, client, from: m.approved, to: m.resolved ?? end - MINUTE, weight: ENTRY_WEIGHT[category] });
    }

    // Time entries go to approved work, more to projects than to advice.
    const entries: Doc[] = [];
    const cumulative: number[] = [];
    let sum = 0;
    for (const w of worked) cumulative.push((sum += w.weight));
    for (let e = 0; e < entryCount && worked.length > 0; e++) {
      const r = this.random() * sum;
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((cumulative[mid] ?? 0) < r) lo = mid + 1;
        else hi = mid;
      }
      const target = worked[lo]!;
      const at = target.from + this.random() * Math.max(0, target.to - target.from);
      const minutes = this.pickEntryMinutes();
      const billable = this.random() < 0.92;
      const deleted = this.random() < 0.01;
      const workDate = localDay(new Date(at), target.client.timezone);
      const engineer = (target.request.assigneeId as string | undefined) ?? ENGINEERS[0]!;
      entries.push({
        requestKey: target.request.key,
        clientKey: target.client.key,
        engineerId: engineer,
        minutes,
        workDate,
        note: 'Synthetic work',
        billable,
        createdAt: new Date(at),
        ...(deleted ? { deletedAt: new Date(at + HOUR), deletedBy: engineer } : {}),
      });
      if (billable && !deleted) {
        target.request.billableMinutesLogged = (target.request.billableMinutesLogged as number) + minutes;
        const month = `${target.client.key}|${workDate.slice(0, 7)}`;
        this.entriesByClientMonth.set(month, (this.entriesByClientMonth.get(month) ?? 0) + 1);
      }
    }

    await RequestModel.collection.insertMany(requests, { ordered: false });
    for (let i = 0; i < estimates.length; i += INSERT_BATCH) await EstimateModel.collection.insertMany(estimates.slice(i, i + INSERT_BATCH), { ordered: false });
    for (let i = 0; i < entries.length; i += INSERT_BATCH) await TimeEntryModel.collection.insertMany(entries.slice(i, i + INSERT_BATCH), { ordered: false });
    this.totals.requests += requests.length;
    this.totals.estimates += estimates.length;
    this.totals.timeEntries += entries.length;
  }
}
