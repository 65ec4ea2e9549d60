// The calendar jobs: the weekly digest and the monthly billing run.
//
// The weekly digest goes to the managers: the managers' channel when configured, else a DM each.
// Each post is a durable effect with an id of its own, so a failed one is retried alone.
//
// The monthly billing run: each client's month, once it has ended in the client's own timezone, as
// a draft summary posted to the managers with its CSV. The calendar job runs every hour; each time
// it takes, for every client, the last month that has ended where the client is, and runs it
// unless that client's month has run already (one ScheduledRun record per client and month, so any
// number of workers run it once). A client to the west is simply run a few hours later: no draft
// of a month that is not over is posted as the month's summary. Each client's post is a durable
// effect of its own, so one failing channel or client does not stop the others; a client's month
// is marked done only once its post is recorded, so a client that failed is run again next time.
import { logger } from '../logger';
import { periodLabel, periodOf, previousPeriodOf } from '../domain/periods';
import { UserFacingError } from '../errors';
import { generateBillingSummary } from '../services/billing';
import { listClients } from '../services/directory';
import { digestFor, previousWeek } from '../services/digest';
import { markScheduledRunDone, scheduledRunAt, scheduledRunDone } from '../services/scheduledRuns';
import { billingCsvFile } from '../slack/billingCsv';
import { managerDestinations } from '../slack/managers';
import { escapeMrkdwn } from '../slack/mrkdwn';
import type { Effects } from '../slack/requestUpdates';
import { billingSummaryMessage } from '../slack/views/billingSummary';
import { renderDigest } from '../slack/views/digest';

const JOB = 'monthly-billing';
const DIGEST_JOB = 'weekly-digest';

export async function sendWeeklyDigest(effects: Effects, now = new Date()): Promise<'sent' | 'already_sent'> {
  const zone = effects.config.defaultTimezone;
  const week = previousWeek(now, zone);
  const period = week.from.toISOString().slice(0, 10);
  if (await scheduledRunDone(DIGEST_JOB, period)) return 'already_sent';
  const message = renderDigest(await digestFor(week.from, week.to, zone), zone);
  const targets = await managerDestinations(effects);
  for (const to of targets) {
    await effects.delivery.post(`digest|${period}|${'channel' in to ? to.channel : to.user}`, { to, text: message.text, blocks: message.blocks });
  }
  await markScheduledRunDone(DIGEST_JOB, period);
  logger.info({ week: week.from.toISOString(), targets: targets.length }, 'Weekly digest recorded for delivery');
  return 'sent';
}

/** The last month that has ended in `zone` by `now` (the month before the one `now` falls in). */
export function lastEndedPeriod(now: Date, zone: string): string {
  return previousPeriodOf(periodOf(now, zone));
}

export interface BillingRunResult {
  /** The client months drafted and recorded for posting by this run. */
  posted: Array<{ client: string; period: string }>;
}

/**
 * Before runs were per client, one run a month (08:00 on the 1st in DEFAULT_TIMEZONE) posted every
 * client. A client whose month had ended by then was posted its finished month; one to the west
 * was not, and is run now.
 */
async function ranAsMonthWideRun(period: string, zone: string): Promise<boolean> {
  const ranAt = await scheduledRunAt(JOB, period);
  return ranAt !== undefined && periodOf(ranAt, zone) > period;
}

export async function runMonthlyBilling(effects: Effects, now = new Date()): Promise<BillingRunResult> {
  let targets: Awaited<ReturnType<typeof managerDestinations>> | undefined;
  const posted: BillingRunResult['posted'] = [];
  const failed: string[] = [];
  for (const { key, timezone } of await listClients()) {
    const period = lastEndedPeriod(now, timezone);
    if (await scheduledRunDone(JOB, period, key)) continue;
    try {
      if (await ranAsMonthWideRun(period, timezone)) {
        await markScheduledRunDone(JOB, period, key);
        continue;
      }
      const { summary } = await generateBillingSummary(key, period, 'system');
      if (summary.lines.length > 0) {
        // No activity that month: nothing to post, and the month is done all the same.
        const message = billingSummaryMessage({ summary, canIssue: true });
        targets ??= await managerDestinations(effects);
        for (const to of targets) {
          const where = 'channel' in to ? to.channel : to.user;
          await effects.delivery.post(`billing-run|${key}|${period}|${where}`, { to, text: message.text, blocks: message.blocks, csv: billingCsvFile(summary) });
        }
        posted.push({ client: key, period });
      }
      await markScheduledRunDone(JOB, period, key);
    } catch (error) {
      if (error instanceof UserFacingError) {
        // Billing refused the month (a request it cannot price): the managers are told once, in
        // plain words, and the month is tried again every hour until it can be drafted.
        targets ??= await managerDestinations(effects);
        const text = `${key}'s billing summary for ${periodLabel(period)} could not be drafted: ${error.message}`;
        for (const to of targets) {
          const where = 'channel' in to ? to.channel : to.user;
          await effects.delivery.post(`billing-run-refused|${key}|${period}|${where}`, { to, text: escapeMrkdwn(text) });
        }
      }
      logger.error({ err: error, client: key, period }, 'The billing run failed for a client; the others go on and it is tried again');
      failed.push(`${key} ${period}`);
    }
  }
  if (failed.length > 0) throw new Error(`The billing run failed for ${failed.join(', ')}; it will be run again`);
  if (posted.length > 0) logger.info({ posted }, 'Monthly billing run: drafts recorded for delivery to the managers');
  return { posted };
}
