// The sweep: every grid point trained, compiled and scored once. A finished point's result file
// (points/<key>.json) is never recomputed, so a killed sweep continues where it stopped; a point
// file written with other settings is an error, not silently mixed in. After every point the
// aggregate files and the figures are rewritten, so they are always current.

import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '@fhenet/datasets';
import { expandGrid, type SweepGrid, type SweepSettings } from './grid.js';
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
  const done: PointResult[] = [];
  const computed: string[] = [];
  const reused: string[] = [];
  let files: string[] = [];
  let data: Parameters<typeof runPoint>[1]['data'] | undefined;
  const results = (): SweepResults => ({
    format: SWEEP_FORMAT,
    version: SWEEP_FORMAT_VERSION,
    date: new Date().toISOString(),
    command: o.command,
    points: [...done],
  });
  for (const [i, point] of points.entries()) {
    const file = join(o.out, 'points', `${point.key}.json`);
    if (existsSync(file)) {
      const r = readPoint(file);
      if (r.point.key !== point.key) throw new Error(`${file}: holds point ${r.point.key}, expected ${point.key}`);
      if (!sameSettings(r.settings, o.settings)) {
        throw new Error(
          `${file}: computed with other settings (${JSON.stringify(r.settings)}; now ${JSON.stringify(o.settings)}): ` +
            'use another output folder or delete the file to recompute it',
        );
      }
      done.push(r);
      reused.push(point.key);
      log(`[${i + 1}/${points.length}] ${point.key}: done before, reused`);
      continue;
    }
    log(`[${i + 1}/${points.length}] ${point.key}: training ${o.settings.epochs} epoch(s)`);
    data ??= {
      calibration: loadDataset(o.grid.dataset, { split: 'train', limit: o.settings.calibrationCount }),
      test: loadDataset(o.grid.dataset, { split: 'test', ...(o.settings.testLimit !== undefined ? { limit: o.settings.testLimit } : {}) }),
    };
    const r = await runPoint(point, {
      settings: o.settings,
      data,
      latency: o.latency,
      graphDir: join(o.out, 'graphs', point.key),
      log,
    });
    writeAtomic(file, `${JSON.stringify(r, null, 1)}\n`);
    done.push(r);
    computed.push(point.key);
    files = await writeSweepOutputs(o.out, results(), o.png ?? true);
  }
  files = await writeSweepOutputs(o.out, results(), o.png ?? true);
  return { results: results(), computed, reused, files };
}
