// Your own data: .npy/.npz, CSV, IDX folders (gzipped), image class folders; the domain recorded
// with a model; the user's own inputs. Every bad file must name the file and the row or field.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import jpeg from 'jpeg-js';
import {
  dataDescriptionFromJson,
  decodeImage,
  dataDomainFromJson,
  detectFormat,
  domainMismatch,
  loadData,
  readInputSamples,
  readNpy,
  readNpz,
  statsDrift,
} from '@fhenet/datasets';
import { idxBytes, noise, npyBytes, pngBytes, tempDir, writeFiles } from '@fhenet/testing';

const fail = (field: string, expected: string, got: unknown): never => {
  throw new Error(`${field}: expected ${expected}, got ${JSON.stringify(got)}`);
};

describe('readNpy / readNpz', () => {
  it('reads uint8 as bytes and other dtypes (either byte order) as exact float64', () => {
    const u = readNpy(npyBytes('|u1', [2, 3], [0, 1, 2, 253, 254, 255]), 'u.npy');
    expect(u.data).toBeInstanceOf(Uint8Array);
    expect(u.shape).toEqual([2, 3]);
    expect(Array.from(u.data)).toEqual([0, 1, 2, 253, 254, 255]);
    expect(Array.from(readNpy(npyBytes('>f8', [3], [1.5, -2, 1e300]), 'f.npy').data)).toEqual([1.5, -2, 1e300]);
    expect(Array.from(readNpy(npyBytes('<i8', [2], [-7, 2 ** 40]), 'i.npy').data)).toEqual([-7, 2 ** 40]);
    expect(Array.from(readNpy(npyBytes('<f4', [1], [0.1]), 'g.npy').data)).toEqual([Math.fround(0.1)]);
  });

  it('refuses truncated data, Fortran order, other dtypes and non-npy bytes, naming the file', () => {
    const b = npyBytes('<f4', [2, 2], [1, 2, 3, 4]);
    expect(() => readNpy(b.subarray(0, b.length - 1), 'x.npy')).toThrow('x.npy: data length: expected 16 bytes (shape (2, 2) x 4), got 15 bytes');
    const fortran = new TextDecoder('latin1').decode(b).replace("'fortran_order': False", "'fortran_order': True ");
    expect(() =>
      readNpy(
        Uint8Array.from(fortran, (c) => c.charCodeAt(0)),
        'x.npy',
      ),
    ).toThrow(/x\.npy: fortran_order: expected False/);
    const str = new TextDecoder('latin1').decode(b).replace("'<f4'", "'<U4'");
    expect(() =>
      readNpy(
        Uint8Array.from(str, (c) => c.charCodeAt(0)),
        'x.npy',
      ),
    ).toThrow(/x\.npy: descr \(dtype\): expected a number type/);
    expect(() => readNpy(new Uint8Array(20), 'x.npy')).toThrow(/x\.npy: magic/);
  });

  it('reads the arrays of an .npz (stored or deflated)', () => {
    const zip = zipSync({ 'x_train.npy': npyBytes('|u1', [1, 2], [5, 6]), 'y_train.npy': [npyBytes('<i8', [1], [3]), { level: 6 }] as never });
    const arrays = readNpz(zip, 'd.npz');
    expect([...arrays.keys()].sort()).toEqual(['x_train', 'y_train']);
    expect(Array.from(arrays.get('y_train')!.data)).toEqual([3]);
    expect(() => readNpz(new Uint8Array([1, 2, 3, 4]), 'bad.npz')).toThrow(/bad\.npz: zip archive/);
  });
});

function writeCsv(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('CSV tables', () => {
  const dir = tempDir('csv');

  it('detects a header, takes the label column by name, sorts class names, and min-max encodes per feature', () => {
    const p = writeCsv(dir, 'pets.csv', 'weight,kind,height\n4,cat,20\n30,dog,60\n5,cat,25\n20,dog,50\n');
    const d = loadData({ format: 'csv', path: p, labelColumn: 'kind' }, { kind: 'split', fraction: 0.25, seed: 3 });
    expect(d.description.domain.columns).toEqual(['weight', 'kind', 'height']);
    expect(d.description.domain.labelColumn).toBe(1);
    expect(d.description.domain.classNames).toEqual(['cat', 'dog']);
    expect(d.description.domain.layout).toBe('table');
    expect(d.train.count + d.test.count).toBe(4);
    expect(d.test.count).toBe(1);
    const enc = d.description.domain.encoding;
    if (enc.kind !== 'minmax') throw new Error('expected minmax');
    // Fitted on the 3 training rows only; the held-out row clamps into [0, 255].
    expect(enc.min.length).toBe(2);
    expect(d.train.channels).toBe(2);
    expect(Math.max(...d.train.images)).toBe(255);
    expect(Math.min(...d.train.images)).toBe(0);
  });

  it('reads a header-less file with numeric labels in the last column', () => {
    const p = writeCsv(dir, 'plain.csv', '0.5,1.5,0\n0.25,1,2\n1,2,1\n');
    const d = loadData({ format: 'csv', path: p }, { kind: 'files', source: { format: 'csv', path: p } });
    expect(d.description.domain.classNames).toEqual(['0', '1', '2']);
    expect(d.description.domain.columns).toBeUndefined();
    expect(Array.from(d.train.labels)).toEqual([0, 2, 1]);
  });

  it('names the file, line and column of a ragged row, a NaN, an empty field and a label out of range', () => {
    const ragged = writeCsv(dir, 'ragged.csv', 'a,b,label\n1,2,0\n3,1\n');
    expect(() => loadData({ format: 'csv', path: ragged })).toThrow(`${ragged}: line 3: expected 3 fields (as on line 1), got 2 fields (a ragged row)`);
    const nan = writeCsv(dir, 'nan.csv', 'a,b,label\n1,2,0\n3,NaN,1\n');
    expect(() => loadData({ format: 'csv', path: nan })).toThrow(
      `${nan}: line 3, column "b" (a feature; the label column is "label", set by --label-column): expected a finite number, got "NaN"`,
    );
    const empty = writeCsv(dir, 'empty.csv', 'a,b,label\n1,,0\n');
    expect(() => loadData({ format: 'csv', path: empty })).toThrow(
      `${empty}: line 2, column "b" (a feature; the label column is "label", set by --label-column): expected a finite number, got "" (an empty field)`,
    );
    const neg = writeCsv(dir, 'neg.csv', 'a,label\n1,0\n2,-1\n3,1\n');
    expect(() => loadData({ format: 'csv', path: neg })).toThrow(`${neg}: line 3, column "label": expected a class index, an integer in [0, 255], got -1`);
    const train = writeCsv(dir, 'tr.csv', 'a,label\n1,0\n2,1\n');
    const test = writeCsv(dir, 'te.csv', 'a,label\n1,0\n2,7\n');
    expect(() => loadData({ format: 'csv', path: train }, { kind: 'files', source: { format: 'csv', path: test } })).toThrow(
      `${test}: line 3, column "label": expected one of the 2 training classes (0..1), got "7" (label out of range)`,
    );
    expect(() => loadData({ format: 'csv', path: train, labelColumn: 'y' })).toThrow(
      `${train}: label column: expected one of the header's columns: a, label, got "y"`,
    );
  });

  it('classifies input rows by header name, in any column order, with or without the label', () => {
    const p = writeCsv(dir, 'fit.csv', 'x,y,label\n0,10,a\n10,20,b\n');
    const { description } = loadData({ format: 'csv', path: p }, { kind: 'files', source: { format: 'csv', path: p } });
    const rows = writeCsv(dir, 'rows.csv', 'y,x\n20,10\n15,5\n');
    const got = readInputSamples(rows, description.domain);
    expect(got.count).toBe(2);
    expect(got.labels).toBeNull();
    expect(Array.from(got.raw)).toEqual([255, 255, 128, 128]);
    expect(got.names).toEqual(['line 2', 'line 3']);
    const labelled = writeCsv(dir, 'rows2.csv', '0,10,b\n');
    expect(Array.from(readInputSamples(labelled, description.domain).labels!)).toEqual([1]);
    const bad = writeCsv(dir, 'rows3.csv', 'x,z\n1,2\n');
    expect(() => readInputSamples(bad, description.domain)).toThrow(`${bad}: header: expected a column "y" (a training feature), got x,z`);
  });
});

describe('IDX folders', () => {
  const images = noise(6 * 4 * 4, 1);
  const labels = [0, 1, 2, 0, 1, 2];

  it('reads gzipped train and test files, with class names from classes.txt', () => {
    const dir = writeFiles(tempDir('idx'), {
      'train-images-idx3-ubyte.gz': gzipSync(idxBytes([6, 4, 4], images)),
      'train-labels-idx1-ubyte.gz': gzipSync(idxBytes([6], labels)),
      't10k-images-idx3-ubyte': idxBytes([2, 4, 4], images.subarray(0, 32)),
      't10k-labels-idx1-ubyte': idxBytes([2], [2, 1]),
      'classes.txt': 'circle\nsquare\ntriangle\n',
      README: 'not data',
    });
    expect(detectFormat(dir)).toBe('idx');
    const d = loadData({ format: 'idx', path: dir }, { kind: 'included' });
    expect([d.train.count, d.train.height, d.train.width, d.train.channels]).toEqual([6, 4, 4, 1]);
    expect(Array.from(d.train.images)).toEqual(Array.from(images));
    expect(Array.from(d.test.labels)).toEqual([2, 1]);
    expect(d.description.domain.classNames).toEqual(['circle', 'square', 'triangle']);
    expect(d.description.domain.encoding).toEqual({ kind: 'bytes' });
  });

  it('names the file with a wrong magic number, and a label beyond the class names', () => {
    const bad = idxBytes([6, 4, 4], images);
    bad[2] = 0x0d;
    const dir = writeFiles(tempDir('idx'), { 'train-images-idx3-ubyte': bad, 'train-labels-idx1-ubyte': idxBytes([6], labels) });
    expect(() => loadData({ format: 'idx', path: dir })).toThrow(
      `${join(dir, 'train-images-idx3-ubyte')}: data type byte: expected 0x08 (unsigned byte), got 0x0d`,
    );
    const dir2 = writeFiles(tempDir('idx'), {
      'train-images-idx3-ubyte': idxBytes([6, 4, 4], images),
      'train-labels-idx1-ubyte': idxBytes([6], [0, 1, 2, 0, 1, 3]),
      'classes.txt': 'a\nb\nc\n',
    });
    expect(() => loadData({ format: 'idx', path: dir2 })).toThrow(
      `${join(dir2, 'train-labels-idx1-ubyte')}: label 5: expected one of the 3 training classes (a, b, c), got 3 (label out of range)`,
    );
  });
});

describe('image class folders', () => {
  function classFolder(sizes: Record<string, [number, number, 1 | 3][]>): string {
    const dir = tempDir('img');
    let seed = 1;
    for (const [cls, list] of Object.entries(sizes)) {
      mkdirSync(join(dir, cls));
      list.forEach(([h, w, c], i) => {
        writeFileSync(join(dir, cls, `${i}.png`), pngBytes(h, w, c, noise(h * w * c, seed++)));
      });
    }
    return dir;
  }

  it('labels by sub-folder, keeps gray files 1-channel and repeats gray in a colour set', () => {
    const gray = classFolder({
      zebra: [
        [3, 5, 1],
        [3, 5, 1],
      ],
      ant: [[3, 5, 1]],
    });
    expect(detectFormat(gray)).toBe('images');
    const d = loadData({ format: 'images', path: gray }, { kind: 'files', source: { format: 'images', path: gray } });
    expect(d.description.domain.classNames).toEqual(['ant', 'zebra']);
    expect(d.description.domain.sampleShape).toEqual([3, 5, 1]);
    expect(Array.from(d.train.labels)).toEqual([0, 1, 1]);
    const mixed = classFolder({ a: [[2, 2, 1]], b: [[2, 2, 3]] });
    const m = loadData({ format: 'images', path: mixed }, { kind: 'files', source: { format: 'images', path: mixed } });
    expect(m.description.domain.sampleShape).toEqual([2, 2, 3]);
    const px = m.train.images.subarray(0, 12);
    for (let p = 0; p < 4; p++) expect([px[3 * p + 1], px[3 * p + 2]]).toEqual([px[3 * p], px[3 * p]]);
  });

  it('decodes JPEG files too (told apart by signature), and names a file that is neither', () => {
    const dir = tempDir('jpg');
    const rgba = new Uint8Array(4 * 4 * 4).map((_, i) => (i % 4 === 3 ? 255 : i % 4 === 0 ? 200 : 40));
    writeFileSync(join(dir, 'red.jpg'), jpeg.encode({ data: rgba, width: 4, height: 4 }, 95).data);
    const img = decodeImage(join(dir, 'red.jpg'));
    expect([img.height, img.width, img.channels]).toEqual([4, 4, 3]);
    for (let p = 0; p < 16; p++) {
      expect(Math.abs(img.pixels[3 * p]! - 200)).toBeLessThan(8);
      expect(Math.abs(img.pixels[3 * p + 1]! - 40)).toBeLessThan(8);
    }
    writeFileSync(join(dir, 'fake.png'), 'GIF89a...');
    expect(() => decodeImage(join(dir, 'fake.png'))).toThrow(`${join(dir, 'fake.png')}: image: expected a PNG or JPEG image, got neither (starts 47 49 46 38)`);
  });

  it('refuses images of mixed sizes, naming the odd file', () => {
    const dir = classFolder({
      a: [[4, 4, 1]],
      b: [
        [4, 4, 1],
        [4, 5, 1],
      ],
    });
    expect(() => loadData({ format: 'images', path: dir })).toThrow(
      `${join(dir, 'b', '1.png')}: image size: expected 4x4 (as ${join(dir, 'a', '0.png')}; every image must have one size), got 5x4`,
    );
  });

  it("reads one input image, converting colour to the model's gray by luma, and refuses another size", () => {
    const dir = classFolder({ a: [[2, 2, 1]], b: [[2, 2, 1]] });
    const { description } = loadData({ format: 'images', path: dir }, { kind: 'files', source: { format: 'images', path: dir } });
    const rgb = join(dir, 'rgb.png');
    writeFileSync(rgb, pngBytes(2, 2, 3, [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 10, 10]));
    expect(Array.from(readInputSamples(rgb, description.domain).raw)).toEqual([76, 150, 29, 10]);
    const big = join(dir, 'big.png');
    writeFileSync(big, pngBytes(3, 2, 1, noise(6, 9)));
    expect(() => readInputSamples(big, description.domain)).toThrow(`${big}: image size: expected 2x2 (the model's input; images are not resized), got 2x3`);
  });
});

describe('.npy pairs and the recorded description', () => {
  it('reads float features with integer labels, records a description that reads back, and refuses a NaN by index', () => {
    const dir = tempDir('npy');
    const x = Array.from({ length: 20 }, (_, i) => (i % 4) * 0.5 - 1);
    writeFiles(dir, { 'x.npy': npyBytes('<f4', [5, 4], x), 'y.npy': npyBytes('<i8', [5], [0, 1, 0, 1, 1]) });
    const d = loadData({ format: 'npy', path: join(dir, 'x.npy'), labels: join(dir, 'y.npy') }, { kind: 'split', fraction: 0.4, seed: 2 });
    expect(d.description.domain.layout).toBe('table');
    expect(d.description.domain.encoding).toEqual({ kind: 'minmax', min: [-1, -0.5, 0, 0.5], max: [-1, -0.5, 0, 0.5] });
    const json = JSON.parse(JSON.stringify(d.description));
    expect(dataDescriptionFromJson(json, fail, 'data')).toEqual(d.description);
    // A changed field no longer matches the fingerprint.
    json.domain.classNames = ['0', '2'];
    expect(() => dataDescriptionFromJson(json, fail, 'data')).toThrow(/^data\.domain\.fingerprint: expected [0-9a-f]{64}/);
    // The same data read again with the recorded domain is the same domain; MNIST-shaped data is not.
    const again = loadData(d.description.source, d.description.test, { domain: d.description.domain });
    expect(domainMismatch(d.description.domain, again.description.domain)).toBeNull();
    expect(Array.from(again.test.images)).toEqual(Array.from(d.test.images));
    writeFiles(dir, { 'nan.npy': npyBytes('<f8', [2, 4], [0, 1, 2, 3, 4, NaN, 6, 7]), 'y2.npy': npyBytes('<i8', [2], [0, 1]) });
    expect(() => loadData({ format: 'npy', path: join(dir, 'nan.npy'), labels: join(dir, 'y2.npy') })).toThrow(
      `${join(dir, 'nan.npy')}: sample 1, value 1: expected a finite number, got NaN`,
    );
  });

  it('refuses a domain JSON with a bad encoding, and flags drifted statistics only past sampling noise', () => {
    expect(() =>
      dataDomainFromJson({ origin: 'csv', layout: 'table', sampleShape: [2], classNames: ['a'], encoding: { kind: 'minmax', min: [0], max: [1] } }, fail, 'd'),
    ).toThrow('d.encoding.min: expected 2 finite numbers (one per channel), got [0]');
    const train = { mean: [100], std: [40] };
    expect(statsDrift(train, { mean: [104] }, 10_000)).toEqual([]);
    expect(statsDrift(train, { mean: [130] }, 10_000)).toHaveLength(1);
    expect(statsDrift(train, { mean: [130] }, 20)).toEqual([]); // 20 samples: within 5 standard errors
  });
});
