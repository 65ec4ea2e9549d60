// Money is integer minor units everywhere; these are the only conversions to and from text.

const digitsByCurrency = new Map<string, number>();

/**
 * How many decimals an amount in `currency` has, from the ISO 4217 / CLDR data Node carries (CLP,
 * ISK, VND, XOF: 0; JOD, OMR, TND, BHD, KWD: 3), so every currency is billed exactly in its own
 * minor unit. A code Intl does not know is refused where currencies are configured.
 */
export function minorUnitDigits(currency: string): number {
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

/** "92.50" or 92.5 in a currency → 9250 minor units; undefined when it has too many decimals. */
export function toMinorUnits(amount: number | string, currency: string): number | undefined {
  const text = typeof amount === 'number' ? String(amount) : amount.trim();
  const match = /^(\d{1,9})(?:\.(\d+))?$/.exec(text);
  if (!match?.[1]) return undefined;
  const digits = minorUnitDigits(currency);
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return undefined;
  // With no decimals the padded fraction is '', and Number('') is 0.
  return Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0'));
}

export function formatMoney(minor: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  return new Intl.NumberFormat('en-GB', {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(minor / 10 ** digits);
}

/** 28500 in GBP → "285.00": the plain decimal a CSV or an invoice line wants, no symbol. */
export function decimalAmount(minor: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  if (digits === 0) return `${sign}${abs}`;
  const scale = 10 ** digits;
  return `${sign}${Math.floor(abs / scale)}.${String(abs % scale).padStart(digits, '0')}`;
}
