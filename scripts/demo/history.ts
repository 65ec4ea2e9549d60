// The history the demo starts with: requests other clients closed last month, with the billable
// time each really took, so Bob sees similar past requests and a suggested range when he
// estimates Acme's first request. Written as the lifecycle leaves a closed request.
import { RequestModel } from '../../src/db/request';
import { TRIAGE_CHANNEL } from './cast';

// One request each of seven clients: the story's own requests (Acme's) come after, and its
// "newest request" is found by number.
const PAST: Array<{ key: string; title: string; category: 'incident' | 'maintenance' | 'project'; minutes: number }> = [
  { key: 'GLOBEX-1', title: 'Checkout page returns 500 after the deploy', category: 'incident', minutes: 135 },
  { key: 'INITECH-1', title: '500 error on the checkout page for card payments', category: 'incident', minutes: 90 },
  { key: 'HOOLI-1', title: 'Checkout returns 500 when the basket has a voucher', category: 'maintenance', minutes: 180 },
  { key: 'UMBRELLA-1', title: 'Cart page returns 500 for logged-in users', category: 'maintenance', minutes: 75 },
  { key: 'STARK-1', title: 'Renew the TLS certificate', category: 'maintenance', minutes: 45 },
  { key: 'WAYNE-1', title: 'Upgrade Postgres to version 16', category: 'maintenance', minutes: 360 },
  { key: 'VANDELAY-1', title: 'Add a CSV export to the reports page', category: 'project', minutes: 480 },
];

/** Writes the closed requests; returns how many. */
export async function seedPastRequests(now = new Date()): Promise<number> {
  const closedAt = new Date(now.getTime() - 35 * 24 * 60 * 60_000);
  const createdAt = new Date(closedAt.getTime() - 3 * 24 * 60 * 60_000);
  await RequestModel.insertMany(
    PAST.map((p) => {
      const [clientKey = '', number = '0'] = p.key.split('-');
      return {
        key: p.key,
        clientKey,
        number: Number(number),
        title: p.title,
        category: p.category,
        priority: 'normal',
        state: 'closed',
        source: 'command',
        requesterId: `U0${clientKey}`,
        clientChannelId: `C0${clientKey}`,
        triageChannelId: TRIAGE_CHANNEL.id,
        billableMinutesLogged: p.minutes,
        createdAt,
        resolvedAt: closedAt,
        closedAt,
        revision: 1,
        syncedRevision: 1,
        timersRevision: 1,
      };
    }),
  );
  return PAST.length;
}
