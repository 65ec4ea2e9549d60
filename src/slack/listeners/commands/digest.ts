// `/help digest`: the digest numbers of the last seven days, on demand, for managers.
import { ErrorCode, UserFacingError } from '../../../errors';
import { digestFor } from '../../../services/digest';
import { staffRoles } from '../../../services/directory';
import type { KnownBlock } from '../../views/blocks';
import { renderDigest } from '../../views/digest';
import type { ListenerContext } from '../context';

export async function digestCommand(ctx: ListenerContext, userId: string): Promise<{ text: string; blocks: KnownBlock[] }> {
  if (!(await staffRoles(userId)).includes('manager')) {
    throw new UserFacingError(ErrorCode.Forbidden, 'Only managers can see the digest.');
  }
  const to = new Date();
  const from = new Date(to.getTime() - 7 * 24 * 60 * 60 * 1000);
  return renderDigest(await digestFor(from, to, ctx.config.defaultTimezone), ctx.config.defaultTimezone);
}
