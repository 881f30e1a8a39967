// The paper's Table 1 regenerated from our own runs: for every published model, its trained
// accuracy (recorded in its trained graph), its circuit bit-width (the committed circuit, or a
// compile of the graph with calibration sizing), our measured encrypted latency (the inference
// benchmark's results file) or, where none was measured, the cost model's prediction — beside the
// paper's row. Nothing here is typed in by hand except the paper's own numbers (paper-table1.ts).

import type { CostParams } from '@fhenet/params';
import type { MeasuredInference } from './latency-log.js';
import { secondsPerPbs, type LatencyModel } from './latency.js';
import { PAPER_CITATION, paperRow, type PaperRow } from './paper-table1.js';

/** What the report needs to know about one of our models. */
export interface ModelFacts {
  readonly name: string;
  readonly network: string;
  readonly dataset: string;
  readonly weightBits: number;
  readonly actBits: number;
  readonly range: 'narrow' | 'wide';
  readonly active: number | 'all';
  readonly perChannel: boolean;
  /** Fake-quantized test accuracy recorded at training, and on how many test images. */
  readonly accuracy: number;
  readonly testImages: number;
  /** Accuracy of the integer circuit (clear simulation = what encryption computes), when scored. */
  readonly simulatedAccuracy?: number;
  readonly simulatedImages?: number;
  readonly epochs: number;
  readonly circuit:
    | {
        readonly bits: number;
        readonly pbsCount: number;
        readonly source: string;
        readonly parameters: ({ readonly name: string } & CostParams) | null;
        /** Low bits rounded away before a lookup, widest over the stages (0 = none). */
        readonly roundBits: number;
      }
    | { readonly error: string };
}

export interface Table1Row {
  readonly facts: ModelFacts;
  readonly paper?: PaperRow;
  readonly measured?: MeasuredInference;
  readonly predictedSeconds?: number;
}

export function table1Rows(models: readonly ModelFacts[], measured: readonly MeasuredInference[], latency: LatencyModel | null): Table1Row[] {
  return models.map((f) => {
    const paper = paperRow(f.network, f.weightBits, f.actBits, f.active, f.range, f.dataset);
    // The last exact measurement of the model wins: results files append newer runs below.
    const m = [...measured]
      .reverse()
      .find(
        (x) =>
          x.model === f.name &&
          x.exact &&
          'bits' in f.circuit &&
          (Number.isNaN(x.circuitBits) || x.circuitBits === f.circuit.bits) &&
          x.pbsCount === f.circuit.pbsCount,
      );
    const c = f.circuit;
    const predicted = !m && latency && 'bits' in c && c.parameters ? c.pbsCount * secondsPerPbs(latency, c.parameters) : undefined;
    return { facts: f, ...(paper ? { paper } : {}), ...(m ? { measured: m } : {}), ...(predicted !== undefined ? { predictedSeconds: predicted } : {}) };
  });
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const secs = (x: number) => (Number.isInteger(x) || x >= 100 ? x.toFixed(0) : x.toFixed(1));

export interface Table1Meta {
  readonly date: string;
  readonly command: string;
  readonly latency: LatencyModel | null;
}

/** The regenerated table as Markdown, with its sources and notes under it. */
export function table1Markdown(rows: readonly Table1Row[], meta: Table1Meta): string {
  const out: string[] = [];
  out.push(
    '| network | bits (w/a) | active | range | dataset | circuit bits (ours / paper) | accuracy: ours, fake-quant (circuit) / paper | encrypted s/image (ours / paper) | our hardware |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|');
  const notes: string[] = [];
  for (const r of rows) {
    const f = r.facts;
    const c = f.circuit;
    const ourBits = 'bits' in c ? `${c.bits}${c.roundBits > 0 ? ` (rounds ${c.roundBits})` : ''}${c.parameters ? '' : ' (no parameter set)'}` : '—';
    let ourTime = '—';
    let hardware = '—';
    if (r.measured) {
      ourTime = `${secs(r.measured.medianSeconds)} (measured, median of ${r.measured.images}${r.measured.timing === 'wall' ? ', wall' : ''})`;
      hardware = `${r.measured.hardware}; load ${r.measured.loadAverage.split(' ')[0]}`;
    } else if (r.predictedSeconds !== undefined) {
      ourTime = `~${secs(r.predictedSeconds)} (predicted)`;
      hardware = 'cost model (see below)';
    } else if ('bits' in c && !c.parameters) {
      ourTime = 'not yet (no parameter set)';
    }
    const p = r.paper;
    const range = `${f.range}${f.perChannel ? ' (per-channel weights)' : ''}`;
    out.push(
      `| ${f.network} | ${f.weightBits}/${f.actBits} | ${f.active} | ${range} | ${f.dataset.toUpperCase()} | ${ourBits} / ${p?.circuitBits ?? '—'} | ` +
        `${pct(f.accuracy)}${f.simulatedAccuracy !== undefined ? ` (${pct(f.simulatedAccuracy)})` : ''} / ${p ? pct(p.accuracy) : '—'} | ${ourTime} / ${p ? secs(p.seconds) : '—'} | ${hardware} |`,
    );
    if ('error' in c) notes.push(`${f.name}: no circuit (${c.error})`);
    else {
      notes.push(
        `${f.name}: circuit from ${c.source}${c.parameters ? `, parameters ${c.parameters.name}` : ''}, ${c.pbsCount} PBS` +
          `${c.roundBits > 0 ? `, up to ${c.roundBits} low bits rounded away before lookups` : ''}; accuracy ${f.epochs} epochs, fake-quantized, ${f.testImages} test images`,
      );
    }
  }
  out.push('');
  out.push(
    `Paper: ${PAPER_CITATION} (8-core Intel i7-11800H). Ours: models/<name>; accuracy is the fake-quantized tfjs model on the MNIST test set, recorded in each trained graph, and in parentheses the integer circuit's, by clear simulation on the same images (bit-exact with encryption for exact rounding; with approximate rounding, its bootstrap noise simulated with one seed: what encryption gives on average); circuit bits sized on calibration data as the paper.`,
  );
  const dates = new Map<string, Set<string>>();
  for (const r of rows) if (r.measured) dates.set(r.measured.source, (dates.get(r.measured.source) ?? new Set()).add(r.measured.date));
  if (dates.size) out.push(`Measured latencies: ${[...dates].map(([src, d]) => `${src} (${[...d].join(', ')})`).join('; ')}.`);
  if (meta.latency && rows.some((r) => r.predictedSeconds !== undefined)) {
    out.push(`Predicted latencies: PBS count x the cost model of tfhe-parameters.md, calibrated on ${meta.latency.calibratedOn}.`);
  }
  out.push(`Generated by \`${meta.command}\` on ${meta.date}.`);
  out.push('');
  for (const n of notes) out.push(`- ${n}`);
  return `${out.join('\n')}\n`;
}
