// `fhenet bench --circuit c.json --count N`: seconds per encrypted image (median) and per-stage
// timings on test images of the circuit's own data set (MNIST unless the circuit says otherwise),
// every result checked against the clear simulation: bit for bit for exactly rounded circuits; for
// approximately rounded ones (docs/compiler.md, "Approximate rounding") the class agreement with
// the exact circuit (= the noise-free simulation), next to what the noise model predicts for the
// same images.
import { cpus, loadavg } from 'node:os';
import type { CommandModule } from 'yargs';
import { DATASET_NAMES, loadDataset, type DatasetName } from '@fhenet/datasets';

interface BenchArgs {
  circuit: string;
  count: number;
  index: number;
  dataset?: string;
  keys?: string;
  record?: string;
}

export const benchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench',
  describe: 'Benchmark encrypted inference of a circuit on test images of its data set (MNIST, CIFAR-10), one at a time',
  builder: (y) =>
    y
      .option('circuit', { type: 'string', demandOption: true, describe: 'Circuit file' })
      .option('count', { type: 'number', default: 10, describe: 'Test images, one at a time' })
      .option('index', { type: 'number', default: 0, describe: 'First test image' })
      .option('dataset', {
        type: 'string',
        choices: [...DATASET_NAMES],
        describe: "Test images of this built-in data set (default: the circuit's own when it names a built-in one, else mnist)",
      })
      .option('keys', { type: 'string', describe: 'Key folder to reuse or create' })
      .option('record', {
        type: 'string',
        describe: 'Append the result to this latency log (JSON, read by fhenet report), e.g. results/encrypted-latency.json',
      }),
  handler: async (a) => {
    // Packages load here, not at module load: `fhenet --help` and light commands stay light.
    const { loadCircuit, isApproximate, predictedAgreement } = await import('@fhenet/circuit');
    const { formatBytes } = await import('@fhenet/executor');
    const { kernelVariant, threadCount } = await import('@fhenet/engine');
    const { predict } = await import('@fhenet/client');
    const circuit = loadCircuit(a.circuit);
    const own = circuit.data?.origin;
    const dataset = (a.dataset ?? ((DATASET_NAMES as readonly string[]).includes(own ?? '') ? own : 'mnist')) as DatasetName;
    const all = loadDataset(dataset, { split: 'test', limit: a.index + a.count });
    if (!Number.isInteger(a.count) || a.count < 1 || !Number.isInteger(a.index) || a.index < 0 || a.index + a.count > all.count) {
      throw new Error(`--index ${a.index} --count ${a.count}: need 1 or more images within the ${all.count} ${dataset} test images`);
    }
    const size = all.images.length / all.count;
    const inputSize = circuit.inputShape.reduce((x, y) => x * y, 1);
    if (size !== inputSize) {
      throw new Error(
        `${a.circuit}: inputs of shape [${circuit.inputShape.join(', ')}] (${inputSize} values), but ${dataset} test images have ${size}: ` +
          `pass the circuit's data set with --dataset (${DATASET_NAMES.join(', ')})`,
      );
    }
    const images = all.images.subarray(a.index * size, (a.index + a.count) * size);
    const labels = all.labels.subarray(a.index, a.index + a.count);
    const approximate = circuit.stages.some(isApproximate);
    const hardware = `${cpus()[0]?.model} x ${cpus().length}, ${threadCount()} engine threads, ${kernelVariant()} kernels`;
    const loadStart = loadavg()[0]!;
    console.error(`${hardware}, load ${loadStart.toFixed(2)}; ${dataset} test images ${a.index}..${a.index + a.count - 1}`);
    const r = await predict({ circuit, images, labels, count: a.count, batchSize: 1, ...(a.keys ? { keysDir: a.keys } : {}), log: (l) => console.error(l) });
    const n = r.samples.length;
    const compute = r.batches.map((b) => b.computeMs / 1000).sort((x, y) => x - y);
    const exactImages = r.samples.filter((s) => s.exact).length;
    // The simulation is noise-free: for an approximate circuit, the exactly rounded circuit's classes.
    const agreeing = r.samples.filter((s) => s.encrypted === s.simulated).length;
    const correct = r.samples.filter((s) => s.encrypted === s.label).length;
    console.log(
      `median ${compute[compute.length >> 1]!.toFixed(2)} s per image (compute) over ${n}; ` +
        (approximate
          ? `approximate rounding: class == exact circuit ${agreeing}/${n}, every integer equal ${exactImages}/${n}`
          : `exact == simulate ${exactImages}/${n}`) +
        `; correct ${correct}/${n}; keygen ${r.keygenSeconds.toFixed(1)} s`,
    );
    let predicted: number | undefined;
    if (approximate) {
      predicted = predictedAgreement(circuit, images, n);
      console.log(
        `  predicted class agreement for these images (bootstrap noise simulated, 16 seeds): ${(100 * predicted).toFixed(1)}% (${(predicted * n).toFixed(1)}/${n})`,
      );
    }
    const stages = r.batches[0]!.stages;
    for (const [k, s] of stages.entries()) {
      const pbs = r.batches.map((b) => b.stages[k]!.pbsMs).sort((x, y) => x - y)[r.batches.length >> 1]!;
      // Memory of the stage: model (baseline RSS included) vs the largest RSS sampled in it, over all images.
      const mem = r.batches[0]!.memory?.[k];
      const rss = Math.max(...r.batches.map((b) => b.memory?.[k]?.rssBytes ?? 0));
      console.log(
        `  ${s.name}: ${s.pbsCount} PBS, median ${(pbs / 1000).toFixed(2)} s${s.pbsCount ? ` (${(pbs / s.pbsCount).toFixed(1)} ms/PBS)` : ''}` +
          (mem ? `; memory model ${formatBytes(mem.modelBytes)}, RSS max ${formatBytes(rss)}` : ''),
      );
    }
    if (r.memory?.model)
      console.log(
        `memory: peak RSS ${formatBytes(r.memory.peakRssBytes)} measured, ${formatBytes(r.memory.predictedPeakRssBytes)} modelled (limit ${formatBytes(r.memory.limitBytes)})`,
      );
    if (a.record) {
      const { appendLatencyRecord } = await import('@fhenet/experiments');
      const { pbsCount } = await import('@fhenet/compiler');
      appendLatencyRecord(a.record, {
        model: circuit.name,
        circuit: a.circuit,
        bits: circuit.bits,
        pbsCount: pbsCount(circuit),
        roundBits: Math.max(0, ...circuit.stages.map((s) => s.roundBits)),
        rounding: approximate ? 'approximate' : 'exact',
        parameterSet: circuit.parameters?.set ?? null,
        medianSeconds: Number(compute[compute.length >> 1]!.toFixed(3)),
        images: n,
        exactImages,
        agreeingImages: agreeing,
        correctImages: correct,
        ...(predicted !== undefined ? { predictedAgreement: Number(predicted.toFixed(4)) } : {}),
        hardware,
        date: new Date().toISOString(),
        loadAverage: [Number(loadStart.toFixed(2)), Number(loadavg()[0]!.toFixed(2))],
        command: `fhenet ${process.argv.slice(2).join(' ')}`,
      });
      console.log(`recorded in ${a.record}`);
    }
    // Exact circuits must equal the simulation bit for bit; approximate ones are checked statistically (above).
    if (!approximate && !r.exact) process.exitCode = 1;
  },
};
