// Text answers for `/help list` and `/help ACME-42`.
import { stateLabel } from '../../domain/lifecycle';
import type { RequestList } from '../../services/requestQueries';
import { escapeAndTruncate, escapeMrkdwn, mention } from '../mrkdwn';
import { slackDate } from './blocks';
import type { RequestView } from './requestMessages';

export function renderRequestList(list: RequestList): string {
  const heading = list.scope === 'all' ? 'Open requests (all clients)' : `Open requests for ${escapeMrkdwn(list.scope.clientName)}`;
  if (list.requests.length === 0) return `*${heading}*\nNothing open. :tada:`;
  const lines = list.requests.map(
    (r) =>
      `• *${r.key}* ${escapeAndTruncate(r.title, 80)} — ${stateLabel(r.state)}, ${r.priority}` +
      (r.assigneeId ? `, ${mention(r.assigneeId)}` : ''),
  );
  const more = list.total - list.requests.length;
  return [`*${heading}* (${list.total})`, ...lines, ...(more > 0 ? [`…and ${more} more`] : [])].join('\n');
}

export function renderStatusCard(request: RequestView & { resolvedAt?: Date | null; closedAt?: Date | null }): string {
  const lines = [
    `*${request.key}* ${escapeAndTruncate(request.title, 300)}`,
    `State: *${stateLabel(request.state)}* · Priority: ${request.priority} · Category: ${request.category}`,
    `Requested by ${mention(request.requesterId)} ${slackDate(request.createdAt)}`,
    request.assigneeId ? `Engineer: ${mention(request.assigneeId)}` : 'Not claimed yet',
  ];
  if (request.resolution) lines.push(`Resolution: ${escapeAndTruncate(request.resolution, 1000)}`);
  if (request.rating) lines.push(`Rating: ${'★'.repeat(request.rating)}`);
  return lines.join('\n');
}
