// Runs `fhenet <argv>` in this process, as a user would from the shell, and returns what it printed.
import { vi } from 'vitest';
import { buildCli } from '../src/cli.js';

export interface CliRun {
  /** console.log lines. */
  readonly out: string[];
  /** console.error lines and stderr writes (progress, warnings). */
  readonly err: string[];
}

/** Runs the command; throws what its handler threw (the message main.ts would print). */
export async function fhenet(...argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  let failure: unknown;
  const exitCode = process.exitCode;
  try {
    await buildCli(argv)
      .exitProcess(false)
      .fail((msg, e) => {
        failure = e ?? new Error(msg);
      })
      .parseAsync();
  } catch (e) {
    failure = e;
  } finally {
    log.mockRestore();
    error.mockRestore();
    stderr.mockRestore();
  }
  if (failure) throw failure;
  if (process.exitCode && process.exitCode !== exitCode) {
    process.exitCode = exitCode;
    throw new Error(`fhenet ${argv.join(' ')} set exit code 1:\n${[...out, ...err].join('\n')}`);
  }
  return { out, err };
}
