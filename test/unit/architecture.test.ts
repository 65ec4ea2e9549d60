// The layering of STYLE.md, checked on the imports: domain is pure, services know nothing of
// Slack, and Slack code reaches the database only through services.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const SRC = path.join(__dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

/** Value imports only: `import type` is erased and does not couple layers at run time. */
function valueImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1] ?? '');
}

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
    expect(deliverer).toContain('../../services/requestLifecycle');
    expect(deliverer).not.toContain('../tokens'); // `import type { SlackTokens } from '../tokens'`
    expect(layerOf(path.join(SRC, 'slack/delivery/deliverer.ts'), '../../db/request')).toBe('db');
  });

  it('keeps domain/ pure: no database, queue, Slack or other layer', () => {
    expect(violations('domain', (l) => ['db', 'services', 'slack', 'jobs', 'mongoose', 'bullmq', 'ioredis'].includes(l) || l.startsWith('@slack'))).toEqual([]);
  });

  it('keeps services/ free of Slack listeners, views and jobs', () => {
    expect(violations('services', (l) => ['slack', 'jobs'].includes(l))).toEqual([]);
  });

  it('sends every Slack message, update, Home tab and file through the delivery: listeners, jobs and services hand it effects', () => {
    const direct = /\.(chat\.(postMessage|update|delete)|views\.publish|filesUploadV2|files\.uploadV2)\(/;
    const offenders = [...files(path.join(SRC, 'slack')), ...files(path.join(SRC, 'jobs')), ...files(path.join(SRC, 'services'))]
      .filter((file) => !file.startsWith(path.join(SRC, 'slack/delivery')))
      .filter((file) => direct.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(SRC, file));
    expect(offenders).toEqual([]);
  });

  it('keeps Slack code away from the database: it goes through services/', () => {
    expect(violations('slack', (l) => l === 'db' || l === 'mongoose')).toEqual([]);
  });
});
