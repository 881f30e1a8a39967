// The user's own samples to classify (fhenet encrypt|predict --input): an image, a folder of images,
// a .npy or CSV rows, read and encoded as a domain's training data was.

import { readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { readCsvRows } from './csv.js';
import { channelsOf, type DataDomain } from './domain.js';
import { DatasetFormatError } from './errors.js';
import { convertChannels, decodeImage, isFolder, isImageFile, listImageFolder } from './images.js';
import { readNpy } from './npy.js';
import { checkFinite, encode, readBytes, resolveLabels, type RawLabels, type RawSamples } from './samples.js';

export interface InputSamples {
  /** count x sampleSize bytes, encoded as the domain's training data. */
  readonly raw: Uint8Array;
  readonly count: number;
  /** Class index of each sample when the input carries labels (a CSV label column, class folders), else null. */
  readonly labels: Uint8Array | null;
  /** What each sample is, for printing: a file name, "line 4", "sample 2". */
  readonly names: readonly string[];
}

/**
 * Reads samples to classify from `path` — an image, a folder of images (flat, or one sub-folder
 * per class), a .npy of one sample or N, or a CSV of rows — and encodes them as `domain`'s
 * training data was. Every mismatch (shape, channels, columns, values) names the file.
 */
export function readInputSamples(path: string, domain: DataDomain): InputSamples {
  const shape = domain.sampleShape;
  const size = shape.reduce((a, b) => a * b, 1);
  const channels = channelsOf(shape);
  const ext = extname(path).toLowerCase();
  const done = (raw: RawSamples, names: readonly string[], labelled: boolean): InputSamples => ({
    raw: encode(raw, domain.encoding),
    count: raw.count,
    labels: labelled ? resolveLabels(raw, domain.classNames) : null,
    names,
  });
  const wantImage = () => {
    if (domain.layout !== 'image')
      throw new DatasetFormatError(path, 'input', `a CSV of rows or a .npy (the model reads a table of ${channels} features)`, 'images');
  };
  if (isFolder(path) || isImageFile(path)) {
    wantImage();
    let files: string[];
    let labels: RawLabels = { indices: [] };
    let labelled = false;
    if (isFolder(path)) {
      const sub = readdirSync(path, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.'));
      if (sub.length > 0) {
        const f = listImageFolder(path);
        files = [...f.files];
        labels = { names: f.labels.map((l) => f.classNames[l]!) };
        labelled = true;
      } else {
        files = readdirSync(path)
          .filter((n) => isImageFile(n) && !n.startsWith('.'))
          .sort()
          .map((n) => join(path, n));
        if (files.length === 0) throw new DatasetFormatError(path, 'images', 'PNG or JPEG files (or one sub-folder of them per class)', 'none');
      }
    } else {
      files = [path];
    }
    const pixels = new Uint8Array(files.length * size);
    files.forEach((f, i) => {
      const d = decodeImage(f);
      if (d.height !== shape[0] || d.width !== shape[1])
        throw new DatasetFormatError(f, 'image size', `${shape[1]}x${shape[0]} (the model's input; images are not resized)`, `${d.width}x${d.height}`);
      pixels.set(convertChannels(d.pixels, d.channels, channels), i * size);
    });
    const raw: RawSamples = {
      source: path,
      layout: 'image',
      sampleShape: shape,
      count: files.length,
      values: pixels,
      labels,
      where: (i) => files[i]!,
      labelSource: path,
    };
    return done(
      raw,
      files.map((f) => basename(f)),
      labelled,
    );
  }
  if (ext === '.npy') {
    const x = readNpy(readBytes(path), path);
    const s = x.shape;
    const squeezed = channels === 1 && domain.layout === 'image' ? shape.slice(0, 2) : shape;
    const tail = (n: number) => s.slice(s.length - n).join('x');
    const one =
      s.length === shape.length && tail(shape.length) === shape.join('x') ? true : s.length === squeezed.length && tail(squeezed.length) === squeezed.join('x');
    const many =
      (s.length === shape.length + 1 && tail(shape.length) === shape.join('x')) ||
      (s.length === squeezed.length + 1 && tail(squeezed.length) === squeezed.join('x'));
    if (!one && !many)
      throw new DatasetFormatError(path, 'shape', `(${shape.join(', ')}) for one sample or (N, ${shape.join(', ')}) for N`, `(${s.join(', ')})`);
    const count = one ? 1 : s[0]!;
    checkFinite(x.data, path, (i) => `sample ${Math.floor(i / size)}, value ${i % size}`);
    const raw: RawSamples = {
      source: path,
      layout: domain.layout,
      sampleShape: shape,
      count,
      values: x.data,
      labels: { indices: [] },
      where: (i) => `sample ${i}`,
      labelSource: path,
    };
    return done(
      raw,
      Array.from({ length: count }, (_, i) => `sample ${i}`),
      false,
    );
  }
  if (ext === '.csv' || ext === '.tsv') {
    if (domain.layout !== 'table')
      throw new DatasetFormatError(path, 'input', `an image, a folder of images or a .npy (the model reads ${shape.join('x')} images)`, 'a CSV table');
    const r = readCsvRows(path, channels, domain.columns, domain.labelColumn);
    const raw: RawSamples = {
      source: path,
      layout: 'table',
      sampleShape: shape,
      count: r.rows,
      values: r.values,
      labels: { names: r.labels ?? [] },
      where: (i) => `line ${r.lines[i]}`,
      labelSource: path,
    };
    return done(
      raw,
      r.lines.map((l) => `line ${l}`),
      r.labels !== null,
    );
  }
  throw new DatasetFormatError(path, 'input', 'an image (.png, .jpg), a folder of images, a .npy or a CSV (.csv, .tsv)', ext || '(no extension)');
}
