// The Home tab for each role. Pure: data in, view out; never more than Slack's 100 blocks, with
// long lists cut and an "and N more" line.
import { whatToDo } from './deliveryProblems';
import type { HomeView, KnownBlock } from '@slack/types';
import { formatDuration, formatRange } from '../../domain/duration';
import { stateLabel, type RequestState } from '../../domain/lifecycle';
import { formatMoney } from '../../domain/money';
import { cutText } from '../../domain/text';
import { periodLabel } from '../../domain/periods';
import type { HomeData } from '../../services/home';
import { ACTION } from '../ids';
import { escapeAndTruncate, mention } from '../mrkdwn';
import { actions, button, context, section, slackDate } from './blocks';

export const HOME_BLOCK_LIMIT = 100;
/** Issued months whose corrections are listed one by one; older ones are added up. */
const MAX_CORRECTIONS_SHOWN = 6;
export const HOME_SETUP = 'home_setup';
export const HOME_BILLING = 'home_billing';

interface Listed {
  key: string;
  title: string;
  state: RequestState;
  priority: string;
  assigneeId?: string | null | undefined;
  createdAt: Date;
}

const WAITING_FOR: Partial<Record<RequestState, string>> = {
  open: 'waiting for an engineer',
  claimed: 'waiting for your estimate',
  awaiting_approval: "waiting for the client's approval",
  approved: 'approved: ready for work',
  declined: 'estimate declined: re-estimate or resolve',
  in_progress: 'in progress',
  resolved: "waiting for the client's confirmation",
};

function line(r: Listed, extra = ''): string {
  return `*${r.key}* ${escapeAndTruncate(r.title, 80)} — ${stateLabel(r.state)}${r.assigneeId ? `, ${mention(r.assigneeId)}` : ''}${extra}`;
}

function list(heading: string, items: Listed[], total: number, render: (r: Listed) => string, empty: string): KnownBlock[] {
  if (total === 0) return [section(`*${heading}*\n${empty}`)];
  const more = total - items.length;
  return [section(cutText(`*${heading}* (${total})\n${items.map(render).join('\n')}`, 2990)), ...(more > 0 ? [context(`…and ${more} more`)] : [])];
}

function header(text: string): KnownBlock {
  return { type: 'header', text: { type: 'plain_text', text: cutText(text, 150), emoji: true } };
}

/** What Slack would not take, grouped by channel, with what to do; only shown when there is any. */
function failedDeliveries(failed: NonNullable<HomeData['manager']>['failedDeliveries']): KnownBlock[] {
  if (failed.total === 0) return [];
  const byChannel = new Map<string, { channel: string | undefined; error: string; count: number }>();
  for (const f of failed.items) {
    const group = `${f.channel ?? ''}|${f.error}`;
    const seen = byChannel.get(group) ?? { channel: f.channel, error: f.error, count: 0 };
    seen.count++;
    byChannel.set(group, seen);
  }
  const lines = [...byChannel.values()].slice(0, 10).map((g) => `• ${g.count} × \`${g.error}\`: ${whatToDo(g.error, g.channel)}`);
  if (failed.total > failed.items.length) lines.push(`…and ${failed.total - failed.items.length} more.`);
  lines.push('Retry with `/help admin retry` (or `/help admin retry #channel`), or give them up with `/help admin dismiss` (or `/help admin dismiss #channel`).');
  return [header(`Slack deliveries that failed (${failed.total})`), section(lines.join('\n'))];
}

export function renderHome(data: HomeData): HomeView {
  const blocks: KnownBlock[] = [];
  for (const c of data.clients.slice(0, 5)) {
    blocks.push(header(c.name));
    const budget = c.month.budgetMinutes ? ` of ${formatDuration(c.month.budgetMinutes)} budget` : '';
    const money = c.month.bill;
    // The money only for those who see the client's billing; everyone else sees the time.
    const bill =
      money === undefined
        ? ''
        : money.billedMinor === undefined
          ? `; this month's bill cannot be worked out: ${escapeAndTruncate(money.billingRefusal ?? 'billing refused a request', 600)}`
          : `; ${formatMoney(money.billedMinor, c.currency)} on this month's bill so far`;
    blocks.push(context(`${c.month.label}: ${formatDuration(c.month.billableMinutes)} billable logged${budget}${bill}`));
    if (money && money.corrections.length > 0) {
      // What the month's bill also carries: with the figure above, the summary's "to invoice".
      const signed = (minor: number) => `${minor > 0 ? '+' : '−'} ${formatMoney(Math.abs(minor), c.currency)}`;
      const shown = money.corrections.slice(-MAX_CORRECTIONS_SHOWN);
      const older = money.corrections.slice(0, -MAX_CORRECTIONS_SHOWN);
      const lines = shown.map((k) => `${signed(k.netMinor)} of corrections to ${periodLabel(k.period)} (already issued), on this month's bill too`);
      const olderMinor = older.reduce((sum, k) => sum + k.netMinor, 0);
      if (older.length > 0 && olderMinor !== 0) lines.unshift(`${signed(olderMinor)} of corrections to ${older.length} earlier months (already issued), on this month's bill too`);
      blocks.push(context(lines.join('\n')));
    }
    blocks.push(...list('Open requests', c.open.items, c.open.total, (r) => line(r), 'Nothing open. :tada:'));
    if (c.awaitingDecision.length > 0) {
      blocks.push(section(cutText(`*Estimates waiting for your decision*\n${c.awaitingDecision.map((e) => `• *${e.requestKey}* v${e.version}: up to ${formatRange(e.highMinutes, e.highMinutes)}, ${formatMoney(e.amountMinor, c.currency)} — decide in the request's thread`).join('\n')}`, 2990)));
    }
    blocks.push({ type: 'divider' });
  }
  if (data.engineer) {
    const e = data.engineer;
    blocks.push(header('Engineering'));
    blocks.push(context(`You logged ${formatDuration(e.loggedThisWeekMinutes)} this week.`));
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: e.available ? ':large_green_circle: *Available*: round robin offers you new requests.' : ':zzz: *Away*: round robin passes you over.' },
      accessory: e.available ? button('Set me away', ACTION.availability, 'away') : button("I'm available", ACTION.availability, 'available', 'primary'),
    });
    blocks.push(section(`*Unclaimed queue* (${e.queue.total})${e.queue.total === 0 ? '\nEmpty. :sunglasses:' : ''}`));
    for (const r of e.queue.items) {
      blocks.push({
        type: 'section',
        text: { type: 'mrkdwn', text: `*${r.key}* (${r.priority}) ${escapeAndTruncate(r.title, 120)}\nOpened ${slackDate(r.createdAt)}` },
        accessory: button('Claim', ACTION.claim, r.key, 'primary'),
      });
    }
    if (e.queue.total > e.queue.items.length) blocks.push(context(`…and ${e.queue.total - e.queue.items.length} more in the triage channel`));
    blocks.push(...list('Your requests', e.mine.items, e.mine.total, (r) => `${line(r)} — _${WAITING_FOR[r.state] ?? ''}_`, 'None right now.'));
    blocks.push({ type: 'divider' });
  }
  if (data.manager) {
    const { digest: d, awaitingApproval, breached } = data.manager;
    blocks.push(header('This week'));
    blocks.push(
      section(
        [
          `*Opened* ${d.opened} · *Closed* ${d.closed} · *SLA breaches* ${d.slaBreaches.length}`,
          `*Median first response* ${d.medianFirstResponseMinutes === null ? '—' : formatDuration(d.medianFirstResponseMinutes)} · *Median resolution* ${d.medianResolutionMinutes === null ? '—' : formatDuration(d.medianResolutionMinutes)}`,
          `*Satisfaction* ${d.satisfaction.average === null ? '—' : `${d.satisfaction.average} / 5`} · *Estimate accuracy* ${d.estimateAccuracy.averagePercent === null ? '—' : `${d.estimateAccuracy.averagePercent}%`}`,
        ].join('\n'),
      ),
    );
    blocks.push(...list('SLA breached, still open', breached.items, breached.total, (r) => line(r), 'None. :white_check_mark:'));
    blocks.push(...list('Estimates awaiting approval', awaitingApproval.items, awaitingApproval.total, (r) => line(r), 'None.'));
    blocks.push(...failedDeliveries(data.manager.failedDeliveries));
    blocks.push(...actions('manager_actions', [button('Client set-up', HOME_SETUP, 'show'), button('Billing this month', HOME_BILLING, 'show')]));
  }
  if (blocks.length === 0) {
    blocks.push(section('*Ad-hoc Help* — support that shows up before you even finish yelling "Help!"'));
    blocks.push(section("You're not in a client channel we support yet. Ask your account manager to add you, or DM me to get started."));
  }
  if (blocks.length > HOME_BLOCK_LIMIT) {
    blocks.splice(HOME_BLOCK_LIMIT - 1);
    blocks.push(context('…more than fits here; use `/help list` for everything.'));
  }
  return { type: 'home', blocks };
}
