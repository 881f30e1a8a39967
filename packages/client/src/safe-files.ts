// Writing and reading the client's files so that nothing is lost or leaked on the way
// (docs/client-files.md, "How files are written"): a key folder is written whole into a fresh
// temporary folder next to its destination, each file created exclusively (O_EXCL: never an
// existing file, never through a symlink), secret files with mode 0600, every file and the folder
// fsynced, then renamed into place; an existing folder is replaced only when asked (--force) and
// only if it is a key folder. A crash leaves the old folder or the new one, never a mix. Single
// files (ciphertexts) go through a temporary file + fsync + rename the same way. Reads of folder
// files accept only plain names inside the folder and refuse symlinks (O_NOFOLLOW).
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { parseBoundedJson } from '@fhenet/quantization';

export interface FolderFile {
  readonly name: string;
  /** Written in order (a header and a payload need no concatenated copy). */
  readonly chunks: readonly Uint8Array[];
  /** Mode 0600 (the secret key); others 0644. */
  readonly secret?: boolean;
}

export interface FolderWriteOptions {
  /** Replace an existing folder (only a folder `isOurs` recognizes). */
  readonly force?: boolean;
  /** Whether an existing folder is one of ours (a key folder), so that --force may replace it. */
  readonly isOurs: (dir: string) => boolean;
  /** For messages: "key folder". */
  readonly what: string;
}

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

function writeAll(fd: number, chunks: readonly Uint8Array[]): void {
  for (const c of chunks) {
    let at = 0;
    while (at < c.length) at += writeSync(fd, c, at, c.length - at);
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Creates `path` (which must not exist), writes the chunks, fsyncs, closes. */
function createFile(path: string, chunks: readonly Uint8Array[], mode: number): void {
  const fd = openSync(path, CREATE, mode);
  try {
    writeAll(fd, chunks);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether `dir` may become (or be replaced by) a new folder: absent, an empty folder, or with
 * `force` one `isOurs` recognizes. Throws naming what is there otherwise. Called before slow work
 * (key generation) so that a refusal costs nothing, and again when the folder is written.
 */
export function assertWritableFolder(dir: string, o: FolderWriteOptions): 'absent' | 'empty' | 'replace' {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(dir);
  } catch {
    return 'absent';
  }
  if (st.isSymbolicLink()) throw new Error(`${dir}: is a symbolic link; refusing to write a ${o.what} through it`);
  if (!st.isDirectory()) throw new Error(`${dir}: exists and is not a folder; refusing to replace it with a ${o.what}`);
  if (readdirSync(dir).length === 0) return 'empty';
  if (!o.force) throw new Error(`${dir}: already exists; refusing to overwrite it (pass --force to replace a ${o.what})`);
  if (!o.isOurs(dir)) throw new Error(`${dir}: exists and is not a ${o.what}; refusing to replace it even with --force`);
  return 'replace';
}

/** Writes `files` as the folder `dir`, atomically (see the file comment). */
export function writeFolderAtomically(dir: string, files: readonly FolderFile[], o: FolderWriteOptions): void {
  const target = resolve(dir);
  const parent = dirname(target);
  const state = assertWritableFolder(target, o);
  const tmp = mkdtempSync(join(parent, `.${basename(target)}.tmp-`)); // mode 0700
  try {
    for (const f of files) {
      if (!isPlainName(f.name)) throw new Error(`internal: file name ${JSON.stringify(f.name)} is not a plain name`);
      createFile(join(tmp, f.name), f.chunks, f.secret ? 0o600 : 0o644);
    }
    fsyncPath(tmp);
    if (state === 'replace' || state === 'empty') {
      const old = join(parent, `.${basename(target)}.old-${randomBytes(6).toString('hex')}`);
      renameSync(target, old);
      try {
        renameSync(tmp, target);
      } catch (e) {
        renameSync(old, target); // put the old folder back
        throw e;
      }
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, target);
    }
    fsyncPath(parent);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Writes one file atomically: a temporary file next to it, fsynced, renamed over `path`. */
export function writeFileAtomically(path: string, chunks: readonly Uint8Array[]): void {
  const target = resolve(path);
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    createFile(tmp, chunks, 0o644);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new Error(`${path}: cannot write: ${(e as Error).message}`);
  }
  fsyncPath(dirname(target));
}

/** A file name that stays inside its folder: no separator, not "." or "..", no NUL. */
export function isPlainName(name: unknown): name is string {
  return typeof name === 'string' && /^[A-Za-z0-9._-]{1,255}$/.test(name) && name !== '.' && name !== '..';
}

/**
 * A manifest's file name checked to stay inside its folder (`files.clientKey` may not be
 * "../other/client-key.bin"); the error names the manifest and field.
 */
export function folderFileName(name: unknown, manifest: string, field: string): string {
  if (!isPlainName(name)) {
    throw new Error(`${manifest}: ${field}: expected a plain file name inside the key folder, got ${JSON.stringify(name) ?? String(name)}`);
  }
  return name;
}

/** Largest key-folder manifest read (a few hundred bytes are written). */
export const MAX_MANIFEST_BYTES = 2 ** 20;
const MANIFEST_JSON_LIMITS = { maxDepth: 16, maxValues: 2 ** 16 } as const;

/** A key folder's JSON manifest `dir/name`, bounded before it is parsed (a key folder may be hostile); errors name the path. */
export function readFolderJson(dir: string, name: string): unknown {
  const read = parseBoundedJson(readFolderFile(dir, name, MAX_MANIFEST_BYTES).toString('utf8'), MANIFEST_JSON_LIMITS, "a key folder manifest's JSON");
  if (!read.ok) throw new Error(`${join(dir, name)}: expected ${read.expected}, got ${read.got}`);
  return read.value;
}

/** Reads `dir/name` (at most maxBytes) without following a symlink there; errors name the path. */
export function readFolderFile(dir: string, name: string, maxBytes = Number.POSITIVE_INFINITY): Buffer {
  const path = join(dir, name);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new Error(`${path}: is a symbolic link; key folder files must be regular files`);
    throw new Error(`${path}: cannot read: ${(e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) throw new Error(`${path}: expected at most ${maxBytes} bytes, got ${size}`);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}
