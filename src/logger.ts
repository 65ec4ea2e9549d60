// Structured JSON logs (pino). Tokens and secrets are redacted; client message text is never
// logged at info level: log request keys and IDs instead.
import pino from 'pino';

/** Where log lines go: stdout, unless setLogSink says otherwise (the tests keep them until a test fails). */
export interface LogSink {
  write(line: string): unknown;
}

const stdout = pino.destination(1);
let sink: LogSink = stdout;

export const logger = pino(
  {
    level: 'info',
    base: { service: 'adhoc-help' },
    redact: {
      paths: ['token', '*.token', 'botToken', '*.botToken', 'authorization', '*.authorization', 'headers.authorization'],
      censor: '[redacted]',
    },
  },
  { write: (line: string) => sink.write(line) },
);

export type Logger = typeof logger;

/** Called by the composition roots once the configuration is known. */
export function setLogLevel(level: string): void {
  logger.level = level;
}

/** Sends the log lines to `to` instead of stdout (undefined: stdout again). */
export function setLogSink(to: LogSink | undefined): void {
  sink = to ?? stdout;
}
