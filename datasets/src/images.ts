// PNG and JPEG images (decoded by pngjs and jpeg-js, pure JavaScript), alone or as a folder with
// one sub-folder per class. Pixels come out as HWC bytes with 1 (gray) or 3 (RGB) channels; alpha
// is dropped.

import { type Dirent, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DatasetFormatError, DatasetMissingError } from './errors.js';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;

/** Largest image we decode, in pixels (a bound against hostile headers). */
export const MAX_IMAGE_PIXELS = 2 ** 24;

export interface DecodedImage {
  readonly height: number;
  readonly width: number;
  /** 1 for grayscale files, 3 for color ones. */
  readonly channels: 1 | 3;
  /** height x width x channels bytes. */
  readonly pixels: Uint8Array;
}

export function isImageFile(name: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(extname(name).toLowerCase());
}

/** Decodes a PNG or JPEG file (told apart by their signatures, not the name). */
export function decodeImage(path: string): DecodedImage {
  const bytes = readFileSync(path);
  const fail = (what: string): never => {
    throw new DatasetFormatError(path, 'image', 'a PNG or JPEG image', what);
  };
  let rgba: Uint8Array;
  let width: number;
  let height: number;
  let gray: boolean;
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47) {
    // IHDR comes first: bound the size before inflating anything.
    width = bytes.readUInt32BE(16);
    height = bytes.readUInt32BE(20);
    if (width * height > MAX_IMAGE_PIXELS) fail(`${width}x${height} pixels (more than ${MAX_IMAGE_PIXELS})`);
    let png: PNG;
    try {
      png = PNG.sync.read(bytes);
    } catch (e) {
      return fail(`an unreadable PNG (${(e as Error).message})`);
    }
    rgba = png.data;
    gray = (png as unknown as { color: boolean }).color === false;
  } else if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    let img: { width: number; height: number; data: Uint8Array };
    try {
      img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
    } catch (e) {
      return fail(`an unreadable JPEG (${(e as Error).message})`);
    }
    ({ width, height } = img);
    rgba = img.data;
    // jpeg-js expands gray to RGBA; a one-component JPEG is gray.
    gray = jpegComponents(bytes) === 1;
  } else {
    return fail(`neither (starts ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')})`);
  }
  const channels = gray ? 1 : 3;
  const pixels = new Uint8Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < channels; c++) pixels[p * channels + c] = rgba[p * 4 + c]!;
  }
  return { height, width, channels, pixels };
}

/** Component count of a JPEG's start-of-frame segment (1 gray, 3 color), 3 if none is found. */
function jpegComponents(b: Uint8Array): number {
  let i = 2;
  while (i + 9 < b.length && b[i] === 0xff) {
    const marker = b[i + 1]!;
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return b[i + 9]!;
    i += 2 + len;
  }
  return 3;
}

/**
 * `pixels` (h x w x from) as h x w x to channels: gray to color repeats the value; color to gray
 * takes the ITU-R BT.601 luma, round((299 R + 587 G + 114 B) / 1000).
 */
export function convertChannels(pixels: Uint8Array, from: 1 | 3, to: number): Uint8Array {
  if (from === to) return pixels;
  const n = pixels.length / from;
  const out = new Uint8Array(n * to);
  for (let p = 0; p < n; p++) {
    if (from === 1) out.fill(pixels[p]!, p * to, (p + 1) * to);
    else out[p] = Math.round((299 * pixels[3 * p]! + 587 * pixels[3 * p + 1]! + 114 * pixels[3 * p + 2]!) / 1000);
  }
  return out;
}

export interface ImageFolder {
  /** Sorted sub-folder names: class i is classNames[i]. */
  readonly classNames: readonly string[];
  /** Image files, sorted by class then name. */
  readonly files: readonly string[];
  /** Class index of each file. */
  readonly labels: readonly number[];
}

/** Lists `dir`/<class>/<image>: one sub-folder per class (sorted by name), PNG and JPEG files in each. */
export function listImageFolder(dir: string): ImageFolder {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    throw new DatasetMissingError(dir, `image folder ${dir} does not exist or cannot be read`);
  }
  const classNames = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  if (classNames.length === 0) {
    throw new DatasetFormatError(dir, 'class folders', 'one sub-folder per class, each holding PNG or JPEG images', 'no sub-folder');
  }
  const files: string[] = [];
  const labels: number[] = [];
  classNames.forEach((name, label) => {
    const images = readdirSync(join(dir, name))
      .filter((f) => isImageFile(f) && !f.startsWith('.'))
      .sort();
    if (images.length === 0)
      throw new DatasetFormatError(join(dir, name), 'images', `at least one ${IMAGE_EXTENSIONS.join('/')} file in class folder "${name}"`, 'none');
    for (const f of images) {
      files.push(join(dir, name, f));
      labels.push(label);
    }
  });
  return { classNames, files, labels };
}

/**
 * Decodes `files` into one NHWC byte array. Every image must have the first one's height and
 * width; channels are 3 when any file is in color (gray files are repeated), else 1, unless
 * `channels` asks for a count (color files then become gray by luma).
 */
export function decodeImages(files: readonly string[], channels?: number): { pixels: Uint8Array; shape: [number, number, number] } {
  if (files.length === 0) throw new RangeError('decodeImages: no files');
  const decoded = files.map((f) => decodeImage(f));
  const first = decoded[0]!;
  const c = channels ?? (decoded.some((d) => d.channels === 3) ? 3 : 1);
  const size = first.height * first.width * c;
  const pixels = new Uint8Array(files.length * size);
  decoded.forEach((d, i) => {
    if (d.height !== first.height || d.width !== first.width) {
      throw new DatasetFormatError(
        files[i]!,
        'image size',
        `${first.width}x${first.height} (as ${files[0]}; every image must have one size)`,
        `${d.width}x${d.height}`,
      );
    }
    pixels.set(convertChannels(d.pixels, d.channels, c), i * size);
  });
  return { pixels, shape: [first.height, first.width, c] };
}

/** True when `path` is a folder. */
export function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
