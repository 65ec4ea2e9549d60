// Publishes the Home tab: on app_home_opened, and again for the people a change concerns.
import type { WebClient } from '@slack/web-api';
import type { Config } from '../config';
import { logger } from '../logger';
import { homeFor, homeViewersFor, rememberHomeViewer } from '../services/home';
import { loadRequestWithClient, type LoadedRequest } from '../services/requestLifecycle';
import { clientsOfUser } from './membership';
import { slackErrorCode } from './sync';
import type { SlackTokens } from './tokens';
import { renderHome } from './views/home';

async function publish(client: WebClient, userId: string, clientKeys: string[], zone: string): Promise<void> {
  const view = renderHome(await homeFor(userId, clientKeys, zone));
  await client.views.publish({ user_id: userId, view });
}

/** On app_home_opened: finds the person's clients (from Slack), remembers them, publishes. */
export async function openHome(tokens: SlackTokens, config: Config, userId: string, teamId?: string): Promise<void> {
  // The Home tab lives in the person's own workspace: a client's installation when they have one.
  const client = await tokens.clientForClientSide(teamId);
  if (!client) return;
  const clientKeys = (await clientsOfUser(client, userId)).map((o) => o.clientKey);
  await rememberHomeViewer(userId, clientKeys, teamId);
  await publish(client, userId, clientKeys, config.defaultTimezone);
}

/**
 * Home tabs are costly to build (a manager's holds the week's numbers), and a burst of changes
 * would rebuild them once per change. So a refresh is coalesced per person: it runs once,
 * HOME_REFRESH_DELAY_MS after the first change asks for it, with whatever the record says then.
 */
export const HOME_REFRESH_DELAY_MS = 1000;
const pendingRefresh = new Map<string, NodeJS.Timeout>();

function scheduleRefresh(tokens: SlackTokens, config: Config, viewer: { userId: string; clientKeys: string[]; teamId?: string | undefined }): void {
  if (pendingRefresh.has(viewer.userId)) return;
  const timer = setTimeout(() => {
    pendingRefresh.delete(viewer.userId);
    void (async () => {
      try {
        // Published in the person's own workspace, with that workspace's token.
        const client = await tokens.clientForClientSide(viewer.teamId);
        if (client) await publish(client, viewer.userId, viewer.clientKeys, config.defaultTimezone);
      } catch (error) {
        logger.warn({ user: viewer.userId, slackError: slackErrorCode(error) }, 'Could not refresh a Home tab; it is refreshed when next opened');
      }
    })();
  }, HOME_REFRESH_DELAY_MS);
  timer.unref();
  pendingRefresh.set(viewer.userId, timer);
}

/** After a change to a request: refreshes (soon, coalesced) the Home of everyone who cares. */
export async function refreshHomes(tokens: SlackTokens, config: Config, key: string, loaded?: LoadedRequest): Promise<void> {
  const found = loaded ?? (await loadRequestWithClient(key));
  if (!found) return;
  const { request, client: owner } = found;
  const people = [request.requesterId, ...(request.assigneeId ? [request.assigneeId] : []), ...(owner?.approvers ?? [])];
  for (const viewer of await homeViewersFor(request.clientKey, people)) scheduleRefresh(tokens, config, viewer);
}
