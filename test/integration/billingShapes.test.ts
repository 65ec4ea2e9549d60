// A billing summary's line and totals are declared once, as field tables in domain/billingLines.ts
// from which both the TypeScript types and the mongoose sub-schemas are made. Every field of each
// table is saved and read back through MongoDB, so a field added to a table cannot be silently
// dropped on save (as it was when the interface and the schema were written apart).
import mongoose, { Schema } from 'mongoose';
import { BillingSummaryModel } from '../../src/db/billingSummary';
import { subSchemaOf } from '../../src/db/fieldTable';
import { BILLING_LINE_FIELDS, BILLING_TOTALS_FIELDS } from '../../src/domain/billingLines';
import type { FieldTable } from '../../src/domain/fieldTable';
import { useTestDatabase } from '../support/database';

/** A value for every field of a table, each unlike its default and unlike the others. */
function sampleOf(fields: FieldTable): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).map(([name, spec], i) => [
      name,
      spec.kind === 'string' ? `${name}-${i}` : spec.kind === 'number' ? 1000 + i : spec.kind === 'boolean' ? spec.default !== true : new Date(Date.UTC(2026, 0, 1 + i)),
    ]),
  );
}

const SUMMARY = {
  clientKey: 'ACME',
  period: '2026-11',
  status: 'draft' as const,
  clientName: 'Acme',
  timezone: 'Europe/London',
  currency: 'GBP',
  billingMode: 'on_completion' as const,
  hourlyRateMinor: 10_000,
  incrementMinutes: 15,
  minimumMinutes: 30,
  generatedAt: new Date('2026-12-01T00:00:00Z'),
  generatedBy: 'U0MANAGER',
};

useTestDatabase();

it('saves and reads back every field of a billing line and of the totals', async () => {
  const line = sampleOf(BILLING_LINE_FIELDS);
  const totals = sampleOf(BILLING_TOTALS_FIELDS);
  expect(Object.keys(line).length).toBeGreaterThanOrEqual(16);
  const { _id } = await BillingSummaryModel.create({ ...SUMMARY, lines: [line], totals });
  const read = await BillingSummaryModel.findById(_id).lean();
  expect(read?.lines).toEqual([line]);
  expect(read?.totals).toEqual(totals);
});

it('keeps a field added to a table: the schema is made from the table, not written beside it', async () => {
  const grown = { ...BILLING_LINE_FIELDS, addedLater: { kind: 'string' }, addedLaterAt: { kind: 'date', required: true } } as const;
  const Model = mongoose.model('GrownLineHolder', new Schema({ lines: { type: [subSchemaOf(grown)], default: [] } }));
  const line = sampleOf(grown);
  const { _id } = await Model.create({ lines: [line] });
  expect((await Model.findById(_id).lean())?.lines).toEqual([line]);
  // What the table requires, the schema requires.
  const { addedLaterAt: _dropped, ...withoutRequired } = line;
  await expect(Model.create({ lines: [withoutRequired] })).rejects.toThrow(/addedLaterAt.*required/);
});

it('leaves an optional field absent when it was not given, and fills a default', async () => {
  const { closedAt: _c, cancelledAt: _x, adjustsPeriod: _a, adjustment: _adj, ...line } = sampleOf(BILLING_LINE_FIELDS);
  const { _id } = await BillingSummaryModel.create({ ...SUMMARY, period: '2026-10', lines: [line], totals: sampleOf(BILLING_TOTALS_FIELDS) });
  const [read] = (await BillingSummaryModel.findById(_id).lean())?.lines ?? [];
  expect(read).toEqual({ ...line, adjustment: false });
});
