// The sweep: every grid point trained, compiled and scored once. A finished point's result file
// (points/<key>.json) is never recomputed, so a killed sweep continues where it stopped; a point
// file written with other settings is an error, not silently mixed in. After every point the
// aggregate files and the figures are rewritten, so they are always current. Points run in this
// process one after the other, or elsewhere all at once (`runPoint`, e.g. on @fhenet/fleet's
// workers): the same files either way, written as each point finishes.

import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '@fhenet/datasets';
import { expandGrid, type SweepGrid, type SweepPoint, type SweepSettings } from './grid.js';
import { accumulatorFigure, accuracyFigure } from './figures.js';
import type { LatencyModel } from './latency.js';
import { runPoint } from './point.js';
import { readPoint, SWEEP_FORMAT, SWEEP_FORMAT_VERSION, toCsv, type PointResult, type SweepResults } from './results.js';
import { svgToPng } from './plot/png.js';

export interface SweepOptions {
  readonly grid: SweepGrid;
  readonly settings: SweepSettings;
  /** Output folder: points/, graphs/, sweep.json, sweep.csv, the figures. */
  readonly out: string;
  readonly latency: LatencyModel | null;
  /** The command line, recorded in sweep.json. */
  readonly command: string;
  /** Draw PNGs beside the SVGs (needs the resvg rasterizer). */
  readonly png?: boolean;
  readonly log?: (line: string) => void;
  /**
   * Runs a point elsewhere (its trained graph written to graphDir by the runner) instead of in this
   * process; the missing points are then all started at once and the runner schedules them.
   */
  readonly runPoint?: (point: SweepPoint, graphDir: string) => Promise<PointResult>;
}

export interface SweepOutcome {
  readonly results: SweepResults;
  readonly computed: readonly string[];
  readonly reused: readonly string[];
  readonly files: readonly string[];
}

/** Writes a file whole or not at all (a killed process leaves no half-written result). */
function writeAtomic(path: string, data: string | Buffer): void {
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}

function sameSettings(a: SweepSettings, b: SweepSettings): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof SweepSettings>;
  return [...keys].every((k) => a[k] === b[k]);
}

export const FIGURE_FILES = {
  accumulator: 'accumulator-bits-vs-active',
  accuracy: 'accuracy-vs-circuit-bits',
} as const;

/** sweep.json, sweep.csv and the figures from the given points; returns the files written. */
export async function writeSweepOutputs(out: string, results: SweepResults, png: boolean): Promise<string[]> {
  const files: string[] = [];
  const put = (name: string, data: string | Buffer) => {
    writeAtomic(join(out, name), data);
    files.push(join(out, name));
  };
  put('sweep.json', `${JSON.stringify(results, null, 1)}\n`);
  put('sweep.csv', toCsv(results.points));
  if (results.points.length === 0) return files;
  const p0 = results.points[0]!.point;
  const bitsLabel = [...new Set(results.points.map((p) => `${p.point.weightBits}/${p.point.actBits}-bit weights/activations`))].join(', ');
  const epochs = [...new Set(results.points.map((p) => p.settings.epochs))].join('/');
  const subtitle = `${p0.model.toUpperCase()} on ${p0.dataset.toUpperCase()}, ${bitsLabel}, ${epochs} epochs per point, ${results.points.length} points`;
  const figures: [string, string][] = [
    [FIGURE_FILES.accumulator, accumulatorFigure(results.points, subtitle)],
    [FIGURE_FILES.accuracy, accuracyFigure(results.points, subtitle)],
  ];
  for (const [name, svg] of figures) {
    put(`${name}.svg`, svg);
    if (png) put(`${name}.png`, await svgToPng(svg));
  }
  return files;
}

export async function runSweep(o: SweepOptions): Promise<SweepOutcome> {
  const log = o.log ?? (() => {});
  const points = expandGrid(o.grid);
  mkdirSync(join(o.out, 'points'), { recursive: true });
  const done = new Map<string, PointResult>();
  const computed: string[] = [];
  const reused: string[] = [];
  let files: string[] = [];
  let data: Parameters<typeof runPoint>[1]['data'] | undefined;
  const results = (): SweepResults => ({
    format: SWEEP_FORMAT,
    version: SWEEP_FORMAT_VERSION,
    date: new Date().toISOString(),
    command: o.command,
    // Grid order, whatever order the points finished in.
    points: points.flatMap((p) => done.get(p.key) ?? []),
  });
  const missing: [number, SweepPoint][] = [];
  for (const [i, point] of points.entries()) {
    const file = join(o.out, 'points', `${point.key}.json`);
    if (!existsSync(file)) {
      missing.push([i, point]);
      continue;
    }
    const r = readPoint(file);
    if (r.point.key !== point.key) throw new Error(`${file}: holds point ${r.point.key}, expected ${point.key}`);
    if (!sameSettings(r.settings, o.settings)) {
      throw new Error(
        `${file}: computed with other settings (${JSON.stringify(r.settings)}; now ${JSON.stringify(o.settings)}): ` +
          'use another output folder or delete the file to recompute it',
      );
    }
    done.set(point.key, r);
    reused.push(point.key);
    log(`[${i + 1}/${points.length}] ${point.key}: done before, reused`);
  }
  const finish = async (point: SweepPoint, r: PointResult) => {
    writeAtomic(join(o.out, 'points', `${point.key}.json`), `${JSON.stringify(r, null, 1)}\n`);
    done.set(point.key, r);
    computed.push(point.key);
    files = await writeSweepOutputs(o.out, results(), o.png ?? true);
  };
  const local = async (point: SweepPoint, graphDir: string): Promise<PointResult> => {
    data ??= {
      calibration: loadDataset(o.grid.dataset, { split: 'train', limit: o.settings.calibrationCount }),
      test: loadDataset(o.grid.dataset, { split: 'test', ...(o.settings.testLimit !== undefined ? { limit: o.settings.testLimit } : {}) }),
    };
    return runPoint(point, { settings: o.settings, data, latency: o.latency, graphDir, log });
  };
  if (o.runPoint) {
    const remote = o.runPoint;
    // Outputs are rewritten one point at a time, in the order points finish.
    let writes = Promise.resolve();
    const runs = missing.map(([i, point]) => {
      log(`[${i + 1}/${points.length}] ${point.key}: queued (${o.settings.epochs} epoch(s))`);
      return remote(point, join(o.out, 'graphs', point.key)).then((r) => {
        writes = writes.then(() => finish(point, r));
        return writes;
      });
    });
    const settled = await Promise.allSettled(runs);
    await writes;
    const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    if (failed) throw failed.reason;
  } else {
    for (const [i, point] of missing) {
      log(`[${i + 1}/${points.length}] ${point.key}: training ${o.settings.epochs} epoch(s)`);
      await finish(point, await local(point, join(o.out, 'graphs', point.key)));
    }
  }
  files = await writeSweepOutputs(o.out, results(), o.png ?? true);
  return { results: results(), computed, reused, files };
}
