// Issued billing summaries as invoices to import into Xero or QuickBooks Online (the rules and the
// files: domain/invoiceExport.ts): one summary for a manager (the export buttons on an issued
// summary), or a whole month for `npm run export -- --format xero|quickbooks --month 2026-11`.
import { BillingSummaryModel } from '../db/billingSummary';
import { ClientModel } from '../db/client';
import {
  InvoiceRefused,
  accountingOf,
  invoiceFiles,
  invoiceFor,
  type Invoice,
  type InvoiceFile,
  type InvoiceFormat,
  type SummaryForInvoice,
} from '../domain/invoiceExport';
import { isPeriod, periodLabel } from '../domain/periods';
import { ErrorCode, UserFacingError } from '../errors';
import { logger } from '../logger';
import { findClientByKey, staffRoles, type Actor } from './directory';

export const EXPORT_REFUSAL = 'Only managers can export invoices.';

function requirePeriod(period: string): void {
  if (!isPeriod(period)) throw new UserFacingError(ErrorCode.InvalidInput, 'Give the month as YYYY-MM, like 2026-11.');
}

/** The summary's invoice under its client's accounting settings as they are now. */
async function invoiceOf(summary: SummaryForInvoice): Promise<Invoice> {
  const client = await findClientByKey(summary.clientKey);
  return invoiceFor(summary, accountingOf(client?.name ?? summary.clientName, client?.accounting));
}

/**
 * The import file of `clientKey`'s issued `period` in `format`, for a manager (anyone else is
 * refused in plain words). A summary that is missing, a draft, charges nothing or is a credit is
 * refused, saying why.
 */
export async function exportIssuedSummary(clientKey: string, period: string, format: InvoiceFormat, actor: Actor): Promise<InvoiceFile[]> {
  if (!(await staffRoles(actor.userId)).includes('manager')) {
    logger.warn({ user: actor.userId, client: clientKey, period, format }, 'Refused an invoice export to a non-manager; nothing was sent');
    throw new UserFacingError(ErrorCode.Forbidden, EXPORT_REFUSAL);
  }
  requirePeriod(period);
  const summary = (await BillingSummaryModel.findOne({ clientKey, period }).lean()) as SummaryForInvoice | null;
  if (!summary) throw new UserFacingError(ErrorCode.NotFound, `There is no ${periodLabel(period)} summary for ${clientKey}, so there is no invoice to export.`);
  try {
    return invoiceFiles(format, [await invoiceOf(summary)], invoiceLabel(clientKey, period));
  } catch (error) {
    if (error instanceof InvoiceRefused) throw new UserFacingError(ErrorCode.InvalidState, error.message);
    throw error;
  }
}

export function invoiceLabel(clientKey: string | undefined, period: string): string {
  return `${clientKey ?? 'invoices'}-${period}`;
}

export interface MonthExport {
  files: InvoiceFile[];
  /** Clients whose month gives no invoice, and why (a draft, nothing to invoice, a credit). */
  skipped: Array<{ clientKey: string; reason: string }>;
}

/**
 * Every client's issued `period` (or one client's) as `format`'s import files. For one client, a
 * month that gives no invoice is refused, saying why; for all, such clients are listed as skipped
 * and the others exported.
 */
export async function exportIssuedMonth(input: { period: string; format: InvoiceFormat; clientKey?: string | undefined }): Promise<MonthExport> {
  requirePeriod(input.period);
  const { period, format, clientKey } = input;
  if (clientKey && !(await ClientModel.exists({ key: clientKey }))) {
    throw new UserFacingError(ErrorCode.NotFound, `There is no client ${clientKey}, so there is nothing to export.`);
  }
  const summaries = (await BillingSummaryModel.find({ period, ...(clientKey ? { clientKey } : {}) })
    .sort({ clientKey: 1 })
    .lean()) as SummaryForInvoice[];
  if (clientKey && summaries.length === 0) {
    throw new UserFacingError(ErrorCode.NotFound, `There is no ${periodLabel(period)} summary for ${clientKey}, so there is no invoice to export.`);
  }
  const invoices: Invoice[] = [];
  const skipped: MonthExport['skipped'] = [];
  if (!clientKey) {
    const summarised = new Set(summaries.map((s) => s.clientKey));
    for (const { key } of await ClientModel.find({}, { key: 1 }).sort({ key: 1 }).lean()) {
      if (!summarised.has(key)) skipped.push({ clientKey: key, reason: `There is no ${periodLabel(period)} summary for ${key}.` });
    }
  }
  for (const summary of summaries) {
    try {
      invoices.push(await invoiceOf(summary));
    } catch (error) {
      if (!(error instanceof InvoiceRefused)) throw error;
      if (clientKey) throw new UserFacingError(ErrorCode.InvalidState, error.message);
      skipped.push({ clientKey: summary.clientKey, reason: error.message });
    }
  }
  return { files: invoiceFiles(format, invoices, invoiceLabel(clientKey, period)), skipped };
}
