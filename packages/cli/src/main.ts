#!/usr/bin/env node
// The fhenet command: argument parsing only; every command calls into a package.
import { buildCli } from './cli.js';

/**
 * A bad argument: the usage, then what was wrong. An error thrown by a command (a bad data file, a
 * refused model): its message alone, which names the file and field; the stack only for bugs.
 */
function report(error: unknown): void {
  const bug = error instanceof TypeError || error instanceof ReferenceError || error instanceof SyntaxError;
  console.error(bug ? (error as Error).stack : `fhenet: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}

let reported = false;
try {
  await buildCli(process.argv.slice(2))
    .fail((message, error, y) => {
      reported = true;
      if (error === undefined || error === null) {
        // yargs would go on to run the command after a failed validation (an unknown option): stop
        // here, as its default handler does.
        console.error(`${y.help()}\n\n${message}`);
        process.exit(1);
      } else report(error);
    })
    .parseAsync();
} catch (e) {
  // yargs rejects after calling fail for a command's error; report it once.
  if (!reported) report(e);
}
