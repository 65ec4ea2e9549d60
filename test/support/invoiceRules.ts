// Reads an invoice import file back with a CSV parser and applies the format's own rules, written
// here from Xero's and QuickBooks Online's documentation rather than taken from src, so that a
// change to the renderer's columns or numbers is caught: the template's columns in its order,
// required columns filled, dates in the format's layout and real, quantity × unit price equal to
// the line amount to the minor unit, amounts in the currency's own decimals, and the per-file
// invoice limit. Returns each invoice's total in minor units.
import { parse } from 'csv-parse/sync';

export const XERO_TEMPLATE = [
  '*ContactName', 'EmailAddress', 'POAddressLine1', 'POAddressLine2', 'POAddressLine3', 'POAddressLine4', 'POCity', 'PORegion',
  'POPostalCode', 'POCountry', '*InvoiceNumber', 'Reference', '*InvoiceDate', '*DueDate', 'InventoryItemCode', '*Description',
  '*Quantity', '*UnitAmount', 'Discount', '*AccountCode', '*TaxType', 'TrackingName1', 'TrackingOption1', 'TrackingName2',
  'TrackingOption2', 'Currency', 'BrandingTheme',
];
export const QUICKBOOKS_TEMPLATE = [
  'Invoice number', 'Customer', 'Invoice date', 'Due date', 'Item(Product/Service)', 'Item Description', 'Item Quantity',
  'Item Rate', 'Item Amount', 'Memo',
];
const QUICKBOOKS_REQUIRED = ['Invoice number', 'Customer', 'Invoice date', 'Due date', 'Item(Product/Service)', 'Item Quantity', 'Item Rate', 'Item Amount'];

/** ISO 4217 decimals from Intl itself, not from src/domain/money.ts. */
const decimalsOf = (currency: string) => new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;

/** "-12.345" in a 3-decimal currency → -12345; refuses any other number of decimals. */
function minorOf(text: string, currency: string): bigint {
  const digits = decimalsOf(currency);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new Error(`${JSON.stringify(text)} is not an amount`);
  const fraction = match[3] ?? '';
  if (fraction.length !== digits) throw new Error(`${text} has ${fraction.length} decimals; ${currency} has ${digits}`);
  const value = BigInt(`${match[2]}${fraction}`);
  return match[1] === '-' ? -value : value;
}

/** quantity × price (minor units) in minor units, or an error when it is not a whole one. */
function times(quantity: string, priceMinor: bigint): bigint {
  const match = /^(\d+)(?:\.(\d{1,4}))?$/.exec(quantity);
  if (!match) throw new Error(`${JSON.stringify(quantity)} is not a quantity (positive, at most 4 decimals)`);
  const fraction = match[2] ?? '';
  const scaled = BigInt(`${match[1]}${fraction}`) * priceMinor;
  const scale = 10n ** BigInt(fraction.length);
  if (scaled % scale !== 0n) throw new Error(`${quantity} × ${priceMinor} is not a whole number of minor units`);
  return scaled / scale;
}

/** DD/MM/YYYY or MM/DD/YYYY → a real date as YYYY-MM-DD, or an error. */
function dateOf(text: string, layout: 'DD/MM/YYYY' | 'MM/DD/YYYY'): string {
  const match = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text);
  if (!match) throw new Error(`${JSON.stringify(text)} is not a date written ${layout}`);
  const [day, month] = layout === 'DD/MM/YYYY' ? [match[1], match[2]] : [match[2], match[1]];
  const iso = `${match[3]}-${month}-${day}`;
  const parsed = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== iso) throw new Error(`${text} is not a real date (${layout})`);
  return iso;
}

export interface CheckedInvoice {
  number: string;
  contact: string;
  invoiceDate: string;
  dueDate: string;
  totalMinor: number;
  lines: Array<{ description: string; quantity: string; amountMinor: number }>;
}

/**
 * The invoices in `content`, checked against the format's rules (throws, saying what is wrong).
 * `currencyOf` gives an invoice's currency (QuickBooks files carry none: the customer's is used).
 */
export function readInvoiceFile(format: 'xero' | 'quickbooks', content: string, currencyOf: (invoiceNumber: string) => string): CheckedInvoice[] {
  const records = parse(content, { columns: true, skip_empty_lines: true, relax_column_count: false }) as Array<Record<string, string>>;
  const header = (parse(content, { to_line: 1 }) as string[][])[0];
  const expected = format === 'xero' ? XERO_TEMPLATE : QUICKBOOKS_TEMPLATE;
  if (JSON.stringify(header) !== JSON.stringify(expected)) throw new Error(`the header is ${JSON.stringify(header)}, not ${format}'s template`);
  const required = format === 'xero' ? XERO_TEMPLATE.filter((c) => c.startsWith('*')) : QUICKBOOKS_REQUIRED;
  const col = {
    number: format === 'xero' ? '*InvoiceNumber' : 'Invoice number',
    contact: format === 'xero' ? '*ContactName' : 'Customer',
    date: format === 'xero' ? '*InvoiceDate' : 'Invoice date',
    due: format === 'xero' ? '*DueDate' : 'Due date',
    description: format === 'xero' ? '*Description' : 'Item Description',
    quantity: format === 'xero' ? '*Quantity' : 'Item Quantity',
    price: format === 'xero' ? '*UnitAmount' : 'Item Rate',
  };
  const layout = format === 'xero' ? 'DD/MM/YYYY' : 'MM/DD/YYYY';
  const invoices: CheckedInvoice[] = [];
  records.forEach((row, i) => {
    const at = `row ${i + 2}`;
    for (const column of required) if (!row[column]?.trim()) throw new Error(`${at}: ${column} is empty`);
    const number = row[col.number] ?? '';
    const currency = currencyOf(number);
    if (format === 'xero' && row.Currency !== currency) throw new Error(`${at}: Currency is ${row.Currency}, not ${currency}`);
    const amount = times(row[col.quantity] ?? '', minorOf(row[col.price] ?? '', currency));
    if (format === 'quickbooks' && amount !== minorOf(row['Item Amount'] ?? '', currency)) {
      throw new Error(`${at}: ${row[col.quantity]} × ${row[col.price]} is not the Item Amount ${row['Item Amount']}`);
    }
    const invoiceDate = dateOf(row[col.date] ?? '', layout);
    const dueDate = dateOf(row[col.due] ?? '', layout);
    if (dueDate < invoiceDate) throw new Error(`${at}: due ${dueDate} before the invoice date ${invoiceDate}`);
    let invoice = invoices[invoices.length - 1];
    if (invoice?.number !== number) {
      if (invoices.some((inv) => inv.number === number)) throw new Error(`${at}: invoice ${number}'s lines are not together`);
      invoice = { number, contact: row[col.contact] ?? '', invoiceDate, dueDate, totalMinor: 0, lines: [] };
      invoices.push(invoice);
    }
    if (invoice.contact !== row[col.contact] || invoice.invoiceDate !== invoiceDate || invoice.dueDate !== dueDate) {
      throw new Error(`${at}: invoice ${number} changes its contact or dates between lines`);
    }
    invoice.totalMinor += Number(amount);
    invoice.lines.push({ description: row[col.description] ?? '', quantity: row[col.quantity] ?? '', amountMinor: Number(amount) });
  });
  const limit = format === 'xero' ? 500 : 100;
  if (invoices.length > limit) throw new Error(`${invoices.length} invoices in one file; ${format} imports at most ${limit}`);
  return invoices;
}
