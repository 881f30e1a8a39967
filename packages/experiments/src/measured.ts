// Our measured encrypted latencies, read from the encrypted-inference benchmark's results file
// (packages/runtime/bench/INFERENCE-RESULTS.md, written by packages/runtime/bench/inference.ts;
// its figures are the ones BENCHMARKS.md quotes). The file is Markdown meant for people, so the
// reader is strict: a section it cannot parse is an error naming the line, never a guess.

import { readFileSync } from 'node:fs';
import type { CostParams } from '@fhenet/params';

export interface MeasuredInference {
  /** Model folder name (the section heading). */
  readonly model: string;
  readonly circuitBits: number;
  readonly pbsCount: number;
  /** Null where the results name no parameter set (then the row cannot calibrate the cost model). */
  readonly parameterSet: ({ readonly name: string } & CostParams) | null;
  /** Median seconds per encrypted image (compute only, or wall where `timing` says so). */
  readonly medianSeconds: number;
  readonly timing: 'compute' | 'wall';
  readonly images: number;
  /** Decrypted outputs equal the clear simulation on every image. */
  readonly exact: boolean;
  readonly hardware: string;
  readonly date: string;
  readonly loadAverage: string;
  readonly source: string;
}

const CIRCUIT_LINE =
  /^Circuit: (\d+) bits, (\d+) PBS per image; parameters (\S+) \(n=(\d+), k=(\d+), N=(\d+), PBS (\d+)\/(\d+), KS (\d+)\/(\d+)\)/;

/** Parses the benchmark file's text; `source` names it in errors and in the results. */
export function parseInferenceResults(text: string, source: string): MeasuredInference[] {
  const lines = text.split('\n');
  const header = (prefix: string) => lines.find((l) => l.startsWith(prefix))?.slice(prefix.length).trim();
  const date = header('- Date:') ?? '';
  const hardware = header('- CPU:') ?? '';
  const loadAverage = (header('- Load average at start (1/5/15 min):') ?? '').split(' (')[0]!;
  const out: MeasuredInference[] = [];
  for (let i = 0; i < lines.length; i++) {
    const h = /^## (\S+)\s*$/.exec(lines[i]!);
    if (!h) continue;
    const model = h[1]!;
    // A section is a measurement only if it has a Circuit line; "Skipped: ..." sections are not.
    let j = i + 1;
    while (j < lines.length && !lines[j]!.startsWith('## ') && !lines[j]!.startsWith('Circuit:')) j++;
    if (j >= lines.length || lines[j]!.startsWith('## ')) continue;
    const c = CIRCUIT_LINE.exec(lines[j]!);
    if (!c) throw new Error(`${source}:${j + 1}: section ${model}: unreadable circuit line "${lines[j]}"`);
    let t = j + 1;
    while (t < lines.length && !lines[t]!.startsWith('| images')) t++;
    const row = lines[t + 2];
    if (t >= lines.length || row === undefined) throw new Error(`${source}: section ${model}: no results table after line ${j + 1}`);
    const cols = lines[t]!.split('|').map((x) => x.trim());
    const cells = row.split('|').map((x) => x.trim());
    const at = (name: string) => {
      const k = cols.findIndex((x) => x.startsWith(name));
      if (k < 0 || cells[k] === undefined) throw new Error(`${source}:${t + 1}: section ${model}: no column "${name}"`);
      return cells[k]!;
    };
    const medianSeconds = Number(at('median s/image (compute)'));
    const images = Number(at('images'));
    const [exactN, exactOf] = at('exact == simulate').split('/').map(Number);
    if (!(medianSeconds > 0) || !(images > 0)) throw new Error(`${source}:${t + 3}: section ${model}: unreadable median or image count in "${row}"`);
    const n = (k: number) => Number(c[k]);
    out.push({
      model,
      circuitBits: n(1),
      pbsCount: n(2),
      parameterSet: {
        name: c[3]!,
        lweDimension: n(4),
        glweDimension: n(5),
        polynomialSize: n(6),
        pbs: { baseLog: n(7), levelCount: n(8) },
        keyswitch: { baseLog: n(9), levelCount: n(10) },
      },
      medianSeconds,
      timing: 'compute',
      images,
      exact: exactN !== undefined && exactN === exactOf,
      hardware,
      date,
      loadAverage,
      source,
    });
  }
  return out;
}

/**
 * Sections that measure several committed circuits in one table (header `| model | circuit | ...`,
 * e.g. the rounded circuits): one result per row whose circuit cell starts with "committed".
 * Their date and hardware come from the section's `- Date: <date>; <hardware>.` line.
 */
export function parseCircuitTables(text: string, source: string): MeasuredInference[] {
  const lines = text.split('\n');
  const out: MeasuredInference[] = [];
  let date = '';
  let hardware = '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('## ')) {
      date = '';
      hardware = '';
    }
    const d = /^- Date: ([^;]+); (.+?)\.?$/.exec(l);
    if (d) {
      date = d[1]!.trim();
      hardware = d[2]!.trim();
    }
    if (!l.startsWith('| model | circuit |')) continue;
    const cols = l.split('|').map((x) => x.trim());
    const col = (name: string) => {
      const k = cols.findIndex((x) => x.startsWith(name));
      if (k < 0) throw new Error(`${source}:${i + 1}: circuit table without a "${name}" column`);
      return k;
    };
    const [cModel, cCircuit, cPbs, cMedian, cExact, cLoad] = ['model', 'circuit', 'PBS / image', 'median', 'exact == simulate', 'load avg'].map(col) as number[];
    for (let j = i + 2; j < lines.length && lines[j]!.startsWith('|'); j++) {
      const cells = lines[j]!.split('|').map((x) => x.trim().replace(/\*\*/g, ''));
      if (!cells[cCircuit!]!.startsWith('committed')) continue;
      const medianSeconds = Number(cells[cMedian!]);
      const [exactN, exactOf] = cells[cExact!]!.split('/').map(Number);
      if (!(medianSeconds > 0) || !(exactOf! > 0)) throw new Error(`${source}:${j + 1}: unreadable median or exact count in "${lines[j]}"`);
      out.push({
        model: cells[cModel!]!,
        circuitBits: NaN, // the row does not say; the committed circuit does
        pbsCount: Number(cells[cPbs!]),
        parameterSet: null,
        medianSeconds,
        timing: 'wall',
        images: exactOf!,
        exact: exactN === exactOf,
        hardware,
        date,
        loadAverage: cells[cLoad!]!.split('/')[0]!.trim(),
        source,
      });
    }
  }
  return out;
}

/** Every measurement in a results file: per-model sections, then circuit tables (which are newer). */
export function readInferenceResults(path: string): MeasuredInference[] {
  const text = readFileSync(path, 'utf8');
  return [...parseInferenceResults(text, path), ...parseCircuitTables(text, path)];
}
