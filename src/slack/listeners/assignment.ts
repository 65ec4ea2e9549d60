// Round robin (#13): the offered engineer's Take it / Decline buttons, and the Available / Away
// toggle on an engineer's Home tab.
import { declineOffer, setAvailability, waitingForAnOffer } from '../../services/assignment';
import { transitionRequest } from '../../services/requestLifecycle';
import { openHome } from '../home';
import { afterRequestUpdated, afterTransition } from '../requestUpdates';
import { actorOf, buttonHandler, parseButtonValue, requestKeyValue } from './actions/buttons';
import type { ListenerContext } from './context';
import { tellUser } from './intake';
import { z } from 'zod';

/** Take it: the offered engineer (or any engineer) claims it, as the Claim button would. */
export function acceptOffer(ctx: ListenerContext) {
  return buttonHandler(async ({ action, body, client }) => {
    const key = parseButtonValue(requestKeyValue, action.value);
    const actor = actorOf(body);
    await afterTransition(ctx, await transitionRequest({ key, action: 'claim', actor }));
    if (actor.channelId) await tellUser(client, actor.channelId, actor.userId, `*${key}* is yours.`);
  });
}

/** Decline: offered to the next engineer in turn. */
export function declineOfferButton(ctx: ListenerContext) {
  return buttonHandler(async ({ action, body, client }) => {
    const key = parseButtonValue(requestKeyValue, action.value);
    const actor = actorOf(body);
    await declineOffer(key, actor);
    await afterRequestUpdated(ctx, key);
    if (actor.channelId) await tellUser(client, actor.channelId, actor.userId, `Declined *${key}*; it goes to the next engineer in turn.`);
  });
}

const availabilityValue = z.enum(['available', 'away']);

export function toggleAvailability(ctx: ListenerContext) {
  return buttonHandler(async ({ action, body }) => {
    const wanted = parseButtonValue(availabilityValue, action.value);
    await setAvailability(body.user.id, wanted === 'available');
    await openHome(ctx, body.user.id, body.user.team_id);
    // Someone is back: requests that nobody could be offered are offered again.
    if (wanted === 'available') for (const key of await waitingForAnOffer()) await afterRequestUpdated(ctx, key);
  });
}
