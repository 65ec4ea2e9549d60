// A billing summary as CSV, the file managers and clients keep: one row per line, a totals row,
// and for an issued summary the ledger head it was computed from. Pure: the summary in, text out.
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import { stringify } from 'csv-stringify/sync';
import { billableMinutes } from './billing';
import { billingTotals, type BillingLine } from './billingLines';
import { decimalAmount } from './money';
import { spreadsheetSafe } from './spreadsheet';

dayjs.extend(utc);
dayjs.extend(timezone);

/**
 * A line's work up to the month's end in the minutes its charge is priced on: rounded up to the
 * increment, at least the minimum, at most what was approved (domain/billing.ts requestCharge).
 * For an upfront request that is what it used of the approved minutes it was billed (its billed
 * minutes are the approved ones); on completion it is what the close bills. Computed under the
 * summary's increment and minimum. An adjustment line holds differences, so it has none.
 */
export function usedMinutes(line: BillingLine, terms: { incrementMinutes: number; minimumMinutes: number }): number | undefined {
  if (line.adjustment) return undefined;
  return Math.min(billableMinutes(line.rawMinutes, terms.incrementMinutes, terms.minimumMinutes), line.estimateMinutes);
}

export function billingCsvFilename(summary: { clientKey: string; period: string }): string {
  return `${summary.clientKey}-${summary.period}.csv`;
}

/**
 * One row per line and a totals row that is the exact sum of every number column; an issued
 * summary then has a row with the ledger head it was computed from (its position and whole hash).
 * Minutes are whole numbers, amounts decimals in the currency's units, dates YYYY-MM-DD in the
 * client's timezone. Billed (min) is what the month charged, in minutes: the approved minutes for
 * an upfront request, the used ones (Used (min), see usedMinutes; empty on adjustment lines) on
 * completion.
 */
export function billingCsv(
  summary: {
    currency: string;
    timezone: string;
    lines: BillingLine[];
    incrementMinutes: number;
    minimumMinutes: number;
    ledgerHead?: { seq: number; hash: string } | null | undefined;
  },
): string {
  const { currency, timezone: zone } = summary;
  const money = (minor: number) => decimalAmount(minor, currency);
  const day = (at: Date | null | undefined) => (at ? dayjs(at).tz(zone).format('YYYY-MM-DD') : '');
  const header = [
    'Request',
    'Title',
    'Opened',
    'Closed',
    'Cancelled',
    'Estimate (min)',
    `Approved amount (${currency})`,
    'Logged in month (min)',
    'Raw (min)',
    'Used (min)',
    'Billed (min)',
    `Amount (${currency})`,
    `Upfront (${currency})`,
    `Reconciliation (${currency})`,
    'Adjustment for',
  ];
  const rows = summary.lines.map((l) => [
    l.requestKey,
    spreadsheetSafe(l.title),
    day(l.openedAt),
    day(l.closedAt),
    day(l.cancelledAt),
    String(l.estimateMinutes),
    money(l.approvedAmountMinor),
    String(l.loggedMinutes),
    String(l.rawMinutes),
    String(usedMinutes(l, summary) ?? ''),
    String(l.billedMinutes),
    money(l.amountMinor),
    money(l.upfrontMinor),
    money(l.reconciliationMinor),
    l.adjustment ? (l.adjustsPeriod ?? '') : '',
  ]);
  // Summed from the lines written above rather than read from the stored totals, so the file
  // always adds up; the stored totals are the same sums (billingTotals).
  const t = billingTotals(summary.lines);
  const totals = [
    'Total',
    '',
    '',
    '',
    '',
    String(t.estimateMinutes),
    money(t.approvedAmountMinor),
    String(t.loggedMinutes),
    String(t.rawMinutes),
    String(summary.lines.reduce((sum, l) => sum + (usedMinutes(l, summary) ?? 0), 0)),
    String(t.billedMinutes),
    money(t.amountMinor),
    money(t.upfrontMinor),
    money(t.reconciliationMinor),
    '',
  ];
  // An issued summary carries the whole hash of the ledger head it was computed from, for whoever
  // keeps the file to check later (`npm run verify -- --client ACME --head <hash>`).
  const head = summary.ledgerHead ? [[`Ledger head #${summary.ledgerHead.seq}`, summary.ledgerHead.hash, ...header.slice(2).map(() => '')]] : [];
  return stringify([header, ...rows, totals, ...head]);
}
