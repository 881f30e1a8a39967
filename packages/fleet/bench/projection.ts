// Projection of seconds per image on a fleet of C single-thread worker slots, from what the bench
// measured (overhead per shard, engine seconds per PBS per core relative to the cost model) and
// the cost model of each projected circuit's parameter set, stage by stage as the coordinator
// shards (src/shards.ts: ~1 s shards in whole rounds of the slots):
//   stage = rounds x (shard PBS x t_pbs + overhead per shard) + its ciphertexts to and from the
//           workers over the coordinator's link (no overlap assumed) ; image = sum + linear maps.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { circuitParameters, loadCircuit } from '@fhenet/circuit';
import { ciphertextBatchBytes } from '@fhenet/engine';
import { planCircuit } from '@fhenet/executor';
import { pbsCost, predictedPbsMs, type CostParams } from '@fhenet/params';

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));

export interface MeasuredOverhead {
  /** Fleet lookup wall x slots minus worker engine time, per shard. */
  readonly shardSeconds: number;
  /** Worker engine seconds per PBS on one thread. */
  readonly secondsPerPbsPerCore: number;
  /** The cost model's single-thread ms per KS+PBS of that circuit's set. */
  readonly predictedPbsMs: number;
}

interface ProjectedModel {
  readonly name: string;
  readonly set: CostParams;
  /** Bytes of one ciphertext of the set. */
  readonly ciphertextBytes: number;
  /** Padded lookup stages: outputs and PBS per image. */
  readonly stages: readonly { readonly name: string; readonly outputs: number; readonly pbs: number }[];
  /** Coordinator time of the linear maps per image (measured in process). */
  readonly linearSeconds: number;
}

function committed(name: string, dir: string, linearSeconds: number): ProjectedModel {
  const circuit = loadCircuit(join(ROOT, 'models', dir, 'circuit.json'));
  const plan = planCircuit(circuit);
  return {
    name,
    set: circuitParameters(circuit),
    ciphertextBytes: ciphertextBatchBytes(plan.params, 1),
    stages: plan.stages.filter((s) => s.tables).map((s) => ({ name: s.name, outputs: s.outputSize, pbs: s.pbs })),
    linearSeconds,
  };
}

// VGG-9 at width 0.25, first layer in the clear, k = 5: per-stage PBS and the set from
// packages/compiler/bench/VGG-RESULTS.md (its circuit is compiled on demand, not committed);
// outputs from the layer shapes (32x32x16, 16x16x16, 16x16x32 x2, 8x8x32, 8x8x64 x2, 4x4x64, 128, 128).
const VGG: ProjectedModel = {
  name: 'VGG-9 w0.25 (clear conv1)',
  set: {
    lweDimension: 918,
    glweDimension: 1,
    polynomialSize: 2048,
    pbs: { baseLog: 15, levelCount: 2 },
    keyswitch: { baseLog: 2, levelCount: 8 },
  } as CostParams,
  ciphertextBytes: (2048 + 1) * 8,
  stages: [
    { name: 'conv2', outputs: 16384, pbs: 44032 },
    { name: 'pool2', outputs: 4096, pbs: 4096 },
    { name: 'conv3', outputs: 8192, pbs: 36096 },
    { name: 'conv4', outputs: 8192, pbs: 24832 },
    { name: 'pool4', outputs: 2048, pbs: 2048 },
    { name: 'conv5', outputs: 4096, pbs: 20416 },
    { name: 'conv6', outputs: 4096, pbs: 16320 },
    { name: 'pool6', outputs: 1024, pbs: 1024 },
    { name: 'dense7', outputs: 128, pbs: 640 },
    { name: 'dense8', outputs: 128, pbs: 258 },
  ],
  // 1,024.1 s wall of which 1,022.7 s in the stages' PBS (VGG-RESULTS.md, 2026-12-03).
  linearSeconds: 1.4,
};

export const PROJECTED_MODELS: readonly ProjectedModel[] = [
  // Linear maps: LeNet and the 6-layer CNN spend well under 1 % of their time there; 0.5 s and 1 s are generous.
  committed('LeNet', 'mnist-lenet-wide-190', 0.5),
  committed('6-layer CNN', 'mnist-cnn6-wide-190', 1),
  VGG,
];

/** The coordinator's link to Redis and the workers (10 Gbit/s). */
export const LINK_BYTES_PER_SECOND = 1.25e9;

export interface Projection {
  readonly model: string;
  readonly cores: number;
  readonly seconds: number;
  readonly shards: number;
  readonly bytesMoved: number;
}

/**
 * `calibration`: engine time per PBS relative to the cost model's idle single-thread figure
 * (default: the median measured one; 1 = an idle machine as the cost model was fitted on).
 */
export function projectFleet(measured: readonly MeasuredOverhead[], cores: readonly number[], calibration?: number): Projection[] {
  const overhead = Math.max(...measured.map((m) => m.shardSeconds));
  const ratios = measured.map((m) => m.secondsPerPbsPerCore / (m.predictedPbsMs / 1000)).sort((a, b) => a - b);
  const k = calibration ?? ratios[ratios.length >> 1]!;
  const out: Projection[] = [];
  for (const m of PROJECTED_MODELS) {
    const tPbs = (predictedPbsMs(pbsCost(m.set)) / 1000) * k;
    for (const c of cores) {
      let seconds = m.linearSeconds;
      let shards = 0;
      let bytes = 0;
      for (const s of m.stages) {
        const perOutput = (s.pbs / s.outputs) * tPbs;
        const perShard = Math.max(1, Math.round(1 / perOutput));
        const n = Math.min(s.outputs, Math.ceil(Math.ceil(s.outputs / perShard) / c) * c);
        const rounds = Math.ceil(n / c);
        seconds += rounds * ((s.pbs / n) * tPbs + overhead) + (2 * s.outputs * m.ciphertextBytes) / LINK_BYTES_PER_SECOND;
        shards += n;
        bytes += 2 * s.outputs * m.ciphertextBytes;
      }
      out.push({ model: m.name, cores: c, seconds, shards, bytesMoved: bytes });
    }
  }
  return out;
}
