// Which clients a person belongs to, from the members of the clients' Slack channels. People
// from a client's own organisation in a Slack Connect channel are members like anyone else.
import type { WebClient } from '@slack/web-api';
import { logger } from '../logger';
import { listClients } from '../services/directory';
import type { IntakeOption } from '../services/pendingIntake';

async function isMember(client: WebClient, channel: string, userId: string): Promise<boolean> {
  let cursor: string | undefined;
  do {
    const page = await client.conversations.members({ channel, limit: 1000, ...(cursor ? { cursor } : {}) });
    if (page.members?.includes(userId)) return true;
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return false;
}

export async function clientsOfUser(client: WebClient, userId: string): Promise<IntakeOption[]> {
  const options: IntakeOption[] = [];
  for (const c of await listClients()) {
    for (const channel of c.channels) {
      try {
        if (await isMember(client, channel, userId)) {
          options.push({ clientKey: c.key, clientName: c.name, channelId: channel });
          break;
        }
      } catch (error) {
        logger.warn({ err: error, channel }, 'Could not read the members of a client channel; skipping it');
      }
    }
  }
  return options;
}
