// An issued billing summary as an invoice, and invoices as the import files of Xero (sales
// invoices) and QuickBooks Online (invoices). Pure: the summary and the client's accounting
// settings in, CSV text out. Written down in one place, like the ledger's format:
//
// - One invoice per issued summary, numbered `<client key>-<YYYY-MM>` (ACME-2026-11): the same
//   month exports the same number every time, so importing it twice is caught as a duplicate.
// - Its lines, in the summary's order: a request's charge for the month; a credit for approved
//   time an upfront request did not use (its reconciliation); and each adjustment (a correction
//   to an issued month) as a line of its own. Lines that charge nothing (work in progress) are
//   left out. The lines add up to the summary's "To invoice" (totals.netMinor), to the minor unit.
// - Every amount is integer minor units, written with the currency's own decimals (JPY 0, GBP 2,
//   KWD 3). A line is written as quantity × unit price = its amount exactly: hours × the hourly
//   price when both are exact (hours to 2 decimals, the price in whole minor units), otherwise
//   quantity 1 at the line's amount (a rounded price, a credit, an adjustment).
// - Dates: the invoice date is the day the summary was issued, in the client's timezone; due
//   paymentTermsDays later. Xero wants DD/MM/YYYY; QuickBooks reads the format chosen when
//   importing, and we write MM/DD/YYYY (its US default): pick that one there.
// - At most 500 invoices per Xero file and 100 per QuickBooks file (their import limits); more
//   are split over several files, an invoice never across two.
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import { stringify } from 'csv-stringify/sync';
import type { BillingLine } from './billingLines';
import type { AccountingSettings } from './clientSettings';
import { formatDuration } from './duration';
import { decimalAmount, formatMoney } from './money';
import { periodLabel } from './periods';
import { spreadsheetSafe } from './spreadsheet';

dayjs.extend(utc);
dayjs.extend(timezone);

export const INVOICE_FORMATS = ['xero', 'quickbooks'] as const;
export type InvoiceFormat = (typeof INVOICE_FORMATS)[number];

export const INVOICE_FORMAT_NAMES: Record<InvoiceFormat, string> = { xero: 'Xero', quickbooks: 'QuickBooks Online' };

/** The most invoices one import file may hold (Xero's and QuickBooks Online's limits). */
export const MAX_INVOICES_PER_FILE: Record<InvoiceFormat, number> = { xero: 500, quickbooks: 100 };

/**
 * What the export uses when a client's accounting setting is left out. "No VAT" is Xero's (UK)
 * rate that adds no tax, so the invoice comes to exactly the summary's total; a client whose
 * invoices carry tax names its rate (e.g. "20% (VAT on Income)") and Xero adds it on top.
 */
export const ACCOUNTING_DEFAULTS = { accountCode: '200', taxType: 'No VAT', itemName: 'Support', paymentTermsDays: 14 } as const;

export type Accounting = Required<AccountingSettings>;

/** The client's accounting settings with the defaults filled in (the contact: the client's name). */
export function accountingOf(clientName: string, given: { [K in keyof AccountingSettings]?: AccountingSettings[K] | null } | null | undefined): Accounting {
  return {
    contactName: given?.contactName ?? clientName,
    accountCode: given?.accountCode ?? ACCOUNTING_DEFAULTS.accountCode,
    taxType: given?.taxType ?? ACCOUNTING_DEFAULTS.taxType,
    itemName: given?.itemName ?? ACCOUNTING_DEFAULTS.itemName,
    paymentTermsDays: given?.paymentTermsDays ?? ACCOUNTING_DEFAULTS.paymentTermsDays,
  };
}

/** What an invoice needs of a billing summary. */
export interface SummaryForInvoice {
  clientKey: string;
  clientName: string;
  period: string;
  status: string;
  currency: string;
  timezone: string;
  issuedAt?: Date | null | undefined;
  lines: BillingLine[];
  totals: { netMinor: number };
  ledgerHead?: { seq: number; hash: string } | null | undefined;
}

export interface InvoiceLine {
  description: string;
  /** Decimal text: "1" or hours such as "1.50". */
  quantity: string;
  unitPriceMinor: number;
  amountMinor: number;
}

export interface Invoice {
  number: string;
  currency: string;
  contactName: string;
  accountCode: string;
  taxType: string;
  itemName: string;
  /** YYYY-MM-DD. */
  invoiceDate: string;
  dueDate: string;
  /** Xero's Reference and QuickBooks' Memo: the month, and the ledger head it was computed from. */
  reference: string;
  lines: InvoiceLine[];
  totalMinor: number;
}

export type InvoiceRefusalReason = 'not_issued' | 'nothing_to_invoice' | 'credit';

/** A summary that cannot be exported as an invoice; the message is for the person who asked. */
export class InvoiceRefused extends Error {
  constructor(
    readonly reason: InvoiceRefusalReason,
    message: string,
  ) {
    super(message);
    this.name = 'InvoiceRefused';
  }
}

export function invoiceNumber(clientKey: string, period: string): string {
  return `${clientKey}-${period}`;
}

/**
 * `amountMinor` for `minutes` of work as quantity × unit price, exactly: hours (to 2 decimals,
 * exact when the minutes are a multiple of 3) at a whole number of minor units an hour, when
 * both are exact; otherwise quantity 1 at the amount.
 */
export function pricedLine(amountMinor: number, minutes: number): { quantity: string; unitPriceMinor: number } {
  if (Number.isSafeInteger(minutes) && minutes > 0 && minutes % 3 === 0 && (BigInt(amountMinor) * 60n) % BigInt(minutes) === 0n) {
    const hundredths = (minutes / 3) * 5; // minutes / 60 h, in hundredths of an hour
    const quantity = `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
    return { quantity, unitPriceMinor: Number((BigInt(amountMinor) * 60n) / BigInt(minutes)) };
  }
  return { quantity: '1', unitPriceMinor: amountMinor };
}

/** Quantity × unit price in minor units, from the text written (what an importer computes). */
export function lineAmountMinor(quantity: string, unitPriceMinor: number): number {
  const match = /^(\d+)(?:\.(\d{1,4}))?$/.exec(quantity);
  if (!match) throw new RangeError(`${quantity} is not a quantity`);
  const fraction = match[2] ?? '';
  const scaled = BigInt(`${match[1]}${fraction}`) * BigInt(unitPriceMinor);
  const scale = 10n ** BigInt(fraction.length);
  if (scaled % scale !== 0n) throw new RangeError(`${quantity} × ${unitPriceMinor} is not a whole number of minor units`);
  return Number(scaled / scale);
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

function linesOf(summary: SummaryForInvoice): InvoiceLine[] {
  const out: InvoiceLine[] = [];
  const add = (description: string, amountMinor: number, minutes = 0) => {
    if (amountMinor === 0) return;
    out.push({ description: oneLine(description), amountMinor, ...pricedLine(amountMinor, minutes) });
  };
  for (const line of summary.lines) {
    const what = `${line.requestKey} ${line.title}`;
    if (line.adjustment) {
      add(`${what}: correction to ${periodLabel(line.adjustsPeriod ?? summary.period)}`, line.amountMinor + line.reconciliationMinor);
      continue;
    }
    const upfront = line.upfrontMinor !== 0;
    add(
      upfront ? `${what}: approved estimate of ${formatDuration(line.billedMinutes)}, invoiced upfront` : `${what}: ${formatDuration(line.billedMinutes)} of support`,
      line.amountMinor,
      line.billedMinutes,
    );
    add(`${what}: credit for approved time not used`, line.reconciliationMinor);
  }
  return out;
}

/**
 * The invoice for an issued summary, under the client's accounting settings. Refused (with the
 * reason in plain words) for a summary that is not issued, one that charges nothing, and one
 * that is a credit to the client (neither Xero nor QuickBooks imports an invoice below zero).
 */
export function invoiceFor(summary: SummaryForInvoice, accounting: Accounting): Invoice {
  const month = `The ${periodLabel(summary.period)} summary for ${summary.clientKey}`;
  if (summary.status !== 'issued' || !summary.issuedAt) {
    throw new InvoiceRefused('not_issued', `${month} is a draft, not issued: only an issued summary can be exported as an invoice. Issue it first.`);
  }
  const lines = linesOf(summary);
  const totalMinor = lines.reduce((sum, l) => sum + l.amountMinor, 0);
  // The lines are the summary's own numbers regrouped: anything else is a bug, never an invoice.
  if (totalMinor !== summary.totals.netMinor) {
    throw new Error(`Invoice ${invoiceNumber(summary.clientKey, summary.period)} comes to ${totalMinor}, its summary to ${summary.totals.netMinor}`);
  }
  if (lines.length === 0) throw new InvoiceRefused('nothing_to_invoice', `${month} charges nothing, so there is no invoice to export.`);
  if (totalMinor < 0) {
    throw new InvoiceRefused(
      'credit',
      `${month} is a credit of ${formatMoney(-totalMinor, summary.currency)} to the client, not an invoice: Xero and QuickBooks import invoices only, so raise a credit note for it there.`,
    );
  }
  const invoiceDate = dayjs(summary.issuedAt).tz(summary.timezone).format('YYYY-MM-DD');
  const head = summary.ledgerHead ? ` (ledger head #${summary.ledgerHead.seq} ${summary.ledgerHead.hash.slice(0, 16)})` : '';
  return {
    number: invoiceNumber(summary.clientKey, summary.period),
    currency: summary.currency,
    contactName: accounting.contactName,
    accountCode: accounting.accountCode,
    taxType: accounting.taxType,
    itemName: accounting.itemName,
    invoiceDate,
    dueDate: dayjs.utc(invoiceDate).add(accounting.paymentTermsDays, 'day').format('YYYY-MM-DD'),
    reference: `Support, ${periodLabel(summary.period)}${head}`,
    lines,
    totalMinor,
  };
}

// ---------------------------------------------------------------------------------------------
// The files
// ---------------------------------------------------------------------------------------------

/** Xero's sales invoice import template, in its order; `*` marks what Xero requires. */
export const XERO_COLUMNS = [
  '*ContactName',
  'EmailAddress',
  'POAddressLine1',
  'POAddressLine2',
  'POAddressLine3',
  'POAddressLine4',
  'POCity',
  'PORegion',
  'POPostalCode',
  'POCountry',
  '*InvoiceNumber',
  'Reference',
  '*InvoiceDate',
  '*DueDate',
  'InventoryItemCode',
  '*Description',
  '*Quantity',
  '*UnitAmount',
  'Discount',
  '*AccountCode',
  '*TaxType',
  'TrackingName1',
  'TrackingOption1',
  'TrackingName2',
  'TrackingOption2',
  'Currency',
  'BrandingTheme',
] as const;

/** QuickBooks Online's invoice import columns, named as its importer maps them by itself. */
export const QUICKBOOKS_COLUMNS = [
  'Invoice number',
  'Customer',
  'Invoice date',
  'Due date',
  'Item(Product/Service)',
  'Item Description',
  'Item Quantity',
  'Item Rate',
  'Item Amount',
  'Memo',
] as const;

/** YYYY-MM-DD as the format writes a date: DD/MM/YYYY for Xero, MM/DD/YYYY for QuickBooks. */
function dateIn(format: InvoiceFormat, day: string): string {
  const [year, month, date] = day.split('-');
  return format === 'xero' ? `${date}/${month}/${year}` : `${month}/${date}/${year}`;
}

function rowsOf(format: InvoiceFormat, invoice: Invoice): string[][] {
  const money = (minor: number) => decimalAmount(minor, invoice.currency);
  const text = (value: string) => spreadsheetSafe(value);
  return invoice.lines.map((line) => {
    if (format === 'xero') {
      const row: Record<(typeof XERO_COLUMNS)[number], string> = {
        '*ContactName': text(invoice.contactName),
        EmailAddress: '',
        POAddressLine1: '',
        POAddressLine2: '',
        POAddressLine3: '',
        POAddressLine4: '',
        POCity: '',
        PORegion: '',
        POPostalCode: '',
        POCountry: '',
        '*InvoiceNumber': invoice.number,
        Reference: text(invoice.reference),
        '*InvoiceDate': dateIn(format, invoice.invoiceDate),
        '*DueDate': dateIn(format, invoice.dueDate),
        InventoryItemCode: '',
        '*Description': text(line.description),
        '*Quantity': line.quantity,
        '*UnitAmount': money(line.unitPriceMinor),
        Discount: '',
        '*AccountCode': text(invoice.accountCode),
        '*TaxType': text(invoice.taxType),
        TrackingName1: '',
        TrackingOption1: '',
        TrackingName2: '',
        TrackingOption2: '',
        Currency: invoice.currency,
        BrandingTheme: '',
      };
      return XERO_COLUMNS.map((column) => row[column]);
    }
    const row: Record<(typeof QUICKBOOKS_COLUMNS)[number], string> = {
      'Invoice number': invoice.number,
      Customer: text(invoice.contactName),
      'Invoice date': dateIn(format, invoice.invoiceDate),
      'Due date': dateIn(format, invoice.dueDate),
      'Item(Product/Service)': text(invoice.itemName),
      'Item Description': text(line.description),
      'Item Quantity': line.quantity,
      'Item Rate': money(line.unitPriceMinor),
      'Item Amount': money(line.amountMinor),
      Memo: text(invoice.reference),
    };
    return QUICKBOOKS_COLUMNS.map((column) => row[column]);
  });
}

export interface InvoiceFile {
  filename: string;
  content: string;
  /** The invoice numbers the file holds, in order. */
  invoices: string[];
}

/**
 * The invoices as `format`'s import files, at most MAX_INVOICES_PER_FILE each: `<label>-<format>.csv`,
 * or `<label>-<format>-<n>-of-<N>.csv` when they take several. No invoice, no file.
 */
export function invoiceFiles(format: InvoiceFormat, invoices: readonly Invoice[], label: string): InvoiceFile[] {
  const header = format === 'xero' ? [...XERO_COLUMNS] : [...QUICKBOOKS_COLUMNS];
  const size = MAX_INVOICES_PER_FILE[format];
  const chunks: Invoice[][] = [];
  for (let i = 0; i < invoices.length; i += size) chunks.push(invoices.slice(i, i + size));
  return chunks.map((chunk, i) => ({
    filename: chunks.length === 1 ? `${label}-${format}.csv` : `${label}-${format}-${i + 1}-of-${chunks.length}.csv`,
    content: stringify([header, ...chunk.flatMap((invoice) => rowsOf(format, invoice))]),
    invoices: chunk.map((invoice) => invoice.number),
  }));
}
