// What the database commands (seed, export, verify) share: MONGODB_URI from the environment, where
// they write, and running `main` as the process with its exit code. A command's `main` takes its
// arguments and a CommandIo, so the tests run it in-process too (the database connection is
// counted: run inside a process already connected to the same database, it leaves it open).
import { z } from 'zod';

/** The environment a command reads and where it writes. */
export interface CommandIo {
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The process's own. */
export const PROCESS_IO: CommandIo = {
  env: process.env,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** MONGODB_URI when it is a mongodb:// URI; otherwise says so on stderr and returns undefined. */
export function mongoUriFromEnv(io: CommandIo = PROCESS_IO): string | undefined {
  const uri = z.string().regex(/^mongodb(\+srv)?:\/\//).safeParse(io.env.MONGODB_URI);
  if (uri.success) return uri.data;
  io.stderr('MONGODB_URI is missing or not a mongodb:// URI\n');
  return undefined;
}

/** Runs `main` with the process's arguments and exits with its code; an unexpected error is written to stderr and exits 1. */
export function runMain(main: (argv: string[], io: CommandIo) => Promise<number>, failure: string): void {
  main(process.argv.slice(2), PROCESS_IO).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${failure}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
