// A client's billing summary for a month as a Slack message. Pure: summary in, blocks out. Long
// months are cut to fit Slack's limits (50 blocks, 3000 characters a section); the CSV has it all.
import type { Button, KnownBlock } from '@slack/types';
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import { formatDuration } from '../../domain/duration';
import { INVOICE_FORMATS, INVOICE_FORMAT_NAMES, type InvoiceFormat } from '../../domain/invoiceExport';
import { formatMoney } from '../../domain/money';
import { periodLabel as periodName } from '../../domain/periods';
import { cutText } from '../../domain/text';
import type { BillingLine, BillingSummary } from '../../services/billing';
import { usedMinutes } from '../../domain/billingCsv';
import { escapeAndTruncate, escapeMrkdwn, mention } from '../mrkdwn';
import { context, section, slackDate } from './blocks';

dayjs.extend(utc);
dayjs.extend(timezone);

/** The Issue button; the value is `<client key> <YYYY-MM>`. */
export const BILLING_ISSUE_ACTION = 'billing_issue';

/**
 * The export buttons of an issued summary, one per format (`billing_export_xero`, …); the value
 * is the Issue button's, `<client key> <YYYY-MM>`.
 */
export const BILLING_EXPORT_ACTION = 'billing_export';
export const billingExportAction = (format: InvoiceFormat) => `${BILLING_EXPORT_ACTION}_${format}`;

const IMPORT_WHERE: Record<InvoiceFormat, string> = {
  xero: 'Xero: Business → Invoices → Import (dates are DD/MM/YYYY)',
  quickbooks: 'QuickBooks Online: New → Import invoices (choose the date format MM/DD/YYYY)',
};

/** The DM that carries one export file to the manager who clicked, with where to import it. */
export function exportFilePost(clientKey: string, period: string, format: InvoiceFormat, file: { filename: string; content: string; invoices: readonly string[] }) {
  const name = INVOICE_FORMAT_NAMES[format];
  const invoices = file.invoices.join(', ');
  return {
    text: `The ${periodName(period)} invoice for ${clientKey} (${invoices}), as a ${name} import file.`,
    csv: { filename: file.filename, title: `${clientKey} invoice ${invoices} for ${name}`, content: file.content, comment: `Import it in ${IMPORT_WHERE[format]}.` },
  };
}

/** Told to the manager who clicked an export button, where they clicked. */
export function exportSentText(format: InvoiceFormat): string {
  return `Sending you the ${INVOICE_FORMAT_NAMES[format]} file in our direct messages.`;
}

export const SECTION_TEXT_MAX = 3000;
/** Request lines shown before "and N more"; well inside the 50-block limit however they pack. */
export const MAX_LINES_SHOWN = 40;
const MAX_LINE_SECTIONS = 30;
const TITLE_MAX = 80;

export interface BillingMessageInput {
  summary: Pick<
    BillingSummary,
    | 'clientKey'
    | 'clientName'
    | 'period'
    | 'status'
    | 'currency'
    | 'timezone'
    | 'billingMode'
    | 'hourlyRateMinor'
    | 'incrementMinutes'
    | 'minimumMinutes'
    | 'lines'
    | 'totals'
    | 'generatedAt'
    | 'generatedBy'
    | 'issuedAt'
    | 'issuedBy'
    | 'revision'
  > & { ledgerHead?: LedgerHead | null | undefined };
  /**
   * The managers' copy: the Issue button on a draft, the Xero and QuickBooks export buttons on an
   * issued summary (each click is authorised again on the server).
   */
  canIssue: boolean;
  /** The month has not ended yet in the client's timezone. */
  inProgress?: boolean;
  changedSinceIssue?: boolean;
  /** Where adjustments for changes since issue went. */
  adjustmentsIn?: string | undefined;
}

interface LedgerHead {
  seq: number;
  hash: string;
}

/** Characters of the ledger head's hash a message shows (the CSV carries all 64). */
export const HEAD_SHOWN = 16;

/** The chain head an issued summary was computed from, as a reader (a client's accountant) keeps it. */
export function ledgerHeadText(head: LedgerHead): string {
  return `Ledger head #${head.seq} \`${head.hash.slice(0, HEAD_SHOWN)}\`: our audit record as it stood when these figures were computed (the whole hash is in the CSV). Keep it: anyone can check later that the record still holds it, unchanged.`;
}

export function billingIssueValue(clientKey: string, period: string): string {
  return `${clientKey} ${period}`;
}

function signed(text: string, value: number, adjustment: boolean): string {
  return adjustment && value > 0 ? `+${text}` : text;
}

function lineText(line: BillingLine, input: BillingMessageInput): string {
  const { currency, timezone: zone } = input.summary;
  const money = (minor: number) => signed(formatMoney(minor, currency), minor, line.adjustment);
  const time = (minutes: number) => signed(formatDuration(minutes), minutes, line.adjustment);
  const title = escapeAndTruncate(line.title, TITLE_MAX);
  if (line.adjustment) {
    const parts = [
      line.loggedMinutes !== 0 ? `logged ${time(line.loggedMinutes)}` : '',
      line.billedMinutes !== 0 ? `billed ${time(line.billedMinutes)}` : '',
      line.upfrontMinor !== 0 ? `upfront ${money(line.upfrontMinor)}` : '',
      line.reconciliationMinor !== 0 ? `reconciliation ${money(line.reconciliationMinor)}` : '',
      `*${money(line.amountMinor + line.reconciliationMinor)}*`,
    ].filter(Boolean);
    return `:arrows_counterclockwise: *${line.requestKey}* ${title}, correcting ${periodName(line.adjustsPeriod ?? input.summary.period)}\n${parts.join(' · ')}`;
  }
  const ended = line.closedAt ?? line.cancelledAt;
  const closed = line.closedAt
    ? `, closed ${dayjs(line.closedAt).tz(zone).format('D MMM')}`
    : line.cancelledAt
      ? `, cancelled ${dayjs(line.cancelledAt).tz(zone).format('D MMM')}`
      : '';
  const estimate = line.estimateMinutes > 0 ? `estimate ${formatDuration(line.estimateMinutes)} (${money(line.approvedAmountMinor)})` : 'no approved estimate';
  const logged = `logged ${formatDuration(line.loggedMinutes)} this month`;
  const upfront = line.upfrontMinor !== 0 || line.reconciliationMinor !== 0;
  const billedNothing = line.billedMinutes === 0 && line.amountMinor === 0 && line.upfrontMinor === 0 && line.reconciliationMinor === 0;
  const charge = billedNothing
    ? ended
      ? 'nothing to bill this month'
      : '_work in progress, not billed yet_'
    : [
        // Upfront, the minutes billed are the approved ones: the time used is shown beside them.
        line.billedMinutes !== 0 ? `${upfront ? 'approved' : 'billed'} ${formatDuration(line.billedMinutes)}` : '',
        upfront ? `used ${formatDuration(usedMinutes(line, input.summary) ?? 0)}` : '',
        line.upfrontMinor !== 0 ? `upfront ${money(line.upfrontMinor)}` : '',
        line.reconciliationMinor !== 0 ? `reconciliation ${money(line.reconciliationMinor)}` : '',
        `*${money(line.amountMinor + line.reconciliationMinor)}*`,
      ]
        .filter(Boolean)
        .join(' · ');
  return `*${line.requestKey}* ${title}${closed}\n${estimate} · ${logged} · ${charge}`;
}

/** Lines packed into sections of at most 3000 characters; what does not fit is counted. */
function lineSections(input: BillingMessageInput): { blocks: KnownBlock[]; left: number } {
  const lines = input.summary.lines;
  const blocks: KnownBlock[] = [];
  let text = '';
  let shown = 0;
  for (const line of lines) {
    if (shown >= MAX_LINES_SHOWN) break;
    const next = lineText(line, input);
    if (text && text.length + 2 + next.length > SECTION_TEXT_MAX) {
      if (blocks.length + 1 >= MAX_LINE_SECTIONS) break;
      blocks.push(section(text));
      text = '';
    }
    text = text ? `${text}\n\n${next}` : next;
    shown++;
  }
  if (text) blocks.push(section(text));
  return { blocks, left: lines.length - shown };
}

function statusText(input: BillingMessageInput): string {
  const s = input.summary;
  if (s.status === 'issued') {
    const by = s.issuedBy ? ` by ${mention(s.issuedBy)}` : '';
    const on = s.issuedAt ? ` on ${slackDate(s.issuedAt, '{date_long}')}` : '';
    return `:white_check_mark: *Issued*${by}${on}. An issued summary does not change.`;
  }
  const by = s.generatedBy && s.generatedBy !== 'system' ? ` by ${mention(s.generatedBy)}` : '';
  return `:memo: *Draft*, not issued yet (revision ${s.revision}). Generated${by} ${slackDate(s.generatedAt)}.`;
}

function notes(input: BillingMessageInput): string[] {
  const s = input.summary;
  const out: string[] = [];
  if (input.changedSinceIssue) {
    out.push(
      input.adjustmentsIn
        ? `:warning: The record has changed since this was issued; the difference is in the ${periodName(input.adjustmentsIn)} draft as adjustments.`
        : ':warning: The record has changed since this was issued; the difference goes into the next summary as adjustments.',
    );
  }
  if (s.status === 'draft' && input.inProgress) {
    out.push(`${periodName(s.period)} isn't over yet: anything billed after this is issued goes into a later summary as an adjustment.`);
  }
  const mode = s.billingMode === 'upfront' ? 'billed upfront when an estimate is approved' : 'billed when a request is closed';
  out.push(`${formatMoney(s.hourlyRateMinor, s.currency)}/h, ${mode}. Dates are in ${escapeMrkdwn(s.timezone)}.`);
  return out;
}

function totalsText(input: BillingMessageInput): string {
  const { totals, currency, billingMode } = input.summary;
  const money = (minor: number) => formatMoney(minor, currency);
  const parts = [`billed ${formatDuration(totals.billedMinutes)}`, `amount ${money(totals.amountMinor)}`];
  if (billingMode === 'upfront' || totals.upfrontMinor !== 0) parts.push(`upfront ${money(totals.upfrontMinor)}`);
  if (totals.reconciliationMinor !== 0) parts.push(`reconciliation ${money(totals.reconciliationMinor)}`);
  const net = totals.netMinor < 0 ? `*Credit to the client: ${money(-totals.netMinor)}*` : `*To invoice: ${money(totals.netMinor)}*`;
  return `*Total* · logged ${formatDuration(totals.loggedMinutes)} this month · ${parts.join(' · ')}\n${net}`;
}

function issueButton(input: BillingMessageInput): Button {
  const s = input.summary;
  return {
    type: 'button',
    text: { type: 'plain_text', text: 'Issue summary', emoji: true },
    action_id: BILLING_ISSUE_ACTION,
    value: billingIssueValue(s.clientKey, s.period),
    style: 'primary',
    confirm: {
      title: { type: 'plain_text', text: 'Issue this summary?' },
      text: { type: 'mrkdwn', text: `Once issued, the ${periodName(s.period)} summary for ${escapeMrkdwn(s.clientName)} can't be changed; later changes become adjustments in a later month.` },
      confirm: { type: 'plain_text', text: 'Issue' },
      deny: { type: 'plain_text', text: 'Not yet' },
    },
  };
}

function exportButtons(input: BillingMessageInput): Button[] {
  const s = input.summary;
  return INVOICE_FORMATS.map((format) => ({
    type: 'button',
    text: { type: 'plain_text', text: `Export for ${format === 'xero' ? 'Xero' : 'QuickBooks'}`, emoji: true },
    action_id: billingExportAction(format),
    value: billingIssueValue(s.clientKey, s.period),
  }));
}

export function billingSummaryMessage(input: BillingMessageInput): { text: string; blocks: KnownBlock[] } {
  const s = input.summary;
  const title = `Billing: ${s.clientName} (${s.clientKey}), ${periodName(s.period)}`;
  const headerText = cutText(title, 150, '…');
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: headerText, emoji: false } },
    context(statusText(input)),
    { type: 'divider' },
  ];
  if (s.lines.length === 0) {
    blocks.push(section(`Nothing was billed or logged for ${escapeMrkdwn(s.clientName)} in ${periodName(s.period)}.`));
  } else {
    const { blocks: sections, left } = lineSections(input);
    blocks.push(...sections);
    if (left > 0) blocks.push(context(`…and ${left} more (see the CSV).`));
  }
  blocks.push({ type: 'divider' }, section(totalsText(input)), context(...notes(input)));
  if (s.status === 'issued' && s.ledgerHead) blocks.push(context(ledgerHeadText(s.ledgerHead)));
  if (input.canIssue && s.status === 'draft') {
    blocks.push({ type: 'actions', block_id: 'billing_actions', elements: [issueButton(input)] });
  }
  if (input.canIssue && s.status === 'issued') {
    blocks.push({ type: 'actions', block_id: 'billing_exports', elements: exportButtons(input) });
  }
  const status = s.status === 'issued' ? 'issued' : 'draft';
  const net = formatMoney(s.totals.netMinor, s.currency);
  const head = s.status === 'issued' && s.ledgerHead ? `, ledger head #${s.ledgerHead.seq} ${s.ledgerHead.hash.slice(0, HEAD_SHOWN)}` : '';
  return { text: `${title} (${status}): ${net}${head}`, blocks };
}

/**
 * An issued summary as its client sees it in their own channel: the issued figures and the ledger
 * head they were computed from; no Issue button and none of our own notes (changes since issue).
 */
export function issuedSummaryForClient(summary: BillingMessageInput['summary']): { text: string; blocks: KnownBlock[] } {
  return billingSummaryMessage({ summary, canIssue: false });
}
