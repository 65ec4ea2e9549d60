// Invoice exports (src/domain/invoiceExport.ts): every file read back with csv-parse and checked
// against Xero's and QuickBooks Online's own rules (test/support/invoiceRules.ts), totals equal to
// the summary's "To invoice" to the minor unit, in 0-, 2- and 3-decimal currencies, with
// adjustments and upfront credits as lines of their own; drafts, credits and empty months refused.
import type { BillingLine } from '../../src/domain/billingLines';
import {
  ACCOUNTING_DEFAULTS,
  InvoiceRefused,
  accountingOf,
  invoiceFiles,
  invoiceFor,
  lineAmountMinor,
  pricedLine,
  type Invoice,
  type SummaryForInvoice,
} from '../../src/domain/invoiceExport';
import { readInvoiceFile } from '../support/invoiceRules';

const FORMATS = ['xero', 'quickbooks'] as const;

function line(requestKey: string, title: string, numbers: Partial<BillingLine>): BillingLine {
  return {
    requestKey,
    title,
    openedAt: new Date('2026-11-02T09:00:00Z'),
    state: 'closed',
    estimateMinutes: 0,
    approvedAmountMinor: 0,
    loggedMinutes: 0,
    rawMinutes: 0,
    billedMinutes: 0,
    amountMinor: 0,
    upfrontMinor: 0,
    reconciliationMinor: 0,
    adjustment: false,
    ...numbers,
  };
}

function summary(fields: Partial<SummaryForInvoice> & Pick<SummaryForInvoice, 'lines'>): SummaryForInvoice {
  const netMinor = fields.lines.reduce((sum, l) => sum + l.amountMinor + l.reconciliationMinor, 0);
  return {
    clientKey: 'ACME',
    clientName: 'Acme Ltd',
    period: '2026-11',
    status: 'issued',
    currency: 'GBP',
    timezone: 'Europe/London',
    issuedAt: new Date('2026-12-01T10:00:00Z'),
    ledgerHead: { seq: 12, hash: 'ab'.repeat(32) },
    totals: { netMinor },
    ...fields,
  };
}

/** Every format's file of one invoice, read back and checked; the invoice as each file says it. */
function readBack(invoice: Invoice) {
  return FORMATS.map((format) => {
    const files = invoiceFiles(format, [invoice], `${invoice.number}`);
    expect(files).toHaveLength(1);
    const read = readInvoiceFile(format, files[0]?.content ?? '', () => invoice.currency);
    expect(read).toHaveLength(1);
    return { format, content: files[0]?.content ?? '', invoice: read[0]! };
  });
}

describe('pricedLine: quantity × unit price is the amount, exactly', () => {
  it.each([
    // amount, minutes → quantity, unit price (minor units)
    [14250, 90, '1.50', 9500], // 1.5 h at £95.00
    [24100, 120, '2.00', 12050], // 2 h at £120.50
    [9000, 45, '0.75', 12000], // ¥: 45 min at ¥12,000/h
    [35125, 60, '1.00', 35125], // KWD 35.125 an hour
    [475, 3, '0.05', 9500], // the smallest whole-hundredth quantity
    [10000, 50, '1', 10000], // 50 min is 0.8333… h: quantity 1
    [52688, 90, '1', 52688], // a rounded amount (52687.5 → 52688): no whole hourly price fits
    [11708, 20, '1', 11708],
    [-2008, 0, '1', -2008], // a credit has no minutes
    [2375, 0, '1', 2375],
    [9007199254740, 60, '1.00', 9007199254740], // large, still exact (BigInt)
  ])('%d for %d minutes → %s × %d', (amount, minutes, quantity, unit) => {
    const priced = pricedLine(amount, minutes);
    expect(priced).toEqual({ quantity, unitPriceMinor: unit });
    expect(lineAmountMinor(priced.quantity, priced.unitPriceMinor)).toBe(amount);
  });
});

describe('the invoice of an issued summary', () => {
  const accounting = accountingOf('Acme Ltd', undefined);

  it('has a line per charge, an adjustment as a line of its own, and comes to the summary’s total in GBP', () => {
    const s = summary({
      lines: [
        line('ACME-1', 'Upgrade the database', { billedMinutes: 90, amountMinor: 14250, estimateMinutes: 120, rawMinutes: 80 }),
        line('ACME-2', 'Patch the web server', { state: 'in_progress', loggedMinutes: 25, rawMinutes: 25 }),
        line('ACME-7', 'Renew the certificate', { adjustment: true, adjustsPeriod: '2026-10', billedMinutes: 15, amountMinor: 2375 }),
      ],
    });
    const invoice = invoiceFor(s, accounting);
    expect(invoice).toMatchObject({ number: 'ACME-2026-11', contactName: 'Acme Ltd', invoiceDate: '2026-12-01', dueDate: '2026-12-15', totalMinor: 16625 });
    for (const { format, content, invoice: read } of readBack(invoice)) {
      expect(read.totalMinor).toBe(s.totals.netMinor);
      expect(read.lines).toEqual([
        { description: 'ACME-1 Upgrade the database: 1h 30m of support', quantity: '1.50', amountMinor: 14250 },
        { description: 'ACME-7 Renew the certificate: correction to October 2026', quantity: '1', amountMinor: 2375 },
      ]);
      if (format === 'xero') {
        expect(content.split('\n')[1]).toBe(
          'Acme Ltd,,,,,,,,,,ACME-2026-11,"Support, November 2026 (ledger head #12 abababababababab)",01/12/2026,15/12/2026,,ACME-1 Upgrade the database: 1h 30m of support,1.50,95.00,,200,No VAT,,,,,GBP,',
        );
      } else {
        expect(content.split('\n')[2]).toBe(
          'ACME-2026-11,Acme Ltd,12/01/2026,12/15/2026,Support,ACME-7 Renew the certificate: correction to October 2026,1,23.75,23.75,"Support, November 2026 (ledger head #12 abababababababab)"',
        );
      }
    }
  });

  it('bills an upfront approval at the hourly price and credits unused approved time as a line of its own', () => {
    const s = summary({
      clientKey: 'BETA',
      clientName: 'Beta Co',
      lines: [
        line('BETA-1', 'Close the old server', { amountMinor: 0, upfrontMinor: 0, reconciliationMinor: -2008 }),
        line('BETA-2', 'Move the mail', { state: 'in_progress', billedMinutes: 120, amountMinor: 24100, upfrontMinor: 24100 }),
      ],
    });
    const invoice = invoiceFor(s, accountingOf('Beta Co', { contactName: 'Beta Company Limited', paymentTermsDays: 30, itemName: 'Ad-hoc support' }));
    expect(invoice).toMatchObject({ contactName: 'Beta Company Limited', itemName: 'Ad-hoc support', dueDate: '2026-12-31', totalMinor: 22092 });
    for (const { invoice: read } of readBack(invoice)) {
      expect(read.totalMinor).toBe(22092);
      expect(read.contact).toBe('Beta Company Limited');
      expect(read.lines).toEqual([
        { description: 'BETA-1 Close the old server: credit for approved time not used', quantity: '1', amountMinor: -2008 },
        { description: 'BETA-2 Move the mail: approved estimate of 2h, invoiced upfront', quantity: '2.00', amountMinor: 24100 },
      ]);
    }
  });

  it('writes yen with no decimals', () => {
    const s = summary({
      clientKey: 'NIHON',
      currency: 'JPY',
      timezone: 'Asia/Tokyo',
      issuedAt: new Date('2026-11-30T23:30:00Z'), // 1 December in Tokyo
      lines: [
        line('NIHON-1', 'Fix the shop', { billedMinutes: 50, amountMinor: 10000 }),
        line('NIHON-2', 'Tune the database', { billedMinutes: 45, amountMinor: 9000 }),
        line('NIHON-3', 'Earlier fix', { adjustment: true, adjustsPeriod: '2026-10', amountMinor: -1500 }),
      ],
    });
    const invoice = invoiceFor(s, accounting);
    expect(invoice.invoiceDate).toBe('2026-12-01');
    for (const { format, content, invoice: read } of readBack(invoice)) {
      expect(read.totalMinor).toBe(17500);
      expect(read.totalMinor).toBe(s.totals.netMinor);
      expect(read.invoiceDate).toBe('2026-12-01');
      const rate = format === 'xero' ? ',0.75,12000,' : ',0.75,12000,9000,';
      expect(content).toContain(rate);
      expect(content).toContain(format === 'xero' ? ',1,-1500,' : ',1,-1500,-1500,');
      // Prices and amounts without decimals (readInvoiceFile refuses yen with any).
      expect(content).toContain(format === 'xero' ? ',1,10000,' : ',1,10000,10000,');
    }
  });

  it('writes Kuwaiti dinars with three decimals', () => {
    const s = summary({
      clientKey: 'KUW',
      currency: 'KWD',
      timezone: 'Asia/Kuwait',
      lines: [
        line('KUW-1', 'Audit', { billedMinutes: 60, amountMinor: 35125 }),
        line('KUW-2', 'Quick fix', { billedMinutes: 20, amountMinor: 11708 }),
        line('KUW-3', 'Migration', { billedMinutes: 90, amountMinor: 52688 }),
        line('KUW-4', 'Late time', { adjustment: true, adjustsPeriod: '2026-09', amountMinor: 5855 }),
      ],
    });
    const invoice = invoiceFor(s, accounting);
    for (const { format, content, invoice: read } of readBack(invoice)) {
      expect(read.totalMinor).toBe(35125 + 11708 + 52688 + 5855);
      expect(read.totalMinor).toBe(s.totals.netMinor);
      expect(content).toContain(format === 'xero' ? ',1.00,35.125,' : ',1.00,35.125,35.125,');
      expect(content).toContain(format === 'xero' ? ',1,52.688,' : ',1,52.688,52.688,');
      expect(content).toContain('correction to September 2026');
    }
  });

  it('fills in the documented defaults, and keeps a cell a spreadsheet would run as text', () => {
    expect(accountingOf('Acme Ltd', null)).toEqual({ contactName: 'Acme Ltd', accountCode: '200', taxType: 'No VAT', itemName: 'Support', paymentTermsDays: 14 });
    expect(ACCOUNTING_DEFAULTS).toEqual({ accountCode: '200', taxType: 'No VAT', itemName: 'Support', paymentTermsDays: 14 });
    expect(accountingOf('Acme Ltd', { accountCode: '4000', taxType: '20% (VAT on Income)', paymentTermsDays: 0 })).toMatchObject({ accountCode: '4000', taxType: '20% (VAT on Income)', paymentTermsDays: 0 });
    const invoice = invoiceFor(summary({ lines: [line('ACME-1', 'x', { billedMinutes: 60, amountMinor: 9500 })] }), accountingOf('=cmd()', { paymentTermsDays: 0 }));
    expect(invoice.dueDate).toBe(invoice.invoiceDate);
    for (const { invoice: read } of readBack(invoice)) expect(read.contact).toBe("'=cmd()");
  });

  it.each([
    [{ status: 'draft', issuedAt: undefined }, 'not_issued', 'The November 2026 summary for ACME is a draft, not issued: only an issued summary can be exported as an invoice. Issue it first.'],
    [{ lines: [line('ACME-2', 'In progress', { loggedMinutes: 30 })] }, 'nothing_to_invoice', 'The November 2026 summary for ACME charges nothing, so there is no invoice to export.'],
    [{ lines: [] }, 'nothing_to_invoice', 'charges nothing'],
    [
      { lines: [line('ACME-1', 'Refund', { adjustment: true, adjustsPeriod: '2026-10', amountMinor: -1200 })] },
      'credit',
      'The November 2026 summary for ACME is a credit of £12.00 to the client, not an invoice: Xero and QuickBooks import invoices only, so raise a credit note for it there.',
    ],
  ])('refuses %j (%s)', (fields, reason, message) => {
    const s = summary({ lines: [line('ACME-1', 'Work', { billedMinutes: 60, amountMinor: 9500 })], ...fields } as SummaryForInvoice);
    const refusal = (() => {
      try {
        invoiceFor(s, accounting);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refusal).toBeInstanceOf(InvoiceRefused);
    expect(refusal).toMatchObject({ reason, message: expect.stringContaining(message) });
  });

  it('never writes an invoice whose lines do not add up to the summary', () => {
    const s = { ...summary({ lines: [line('ACME-1', 'Work', { billedMinutes: 60, amountMinor: 9500 })] }), totals: { netMinor: 9501 } };
    expect(() => invoiceFor(s, accounting)).toThrow('comes to 9500, its summary to 9501');
  });
});

describe('import files', () => {
  const invoices = (count: number): Invoice[] =>
    Array.from({ length: count }, (_, i) =>
      invoiceFor(
        summary({ clientKey: `C${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26) % 26)}`, period: `2026-${String((i % 12) + 1).padStart(2, '0')}`, lines: [line('X-1', 'Work', { billedMinutes: 60, amountMinor: 9500 + i }), line('X-2', 'More', { billedMinutes: 30, amountMinor: 4750 })] }),
        accountingOf('Client', undefined),
      ),
    );

  it.each([
    ['xero', 500, [500]],
    ['xero', 501, [500, 1]],
    ['quickbooks', 100, [100]],
    ['quickbooks', 101, [100, 1]],
    ['quickbooks', 250, [100, 100, 50]],
  ] as const)('splits %s files at the import limit: %d invoices → %j', (format, count, sizes) => {
    const all = invoices(count);
    const files = invoiceFiles(format, all, 'invoices-2026-11');
    expect(files.map((f) => f.invoices.length)).toEqual(sizes);
    expect(files.map((f) => f.filename)).toEqual(
      sizes.length === 1 ? [`invoices-2026-11-${format}.csv`] : sizes.map((_, i) => `invoices-2026-11-${format}-${i + 1}-of-${sizes.length}.csv`),
    );
    const read = files.flatMap((f) => readInvoiceFile(format, f.content, () => 'GBP'));
    // Every invoice once, whole, in order, and the grand total to the penny.
    expect(read.map((r) => r.number)).toEqual(all.map((i) => i.number));
    expect(read.every((r) => r.lines.length === 2)).toBe(true);
    expect(read.reduce((sum, r) => sum + r.totalMinor, 0)).toBe(all.reduce((sum, i) => sum + i.totalMinor, 0));
  });

  it('writes no file for no invoice', () => {
    expect(invoiceFiles('xero', [], 'x')).toEqual([]);
  });
});
