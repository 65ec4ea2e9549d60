// The monthly billing run (the 1st, 08:00): a draft summary of last month for every client with
// activity, posted to the managers with its CSV. Once per month however many workers run.
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import type { Config } from '../config';
import { logger } from '../logger';
import { generateBillingSummary, periodOf } from '../services/billing';
import { listClients, staffWithRole } from '../services/directory';
import { claimScheduledRun } from '../services/scheduledRuns';
import { uploadBillingCsv } from './billingCsv';
import type { SlackTokens } from './tokens';
import { billingSummaryMessage } from './views/billingSummary';

dayjs.extend(utc);
dayjs.extend(timezone);

/** The month before the one `now` falls in, in `zone`. */
export function previousPeriod(now: Date, zone: string): string {
  const [year = 0, month = 1] = periodOf(now, zone).split('-').map(Number);
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
}

export async function runMonthlyBilling(tokens: SlackTokens, config: Config, now = new Date()): Promise<{ period: string; posted: string[] } | 'already_ran'> {
  const period = previousPeriod(now, config.defaultTimezone);
  if (!(await claimScheduledRun('monthly-billing', period))) return 'already_ran';
  const client = await tokens.clientFor();
  const targets = config.slack.managerChannelId ? [config.slack.managerChannelId] : await staffWithRole('manager');
  const posted: string[] = [];
  for (const { key } of await listClients()) {
    const { summary } = await generateBillingSummary(key, period, 'system');
    if (summary.lines.length === 0) continue; // no activity that month
    const message = billingSummaryMessage({ summary, canIssue: true });
    for (const channel of targets) {
      const post = await client?.chat.postMessage({ channel, text: message.text, blocks: message.blocks });
      if (client && post?.channel) await uploadBillingCsv(client, post.channel, summary);
    }
    posted.push(key);
  }
  logger.info({ period, clients: posted.length }, 'Monthly billing run done: drafts posted to the managers');
  return { period, posted };
}
