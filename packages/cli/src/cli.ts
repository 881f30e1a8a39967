// The fhenet command: one yargs program over every stage, in the order data flows.
import yargs, { type Argv } from 'yargs';
import { demoCommand } from './commands/demo.js';
import { trainCommand } from './commands/train.js';
import { compileCommand } from './commands/compile.js';
import { keygenCommand } from './commands/keygen.js';
import { encryptCommand } from './commands/encrypt.js';
import { runCommand } from './commands/run.js';
import { decryptCommand } from './commands/decrypt.js';
import { predictCommand } from './commands/predict.js';
import { serveCommand } from './commands/serve.js';
import { benchCommand } from './commands/bench.js';
import { sweepCommand } from './commands/sweep.js';
import { reportCommand } from './commands/report.js';
import { modelsCommand } from './commands/models.js';
import { workerCommand } from './commands/worker.js';

export function buildCli(argv: string[]): Argv {
  return yargs(argv)
    .scriptName('fhenet')
    .command(demoCommand)
    .command(trainCommand)
    .command(compileCommand)
    .command(keygenCommand)
    .command(encryptCommand)
    .command(runCommand)
    .command(decryptCommand)
    .command(predictCommand)
    .command(serveCommand)
    .command(benchCommand)
    .command(sweepCommand)
    .command(reportCommand)
    .command(modelsCommand)
    .command(workerCommand)
    .strict()
    .demandCommand(1, 'Name a command; see --help.')
    .help()
    .version();
}
