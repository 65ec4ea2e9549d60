// How listeners answer when something goes wrong: a user's mistake gets its own words, anything
// else is logged with context and answered with a short apology, never a stack trace.
import { isUserFacingError } from '../../errors';
import { logger } from '../../logger';

/** A command's acknowledgement when its answer was not ready within ACK_BUDGET_MS; the answer follows through its response URL. */
export const WORKING_ON_IT = ':hourglass_flowing_sand: Working on it…';

export const APOLOGY =
  ':warning: Sorry, something went wrong on our side and nothing was changed. Please try again in a minute.';

export function messageForError(error: unknown, context: Record<string, unknown>): string {
  if (isUserFacingError(error)) return error.message;
  logger.error({ err: error, ...context }, 'Listener failed; the user was told to try again');
  return APOLOGY;
}
