// CPU seconds per encrypted MNIST image (both engine threads summed) for one or more circuits,
// interleaved: on the shared machine wall time tracks the load, CPU time much less so. Every
// decrypted result is compared with the clear simulation (predict's `exact`).
// Usage: npx tsx packages/client/bench/cpu-per-image.ts --count 3 --repeats 2 [--offset 0] a.json b.json
// --offset k starts at test image k (e.g. to extend a `fhenet bench --count 40` run, which takes
// images 0..39); the log prints each image's encrypted and simulated class as it goes.
import { loadavg } from 'node:os';
import { loadCircuit } from '@fhenet/circuit';
import { loadDataset } from '@fhenet/datasets';
import { predict } from '@fhenet/client';

const args = process.argv.slice(2).filter((a) => a !== '--');
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const count = Number(opt('count', '3'));
const repeats = Number(opt('repeats', '2'));
const offset = Number(opt('offset', '0'));
const files = args.filter((a) => a.endsWith('.json'));
const all = loadDataset('mnist', { split: 'test', limit: offset + count });
const pixels = all.images.length / all.count;
const data = { images: all.images.slice(offset * pixels), labels: all.labels.slice(offset), count };
const cpuS = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const perFile = new Map<string, { cpu: number[]; wall: number[]; exact: number; images: number }>();
for (let r = 0; r < repeats; r++) {
  for (let j = 0; j < files.length; j++) {
    const file = files[(j + r) % files.length]!;
    const circuit = loadCircuit(file);
    let mark = NaN;
    let wallMark = NaN;
    const acc = perFile.get(file) ?? { cpu: [], wall: [], exact: 0, images: 0 };
    const res = await predict({
      circuit,
      images: data.images,
      labels: data.labels,
      count,
      batchSize: 1,
      log: (line) => {
        // Image boundaries: keys ready, then one "batch of 1" line per image.
        if (line.startsWith('sample ')) console.error(`image ${offset}+${line}`);
        if (line.startsWith('keys ready') || line.startsWith('batch of 1')) {
          const c = cpuS();
          const w = performance.now();
          if (line.startsWith('batch of 1')) {
            acc.cpu.push(c - mark);
            acc.wall.push((w - wallMark) / 1000);
          }
          mark = c;
          wallMark = w;
        }
      },
    });
    acc.exact += res.samples.filter((s) => s.exact).length;
    acc.images += count;
    perFile.set(file, acc);
    console.error(
      `${file}: repeat ${r + 1}, load ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}, CPU per image ${acc.cpu
        .slice(-count)
        .map((x) => x.toFixed(1))
        .join(' ')} s`,
    );
  }
}
for (const [file, a] of perFile) {
  console.log(
    `${file}: ${a.images} images, exact ${a.exact}/${a.images}, median CPU ${median(a.cpu).toFixed(2)} s per image (both threads), median wall ${median(a.wall).toFixed(2)} s (load-dependent)`,
  );
}
