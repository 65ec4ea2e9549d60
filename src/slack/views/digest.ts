// The weekly digest as managers read it. Pure: numbers in, blocks out.
import type { DigestNumbers } from '../../domain/digest';
import { formatDuration } from '../../domain/duration';
import { formatMoney } from '../../domain/money';
import { escapeMrkdwn } from '../mrkdwn';
import { context, section, type KnownBlock } from './blocks';

const orDash = (n: number | null, format: (n: number) => string) => (n === null ? '—' : format(n));

export function renderDigest(d: DigestNumbers, zone: string): { text: string; blocks: KnownBlock[] } {
  const day = (at: Date) => at.toLocaleDateString('en-GB', { timeZone: zone, day: 'numeric', month: 'short' });
  const lastDay = new Date(d.to.getTime() - 1);
  const title = `Weekly digest, ${day(d.from)} – ${day(lastDay)}`;
  const clients = d.byClient.length
    ? d.byClient
        .slice(0, 30)
        .map((c) => `• ${escapeMrkdwn(c.name)}: ${formatDuration(c.minutes)} logged, ${formatDuration(c.billableMinutes)} billable, ${formatMoney(c.amountMinor, c.currency)}`)
        .join('\n')
    : 'No time logged.';
  const blocks: KnownBlock[] = [
    section(`*${title}*`, 'digest_title'),
    section(
      [
        `*Opened:* ${d.opened}   *Closed:* ${d.closed}`,
        `*Median first response:* ${orDash(d.medianFirstResponseMinutes, formatDuration)}   *Median resolution:* ${orDash(d.medianResolutionMinutes, formatDuration)}`,
        `*SLA breaches:* ${d.slaBreaches.length}${d.slaBreaches.length ? ` (${d.slaBreaches.slice(0, 20).join(', ')})` : ''}`,
        `*Estimate accuracy:* ${orDash(d.estimateAccuracy.averagePercent, (p) => `${p}% of the approved time used`)} over ${d.estimateAccuracy.requests} closed request(s)`,
        `*Satisfaction:* ${orDash(d.satisfaction.average, (a) => `${a} / 5`)} from ${d.satisfaction.ratings} rating(s)`,
        `*Backlog by age:* &lt;1 day ${d.backlog.underOneDay} · 1–3 days ${d.backlog.oneToThreeDays} · 3–7 days ${d.backlog.threeToSevenDays} · &gt;7 days ${d.backlog.overSevenDays}`,
      ].join('\n'),
      'digest_numbers',
    ),
    section(`*Hours and amounts by client* (minutes at today's rate, not the bill)\n${clients}`, 'digest_clients'),
    context('Times are wall-clock. Amounts are logged billable time at the client rate, before billing rounding.'),
  ];
  return { text: title, blocks };
}
