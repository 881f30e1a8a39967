// Tables from CSV files (parsed by csv-parse): one row per sample, numeric feature columns and one
// label column. Every bad row or field is reported by file, line and column name.

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import { DatasetFormatError, DatasetMissingError } from './errors.js';

export interface CsvTable {
  readonly source: string;
  /** Column names when the first line is a header, else null. */
  readonly header: readonly string[] | null;
  /** Index of the label column among all columns. */
  readonly labelColumn: number;
  /** Names of the feature columns (from the header, else "column <i>"). */
  readonly featureNames: readonly string[];
  readonly rows: number;
  /** rows x featureNames.length values, row-major. */
  readonly features: Float64Array;
  /** One label per row, as written (a class name or a class index). */
  readonly labels: readonly string[];
  /** File line of each row, for error messages. */
  readonly lines: readonly number[];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A finite decimal number (no NaN, Infinity, hex or empty field). */
export function isNumberField(s: string): boolean {
  return NUMBER.test(s);
}

interface Parsed {
  readonly records: string[][];
  readonly lines: number[];
}

function parseFile(path: string): Parsed {
  const delimiter = extname(path).toLowerCase() === '.tsv' ? '\t' : ',';
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch {
    throw new DatasetMissingError(path, `data file ${path} does not exist or cannot be read`);
  }
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, { delimiter, bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true }) as never;
  } catch (e) {
    throw new DatasetFormatError(
      path,
      'CSV syntax',
      'comma-separated fields (tab-separated for .tsv), "quoted" where they hold the delimiter',
      (e as Error).message,
    );
  }
  if (rows.length === 0) throw new DatasetFormatError(path, 'rows', 'at least one row', 'an empty file');
  const width = rows[0]!.record.length;
  for (const r of rows) {
    if (r.record.length !== width) {
      throw new DatasetFormatError(
        path,
        `line ${r.info.lines}`,
        `${width} fields (as on line ${rows[0]!.info.lines})`,
        `${r.record.length} fields (a ragged row)`,
      );
    }
  }
  return { records: rows.map((r) => r.record), lines: rows.map((r) => r.info.lines) };
}

/** Column index of `spec` (a header name, or a 0-based index); default the last column. */
function labelIndex(spec: string | number | undefined, header: readonly string[] | null, width: number, source: string): number {
  if (spec === undefined) return width - 1;
  if (typeof spec === 'number' || /^\d+$/.test(spec)) {
    const i = Number(spec);
    if (i >= width) throw new DatasetFormatError(source, 'label column', `an index in [0, ${width - 1}]`, `${i}`);
    return i;
  }
  const i = header?.indexOf(spec) ?? -1;
  if (i < 0) {
    throw new DatasetFormatError(
      source,
      'label column',
      header ? `one of the header's columns: ${header.join(', ')}` : 'a column index (the file has no header line)',
      JSON.stringify(spec),
    );
  }
  return i;
}

/** Fields `pick` of `record` as numbers, into `out` at `at`; errors name the line and the column. */
function numbers(
  record: readonly string[],
  pick: readonly number[],
  out: Float64Array,
  at: number,
  source: string,
  line: number,
  name: (j: number) => string,
): void {
  pick.forEach((j, k) => {
    const s = record[j]!;
    if (!isNumberField(s))
      throw new DatasetFormatError(source, `line ${line}, column ${name(j)}`, 'a finite number', s === '' ? '"" (an empty field)' : JSON.stringify(s));
    out[at + k] = Number(s);
  });
}

/**
 * Reads a labelled table. The first line is a header when one of its feature fields is not a
 * number. `labelColumn`: a header name or a 0-based index (default: the last column).
 */
export function readCsvTable(path: string, labelColumn?: string | number): CsvTable {
  const { records, lines } = parseFile(path);
  const width = records[0]!.length;
  if (width < 2) throw new DatasetFormatError(path, 'columns', 'at least 2 (features and a label)', `${width}`);
  // Header detection must skip the label field: a categorical label ("cat") is not a header.
  const provisional = typeof labelColumn === 'number' || (typeof labelColumn === 'string' && /^\d+$/.test(labelColumn)) ? Number(labelColumn) : width - 1;
  const hasHeader = typeof labelColumn === 'string' && !/^\d+$/.test(labelColumn) ? true : records[0]!.some((s, j) => j !== provisional && !isNumberField(s));
  const header = hasHeader ? records[0]! : null;
  const label = labelIndex(labelColumn, header, width, path);
  const body = hasHeader ? records.slice(1) : records;
  const bodyLines = hasHeader ? lines.slice(1) : lines;
  if (body.length === 0) throw new DatasetFormatError(path, 'rows', 'at least one data row after the header', 'none');
  // A non-number in a feature column is often the label: say which column is taken as the label.
  const name = (j: number) =>
    `${header ? JSON.stringify(header[j]) : j} (a feature; the label column is ${header ? JSON.stringify(header[label]) : label}, set by --label-column)`;
  const n = width - 1;
  const features = new Float64Array(body.length * n);
  const pick = Array.from({ length: width }, (_, j) => j).filter((j) => j !== label);
  body.forEach((r, i) => {
    numbers(r, pick, features, i * n, path, bodyLines[i]!, name);
  });
  const labels = body.map((r, i) => {
    if (r[label] === '')
      throw new DatasetFormatError(
        path,
        `line ${bodyLines[i]}, column ${header ? JSON.stringify(header[label]) : label} (the label)`,
        'a class name or index',
        '"" (an empty field)',
      );
    return r[label]!;
  });
  const featureNames = pick.map((j) => (header ? header[j]! : `column ${j}`));
  return { source: path, header, labelColumn: label, featureNames, rows: body.length, features, labels, lines: bodyLines };
}

/**
 * Reads rows to classify, laid out like the training table: with a header, features are picked by
 * name (`columns`, the training header) and the label column is optional; without one, a row has
 * the training width (label at `labelColumn`) or the features alone.
 */
export function readCsvRows(
  path: string,
  features: number,
  columns: readonly string[] | undefined,
  labelColumn: number | undefined,
): { values: Float64Array; rows: number; labels: string[] | null; lines: number[] } {
  const { records, lines } = parseFile(path);
  const first = records[0]!;
  const hasHeader = first.some((s) => !isNumberField(s)) && (columns === undefined || first.some((s) => columns.includes(s)));
  let pick: number[];
  let label: number | null;
  if (hasHeader) {
    if (columns === undefined)
      throw new DatasetFormatError(path, 'line 1', 'rows of numbers (the training table had no header to match names against)', first.join(','));
    const featureNames = columns.filter((_, j) => j !== labelColumn);
    pick = featureNames.map((f) => {
      const j = first.indexOf(f);
      if (j < 0) throw new DatasetFormatError(path, 'header', `a column ${JSON.stringify(f)} (a training feature)`, first.join(','));
      return j;
    });
    const l = labelColumn === undefined ? -1 : first.indexOf(columns[labelColumn]!);
    label = l >= 0 ? l : null;
  } else if (first.length === features) {
    pick = Array.from({ length: features }, (_, j) => j);
    label = null;
  } else if (first.length === features + 1 && labelColumn !== undefined) {
    pick = Array.from({ length: features + 1 }, (_, j) => j).filter((j) => j !== labelColumn);
    label = labelColumn;
  } else {
    throw new DatasetFormatError(
      path,
      'columns',
      `${features} features${labelColumn !== undefined ? `, or ${features + 1} with the label at column ${labelColumn}` : ''}`,
      `${first.length}`,
    );
  }
  const body = hasHeader ? records.slice(1) : records;
  const bodyLines = hasHeader ? lines.slice(1) : lines;
  if (body.length === 0) throw new DatasetFormatError(path, 'rows', 'at least one data row', 'none');
  const name = (j: number) => (hasHeader ? JSON.stringify(first[j]) : `${j}`);
  const values = new Float64Array(body.length * features);
  body.forEach((r, i) => {
    numbers(r, pick, values, i * features, path, bodyLines[i]!, name);
  });
  return { values, rows: body.length, labels: label === null ? null : body.map((r) => r[label]!), lines: bodyLines };
}
