// The sweep's two figures. Figure 1 (left) of the paper: accumulator bits against active
// synapses per neuron for narrow and wide range; we draw the calibration-sized bits (the paper's
// sizing, solid) and the exact worst case (dashed). Second: test accuracy of the integer circuit
// against circuit bit-width.

import type { PointResult } from './results.js';
import { lineChartSvg, niceTicks, type Series } from './plot/svg.js';

const COLORS = { narrow: '#1f5fbf', wide: '#d2691e' } as const;
const LOG_TICKS = [10, 20, 50, 100, 200, 500, 784];

function groups(points: readonly PointResult[]) {
  const by = new Map<string, PointResult[]>();
  for (const p of points) {
    const k = `${p.point.range}|${p.point.weightBits}/${p.point.actBits}`;
    by.set(k, [...(by.get(k) ?? []), p]);
  }
  const bitPairs = new Set(points.map((p) => `${p.point.weightBits}/${p.point.actBits}`));
  return [...by.entries()].map(([k, ps]) => {
    const [range, bits] = k.split('|') as ['narrow' | 'wide', string];
    return { range, bits, label: bitPairs.size > 1 ? `${range} range, ${bits} bits` : `${range} range`, points: ps };
  });
}

export function accumulatorFigure(points: readonly PointResult[], subtitle: string): string {
  const series: Series[] = [];
  for (const g of groups(points)) {
    const color = COLORS[g.range];
    series.push({
      label: `${g.label}: calibration-sized`,
      color,
      marker: 'circle',
      points: g.points.map((p) => ({ x: p.maxActiveSynapses, y: p.circuitBits })),
    });
    series.push({
      label: `${g.label}: worst case`,
      color,
      dashed: true,
      marker: 'square',
      points: g.points.map((p) => ({ x: p.maxActiveSynapses, y: p.worstCaseBits })),
    });
  }
  const xs = points.map((p) => p.maxActiveSynapses);
  const ys = points.flatMap((p) => [p.circuitBits, p.worstCaseBits]);
  const yLo = Math.min(...ys) - 1;
  const yHi = Math.max(...ys) + 1;
  const ticks = LOG_TICKS.filter((t) => t >= Math.min(...xs) / 1.5 && t <= Math.max(...xs) * 1.5);
  return lineChartSvg({
    title: 'Accumulator bits vs active synapses per neuron',
    subtitle,
    legend: 'bottom-right', // the curves rise to the right: the lower right corner is empty
    xLabel: 'active synapses per neuron (log scale; unpruned = all 784 inputs)',
    yLabel: 'accumulator bits (widest layer)',
    xScale: 'log',
    xTicks: ticks,
    xRange: [Math.min(...xs, ...ticks) / 1.15, Math.max(...xs, ...ticks) * 1.15],
    yTicks: Array.from({ length: yHi - yLo + 1 }, (_, i) => yLo + i),
    series,
  });
}

export function accuracyFigure(points: readonly PointResult[], subtitle: string): string {
  const series: Series[] = groups(points).map((g) => {
    // Several points can share a bit-width: plot the best accuracy reached at each width.
    const best = new Map<number, number>();
    for (const p of g.points) best.set(p.circuitBits, Math.max(best.get(p.circuitBits) ?? 0, p.simulatedAccuracy));
    return {
      label: `${g.label} (best per bit-width)`,
      color: COLORS[g.range],
      marker: g.range === 'narrow' ? 'circle' : 'square',
      points: [...best].map(([x, y]) => ({ x, y: y * 100 })),
    };
  });
  const bits = points.map((p) => p.circuitBits);
  const acc = points.map((p) => p.simulatedAccuracy * 100);
  const yTicks = niceTicks(Math.floor(Math.min(...acc)), Math.min(100, Math.ceil(Math.max(...acc))), 6);
  return lineChartSvg({
    title: 'Accuracy vs circuit bit-width',
    subtitle,
    legend: 'bottom-right',
    xLabel: 'circuit bit-width (calibration-sized)',
    yLabel: 'test accuracy of the integer circuit (%)',
    xTicks: Array.from({ length: Math.max(...bits) - Math.min(...bits) + 3 }, (_, i) => Math.min(...bits) - 1 + i),
    yTicks,
    series,
  });
}
