// Sends the weekly digest to the managers: the managers' channel when configured, else a DM each.
import type { Config } from '../config';
import { logger } from '../logger';
import { claimDigestRun, digestFor, previousWeek } from '../services/digest';
import { staffWithRole } from '../services/directory';
import type { SlackTokens } from './tokens';
import { renderDigest } from './views/digest';

export async function sendWeeklyDigest(tokens: SlackTokens, config: Config, now = new Date()): Promise<'sent' | 'already_sent'> {
  const week = previousWeek(now, config.defaultTimezone);
  if (!(await claimDigestRun(week.from))) return 'already_sent';
  const message = renderDigest(await digestFor(week.from, week.to, config.defaultTimezone), config.defaultTimezone);
  const client = await tokens.clientFor();
  const targets = config.slack.managerChannelId ? [config.slack.managerChannelId] : await staffWithRole('manager');
  for (const channel of targets) await client?.chat.postMessage({ channel, text: message.text, blocks: message.blocks });
  logger.info({ week: week.from.toISOString(), targets: targets.length }, 'Weekly digest sent');
  return 'sent';
}
