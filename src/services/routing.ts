// Who an open, unassigned request goes to first, decided from the record: out of its client's
// working hours an urgent one pages whoever is on call (onCall.ts); a round-robin client's is
// offered to the next engineer in turn (assignment.ts). Each decision is recorded (one guarded
// update, audited) before it is returned, so asking again, after any change, decides nothing twice.
import { offerNext, type Offer } from './assignment';
import { pageIfDue, type Page } from './onCall';
import type { LoadedRequest } from './requestQueries';

export interface Routing {
  /** The page just made, for the Slack side to deliver. */
  page?: Page | undefined;
  /** The offer just made, for the Slack side to deliver. */
  offer?: Offer | undefined;
  /** The request and client as they are now: what was read, with what was just written. */
  current: LoadedRequest;
}

export async function routeRequest(loaded: LoadedRequest, now = new Date()): Promise<Routing> {
  let current = loaded;
  const page = await pageIfDue(current, now);
  if (page) {
    // The guarded update that recorded it changed nothing else: the record is known without a read.
    current = { ...current, request: { ...current.request, page: { to: page.to, at: page.at, step: page.step }, revision: current.request.revision + 1 } };
  }
  const offer = await offerNext(current, now);
  if (offer) {
    current = {
      request: { ...current.request, offer: { to: offer.to, at: offer.at, expiresAt: offer.expiresAt }, offerNobodyAt: undefined, revision: current.request.revision + 1 },
      client: { ...current.client, roundRobinLast: offer.to },
    };
  }
  return { page, offer, current };
}
