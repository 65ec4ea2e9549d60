// Records written straight to MongoDB, for service-level tests that need a request in a given
// state without going through Slack.
import { EstimateModel } from '../../src/db/estimate';
import { RequestModel } from '../../src/db/request';
import { TimeEntryModel } from '../../src/db/timeEntry';
import { ACME, STAFF, TRIAGE } from './testEnv';

/** A request claimed by the standard engineer; `fields` overrides anything (client, channel, dates). */
export async function createClaimedRequest(clientKey: string, number: number, fields: Record<string, unknown> = {}): Promise<string> {
  const key = `${clientKey}-${number}`;
  const at = new Date();
  await RequestModel.create({
    key,
    clientKey,
    number,
    title: 'Mail server migration',
    category: 'maintenance',
    priority: 'normal',
    state: 'claimed',
    source: 'command',
    requesterId: ACME.member,
    clientChannelId: ACME.channel,
    triageChannelId: TRIAGE,
    assigneeId: STAFF.engineer,
    createdAt: at,
    claimedAt: at,
    ...fields,
  });
  return key;
}

/**
 * ACME's November 2026, ready to bill: ACME-1 closed (approved 2 h, 80 min logged), ACME-2 in
 * progress (approved 1 h, 25 min logged), both on completion at £95 an hour.
 */
export async function recordBilledNovember() {
  const base = { clientKey: 'ACME', category: 'maintenance', priority: 'normal', source: 'command', requesterId: ACME.member, clientChannelId: ACME.channel, triageChannelId: 'C0TRIAGE' } as const;
  await RequestModel.create([
    { ...base, key: 'ACME-1', number: 1, title: 'Upgrade the database', state: 'closed' as const, createdAt: new Date('2026-11-02T09:00:00Z'), closedAt: new Date('2026-11-20T16:00:00Z') },
    { ...base, key: 'ACME-2', number: 2, title: 'Patch the web server', state: 'in_progress' as const, createdAt: new Date('2026-11-09T09:00:00Z') },
  ]);
  const estimate = { clientKey: 'ACME', version: 1, kind: 'estimate', hourlyRateMinor: 9500, currency: 'GBP', authorId: STAFF.engineer, decision: 'approved', decidedBy: ACME.boss, terms: { billingMode: 'on_completion', incrementMinutes: 15, minimumMinutes: 30 } } as const;
  await EstimateModel.create([
    { ...estimate, requestKey: 'ACME-1', lowMinutes: 120, highMinutes: 120, amountMinor: 19000, createdAt: new Date('2026-11-02T10:00:00Z'), decidedAt: new Date('2026-11-02T11:00:00Z') },
    { ...estimate, requestKey: 'ACME-2', lowMinutes: 60, highMinutes: 60, amountMinor: 9500, createdAt: new Date('2026-11-09T10:00:00Z'), decidedAt: new Date('2026-11-09T11:00:00Z') },
  ]);
  const entry = { clientKey: 'ACME', engineerId: STAFF.engineer, billable: true, createdAt: new Date('2026-11-10T12:00:00Z') };
  await TimeEntryModel.create([
    { ...entry, requestKey: 'ACME-1', minutes: 80, workDate: '2026-11-03' },
    { ...entry, requestKey: 'ACME-2', minutes: 25, workDate: '2026-11-10' },
  ]);
}
