// File access shared by the readers: a missing file becomes an error that says how to supply it.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetMissingError } from './errors.js';

/**
 * Reads `dir/name` as bytes. `howToFix` is appended to the message when the folder or the file
 * is absent (e.g. which environment variable points at the data).
 */
export function readDataFile(dir: string, name: string, howToFix: string): Uint8Array {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new DatasetMissingError(dir, `data folder ${dir} does not exist (looking for ${name}). ${howToFix}`);
  }
  const path = join(dir, name);
  if (!existsSync(path)) {
    throw new DatasetMissingError(path, `missing data file ${name} in ${dir}. ${howToFix}`);
  }
  const buf = readFileSync(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Reads an optional text file of one name per line (blank lines dropped); undefined if absent. */
export function readNameList(dir: string, name: string): string[] | undefined {
  const path = join(dir, name);
  if (!existsSync(path)) return undefined;
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}
