// Every record, out: one JSON Lines file and one CSV file per collection, for all clients or
// one. Nothing is locked in (a PRODUCT principle): a client leaving takes its requests, estimates,
// time, billing summaries and audit trail with it. Records are streamed from a cursor, so the size
// of the history does not matter. What is left out is internal (queues of work, caches, the
// dedupe of Slack events, counters) or secret (installations hold bot tokens, OAuth states).
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Collection } from 'mongoose';
import { AuditEventModel } from '../db/auditEvent';
import { BillingSummaryModel } from '../db/billingSummary';
import { ClientModel } from '../db/client';
import { EstimateModel } from '../db/estimate';
import { RequestModel } from '../db/request';
import { StaffModel } from '../db/staff';
import { TimeEntryModel } from '../db/timeEntry';
import { spreadsheetSafe } from '../domain/spreadsheet';
import { ErrorCode, UserFacingError } from '../errors';

export const EXPORT_FORMATS = ['jsonl', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

interface ExportedCollection {
  name: string;
  /** The CSV's columns: the top-level fields of the collection's schema. */
  columns: string[];
  /** The filter for one client's records; null when the collection is not a client's (staff). */
  ofClient: ((clientKey: string) => Record<string, unknown>) | null;
  /** The records matching `filter`, streamed in a stable order, as stored. */
  records: (filter: Record<string, unknown>) => AsyncIterable<unknown>;
}

/** What the export needs of a model: its schema's fields, and its collection to read as stored. */
interface ExportableModel {
  schema: { paths: object };
  collection: Collection;
}

function exported(name: string, model: ExportableModel, ofClient: ExportedCollection['ofClient'], sort: Record<string, 1>): ExportedCollection {
  const top = Object.keys(model.schema.paths).map((p) => p.split('.')[0] ?? p);
  return {
    name,
    columns: ['_id', ...new Set(top.filter((p) => p !== '_id' && p !== '__v'))],
    ofClient,
    records: (filter) => model.collection.find(filter).sort(sort),
  };
}

const byClientKey = (clientKey: string) => ({ clientKey });

/** In the order a reader would want them: who, then what was asked, then what was done. */
const COLLECTIONS: ExportedCollection[] = [
  exported('clients', ClientModel, (key) => ({ key }), { key: 1 }),
  exported('staff', StaffModel, null, { userId: 1 }),
  exported('requests', RequestModel, byClientKey, { clientKey: 1, number: 1 }),
  exported('estimates', EstimateModel, byClientKey, { requestKey: 1, version: 1 }),
  exported('timeentries', TimeEntryModel, byClientKey, { _id: 1 }),
  exported('billingsummaries', BillingSummaryModel, byClientKey, { clientKey: 1, period: 1 }),
  exported('auditevents', AuditEventModel, byClientKey, { _id: 1 }),
];

export interface ExportReport {
  exportedAt: string;
  clientKey: string | null;
  formats: ExportFormat[];
  collections: Array<{ name: string; records: number; files: string[] }>;
}

/** One CSV cell: dates as ISO instants, nested values as JSON, text safe from formulas. */
function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return spreadsheetSafe(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && 'toHexString' in value && typeof value.toHexString === 'function') return String(value.toHexString());
  return spreadsheetSafe(JSON.stringify(value));
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function close(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

/**
 * Writes the records to `outDir` (created; it must be empty or new), all clients' or one's.
 * Staff are ours, not a client's, so a client's export leaves them out.
 */
export async function exportRecords(input: { outDir: string; clientKey?: string | undefined; formats?: ExportFormat[] }): Promise<ExportReport> {
  const formats = input.formats ?? [...EXPORT_FORMATS];
  const clientKey = input.clientKey ?? null;
  if (clientKey && !(await ClientModel.exists({ key: clientKey }))) {
    throw new UserFacingError(ErrorCode.NotFound, `There is no client ${clientKey}, so there is nothing to export.`);
  }
  await mkdir(input.outDir, { recursive: true });
  if ((await readdir(input.outDir)).length > 0) {
    throw new UserFacingError(ErrorCode.Conflict, `${input.outDir} is not empty: export into a new or empty directory, so no file of another export is mixed in.`);
  }
  const report: ExportReport = { exportedAt: new Date().toISOString(), clientKey, formats, collections: [] };
  for (const collection of COLLECTIONS) {
    if (clientKey && !collection.ofClient) continue;
    const filter = clientKey && collection.ofClient ? collection.ofClient(clientKey) : {};
    const { columns } = collection;
    const files = formats.map((format) => path.join(input.outDir, `${collection.name}.${format}`));
    const streams = files.map((file) => createWriteStream(file, { encoding: 'utf8' }));
    const [jsonl, csv] = [formats.indexOf('jsonl'), formats.indexOf('csv')].map((i) => (i >= 0 ? streams[i] : undefined));
    let records = 0;
    try {
      if (csv) await write(csv, stringify([columns]));
      for await (const record of collection.records(filter)) {
        const doc = record as Record<string, unknown>;
        if (jsonl) await write(jsonl, `${JSON.stringify(doc)}\n`);
        if (csv) await write(csv, stringify([columns.map((c) => cell(doc[c]))]));
        records++;
      }
    } finally {
      await Promise.all(streams.map(close));
    }
    report.collections.push({ name: collection.name, records, files });
  }
  return report;
}
