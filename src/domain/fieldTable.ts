// A stored shape written once, as a table of its fields: its TypeScript type is derived here, and
// db/ builds the mongoose schema from the same table (db/fieldTable.ts), so a field added to the
// shape is saved and read back, never dropped on save by a schema that was not told of it.

export type FieldKind = 'string' | 'number' | 'boolean' | 'date';

export interface FieldSpec {
  kind: FieldKind;
  /** Must be present (mongoose's `required`); otherwise it may be absent or null. */
  required?: boolean;
  default?: string | number | boolean;
}

export type FieldTable = Readonly<Record<string, FieldSpec>>;

interface KindTypes {
  string: string;
  number: number;
  boolean: boolean;
  date: Date;
}

type RequiredKeys<T extends FieldTable> = { [K in keyof T]: T[K] extends { required: true } ? K : never }[keyof T];
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The record a table describes: required fields present, the others optional and nullable. */
export type RecordOf<T extends FieldTable> = Simplify<
  { [K in RequiredKeys<T>]: KindTypes[T[K]['kind']] } & { [K in Exclude<keyof T, RequiredKeys<T>>]?: KindTypes[T[K]['kind']] | null | undefined }
>;
