// The mongoose schema of a shape declared once as a field table in domain/ (domain/fieldTable.ts).
import { Schema, type SchemaDefinition } from 'mongoose';
import type { FieldKind, FieldTable, RecordOf } from '../domain/fieldTable';

const TYPES: Record<FieldKind, typeof String | typeof Number | typeof Boolean | typeof Date> = {
  string: String,
  number: Number,
  boolean: Boolean,
  date: Date,
};

/** A sub-document schema (no _id of its own) with exactly the table's fields, in its order. */
export function subSchemaOf<T extends FieldTable>(fields: T): Schema<RecordOf<T>> {
  const definition: SchemaDefinition = {};
  for (const [name, spec] of Object.entries(fields)) {
    definition[name] = {
      type: TYPES[spec.kind],
      ...(spec.required ? { required: true } : {}),
      ...(spec.default !== undefined ? { default: spec.default } : {}),
    };
  }
  return new Schema<RecordOf<T>>(definition, { _id: false });
}
