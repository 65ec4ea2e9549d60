// The Home tab: on app_home_opened the person's clients are found (from Slack, cached) and
// remembered, and the delivery publishes the tab with the data of that moment.
import { rememberHomeViewer } from '../services/home';
import type { Effects } from './requestUpdates';

export async function openHome(effects: Effects, userId: string, teamId?: string): Promise<void> {
  // The Home tab lives in the person's own workspace: a client's installation when they have one.
  const client = await effects.tokens.clientForClientSide(teamId);
  if (!client) return;
  const clientKeys = (await effects.membership.clientsOfUser(client, userId)).map((o) => o.clientKey);
  await rememberHomeViewer(userId, clientKeys, teamId);
  await effects.delivery.refreshHomes([{ userId, clientKeys, ...(teamId ? { teamId } : {}) }], 'interactive');
}
