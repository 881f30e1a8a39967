// Issue 18, done when: from the command line only, on data this test generates, an IDX folder, a
// CSV table, an .npy pair and a PNG class-folder set each train (tiny models, a few epochs),
// compile (calibrated on their own training data, the simulated accuracy of the circuit reported
// on their own test data) and classify a file input encrypted, equal to the clear simulation. Bad
// data files are refused with the file and the row or field named, and leave nothing behind.
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { idxBytes, noise, npyBytes, pngBytes, tempDir } from '@fhenet/testing';
import { fhenet } from './run-cli.js';

const dir = tempDir('own-data-cli');
const at = (...p: string[]) => join(dir, ...p);

/** Deterministic Gaussian draws. */
function gaussians(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 1) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** `side` x `side` gray images of 3 classes: a bright top half, left half, or centre square, plus noise. */
function patterns(count: number, side: number, seed: number): { pixels: Uint8Array; labels: number[] } {
  const n = noise(count * side * side, seed);
  const pixels = new Uint8Array(count * side * side);
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const k = i % 3;
    labels.push(k);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const on = k === 0 ? y < side / 2 : k === 1 ? x < side / 2 : Math.abs(x - side / 2 + 0.5) < side / 4 && Math.abs(y - side / 2 + 0.5) < side / 4;
        const p = i * side * side + y * side + x;
        pixels[p] = (on ? 190 : 30) + (n[p]! % 60);
      }
    }
  }
  return { pixels, labels };
}

/** Table rows of 3 classes around different centres (the label in the middle column, by name). */
function table(rows: number, seed: number): string {
  const g = gaussians(seed);
  const names = ['low', 'mid', 'high'];
  let csv = 'age,pressure,risk,weight,dose\n';
  for (let i = 0; i < rows; i++) {
    const k = i % 3;
    csv += `${(40 + 12 * k + 4 * g()).toFixed(1)},${(110 + 15 * k + 6 * g()).toFixed(1)},${names[k]},${(70 + 3 * g()).toFixed(1)},${(1 + k + 0.3 * g()).toFixed(2)}\n`;
  }
  return csv;
}

const TINY = ['--epochs', '4', '--batch-size', '16', '--lr', '0.02', '--seed', '3'];

/** train -> compile -> predict --input: the three commands of docs/your-own-data.md, with their checks. */
async function trainCompileClassify(name: string, train: string[], input: string, minAccuracy: number): Promise<string[]> {
  const out = at(name);
  const t = await fhenet('train', ...train, ...TINY, '--out', out);
  expect(t.out.join('\n')).toMatch(/test accuracy [\d.]+% \(fake-quantized\)/);
  const circuit = at(`${name}.circuit.json`);
  // Exact rounding: what predict decrypts must equal the clear simulation bit for bit (the default,
  // approximate rounding, is checked by approximateByDefault below and statistically elsewhere).
  const c = await fhenet('compile', out, '--out', circuit, '--round-bits', 'auto', '--rounding', 'exact');
  const report = c.out.join('\n');
  // Calibrated on its own training data, and the accuracy of every rounding priced, on its own test data.
  expect(report).toMatch(/calibration: \d+ training samples of .* \(the graph's own\)/);
  expect(report).toMatch(/sized on calibration data/);
  const accuracy = [...report.matchAll(/round bits \[[\d, ]+\]: ([\d.]+)%/g)].map((m) => Number(m[1]));
  const priced = report.match(/^ {2}\[[\d, ]+\]: \d+ PBS/gm)?.length ?? 1;
  expect(accuracy.length).toBe(priced);
  expect(report).toContain('<- this circuit');
  const chosen = Number(/round bits \[[\d, ]+\]: ([\d.]+)%[^\n]*<- this circuit/.exec(report)![1]);
  expect(chosen).toBeGreaterThanOrEqual(minAccuracy);
  const p = await fhenet('predict', '--circuit', circuit, '--input', input, '--batch', '8');
  const summary = p.out.find((l) => l.includes('encrypted == simulated'))!;
  const n = Number(/^(\d+) sample/.exec(summary)![1]);
  expect(summary).toContain(`encrypted == simulated class ${n}/${n}, all integers exact: true`);
  return p.out;
}

describe('fhenet on your own data, from the command line', () => {
  it('an IDX folder (gzipped): train, compile on its own data, classify a PNG encrypted', async () => {
    const idx = at('shapes-idx');
    mkdirSync(idx);
    const tr = patterns(240, 8, 1);
    const te = patterns(60, 8, 2);
    writeFileSync(join(idx, 'train-images-idx3-ubyte.gz'), gzipSync(idxBytes([240, 8, 8], tr.pixels)));
    writeFileSync(join(idx, 'train-labels-idx1-ubyte.gz'), gzipSync(idxBytes([240], tr.labels)));
    writeFileSync(join(idx, 't10k-images-idx3-ubyte.gz'), gzipSync(idxBytes([60, 8, 8], te.pixels)));
    writeFileSync(join(idx, 't10k-labels-idx1-ubyte.gz'), gzipSync(idxBytes([60], te.labels)));
    writeFileSync(join(idx, 'classes.txt'), 'top\nleft\ncentre\n');
    const png = at('left.png');
    writeFileSync(png, pngBytes(8, 8, 1, te.pixels.subarray(64, 128))); // test image 1: "left"
    const lines = await trainCompileClassify('idx-model', ['--data', idx, '--model', 'fcnn', '--width', '0.05'], png, 60);
    expect(lines.join('\n')).toMatch(/left\.png\s+-\s+\d \((top|left|centre)\)/);
    // The command's default: approximate rounding (one PBS per neuron), priced both ways, and its
    // simulated accuracy under seeded bootstrap noise, with its class agreement with the exact rounding.
    const approximate = (await fhenet('compile', at('idx-model'), '--out', at('idx-approximate.circuit.json'), '--round-bits', 'auto')).out.join('\n');
    expect(approximate).toMatch(/^ {2}exact: \d+ PBS, .*\n {2}approximate \((off rate [\d.]+%|centre rule)\): \d+ PBS, /m);
    expect(approximate).toMatch(
      /round bits \[[\d, ]+\], approximate \(bootstrap noise simulated, seed 1\): [\d.]+% \(.*same class as exact on \d+\/60\) {2}<- this circuit/,
    );
  });

  it('a CSV table (label column by name): train, compile, encrypt rows, run, decrypt with class names', async () => {
    const csv = at('patients.csv');
    writeFileSync(csv, table(300, 5));
    // Rows to classify: another column order, no label column.
    const rows = at('new-patients.csv');
    writeFileSync(rows, 'dose,weight,pressure,age\n1.0,70,110,40\n3.1,71,141,65\n');
    const lines = await trainCompileClassify('csv-model', ['--data', csv, '--label-column', 'risk', '--model', 'fcnn', '--width', '0.05'], rows, 60);
    expect(lines.join('\n')).toMatch(/line 2\s+-\s+\d \((low|mid|high)\)/);
    // The same rows, the client and server halves apart.
    const circuit = at('csv-model.circuit.json');
    await fhenet('keygen', '--circuit', circuit, '--out', at('csv-keys'));
    const e = await fhenet('encrypt', '--circuit', circuit, '--keys', at('csv-keys'), '--input', rows, '--out', at('rows.ct'));
    expect(e.out.join('\n')).toContain(`encrypted 2 sample(s) of ${rows} (line 2, line 3)`);
    await fhenet('run', '--circuit', circuit, '--eval-keys', at('csv-keys', 'eval-keys.seeded.bin'), '--in', at('rows.ct'), '--out', at('rows-out.ct'));
    const d = await fhenet('decrypt', '--circuit', circuit, '--keys', at('csv-keys'), '--in', at('rows-out.ct'));
    const predicted = lines.filter((l) => l.startsWith('line ')).map((l) => l.split(/\s{2,}/)[3]);
    expect(d.out).toEqual(predicted.map((c, i) => `sample ${i}: class ${c}`));
  });

  it('an .npy pair of float features: train with a test split, compile, classify an .npy encrypted', async () => {
    const g = gaussians(9);
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 200; i++) {
      const k = i % 2;
      for (let f = 0; f < 6; f++) x.push((k === 1 && f < 3 ? 1.5 : 0) + g() * 0.5 + f * 10);
      y.push(k);
    }
    writeFileSync(at('x.npy'), npyBytes('<f4', [200, 6], x));
    writeFileSync(at('y.npy'), npyBytes('<i8', [200], y));
    writeFileSync(at('x-new.npy'), npyBytes('<f8', [3, 6], x.slice(0, 18)));
    const lines = await trainCompileClassify(
      'npy-model',
      ['--data', at('x.npy'), '--labels', at('y.npy'), '--test-split', '0.25', '--model', 'fcnn', '--width', '0.05'],
      at('x-new.npy'),
      60,
    );
    expect(lines.filter((l) => /^sample \d/.test(l))).toHaveLength(3);
  });

  it('a folder of PNG class folders (RGB): train a 6-layer CNN on 4x4 colour images, compile, classify a folder encrypted', async () => {
    const root = at('colours');
    const colours = { blue: [20, 40, 200], green: [30, 190, 40], red: [210, 30, 30] } as const;
    let seed = 1;
    const write = (folder: string, name: string, rgb: readonly number[]) => {
      const n = noise(4 * 4 * 3, seed++);
      writeFileSync(
        join(folder, name),
        pngBytes(
          4,
          4,
          3,
          Array.from(n, (v, i) => Math.min(255, rgb[i % 3]! * 0.8 + (v % 50))),
        ),
      );
    };
    for (const [cls, rgb] of Object.entries(colours)) {
      mkdirSync(join(root, cls), { recursive: true });
      for (let i = 0; i < 60; i++) write(join(root, cls), `${i}.png`, rgb);
    }
    const inputs = at('to-classify');
    mkdirSync(inputs);
    write(inputs, 'a.png', colours.red);
    write(inputs, 'b.png', colours.blue);
    const lines = await trainCompileClassify('img-model', ['--data', root, '--model', 'cnn6', '--width', '0.25'], inputs, 60);
    expect(lines.join('\n')).toMatch(/a\.png\s+-\s+\d \((blue|green|red)\)/);
    // LeNet's pooling cannot read images this small: the error names the model, the shape and why.
    await expect(fhenet('train', '--data', root, '--model', 'lenet', '--epochs', '1')).rejects.toThrow(
      "model lenet cannot read inputs of shape [4, 4, 3]: its 5x5 'valid' convolution conv2 needs feature maps of at least 5x5 (the image is too small; it needs at least 12 pixels a side)",
    );
  });

  it('refuses bad data files naming the file and row or field, and writes nothing', async () => {
    const bad = at('bad');
    mkdirSync(bad);
    const refused = async (argv: string[], message: string) => {
      const out = at('bad', `model-${readdirSync(bad).length}`);
      await expect(fhenet('train', ...argv, '--epochs', '1', '--out', out)).rejects.toThrow(message);
      expect(existsSync(out)).toBe(false);
    };
    writeFileSync(join(bad, 'ragged.csv'), 'a,b,label\n1,2,0\n3,4\n');
    await refused(['--data', join(bad, 'ragged.csv')], `${join(bad, 'ragged.csv')}: line 3: expected 3 fields (as on line 1), got 2 fields (a ragged row)`);
    writeFileSync(join(bad, 'nan.csv'), 'a,b,label\n1,2,0\n3,NaN,1\n');
    await refused(['--data', join(bad, 'nan.csv')], `${join(bad, 'nan.csv')}: line 3, column "b"`);
    writeFileSync(join(bad, 'x.npy'), npyBytes('<f4', [3, 2], [0, 1, 2, 3, 4, 5]));
    writeFileSync(join(bad, 'y.npy'), npyBytes('<i8', [3], [0, 1, 300]));
    await refused(
      ['--data', join(bad, 'x.npy'), '--labels', join(bad, 'y.npy')],
      `${join(bad, 'y.npy')}: label 2: expected a class index, an integer in [0, 255], got 300`,
    );
    const idx = join(bad, 'idx');
    mkdirSync(idx);
    const images = idxBytes([2, 4, 4], noise(32, 1));
    images[0] = 0x1f; // not an IDX file
    writeFileSync(join(idx, 'train-images-idx3-ubyte'), images);
    writeFileSync(join(idx, 'train-labels-idx1-ubyte'), idxBytes([2], [0, 1]));
    await refused(['--data', idx, '--format', 'idx'], `${join(idx, 'train-images-idx3-ubyte')}: magic number: expected 0x000008NN (NN = rank), got 0x1f000803`);
    const mixed = join(bad, 'mixed');
    mkdirSync(join(mixed, 'a'), { recursive: true });
    mkdirSync(join(mixed, 'b'));
    writeFileSync(join(mixed, 'a', '1.png'), pngBytes(4, 4, 1, noise(16, 2)));
    writeFileSync(join(mixed, 'b', '1.png'), pngBytes(5, 4, 1, noise(20, 3)));
    await refused(['--data', mixed], `${join(mixed, 'b', '1.png')}: image size: expected 4x4`);
    await refused(['--data', at('patients.csv'), '--label-column', 'risk', '--model', 'lenet'], 'model lenet cannot read inputs of shape [4]: it is a convnet');
  });

  it('compile refuses calibration data of another domain, and warns with the worst-case cost when the graph has no data to calibrate on', async () => {
    const circuit = at('refused.circuit.json');
    await expect(fhenet('compile', at('idx-model'), '--out', circuit, '--calibration', 'mnist')).rejects.toThrow(
      /calibration data mnist: samples of shape \[28, 28, 1\], but graph .* reads \[8, 8, 1\]/,
    );
    await expect(fhenet('compile', at('csv-model'), '--out', circuit, '--calibration', at('x.npy'), '--calibration-labels', at('y.npy'))).rejects.toThrow(
      /is not the domain graph .* was trained on/,
    );
    expect(existsSync(circuit)).toBe(false);
    // The graph's data moved away: no calibration, a loud warning with what worst-case sizing costs.
    renameSync(at('patients.csv'), at('moved.csv'));
    const c = await fhenet('compile', at('csv-model'), '--out', circuit);
    expect(c.err.join('\n')).toMatch(/WARNING: no calibration data: its training data could not be read: .*patients\.csv/);
    expect(c.err.join('\n')).toMatch(/sized on the exact worst case \(\d+-bit circuit, N = \d+, evaluation keys [\d.]+ MiB/);
    expect(c.out.join('\n')).toContain('simulated accuracy: not measured');
  });
});
