// "Similar past requests" in the estimate modal and the answer to `/help estimate KEY`: what the
// hint (domain/estimateSuggestion.ts) says, as mrkdwn. Other clients' requests arrive here
// already without key or title.
import { formatDuration, formatRange } from '../../domain/duration';
import type { EstimateHint, ShownMatch } from '../../domain/estimateSuggestion';
import { escapeAndTruncate } from '../mrkdwn';
import { section, type KnownBlock } from './blocks';

const TITLE_SHOWN = 80;

function matchLine(match: ShownMatch): string {
  return match.own
    ? `• *${match.key}* ${escapeAndTruncate(match.title, TITLE_SHOWN)}, ${formatDuration(match.minutes)}`
    : `• another client's request, ${formatDuration(match.minutes)}`;
}

export function similarRequestsText(hint: EstimateHint): string {
  const lines = ['*Similar past requests*', ...hint.matches.map(matchLine)];
  if (hint.kind === 'suggestion') {
    lines.push(`Suggested: *${formatRange(hint.medianMinutes, hint.p80Minutes)}* (the median and 80th percentile of what these really took)`);
  } else {
    lines.push('Not enough similar history yet, so no suggestion.');
  }
  return lines.join('\n');
}

/** The hint as the estimate modal's block; `undefined` (still loading) says when it can be seen. */
export function similarRequestsBlock(hint: EstimateHint | undefined, statusCommand: string): KnownBlock {
  if (!hint) return section(`_Similar past requests are still loading; \`${statusCommand}\` shows them in a moment._`, 'similar_requests');
  return section(similarRequestsText(hint), 'similar_requests');
}

/** The answer to `/help estimate KEY` with no time. */
export function estimateHelpText(key: string, hint: EstimateHint, command: string): string {
  return `*${key}*: ${similarRequestsText(hint)}\nPost an estimate with \`${command} estimate ${key} 3h [assumptions]\` (a range: \`2-4h\`).`;
}
