// Which clients a person belongs to, from the members of the clients' Slack channels. People
// from a client's own organisation in a Slack Connect channel are members like anyone else.
// Channel members rarely change, and every Home open and DM would otherwise ask Slack again, so
// each channel's members are cached in Redis (shared by every process) for a few minutes, and
// forgotten at once on member_joined_channel / member_left_channel.
import type { WebClient } from '@slack/web-api';
import type { RedisConnection } from '../jobs/redis';
import { logger } from '../logger';
import { listClients } from '../services/directory';
import type { IntakeOption } from '../services/pendingIntake';

export const MEMBERS_TTL_SECONDS = 300;
/** Stored with the members so that a channel with none is still a cached answer. */
const PRESENT = '.';

export interface Membership {
  clientsOfUser(client: WebClient, userId: string): Promise<IntakeOption[]>;
  /** Someone joined or left: the channel's members are read from Slack next time. */
  forget(channel: string): Promise<void>;
}

async function membersFromSlack(client: WebClient, channel: string): Promise<string[]> {
  const members: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.conversations.members({ channel, limit: 1000, ...(cursor ? { cursor } : {}) });
    members.push(...(page.members ?? []));
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return members;
}

export function createMembership(redis: RedisConnection, prefix: string): Membership {
  const keyOf = (channel: string) => `${prefix}:members:${channel}`;

  async function isMember(client: WebClient, channel: string, userId: string): Promise<boolean> {
    const key = keyOf(channel);
    try {
      const [present, member] = await Promise.all([redis.sismember(key, PRESENT), redis.sismember(key, userId)]);
      if (present === 1) return member === 1;
    } catch {
      // Redis is down: ask Slack.
    }
    const members = await membersFromSlack(client, channel);
    await redis
      .multi()
      .del(key)
      .sadd(key, PRESENT, ...members)
      .expire(key, MEMBERS_TTL_SECONDS)
      .exec()
      .catch(() => undefined);
    return members.includes(userId);
  }

  return {
    async clientsOfUser(client, userId) {
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
    },
    async forget(channel) {
      await redis.del(keyOf(channel)).catch(() => undefined);
    },
  };
}
