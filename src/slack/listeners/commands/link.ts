// `/help link ACME-42 <url>`: stores a link to the work behind a request and shows it on the
// request's messages.
import { parseWorkLink } from '../../../domain/workLinks';
import { ErrorCode, UserFacingError } from '../../../errors';
import type { Actor } from '../../../services/directory';
import { linkWork } from '../../../services/workLinks';
import { showRequest } from '../../requestUpdates';
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
  await showRequest(ctx, request.key);
  return `:link: Linked ${link.label} to *${request.key}*; it shows on the request's messages.${link.provider === 'github' ? ' When it is merged or closed, the thread will say so.' : ''}`;
}
