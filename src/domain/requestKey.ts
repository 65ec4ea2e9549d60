// Request keys such as ACME-42: the client's key and a per-client sequence number.

export const CLIENT_KEY_PATTERN = /^[A-Z]{2,10}$/;
const REQUEST_KEY_PATTERN = /^([A-Za-z]{2,10})-(\d{1,9})$/;

export interface RequestKey {
  clientKey: string;
  number: number;
  key: string;
}

export function formatRequestKey(clientKey: string, number: number): string {
  return `${clientKey}-${number}`;
}

/** Accepts `ACME-42` or `acme-42`; returns undefined for anything else. */
export function parseRequestKey(text: string): RequestKey | undefined {
  const match = REQUEST_KEY_PATTERN.exec(text.trim());
  if (!match?.[1] || !match[2]) return undefined;
  const clientKey = match[1].toUpperCase();
  const number = Number(match[2]);
  if (!Number.isSafeInteger(number) || number < 1) return undefined;
  return { clientKey, number, key: formatRequestKey(clientKey, number) };
}
