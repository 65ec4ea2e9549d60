// The DM that offers a round-robin request to an engineer. Pure.
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
