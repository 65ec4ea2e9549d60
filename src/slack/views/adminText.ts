// Text answers for `/help admin …`: the usage, the configuration and what a change did.
import type { ClientFields } from '../../domain/clientSettings';
import { accountingOf } from '../../domain/invoiceExport';
import { PRIORITIES } from '../../domain/lifecycle';
import { formatDuration } from '../../domain/duration';
import { formatMoney } from '../../domain/money';
import type { AdminConfiguration, ChannelChange, ClientChange, StaffChange } from '../../services/admin';
import { escapeAndTruncate, escapeMrkdwn, mention } from '../mrkdwn';

export function adminUsageText(command: string, problem?: string): string {
  const admin = `${command} admin`;
  return [
    ...(problem ? [`:warning: ${escapeMrkdwn(problem)}`, ''] : []),
    `*Client and staff set-up* (managers only)`,
    `• \`${admin} show\` shows every client and the staff`,
    `• \`${admin} client ACME name: Acme Ltd, hourlyRate: 95, channels: [#acme]\` adds a client or changes the fields you give; ` +
      `the fields are those of the seed file (name, channels, hourlyRate, currency, billingMode, incrementMinutes, minimumMinutes, ` +
      `approvers, members, repositories, timezone, autoApproveMinutes, waitingOnClientDays, assignment, maxOpenPerEngineer, monthlyBudgetHours, slaMinutes, businessHours, ` +
      `accounting: {contactName, accountCode, taxType, itemName, paymentTermsDays} for the Xero and QuickBooks invoice exports)`,
    `• \`${admin} channel link ACME #channel\` / \`${admin} channel unlink ACME #channel\``,
    `• \`${admin} engineer add @person\` / \`${admin} engineer remove @person\``,
    `• \`${admin} manager add @person\` / \`${admin} manager remove @person\``,
    `• \`${admin} oncall rota: [@ann, @bob], startsOn: 2026-11-30, timezone: Europe/London\` sets the on-call rota (a week each): urgent requests out of working hours page whoever is on call`,
    `• \`${admin} engineer hours @person timezone: Europe/Berlin, days: [1, 2, 3, 4, 5], start: "08:00", end: "16:00"\` sets when round robin may offer them requests (\`any\`: any time)`,
    `• \`${admin} retry\` / \`${admin} retry #channel\` tries again the Slack deliveries that failed (listed on your Home tab)`,
    `• \`${admin} dismiss\` / \`${admin} dismiss #channel\` gives them up: they are not tried again and leave your Home tab`,
  ].join('\n');
}

// An ephemeral message may hold 40,000 characters; stay well clear of it.
const MAX_SHOW_CHARS = 38000;
const MAX_LISTED = 25;

function listed(ids: string[], render: (id: string) => string): string {
  const shown = ids.slice(0, MAX_LISTED).map(render).join(', ');
  return ids.length > MAX_LISTED ? `${shown} and ${ids.length - MAX_LISTED} more` : shown;
}

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** [1,2,3,4,5] → "Mon–Fri"; [1,3,6,7] → "Mon, Wed, Sat–Sun". */
export function formatDays(days: number[]): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    const first = DAY_NAMES[(sorted[i] ?? 1) - 1] ?? '?';
    const last = DAY_NAMES[(sorted[j] ?? 1) - 1] ?? '?';
    runs.push(i === j ? first : `${first}–${last}`);
    i = j + 1;
  }
  return runs.join(', ');
}

const BILLING_MODES: Record<ClientFields['billingMode'], string> = {
  upfront: 'billed upfront on approval',
  on_completion: 'billed on completion',
};

export function renderClient(client: ClientFields): string {
  const hours = client.businessHours;
  const sla = [...PRIORITIES].reverse().map((p) => `${p} ${formatDuration(client.slaMinutes[p])}`).join(', ');
  return [
    `• *${client.key}* ${escapeAndTruncate(client.name, 80)} — ${client.channels.length > 0 ? listed(client.channels, (c) => `<#${c}>`) : 'no channel'}`,
    `    ${formatMoney(client.hourlyRateMinor, client.currency)}/h, ${BILLING_MODES[client.billingMode]}, ` +
      `${client.incrementMinutes}-min increments, ${client.minimumMinutes}-min minimum` +
      (client.autoApproveMinutes > 0 ? `, estimates up to ${formatDuration(client.autoApproveMinutes)} need no approval` : ''),
    `    Approvers: ${client.approvers.length > 0 ? listed(client.approvers, mention) : "anyone of the client's side"} · ` +
      (client.members.length > 0 ? `Also the client's: ${listed(client.members, mention)} · ` : '') +
      `Budget: ${client.monthlyBudgetMinutes === undefined ? 'none' : `${formatDuration(client.monthlyBudgetMinutes)} a month`}` +
      (client.assignment === 'round_robin' ? ` · Assignment: round robin, at most ${client.maxOpenPerEngineer} open each` : '') +
      (client.repositories.length > 0 ? ` · GitHub: ${listed(client.repositories, escapeMrkdwn)}` : ''),
    `    ${escapeMrkdwn(client.timezone)}, ${hours.alwaysOpen ? '24×7' : `${formatDays(hours.days)} ${hours.start}–${hours.end}`} · SLA: ${sla}`,
    ...(client.accounting ? [`    Invoices: ${accountingText(client)}`] : []),
  ].join('\n');
}

/** The accounting settings in force, defaults included, as the exports will use them. */
function accountingText(client: ClientFields): string {
  const a = accountingOf(client.name, client.accounting);
  return (
    `contact ${escapeAndTruncate(a.contactName, 80)}, account ${escapeMrkdwn(a.accountCode)}, tax ${escapeMrkdwn(a.taxType)}, ` +
    `item ${escapeAndTruncate(a.itemName, 80)}, due in ${a.paymentTermsDays} ${a.paymentTermsDays === 1 ? 'day' : 'days'}`
  );
}

export function renderConfiguration(config: AdminConfiguration): string {
  const staff = [
    `*Managers:* ${config.managers.length > 0 ? listed(config.managers, mention) : 'none'}`,
    `*Engineers:* ${config.engineers.length > 0 ? listed(config.engineers, mention) : 'none'}`,
    ...(config.engineerNotes ?? []).map((e) => `    ${mention(e.userId)}: ${e.hours ? `works ${renderWorkingHours(e.hours)}` : 'any time'}${e.away ? ', away now' : ''}`),
    ...(config.onCall
      ? [`*On call:* ${config.onCall.now ? mention(config.onCall.now) : 'nobody'} now (rota ${config.onCall.rota.engineers.map(mention).join(' → ')}, a week each from ${config.onCall.rota.startsOn})`]
      : []),
  ];
  const heading = `*Clients* (${config.clients.length})`;
  if (config.clients.length === 0) return [heading, 'No clients yet.', '', ...staff].join('\n');
  const budget = MAX_SHOW_CHARS - [heading, ...staff].join('\n').length - 100;
  const entries: string[] = [];
  let used = 0;
  for (const client of config.clients) {
    const entry = renderClient(client);
    if (used + entry.length + 1 > budget) break;
    entries.push(entry);
    used += entry.length + 1;
  }
  const more = config.clients.length - entries.length;
  return [heading, ...entries, ...(more > 0 ? [`…and ${more} more`] : []), '', ...staff].join('\n');
}

export function renderClientChange({ outcome, client }: ClientChange): string {
  const what = `*${client.key}* (${escapeAndTruncate(client.name, 80)})`;
  const head =
    outcome === 'created'
      ? `:white_check_mark: Added client ${what}.`
      : outcome === 'updated'
        ? `:white_check_mark: Updated client ${what}.`
        : `Nothing to change: ${what} already has those settings.`;
  return `${head}\n${renderClient(client)}`;
}

export function renderChannelChange(change: ChannelChange): string {
  const channel = `<#${change.channelId}>`;
  if (change.action === 'link') {
    return change.outcome === 'unchanged'
      ? `${channel} already belongs to *${change.key}*; nothing to change.`
      : `:white_check_mark: Linked ${channel} to *${change.key}*.`;
  }
  return `:white_check_mark: Unlinked ${channel} from *${change.key}*.`;
}

const ROLE_NAMES: Record<StaffChange['role'], string> = { engineer: 'an engineer', manager: 'a manager' };

export function renderStaffChange(change: StaffChange): string {
  const who = mention(change.userId);
  const role = ROLE_NAMES[change.role];
  if (change.action === 'add') {
    return change.outcome === 'unchanged' ? `${who} is already ${role}; nothing to change.` : `:white_check_mark: ${who} is now ${role}.`;
  }
  return change.outcome === 'unchanged' ? `${who} is not ${role}; nothing to change.` : `:white_check_mark: ${who} is no longer ${role}.`;
}

/** One line per bad field; the lines may quote what the manager typed, so they are escaped. */
export function renderClientProblems(key: string, problems: string[]): string {
  return [`:warning: Nothing was changed for *${key}*:`, ...problems.map((p) => `• ${escapeAndTruncate(p, 300)}`)].join('\n');
}

export function renderRetry(count: number, channelId: string | undefined): string {
  const where = channelId ? ` for <#${channelId}>` : '';
  return count === 0 ? `No failed deliveries${where} to retry.` : `Trying ${count} failed ${count === 1 ? 'delivery' : 'deliveries'}${where} again; any that fail again are listed on your Home tab.`;
}

export function renderDismiss(count: number, channelId: string | undefined): string {
  const where = channelId ? ` for <#${channelId}>` : '';
  return count === 0
    ? `No failed deliveries${where} to dismiss.`
    : `Dismissed ${count} failed ${count === 1 ? 'delivery' : 'deliveries'}${where}: ${count === 1 ? 'it is' : 'they are'} not tried again, and a request's messages are posted again only when the request changes.`;
}

/** "Mon–Fri 09:00–17:30 (Europe/London)". */
export function renderWorkingHours(hours: { timezone: string; days: number[]; start: string; end: string }): string {
  return `${formatDays(hours.days)} ${hours.start}–${hours.end} (${escapeMrkdwn(hours.timezone)})`;
}
