// Structured JSON logs (pino). Tokens and secrets are redacted; client message text is never
// logged at info level: log request keys and IDs instead.
import pino from 'pino';

export const logger = pino({
  level: 'info',
  base: { service: 'adhoc-help' },
  redact: {
    paths: ['token', '*.token', 'botToken', '*.botToken', 'authorization', '*.authorization', 'headers.authorization'],
    censor: '[redacted]',
  },
});

export type Logger = typeof logger;

/** Called by the composition roots once the configuration is known. */
export function setLogLevel(level: string): void {
  logger.level = level;
}
