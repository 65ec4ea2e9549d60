// Sends the weekly digest to the managers: the managers' channel when configured, else a DM each.
// Each post is a durable effect with an id of its own, so a failed one is retried alone.
import { logger } from '../logger';
import { digestFor, previousWeek } from '../services/digest';
import { staffWithRole } from '../services/directory';
import { markScheduledRunDone, scheduledRunDone } from '../services/scheduledRuns';
import type { Effects } from './effects';
import { renderDigest } from './views/digest';

const JOB = 'weekly-digest';

/** The managers' channel, or each manager by DM. */
export async function managerDestinations(effects: Effects): Promise<Array<{ channel: string } | { user: string }>> {
  const channel = effects.config.slack.managerChannelId;
  return channel ? [{ channel }] : (await staffWithRole('manager')).map((user) => ({ user }));
}

export async function sendWeeklyDigest(effects: Effects, now = new Date()): Promise<'sent' | 'already_sent'> {
  const zone = effects.config.defaultTimezone;
  const week = previousWeek(now, zone);
  const period = week.from.toISOString().slice(0, 10);
  if (await scheduledRunDone(JOB, period)) return 'already_sent';
  const message = renderDigest(await digestFor(week.from, week.to, zone), zone);
  const targets = await managerDestinations(effects);
  for (const to of targets) {
    await effects.delivery.post(`digest|${period}|${'channel' in to ? to.channel : to.user}`, { to, text: message.text, blocks: message.blocks });
  }
  await markScheduledRunDone(JOB, period);
  logger.info({ week: week.from.toISOString(), targets: targets.length }, 'Weekly digest recorded for delivery');
  return 'sent';
}
