// Runs a command of scripts/ (seed, export, verify) in-process: its `main` with arguments and an
// environment, what it wrote collected. Each command keeps one test that spawns it as a process.
import type { CommandIo } from '../../scripts/cli';

export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCommand(main: (argv: string[], io: CommandIo) => Promise<number>, argv: string[], env: Record<string, string | undefined>): Promise<CommandRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { env, stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) });
  return { code, stdout, stderr };
}
