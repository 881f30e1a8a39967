import yargs, { type Argv } from 'yargs';
import { demoCommand } from './commands/demo.js';
import { trainCommand } from './commands/train.js';
import { compileCommand } from './commands/compile.js';

export function buildCli(argv: string[]): Argv {
  return yargs(argv)
    .scriptName('fhenet')
    .command(demoCommand)
    .command(trainCommand)
    .command(compileCommand)
    .strict()
    .demandCommand(1, 'Name a command; see --help.')
    .help()
    .version();
}
