import yargs, { type Argv } from 'yargs';

export function buildCli(argv: string[]): Argv {
  return yargs(argv)
    .scriptName('fhenet')
    .strict()
    .demandCommand(1, 'Name a command; see --help.')
    .help()
    .version();
}
