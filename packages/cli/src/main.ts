#!/usr/bin/env node
// The fhenet command: argument parsing only; every command calls into a package.
import { buildCli } from './cli.js';

await buildCli(process.argv.slice(2)).parseAsync();
