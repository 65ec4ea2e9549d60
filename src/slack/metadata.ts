// Modal private_metadata, sealed with an HMAC so an edited copy is recognised and refused, and
// validated with zod when it comes back.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';

function mac(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url').slice(0, 32);
}

export function sealMetadata(secret: string, data: unknown): string {
  const body = JSON.stringify(data);
  return `${mac(secret, body)}.${body}`;
}

/** The data, or undefined when the metadata was edited or does not fit the schema. */
export function openMetadata<T extends z.ZodType>(secret: string, sealed: string, schema: T): z.output<T> | undefined {
  const dot = sealed.indexOf('.');
  if (dot < 0) return undefined;
  const given = Buffer.from(sealed.slice(0, dot));
  const body = sealed.slice(dot + 1);
  const expected = Buffer.from(mac(secret, body));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
