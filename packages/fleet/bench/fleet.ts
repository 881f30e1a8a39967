// Fleet benchmark (issue 20): seconds per image in process vs a coordinator + N workers on this
// machine (A/B interleaved, same keys, same images), bytes moved per image, key distribution time,
// the measured per-shard overhead, and from it and the cost model a projection of LeNet, the
// 6-layer CNN and VGG-9 (width 0.25) on 8, 32 and 128 worker cores. Starts its own redis-server
// and `fhenet worker` processes (built CLI: run `pnpm build` first).
//
//   npx tsx packages/fleet/bench/fleet.ts [--models narrow-150,wide-90,wide-190,lenet] [--images 3]
//     [--lenet-images 2] [--workers 2] [--worker-threads 1] [--out packages/fleet/bench/results.json]
//
// Every output ciphertext of the fleet run is compared with the in-process one (byte equality).
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { circuitParameters, loadCircuit, quantizeInputs, type Circuit } from '@fhenet/circuit';
import { InferenceClient } from '@fhenet/client';
import { loadMnist } from '@fhenet/datasets';
import { threadCount, type LweCiphertextBatch } from '@fhenet/engine';
import { formatBytes, InferenceServer, planCircuit, type ExecutionResult } from '@fhenet/executor';
import { Fleet, sha256, type FleetStats } from '@fhenet/fleet';
import { pbsCost, predictedPbsMs, type TfheParameterSet } from '@fhenet/params';
import { startRedis, startWorker } from '../test/processes.js';
import { projectFleet, PROJECTED_MODELS, type MeasuredOverhead } from './projection.js';

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const MODELS: Record<string, string> = {
  'narrow-150': 'mnist-fcnn-narrow-150',
  'wide-90': 'mnist-fcnn-wide-90',
  'wide-190': 'mnist-fcnn-wide-190',
  lenet: 'mnist-lenet-wide-190',
  cnn6: 'mnist-cnn6-wide-190',
};

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'narrow-150,wide-90,wide-190,lenet' },
    images: { type: 'string', default: '3' },
    'lenet-images': { type: 'string', default: '2' },
    workers: { type: 'string', default: '2' },
    'worker-threads': { type: 'string', default: '1' },
    out: { type: 'string', default: join(ROOT, 'packages/fleet/bench/results.json') },
  },
});
const imagesOf = (name: string) => Number(name.includes('lenet') || name.includes('cnn6') ? args['lenet-images'] : args.images);
const nWorkers = Number(args.workers);
const workerThreads = Number(args['worker-threads']);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const log = (l: string) => console.error(`${new Date().toISOString().slice(11, 19)} ${l}`);

interface ModelRow {
  readonly model: string;
  readonly pbsPerImage: number;
  readonly inProcessSeconds: number[];
  readonly fleetSeconds: number[];
  readonly ratio: number;
  readonly bytesPerImage: { readonly toWorkers: number; readonly fromWorkers: number };
  readonly shardsPerImage: number;
  readonly keyBytes: number;
  readonly keyPublishSeconds: number;
  /** Per worker: fetch from Redis + expansion. */
  readonly keyLoadSeconds: number[];
  readonly overhead: MeasuredOverhead;
  readonly exact: boolean;
}

const redis = await startRedis();
const workers = await Promise.all(
  Array.from({ length: nWorkers }, (_, i) => startWorker(redis.url, `bench-w${i + 1}`, ['--threads', String(workerThreads), '--no-sweeps'])),
);
const fleet = await Fleet.connect({ url: redis.url, log });
const rows: ModelRow[] = [];
const loadStart = loadavg()[0]!;
try {
  for (const name of args.models.split(',')) {
    const dir = MODELS[name];
    if (!dir) throw new Error(`--models: unknown "${name}" (known: ${Object.keys(MODELS).join(', ')})`);
    const circuit = loadCircuit(join(ROOT, 'models', dir, 'circuit.json'));
    rows.push(await benchModel(dir, circuit));
    writeFileSync(args.out, `${JSON.stringify(report(), null, 2)}\n`);
  }
} finally {
  await fleet.close();
  await Promise.all(workers.map((w) => w.stop()));
  await redis.stop();
}
console.log(markdown(report()));

async function benchModel(name: string, circuit: Circuit): Promise<ModelRow> {
  const plan = planCircuit(circuit);
  const client = InferenceClient.generate(circuit);
  const { keys, seeded } = await client.generateBothEvaluationKeys();
  const seededBytes = seeded.serialize();
  seeded.dispose();
  const local = new InferenceServer(circuit, keys);
  const before: FleetStats = { ...fleet.stats };
  const t0 = performance.now();
  const remote = InferenceServer.remote(circuit, await fleet.publishKeys('engine', seededBytes));
  const keyPublishSeconds = (performance.now() - t0) / 1000;
  const images = imagesOf(name);
  const data = loadMnist({ split: 'test', limit: images });
  const inProcessSeconds: number[] = [];
  const fleetSeconds: number[] = [];
  let exact = true;
  let warm = false;
  let warmSeconds = 0;
  for (let i = 0; i < images; i++) {
    const inputs = client.encryptQuantized(quantizeInputs(circuit, data.images.subarray(i * 784, (i + 1) * 784), 1));
    if (!warm) {
      // The workers fetch and expand the keys on their first shard: one untimed fleet run.
      const w = await remote.infer(inputs);
      w.outputs.dispose();
      warmSeconds = w.totalMs / 1000;
      warm = true;
    }
    // A/B interleaved: the order alternates per image.
    const runs: [string, InferenceServer, number[]][] = [
      ['in-process', local, inProcessSeconds],
      ['fleet', remote, fleetSeconds],
    ];
    if (i % 2 === 1) runs.reverse();
    const outs: Buffer[] = [];
    for (const [label, server, times] of runs) {
      const r: ExecutionResult = await server.infer(inputs);
      times.push(r.totalMs / 1000);
      outs.push(r.outputs.serialize());
      (r.outputs as LweCiphertextBatch).dispose();
      log(`${name} image ${i}: ${label} ${(r.totalMs / 1000).toFixed(2)} s (load ${loadavg()[0]!.toFixed(2)})`);
    }
    exact &&= outs[0]!.equals(outs[1]!);
    inputs.dispose();
  }
  await new Promise((r) => setTimeout(r, 6000)); // one heartbeat: the workers' key loads
  const beats = await fleet.workers();
  const keyId = sha256(seededBytes);
  const keyLoadSeconds = beats.flatMap((b) => b.keyLoads.filter((k) => k.keyId === keyId).map((k) => k.seconds));
  const s = fleet.stats;
  const shards = s.shards - before.shards;
  const runs = images + 1;
  // Per-shard overhead: the fleet runs' wall time (the warm-up without its key loads) on all slots
  // minus the workers' engine time, per shard: queueing, transfer, (de)serialization, stage tails,
  // and the coordinator's linear maps (< 1 %).
  const slots = nWorkers;
  const fleetWallSeconds = fleetSeconds.reduce((a, b) => a + b, 0) + Math.max(0, warmSeconds - Math.max(0, ...keyLoadSeconds));
  const computeSeconds = (s.computeMs - before.computeMs) / 1000;
  const overhead: MeasuredOverhead = {
    shardSeconds: Math.max(0, (fleetWallSeconds * slots - computeSeconds) / shards),
    secondsPerPbsPerCore: computeSeconds / (plan.pbsPerSample * runs),
    predictedPbsMs: predictedPbsMs(pbsCost(circuitParameters(circuit) as TfheParameterSet)),
  };
  local.dispose();
  remote.dispose();
  const ratio = median(fleetSeconds) / median(inProcessSeconds);
  log(
    `${name}: in-process ${median(inProcessSeconds).toFixed(2)} s, fleet ${median(fleetSeconds).toFixed(2)} s per image (x${ratio.toFixed(3)}), exact ${exact}`,
  );
  return {
    model: name,
    pbsPerImage: plan.pbsPerSample,
    inProcessSeconds,
    fleetSeconds,
    ratio,
    bytesPerImage: { toWorkers: (s.bytesToWorkers - before.bytesToWorkers) / runs, fromWorkers: (s.bytesFromWorkers - before.bytesFromWorkers) / runs },
    shardsPerImage: shards / runs,
    keyBytes: seededBytes.length,
    keyPublishSeconds,
    keyLoadSeconds,
    overhead,
    exact,
  };
}

function report() {
  // The projection uses the model rows' measured overhead per shard (the largest) and the
  // measured engine seconds per PBS per core relative to the cost model (the median).
  const measured = rows.map((r) => r.overhead);
  const projection = measured.length > 0 ? projectFleet(measured, [8, 32, 128]) : [];
  // The same with the cost model's idle-machine time per PBS (what a quiet run measures, ~1x).
  const projectionIdle = measured.length > 0 ? projectFleet(measured, [8, 32, 128], 1) : [];
  return {
    date: new Date().toISOString(),
    machine: `${threadCount()} engine threads in process; ${nWorkers} workers x ${workerThreads} thread(s); load ${loadStart.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)}`,
    command: `npx tsx packages/fleet/bench/fleet.ts ${process.argv.slice(2).join(' ')}`,
    rows,
    projection,
    projectionIdle,
    projectedModels: PROJECTED_MODELS.map((m) => m.name),
  };
}

function markdown(r: ReturnType<typeof report>): string {
  const lines = [
    `Fleet benchmark, ${r.date}; ${r.machine}.`,
    `Command: \`${r.command}\``,
    '',
    '| model | PBS/image | in-process s/image (median) | fleet s/image (median) | fleet / in-process | to workers per image | back per image | shards per image | keys (seeded) | key publish | key fetch + expand per worker | exact |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.rows.map(
      (m) =>
        `| ${m.model} | ${m.pbsPerImage} | ${median(m.inProcessSeconds).toFixed(2)} | ${median(m.fleetSeconds).toFixed(2)} | ${m.ratio.toFixed(3)} | ${formatBytes(m.bytesPerImage.toWorkers)} | ${formatBytes(m.bytesPerImage.fromWorkers)} | ${m.shardsPerImage.toFixed(0)} | ${formatBytes(m.keyBytes)} | ${m.keyPublishSeconds.toFixed(2)} s | ${m.keyLoadSeconds.map((x) => `${x.toFixed(1)} s`).join(', ')} | ${m.exact ? 'yes' : 'NO'} |`,
    ),
    '',
    'Measured per shard: ' +
      r.rows
        .map(
          (m) =>
            `${m.model} ${(m.overhead.shardSeconds * 1000).toFixed(0)} ms overhead, ${(m.overhead.secondsPerPbsPerCore * 1000).toFixed(1)} ms per PBS per core (model ${m.overhead.predictedPbsMs.toFixed(1)})`,
        )
        .join('; '),
    '',
    `| projected s per image (${(Math.max(...r.rows.map((m) => m.overhead.shardSeconds)) * 1000).toFixed(0)} ms per shard): measured PBS time / cost model idle | ` +
      [8, 32, 128].map((c) => `${c} worker cores`).join(' | ') +
      ' |',
    '|---|---|---|---|',
    ...r.projectedModels.map((name) => {
      const at = (ps: typeof r.projection, c: number) => ps.find((p) => p.model === name && p.cores === c)!.seconds.toFixed(1);
      return `| ${name} | ${[8, 32, 128].map((c) => `${at(r.projection, c)} / ${at(r.projectionIdle, c)}`).join(' | ')} |`;
    }),
  ];
  return lines.join('\n');
}
