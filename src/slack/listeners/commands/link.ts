// `/help link ACME-42 <url>`: stores a link to the work behind a request and shows it on the
// request's messages.
import { githubRepository, parseWorkLink, type WorkLink } from '../../../domain/workLinks';
import { ErrorCode, UserFacingError } from '../../../errors';
import { findClientByKey, type Actor } from '../../../services/directory';
import { linkWork } from '../../../services/workLinks';
import { afterRequestUpdated } from '../../requestUpdates';
import type { ListenerContext } from '../context';

export async function linkCommand(ctx: ListenerContext, actor: Actor, key: string, url: string): Promise<string> {
  const link = parseWorkLink(url);
  if (!link) {
    throw new UserFacingError(
      ErrorCode.InvalidInput,
      "That is not a link I can follow: give the https address of a GitHub pull request or issue, a GitLab merge request or issue, a Linear issue or a Jira issue.",
    );
  }
  const { request, added } = await linkWork(key, actor, [link]);
  if (added.length === 0) return `${request.key} already links ${link.label}.`;
  await afterRequestUpdated(ctx, request.key);
  return `:link: Linked ${link.label} to *${request.key}*; it shows on the request's messages.${await githubNote(link, request.clientKey)}`;
}

/** What GitHub's events will do for the link: only the repositories the client lists are followed. */
async function githubNote(link: WorkLink, clientKey: string): Promise<string> {
  const repository = githubRepository(link);
  if (!repository) return '';
  const client = await findClientByKey(clientKey);
  if ((client?.repositories ?? []).includes(repository)) return ' When it is merged or closed, the thread will say so.';
  return ` GitHub's events for ${repository} are not followed for ${clientKey} (a manager can add it with \`admin client ${clientKey} repositories: [${repository}]\`).`;
}
