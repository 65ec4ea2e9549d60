// Errors a user can cause, each with a message written for that user. Listeners turn them into
// ephemeral messages or modal field errors; anything else is logged and answered with an apology.

export enum ErrorCode {
  NotAClientChannel = 'not_a_client_channel',
  NotFound = 'not_found',
  Forbidden = 'forbidden',
  InvalidState = 'invalid_state',
  Conflict = 'conflict',
  InvalidInput = 'invalid_input',
}

export class UserFacingError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Modal field errors, keyed by block_id, when the error came from a form. */
    readonly fieldErrors?: Record<string, string>,
  ) {
    super(message);
    this.name = 'UserFacingError';
  }
}

export function isUserFacingError(error: unknown): error is UserFacingError {
  return error instanceof UserFacingError;
}
