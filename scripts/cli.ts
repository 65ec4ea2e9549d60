// What the database commands (seed, export, verify) share: MONGODB_URI from the environment, and
// running `main` as the process with its exit code.
import { z } from 'zod';

/** MONGODB_URI when it is a mongodb:// URI; otherwise says so on stderr and returns undefined. */
export function mongoUriFromEnv(): string | undefined {
  const uri = z.string().regex(/^mongodb(\+srv)?:\/\//).safeParse(process.env.MONGODB_URI);
  if (uri.success) return uri.data;
  process.stderr.write('MONGODB_URI is missing or not a mongodb:// URI\n');
  return undefined;
}

/** Runs `main` and exits with its code; an unexpected error is written to stderr and exits 1. */
export function runMain(main: () => Promise<number>, failure: string): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${failure}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
