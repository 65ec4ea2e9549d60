// The DMs that offer a request to an engineer: a round-robin turn, an out-of-hours page. Pure.
import { OFFER_MINUTES } from '../../domain/roundRobin';
import { ACTION } from '../ids';
import { escapeAndTruncate } from '../mrkdwn';
import { actions, button, section, type KnownBlock } from './blocks';

export function offerMessage(offer: { key: string; expiresAt: Date }, title: string): { text: string; blocks: KnownBlock[] } {
  const text = `:inbox_tray: It's your turn: *${offer.key}* ${escapeAndTruncate(title, 200)}. It becomes yours unless you decline within ${OFFER_MINUTES} minutes.`;
  return {
    text,
    blocks: [section(text), ...actions('offer_actions', [button('Take it', ACTION.acceptOffer, offer.key, 'primary'), button('Decline', ACTION.declineOffer, offer.key)])],
  };
}

/** An urgent request out of hours, to whoever is on call (then the next on the rota, then the managers). */
export function pageMessage(page: { key: string; step: number }, title: string, clientName: string): { text: string; blocks: KnownBlock[] } {
  const why =
    page.step === 0
      ? "you're on call"
      : page.step === 1
        ? "you're next on the on-call rota and it is still unclaimed"
        : 'nobody on call has claimed it';
  const text = `:rotating_light: Urgent *${page.key}* for ${escapeAndTruncate(clientName, 80)}, out of working hours: ${escapeAndTruncate(title, 200)}. Paged because ${why}.`;
  return { text, blocks: [section(text), ...actions('page_actions', [button('Claim', ACTION.claim, page.key, 'primary')])] };
}

/** To the engineer an offer went to when it ran out without a decline. */
export function offerAssignedText(key: string): string {
  return `:inbox_tray: *${key}* is now yours: it was offered to you ${OFFER_MINUTES} minutes ago and not declined.`;
}
