// The monthly billing run (the 1st, 08:00): a draft summary of last month for every client with
// activity, posted to the managers with its CSV. Each client's post is a durable effect of its
// own, so one failing channel or client does not stop the others; the month is marked done only
// once every client has been recorded, so a run that failed part-way is simply run again.
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import { logger } from '../logger';
import { previousPeriodOf, periodOf } from '../domain/periods';
import { generateBillingSummary } from '../services/billing';
import { listClients } from '../services/directory';
import { markScheduledRunDone, scheduledRunDone } from '../services/scheduledRuns';
import { billingCsvFile } from './billingCsv';
import { managerDestinations } from './digest';
import type { Effects } from './requestUpdates';
import { billingSummaryMessage } from './views/billingSummary';

dayjs.extend(utc);
dayjs.extend(timezone);

const JOB = 'monthly-billing';

/** The month before the one `now` falls in, in `zone`. */
export function previousPeriod(now: Date, zone: string): string {
  return previousPeriodOf(periodOf(now, zone));
}

export async function runMonthlyBilling(effects: Effects, now = new Date()): Promise<{ period: string; posted: string[] } | 'already_ran'> {
  const period = previousPeriod(now, effects.config.defaultTimezone);
  if (await scheduledRunDone(JOB, period)) return 'already_ran';
  const targets = await managerDestinations(effects);
  const posted: string[] = [];
  const failed: string[] = [];
  for (const { key } of await listClients()) {
    try {
      const { summary } = await generateBillingSummary(key, period, 'system');
      if (summary.lines.length === 0) continue; // no activity that month
      // The run goes at 08:00 on the 1st in DEFAULT_TIMEZONE; west of it a client's month may not
      // be over yet, and its draft says so rather than looking final.
      const message = billingSummaryMessage({ summary, canIssue: true, inProgress: periodOf(now, summary.timezone) === period });
      for (const to of targets) {
        const where = 'channel' in to ? to.channel : to.user;
        await effects.delivery.post(`billing-run|${period}|${key}|${where}`, { to, text: message.text, blocks: message.blocks, csv: billingCsvFile(summary) });
      }
      posted.push(key);
    } catch (error) {
      logger.error({ err: error, client: key, period }, 'The billing run failed for a client; the others go on and the run is tried again');
      failed.push(key);
    }
  }
  if (failed.length > 0) throw new Error(`The ${period} billing run failed for ${failed.join(', ')}; it will be run again`);
  await markScheduledRunDone(JOB, period);
  logger.info({ period, clients: posted.length }, 'Monthly billing run done: drafts recorded for delivery to the managers');
  return { period, posted };
}
