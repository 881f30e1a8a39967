// `fhenet bench --circuit c.json --count N`: seconds per encrypted image (median) and per-stage
// timings on MNIST test images, every result checked against the clear simulation.
import { cpus, loadavg } from 'node:os';
import type { CommandModule } from 'yargs';
import { loadDataset } from '@fhenet/datasets';

interface BenchArgs {
  circuit: string;
  count: number;
  keys?: string;
  record?: string;
}

export const benchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench',
  describe: 'Benchmark encrypted inference of a circuit on MNIST test images',
  builder: (y) =>
    y
      .option('circuit', { type: 'string', demandOption: true, describe: 'Circuit file' })
      .option('count', { type: 'number', default: 10, describe: 'Test images, one at a time' })
      .option('keys', { type: 'string', describe: 'Key folder to reuse or create' })
      .option('record', {
        type: 'string',
        describe: 'Append the result to this latency log (JSON, read by fhenet report), e.g. results/encrypted-latency.json',
      }),
  handler: async (a) => {
    // Packages load here, not at module load: `fhenet --help` and light commands stay light.
    const { loadCircuit } = await import('@fhenet/circuit');
    const { formatBytes } = await import('@fhenet/executor');
    const { kernelVariant, threadCount } = await import('@fhenet/engine');
    const { predict } = await import('@fhenet/client');
    const circuit = loadCircuit(a.circuit);
    const data = loadDataset('mnist', { split: 'test', limit: a.count });
    const hardware = `${cpus()[0]?.model} x ${cpus().length}, ${threadCount()} engine threads, ${kernelVariant()} kernels`;
    const loadStart = loadavg()[0]!;
    console.error(`${hardware}, load ${loadStart.toFixed(2)}`);
    const r = await predict({
      circuit,
      images: data.images,
      labels: data.labels,
      count: data.count,
      batchSize: 1,
      ...(a.keys ? { keysDir: a.keys } : {}),
      log: (l) => console.error(l),
    });
    const compute = r.batches.map((b) => b.computeMs / 1000).sort((x, y) => x - y);
    console.log(
      `median ${compute[compute.length >> 1]!.toFixed(2)} s per image (compute) over ${data.count}; exact == simulate ${r.samples.filter((s) => s.exact).length}/${data.count}; keygen ${r.keygenSeconds.toFixed(1)} s`,
    );
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
        parameterSet: circuit.parameters?.set ?? null,
        medianSeconds: Number(compute[compute.length >> 1]!.toFixed(3)),
        images: data.count,
        exactImages: r.samples.filter((s) => s.exact).length,
        hardware,
        date: new Date().toISOString(),
        loadAverage: [Number(loadStart.toFixed(2)), Number(loadavg()[0]!.toFixed(2))],
        command: `fhenet ${process.argv.slice(2).join(' ')}`,
      });
      console.log(`recorded in ${a.record}`);
    }
    if (!r.exact) process.exitCode = 1;
  },
};
