// Where the managers are told things: the managers' channel when configured, else a DM each.
import { staffWithRole } from '../services/directory';
import type { Effects } from './effects';

/** The managers' channel, or each manager by DM. */
export async function managerDestinations(effects: Effects): Promise<Array<{ channel: string } | { user: string }>> {
  const channel = effects.config.slack.managerChannelId;
  return channel ? [{ channel }] : (await staffWithRole('manager')).map((user) => ({ user }));
}
