// A small line-chart writer: title, axis labels, ticks, grid, one polyline + markers per series,
// and a legend. Plain SVG 1.1 text (no scripts, no external fonts), so any viewer and the PNG
// rasterizer draw it the same. Enough for the sweep's figures; not a general plotting library.

export interface Series {
  readonly label: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
  readonly color: string;
  readonly dashed?: boolean;
  /** 'circle' or 'square' markers (told apart without colour). */
  readonly marker?: 'circle' | 'square';
}

export interface ChartSpec {
  readonly title: string;
  /** Smaller second line under the title (what the data is). */
  readonly subtitle?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly xScale?: 'linear' | 'log';
  /** Tick positions; default: ~6 round numbers over the data. */
  readonly xTicks?: readonly number[];
  readonly yTicks?: readonly number[];
  /** Axis ranges; default: the ticks' span. */
  readonly xRange?: readonly [number, number];
  readonly yRange?: readonly [number, number];
  readonly yTickFormat?: (v: number) => string;
  readonly width?: number;
  readonly height?: number;
  /** Corner of the plot area the legend sits in (pick the one the data leaves empty). */
  readonly legend?: 'top-left' | 'bottom-right';
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/0+$/, ''));

/** About `count` round tick values covering [lo, hi] (1, 2, 5 x 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  if (out[out.length - 1]! < hi) out.push(Number((out[out.length - 1]! + step).toPrecision(12)));
  return out;
}

export function lineChartSvg(spec: ChartSpec): string {
  const W = spec.width ?? 720;
  const H = spec.height ?? 480;
  const m = { left: 72, right: 24, top: spec.subtitle ? 74 : 56, bottom: 64 };
  const all = spec.series.flatMap((s) => s.points);
  if (all.length === 0) throw new RangeError(`chart "${spec.title}": no data points in any series`);
  const log = spec.xScale === 'log';
  if (log && all.some((p) => p.x <= 0)) throw new RangeError(`chart "${spec.title}": a log x axis needs x > 0`);
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  const yTicks = spec.yTicks ?? niceTicks(Math.min(...ys), Math.max(...ys));
  const xTicks = spec.xTicks ?? (log ? [] : niceTicks(Math.min(...xs), Math.max(...xs)));
  const [x0, x1] = spec.xRange ?? [Math.min(...xTicks, ...xs), Math.max(...xTicks, ...xs)];
  const [y0, y1] = spec.yRange ?? [Math.min(...yTicks), Math.max(...yTicks)];
  const tx = log ? Math.log : (v: number) => v;
  const px = (x: number) => m.left + ((tx(x) - tx(x0)) / (tx(x1) - tx(x0) || 1)) * (W - m.left - m.right);
  const py = (y: number) => H - m.bottom - ((y - y0) / (y1 - y0 || 1)) * (H - m.top - m.bottom);
  const yFmt = spec.yTickFormat ?? fmt;
  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif">`);
  o.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  o.push(`<text x="${W / 2}" y="28" text-anchor="middle" font-size="18" font-weight="bold">${esc(spec.title)}</text>`);
  if (spec.subtitle) o.push(`<text x="${W / 2}" y="50" text-anchor="middle" font-size="13" fill="#333">${esc(spec.subtitle)}</text>`);
  // grid + ticks
  for (const t of yTicks) {
    const y = py(t).toFixed(1);
    o.push(`<line x1="${m.left}" y1="${y}" x2="${W - m.right}" y2="${y}" stroke="#e0e0e0" stroke-width="1"/>`);
    o.push(`<text x="${m.left - 8}" y="${y}" dy="4" text-anchor="end" font-size="13">${esc(yFmt(t))}</text>`);
  }
  for (const t of xTicks) {
    const x = px(t).toFixed(1);
    o.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${H - m.bottom}" stroke="#e0e0e0" stroke-width="1"/>`);
    o.push(`<text x="${x}" y="${H - m.bottom + 20}" text-anchor="middle" font-size="13">${esc(fmt(t))}</text>`);
  }
  // axes
  o.push(`<line x1="${m.left}" y1="${H - m.bottom}" x2="${W - m.right}" y2="${H - m.bottom}" stroke="#000" stroke-width="1.5"/>`);
  o.push(`<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${H - m.bottom}" stroke="#000" stroke-width="1.5"/>`);
  o.push(`<text x="${(m.left + W - m.right) / 2}" y="${H - 18}" text-anchor="middle" font-size="15">${esc(spec.xLabel)}</text>`);
  o.push(`<text transform="translate(20 ${(m.top + H - m.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="15">${esc(spec.yLabel)}</text>`);
  // series
  for (const s of spec.series) {
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    if (pts.length === 0) continue;
    const d = pts.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    o.push(
      `<polyline data-series="${esc(s.label)}" points="${d}" fill="none" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="7 5"' : ''}/>`,
    );
    for (const p of pts) {
      const cx = px(p.x);
      const cy = py(p.y);
      o.push(
        s.marker === 'square'
          ? `<rect x="${(cx - 4.5).toFixed(1)}" y="${(cy - 4.5).toFixed(1)}" width="9" height="9" fill="${s.color}"/>`
          : `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="4.5" fill="${s.color}"/>`,
      );
    }
  }
  // legend (top left inside the plot, on a white box)
  const lh = 22;
  const lw = Math.max(...spec.series.map((s) => s.label.length)) * 7.6 + 60;
  const lHeight = spec.series.length * lh + 10;
  const right = spec.legend === 'bottom-right';
  const lx = right ? W - m.right - 12 - lw : m.left + 12;
  const ly = right ? H - m.bottom - 10 - lHeight : m.top + 10;
  o.push(`<rect x="${lx}" y="${ly}" width="${lw.toFixed(0)}" height="${lHeight}" fill="#ffffff" fill-opacity="0.9" stroke="#999"/>`);
  spec.series.forEach((s, i) => {
    const y = ly + 16 + i * lh;
    o.push(`<line x1="${lx + 8}" y1="${y}" x2="${lx + 40}" y2="${y}" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="7 5"' : ''}/>`);
    o.push(
      s.marker === 'square'
        ? `<rect x="${lx + 19.5}" y="${y - 4.5}" width="9" height="9" fill="${s.color}"/>`
        : `<circle cx="${lx + 24}" cy="${y}" r="4.5" fill="${s.color}"/>`,
    );
    o.push(`<text x="${lx + 48}" y="${y}" dy="4.5" font-size="13">${esc(s.label)}</text>`);
  });
  o.push('</svg>');
  return `${o.join('\n')}\n`;
}
