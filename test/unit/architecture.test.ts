// The layering of STYLE.md and the README's "Layout", checked on the imports of src/: each module
// sits in one layer, imports only its own layer and the layers below, and no modules import each
// other round in a circle. Domain is pure, services know nothing of Slack, and Slack code and
// triggers reach the database only through services.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const SRC = path.join(__dirname, '../../src');

/**
 * The layers, lowest first. A module may import its own layer and any of a lower rank; two layers
 * of the same rank (the listeners and the triggers, the two kinds of input) may not import each
 * other, nor may the modules of a layer kept `apart`. A layer that `reaches` only so far down
 * imports nothing above that rank. A path ending in `/` is a folder; a module takes the layer of
 * its longest matching path.
 */
const LAYERS: ReadonlyArray<{ rank: number; name: string; paths: string[]; apart?: boolean; reaches?: number }> = [
  { rank: 0, name: 'kernel', paths: ['errors.ts', 'logger.ts'] },
  { rank: 1, name: 'domain', paths: ['domain/'] },
  { rank: 2, name: 'config', paths: ['config.ts', 'crashPoints.ts'] },
  { rank: 3, name: 'db', paths: ['db/'] },
  { rank: 4, name: 'services', paths: ['services/'] },
  // Block Kit builders: pure functions from data to blocks, on the domain alone.
  { rank: 5, name: 'slack/views', paths: ['slack/views/', 'slack/ids.ts', 'slack/mrkdwn.ts'], reaches: 1 },
  { rank: 6, name: 'slack/delivery', paths: ['slack/delivery/'] },
  { rank: 7, name: 'slack', paths: ['slack/'] },
  { rank: 8, name: 'slack/listeners', paths: ['slack/listeners/'] },
  { rank: 8, name: 'triggers', paths: ['triggers/'] },
  { rank: 9, name: 'slack/app', paths: ['slack/app.ts'] },
  // Queue plumbing: wired by the composition; it knows the services it plans with, nothing of the
  // inputs it wakes (the triggers are handed to it by the worker).
  { rank: 10, name: 'jobs', paths: ['jobs/'], reaches: 4 },
  { rank: 11, name: 'observability', paths: ['observability/'] },
  { rank: 12, name: 'composition', paths: ['composition.ts', 'processes.ts'] },
  // The two processes share what they both need through the composition, never each other.
  { rank: 13, name: 'entry points', paths: ['main.ts', 'worker.ts'], apart: true },
];

/**
 * Imports against the order that are known and owned elsewhere, as `from -> to` (src-relative).
 * Each must still exist: once it is gone, its line goes too.
 */
const KNOWN_BACK_ARROWS: string[] = [];

/** Known circles, as their modules sorted and joined by ` <-> `; the same rule as above. */
const KNOWN_CYCLES: string[] = [];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

interface Import {
  specifier: string;
  /** False for `import type …`, `export type … from` and imports of types only: erased at run time. */
  value: boolean;
}

const IMPORT = /^(?:import|export)\s+(type\s+)?(?:[\w$]+\s*,\s*)?([\w$]+|\{[^}]*\}|\*(?:\s+as\s+[\w$]+)?)\s+from\s+'([^']+)'/gm;

/** Every static import and re-export of a file, multi-line ones included. */
function importsOf(text: string): Import[] {
  return [...text.matchAll(IMPORT)].map((m) => {
    const [whole = '', typeKeyword, bindings = '', specifier = ''] = m;
    const named = bindings.startsWith('{') ? bindings.slice(1, -1).split(',').map((b) => b.trim()).filter(Boolean) : [];
    const defaultToo = /^(?:import|export)\s+(?:type\s+)?[\w$]+\s*,/.test(whole);
    const typesOnly = named.length > 0 && !defaultToo && named.every((b) => b.startsWith('type '));
    return { specifier, value: !typeKeyword && !typesOnly };
  });
}

function valueImports(file: string): string[] {
  return importsOf(readFileSync(file, 'utf8'))
    .filter((i) => i.value)
    .map((i) => i.specifier);
}

/** The module a relative specifier names, src-relative; undefined for packages. */
function resolveImport(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(file), specifier);
  const found = [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => {
    try {
      return statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
  return path.relative(SRC, found ?? `${base}.ts`).split(path.sep).join('/');
}

type Graph = Map<string, Set<string>>;

/** src-relative module -> the src modules it imports (values only, or every import). */
function importGraph(which: 'values' | 'all'): Graph {
  const graph: Graph = new Map();
  for (const file of files(SRC)) {
    const targets = importsOf(readFileSync(file, 'utf8'))
      .filter((i) => which === 'all' || i.value)
      .map((i) => resolveImport(file, i.specifier))
      .filter((t): t is string => t !== undefined);
    graph.set(path.relative(SRC, file).split(path.sep).join('/'), new Set(targets));
  }
  return graph;
}

function layerOfModule(module: string): (typeof LAYERS)[number] | undefined {
  let best: { layer: (typeof LAYERS)[number]; length: number } | undefined;
  for (const layer of LAYERS) {
    for (const p of layer.paths) {
      const matches = p.endsWith('/') ? module.startsWith(p) : module === p;
      if (matches && (!best || p.length > best.length)) best = { layer, length: p.length };
    }
  }
  return best?.layer;
}

/** Each import that runs against the layer order, as `from -> to`. */
function backArrows(graph: Graph): string[] {
  const found: string[] = [];
  for (const [from, targets] of graph) {
    const own = layerOfModule(from);
    for (const to of targets) {
      const theirs = layerOfModule(to);
      if (!own || !theirs || (own === theirs && !own.apart)) continue;
      if (theirs.rank >= own.rank || theirs.rank > (own.reaches ?? own.rank)) found.push(`${from} -> ${to}`);
    }
  }
  return found.sort();
}

/** The strongly connected components of more than one module (or a module importing itself): Tarjan's algorithm. */
function cycles(graph: Graph): string[] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string | undefined;
    do {
      w = stack.pop();
      if (w === undefined) break;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.has(v)) found.push(component.sort().join(' <-> '));
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found.sort();
}

/** The first folder (or file) of a module an import names: `db`, `mongoose`, `@slack/bolt`. */
function layerOf(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return specifier;
  const target = path.relative(SRC, path.resolve(path.dirname(file), specifier));
  return target.split(path.sep)[0];
}

function violations(layer: string, forbidden: (imported: string) => boolean): string[] {
  return files(path.join(SRC, layer)).flatMap((file) =>
    valueImports(file)
      .filter((spec) => forbidden(layerOf(file, spec) ?? ''))
      .map((spec) => `${path.relative(SRC, file)} imports ${spec}`),
  );
}

describe('architecture', () => {
  it('reads imports, including multi-line ones, and skips type-only imports', () => {
    const deliverer = valueImports(path.join(SRC, 'slack/delivery/deliverer.ts'));
    expect(deliverer).toContain('../../services/outbox');
    expect(deliverer).not.toContain('../tokens'); // `import type { SlackTokens } from '../tokens'`
    expect(layerOf(path.join(SRC, 'slack/delivery/deliverer.ts'), '../../db/request')).toBe('db');
    expect(importsOf("import {\n  a,\n  type B,\n} from './x';\nimport { type C } from './y';\nexport { d } from './z';\nexport type { E } from './w';")).toEqual([
      { specifier: './x', value: true },
      { specifier: './y', value: false },
      { specifier: './z', value: true },
      { specifier: './w', value: false },
    ]);
  });

  it('finds a back arrow and a circle in a graph that has them (the checks below can fail)', () => {
    const graph: Graph = new Map([
      ['domain/a.ts', new Set(['services/b.ts'])],
      ['services/b.ts', new Set(['db/c.ts', 'domain/a.ts'])],
      ['db/c.ts', new Set<string>()],
      ['triggers/t.ts', new Set(['slack/listeners/l.ts'])],
      ['slack/listeners/l.ts', new Set<string>()],
      ['worker.ts', new Set(['main.ts'])],
      ['jobs/j.ts', new Set(['slack/listeners/l.ts', 'services/b.ts'])],
      ['slack/views/v.ts', new Set(['services/b.ts', 'domain/a.ts'])],
      ['main.ts', new Set<string>()],
    ]);
    expect(backArrows(graph)).toEqual([
      'domain/a.ts -> services/b.ts',
      'jobs/j.ts -> slack/listeners/l.ts',
      'slack/views/v.ts -> services/b.ts',
      'triggers/t.ts -> slack/listeners/l.ts',
      'worker.ts -> main.ts',
    ]);
    expect(cycles(graph)).toEqual(['domain/a.ts <-> services/b.ts']);
  });

  it('puts every module of src/ in a layer', () => {
    expect([...importGraph('all').keys()].filter((m) => !layerOfModule(m))).toEqual([]);
  });

  it('imports only down the layer order (values; types are erased)', () => {
    expect(backArrows(importGraph('values'))).toEqual([...KNOWN_BACK_ARROWS].sort());
  });

  it('has no import cycles (types included: two modules that know each other are one)', () => {
    expect(cycles(importGraph('all'))).toEqual([...KNOWN_CYCLES].sort());
  });

  it('reads the environment only in config.ts', () => {
    const readers = files(SRC)
      .filter((file) => file !== path.join(SRC, 'config.ts'))
      .filter((file) => /process\.env\b/.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(SRC, file));
    expect(readers).toEqual([]);
  });

  it('keeps domain/ pure: no database, queue, Slack or other layer', () => {
    expect(violations('domain', (l) => ['db', 'services', 'slack', 'jobs', 'triggers', 'mongoose', 'bullmq', 'ioredis'].includes(l) || l.startsWith('@slack'))).toEqual([]);
  });

  it('keeps services/ free of Slack listeners, views, triggers and jobs', () => {
    expect(violations('services', (l) => ['slack', 'jobs', 'triggers', 'bullmq'].includes(l) || l.startsWith('@slack'))).toEqual([]);
  });

  it('sends every Slack message, update, Home tab and file through the delivery: listeners, triggers, jobs and services hand it effects', () => {
    const direct = /\.(chat\.(postMessage|update|delete)|views\.publish|filesUploadV2|files\.uploadV2)\(/;
    const offenders = ['slack', 'triggers', 'jobs', 'services']
      .flatMap((dir) => files(path.join(SRC, dir)))
      .filter((file) => !file.startsWith(path.join(SRC, 'slack/delivery')))
      .filter((file) => direct.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(SRC, file));
    expect(offenders).toEqual([]);
  });

  it('keeps Slack code and triggers away from the database: they go through services/', () => {
    expect([...violations('slack', (l) => l === 'db' || l === 'mongoose'), ...violations('triggers', (l) => l === 'db' || l === 'mongoose')]).toEqual([]);
  });
});
