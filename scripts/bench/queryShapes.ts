// Which queries a call sends to MongoDB (captured through mongoose's debug hook while it runs) and
// which of the models' declared indexes (schema.indexes()) could serve each on a real MongoDB.
// mongo-java-server, which the tests run on, keeps only unique indexes; everything else is a scan.
import mongoose from 'mongoose';

export interface CapturedQuery {
  collection: string;
  method: string;
  /** e.g. `{ clientKey: eq, workDate: range, deletedAt: exists }`; `$in` shows its size. */
  shape: string;
  /** The declared index that serves it best (`a or b` when tied), or null: a collection scan on MongoDB. */
  index: string | null;
  /** How many of the index's leading fields the query constrains. */
  indexFieldsUsed: number;
}

type Op = 'eq' | 'in' | 'range' | 'exists' | 'not-exists' | 'not' | 'other';
interface Condition {
  path: string;
  op: Op;
  label: string;
}
interface Shape {
  conditions: Condition[];
  or: Shape[];
}

const READ_METHODS = new Set(['find', 'findOne', 'countDocuments', 'aggregate', 'distinct', 'updateOne', 'updateMany', 'findOneAndUpdate', 'deleteMany', 'deleteOne']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && value.constructor === Object;
}

function conditionOf(path: string, value: unknown): Condition {
  if (!isPlainObject(value) || !Object.keys(value).some((k) => k.startsWith('$'))) return { path, op: 'eq', label: 'eq' };
  const ops = Object.keys(value);
  if (ops.includes('$in')) {
    const list = value.$in;
    return { path, op: 'in', label: `$in(${Array.isArray(list) ? list.length : '?'})` };
  }
  if (ops.includes('$eq')) return { path, op: 'eq', label: 'eq' };
  if (ops.some((o) => ['$gt', '$gte', '$lt', '$lte'].includes(o))) return { path, op: 'range', label: 'range' };
  if (ops.includes('$exists')) return value.$exists ? { path, op: 'exists', label: 'exists' } : { path, op: 'not-exists', label: 'missing' };
  if (ops.some((o) => ['$ne', '$nin', '$not'].includes(o))) return { path, op: 'not', label: ops.join('|') };
  return { path, op: 'other', label: ops.join('|') };
}

function shapeOf(filter: unknown): Shape {
  const shape: Shape = { conditions: [], or: [] };
  if (!isPlainObject(filter)) return shape;
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$or' && Array.isArray(value)) shape.or = value.map(shapeOf);
    else if (key === '$and' && Array.isArray(value)) for (const part of value.map(shapeOf)) shape.conditions.push(...part.conditions);
    else if (!key.startsWith('$')) shape.conditions.push(conditionOf(key, value));
    else shape.conditions.push({ path: key, op: 'other', label: 'expr' });
  }
  return shape;
}

function describe(shape: Shape): string {
  const parts = shape.conditions.map((c) => `${c.path}: ${c.label}`);
  if (shape.or.length) parts.push(`$or: [${shape.or.map(describe).join(', ')}]`);
  return `{ ${parts.join(', ')} }`;
}

type IndexSpec = Record<string, unknown>;

function indexName(spec: IndexSpec): string {
  return Object.entries(spec)
    .map(([field, direction]) => `${field}_${String(direction)}`)
    .join('_');
}

function indexesOf(collection: string): IndexSpec[] {
  const model = Object.values(mongoose.models).find((m) => m.collection.collectionName === collection);
  return [{ _id: 1 }, ...(model ? model.schema.indexes().map(([spec]) => spec as IndexSpec) : [])];
}

/** How many leading fields of `spec` the conditions constrain in a way an index scan can use. */
function prefixUsed(spec: IndexSpec, conditions: Condition[]): number {
  let used = 0;
  for (const field of Object.keys(spec)) {
    const condition = conditions.find((c) => c.path === field);
    if (!condition) break;
    const leading = used === 0;
    if (condition.op === 'eq' || condition.op === 'in' || condition.op === 'exists') used++;
    else if (condition.op === 'range') {
      used++;
      break;
    } else if (condition.op === 'not-exists' && !leading) used++; // bounds [null, null] on a later field
    else break;
  }
  return used;
}

/**
 * The declared index that constrains most leading fields. Ties are all named (`a or b`), the
 * index on the filter's earliest field first: MongoDB's planner picks between them by trial.
 */
function bestIndex(collection: string, conditions: Condition[]): { index: string; used: number } | null {
  const scored = indexesOf(collection).map((spec) => ({ spec, used: prefixUsed(spec, conditions) }));
  const used = Math.max(0, ...scored.map((s) => s.used));
  if (used === 0) return null;
  const position = (spec: IndexSpec) => conditions.findIndex((c) => c.path === Object.keys(spec)[0]);
  const tied = scored.filter((s) => s.used === used).sort((a, b) => position(a.spec) - position(b.spec));
  return { index: tied.map((s) => indexName(s.spec)).join(' or '), used };
}

function analyse(collection: string, method: string, filter: unknown): CapturedQuery {
  const shape = shapeOf(filter);
  if (shape.conditions.length === 0 && shape.or.length === 0) {
    return { collection, method, shape: '{} (every document)', index: 'none needed: reads the whole collection', indexFieldsUsed: 0 };
  }
  const direct = bestIndex(collection, shape.conditions);
  if (direct || shape.or.length === 0) {
    return { collection, method, shape: describe(shape), index: direct?.index ?? null, indexFieldsUsed: direct?.used ?? 0 };
  }
  // An $or can use an index per branch (index union) only when every branch has one.
  const branches = shape.or.map((branch) => bestIndex(collection, [...shape.conditions, ...branch.conditions]));
  const all = branches.every((b) => b !== null);
  return {
    collection,
    method,
    shape: describe(shape),
    index: all ? `union of ${branches.map((b) => b?.index).join(' + ')}` : null,
    indexFieldsUsed: all ? Math.min(...branches.map((b) => b?.used ?? 0)) : 0,
  };
}

/** Runs `run` and returns the distinct queries it sent, with the index that serves each. */
export async function captureQueries<T>(run: () => Promise<T>): Promise<{ value: T; queries: CapturedQuery[] }> {
  const seen = new Map<string, CapturedQuery>();
  mongoose.set('debug', (collection: string, method: string, ...args: unknown[]) => {
    if (!READ_METHODS.has(method)) return;
    const filter = method === 'aggregate' ? (Array.isArray(args[0]) ? (args[0].find((s) => isPlainObject(s) && '$match' in s) as { $match?: unknown } | undefined)?.$match : undefined) : args[0];
    const query = analyse(collection, method, filter);
    seen.set(`${collection}.${method} ${query.shape}`, query);
  });
  try {
    const value = await run();
    return { value, queries: [...seen.values()] };
  } finally {
    mongoose.set('debug', false);
  }
}

/** Every index the models declare for `collections`, as `collection: name` lines. */
export function declaredIndexes(collections: string[]): Array<{ collection: string; index: string; unique: boolean; sparse: boolean }> {
  const rows: Array<{ collection: string; index: string; unique: boolean; sparse: boolean }> = [];
  for (const collection of collections) {
    const model = Object.values(mongoose.models).find((m) => m.collection.collectionName === collection);
    if (!model) continue;
    for (const [spec, options] of model.schema.indexes()) {
      const opts = (options ?? {}) as { unique?: boolean; sparse?: boolean };
      rows.push({ collection, index: indexName(spec as IndexSpec), unique: Boolean(opts.unique), sparse: Boolean(opts.sparse) });
    }
  }
  return rows;
}

/** Every MongoDB operation `run` sends, counted by `collection.method`. */
export async function countOperations(run: () => Promise<void>): Promise<{ total: number; byOperation: Record<string, number> }> {
  const byOperation: Record<string, number> = {};
  let total = 0;
  mongoose.set('debug', (collection: string, method: string) => {
    const key = `${collection}.${method}`;
    byOperation[key] = (byOperation[key] ?? 0) + 1;
    total++;
  });
  try {
    await run();
    return { total, byOperation };
  } finally {
    mongoose.set('debug', false);
  }
}
