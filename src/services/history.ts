// "Similar past requests" for an estimate: the closed requests most like it and what they really
// took (domain/estimateSuggestion.ts), searched in an index of closed requests
// (domain/historyIndex.ts).
//
// Where the index lives: in each web process, built lazily from MongoDB on the first estimate
// that asks for it, and brought up to date on every later one. Not in the worker, because the
// web process is the one that answers the engineer (a worker's index would need a round trip
// through Redis or MongoDB to be read, and is one more thing to keep alive); not built at start,
// because a web process's first seconds belong to `/help` acknowledgements (the bench's cold start).
// Up to date without a message from whoever closes a request (which may be another web process,
// or the worker's auto-close): every search first reads the requests closed since the newest one
// it has seen (minus a margin for clocks and writes in flight), one query on the closedAt index
// that usually returns nothing. Closed is final (nothing changes title, details or billable time
// afterwards), and an hourly rebuild in the background picks up anything the margin missed.
import { RequestModel } from '../db/request';
import { estimateHint, isUsableHistory, type EstimateHint } from '../domain/estimateSuggestion';
import { HistoryIndex, type ClosedRequest, type HistoryQuery } from '../domain/historyIndex';
import { logger } from '../logger';

/** Requests closed this long before the newest one seen are read again (and skipped if known). */
const CATCH_UP_MARGIN_MS = 5 * 60_000;
/** The whole index is rebuilt (in the background) when it is older than this. */
const REBUILD_AFTER_MS = 60 * 60_000;
/** Documents added between two yields to the event loop while building: acks must not wait on it. */
const BUILD_SLICE = 500;

const FIELDS = { key: 1, clientKey: 1, title: 1, details: 1, category: 1, billableMinutesLogged: 1, closedAt: 1 } as const;

interface ClosedDocument {
  key: string;
  clientKey: string;
  title: string;
  details?: string | null;
  category: string;
  billableMinutesLogged: number;
  closedAt?: Date | null;
}

/** A closed request as the index takes it; none when it says nothing about effort. */
export function closedRequestOf(doc: ClosedDocument): ClosedRequest | undefined {
  if (!doc.closedAt || !isUsableHistory(doc.billableMinutesLogged)) return undefined;
  return { key: doc.key, clientKey: doc.clientKey, title: doc.title, details: doc.details ?? '', category: doc.category, minutes: doc.billableMinutesLogged, closedAt: doc.closedAt };
}

export interface RequestHistory {
  /** The hint for estimating `request`: similar closed requests and, with enough of them, a range. */
  hintFor(request: HistoryQuery & { key: string; clientKey: string }): Promise<EstimateHint>;
  /** Requests indexed now (0 before the first use). */
  readonly size: number;
}

interface Built {
  index: HistoryIndex;
  builtAt: number;
  newestClosedAt: number;
}

async function build(): Promise<Built> {
  const started = Date.now();
  const index = new HistoryIndex();
  let newestClosedAt = 0;
  let sinceYield = 0;
  for await (const doc of RequestModel.find({ state: 'closed' }, FIELDS).lean<ClosedDocument[]>().cursor()) {
    const closed = closedRequestOf(doc);
    if (!closed) continue;
    index.add(closed);
    newestClosedAt = Math.max(newestClosedAt, closed.closedAt.getTime());
    if (++sinceYield >= BUILD_SLICE) {
      sinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  logger.info({ requests: index.size, ms: Date.now() - started }, 'Built the index of closed requests for estimate hints');
  return { index, builtAt: started, newestClosedAt };
}

async function catchUp(built: Built): Promise<void> {
  const since = new Date(built.newestClosedAt - CATCH_UP_MARGIN_MS);
  const docs = await RequestModel.find({ closedAt: { $gte: since }, state: 'closed' }, FIELDS).lean<ClosedDocument[]>();
  for (const doc of docs) {
    const closed = closedRequestOf(doc);
    if (!closed || !built.index.add(closed)) continue;
    built.newestClosedAt = Math.max(built.newestClosedAt, closed.closedAt.getTime());
  }
}

export function createRequestHistory(options: { rebuildAfterMs?: number } = {}): RequestHistory {
  const rebuildAfterMs = options.rebuildAfterMs ?? REBUILD_AFTER_MS;
  let current: Built | undefined;
  let building: Promise<Built> | undefined;

  const rebuild = (): Promise<Built> => {
    building ??= build()
      .then((built) => {
        current = built;
        return built;
      })
      .finally(() => {
        building = undefined;
      });
    return building;
  };

  /**
   * The index, up to date with every request closed before the call. Each call reads on its own:
   * a catch-up already in flight may have started before the request the caller just closed.
   */
  const upToDate = async (): Promise<Built> => {
    const built = current ?? (await rebuild());
    if (Date.now() - built.builtAt > rebuildAfterMs) {
      // The old index answers meanwhile.
      rebuild().catch((error: unknown) => logger.warn({ err: error }, 'Could not rebuild the index of closed requests; the old one goes on serving'));
    }
    await catchUp(built);
    return built;
  };

  return {
    get size() {
      return current?.index.size ?? 0;
    },
    async hintFor(request) {
      const { index } = await upToDate();
      return estimateHint(index.similarTo(request), request.clientKey, request.key);
    },
  };
}
