// Records written straight to MongoDB, for service-level tests that need a request in a given
// state without going through Slack.
import { RequestModel } from '../../src/db/request';
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
