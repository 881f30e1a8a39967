// VGG-9 on CIFAR-10 (issue #8): compile a trained graph with --round-bits auto, with and without
// the first layer in the clear, and simulate the rounded and unrounded circuits on the test
// batch (in chunks, to bound memory). Prints one JSON line per configuration, with timings and the
// load average, and writes the circuits. Not a unit test. Usage (from the repository root):
//   FHENET_CIFAR10_DIR=... node --import tsx packages/compiler/bench/vgg.ts <graph dir> <out dir> [calibration=10000] [test=10000] [clear|all|both]
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '@fhenet/datasets'; // a dev dependency: bench only
import { loadTrainedGraph } from '@fhenet/training/format';
import { compile } from '@fhenet/compiler';
import { saveCircuit, simulatedAccuracy, type Circuit } from '@fhenet/circuit';

const [graphDir, outDir, calArg = '10000', testArg = '10000', which = 'both'] = process.argv.slice(2);
if (!graphDir || !outDir) throw new Error('usage: vgg.ts <graph dir> <out dir> [calibration] [test] [clear|all|both]');
mkdirSync(outDir, { recursive: true });
const graph = loadTrainedGraph(graphDir);
const cal = loadDataset('cifar10', { split: 'train', limit: Number(calArg) });
const test = loadDataset('cifar10', { split: 'test', limit: Number(testArg) });
const load = () => loadavg().map((x) => +x.toFixed(2));

/** Accuracy over the test set in chunks of 500 images (a VGG stage holds count x 16k integers). */
function accuracy(c: Circuit): { accuracy: number; first2000: number; predictions: Int32Array } {
  const size = test.images.length / test.count;
  const predictions = new Int32Array(test.count);
  let correct = 0;
  for (let s = 0; s < test.count; s += 500) {
    const n = Math.min(500, test.count - s);
    const r = simulatedAccuracy(c, test.images.subarray(s * size, (s + n) * size), test.labels.subarray(s, s + n), n);
    predictions.set(r.predictions, s);
    correct += r.correct;
  }
  // The first 2,000 too, to compare with a configuration simulated on that subset only.
  const n2 = Math.min(2000, test.count);
  let c2 = 0;
  for (let i = 0; i < n2; i++) if (predictions[i] === test.labels[i]) c2++;
  return { accuracy: correct / test.count, first2000: c2 / n2, predictions };
}

for (const clearFirstLayer of which === 'both' ? [true, false] : [which === 'clear']) {
  const t0 = performance.now();
  const { circuit, report, unrounded } = compile(graph, { calibration: { raw: cal.images, count: cal.count }, roundBits: 'auto', clearFirstLayer });
  const compileS = (performance.now() - t0) / 1000;
  const tag = clearFirstLayer ? 'clear-first-layer' : 'all-encrypted';
  saveCircuit(join(outDir, `circuit-${tag}.json`), circuit);
  // Printed as soon as known: on a loaded machine the simulations may outlast the session.
  console.log(
    JSON.stringify({
      config: tag,
      phase: 'compiled',
      bits: report.bits,
      unroundedBits: unrounded.bits,
      clearStages: report.clearStages ?? [],
      pbsCount: report.pbsCount,
      set: 'error' in report.parameters ? report.parameters.error : report.parameters.parameters.set.name,
      predictedInferenceMs: report.predictedInferenceMs,
      compileSeconds: +compileS.toFixed(1),
      loadavg: load(),
    }),
  );
  const t1 = performance.now();
  const rounded = accuracy(circuit);
  console.log(
    JSON.stringify({
      config: tag,
      phase: 'rounded',
      accuracy: rounded.accuracy,
      first2000: rounded.first2000,
      seconds: +((performance.now() - t1) / 1000).toFixed(1),
      loadavg: load(),
    }),
  );
  const plain = unrounded === circuit ? rounded : accuracy(unrounded);
  const same = rounded.predictions.reduce((n, c, i) => n + (c === plain.predictions[i] ? 1 : 0), 0);
  console.log(
    JSON.stringify({
      config: tag,
      graph: graph.name,
      calibrationImages: cal.count,
      testImages: test.count,
      bits: report.bits,
      unroundedBits: unrounded.bits,
      clearStages: report.clearStages ?? [],
      stages: report.stages.map((s) => ({
        name: s.name,
        outputs: s.outputs,
        roundBits: s.roundBits,
        pbs: s.pbs,
        worstCaseBits: s.worstCase.bits,
        calibrationBits: s.calibration?.bits,
      })),
      pbsCount: report.pbsCount,
      set: 'error' in report.parameters ? report.parameters.error : report.parameters.parameters.set.name,
      predictedInferenceMs: report.predictedInferenceMs,
      roundingCandidates: report.roundingCandidates.map((c) => ({
        k: Math.max(...c.roundBits),
        pbs: c.pbsCount,
        N: c.polynomialSize,
        ms: c.inferenceMs ?? c.error,
      })),
      accuracyRounded: rounded.accuracy,
      accuracyUnrounded: plain.accuracy,
      first2000: { rounded: rounded.first2000, unrounded: plain.first2000 },
      sameClass: same,
      compileSeconds: +compileS.toFixed(1),
      simulateSeconds: +((performance.now() - t1) / 1000).toFixed(1),
      loadavg: load(),
      date: new Date().toISOString(),
    }),
  );
}
