import yargs, { type Argv } from 'yargs';
import { demoCommand } from './commands/demo.js';

export function buildCli(argv: string[]): Argv {
  return yargs(argv)
    .scriptName('fhenet')
    .command(demoCommand)
    .strict()
    .demandCommand(1, 'Name a command; see --help.')
    .help()
    .version();
}
