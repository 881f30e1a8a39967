// `--data PATH [--format F] [--labels Y.npy] [--label-column C]` and friends -> a DataSource of
// @fhenet/datasets (docs/your-own-data.md). Shared by the commands that read the user's files.
import {
  DATA_FORMATS,
  detectFormat,
  readInputSamples,
  withFingerprint,
  type DataDomain,
  type DataFormat,
  type DataSource,
  type InputSamples,
} from '@fhenet/datasets';

export { DATA_FORMATS };

/** The source at `path`: its format named, or detected from the extension or the folder's contents. */
export function dataSource(path: string, format: string | undefined, labels: string | undefined, labelColumn: string | undefined): DataSource {
  const f = (format ?? detectFormat(path)) as DataFormat;
  if (f === 'npy') {
    if (labels === undefined) throw new Error(`${path}: an .npy of samples needs its labels: --labels LABELS.npy (one integer class per sample)`);
    return { format: 'npy', path, labels };
  }
  if (labels !== undefined) throw new Error(`--labels ${labels}: only .npy data takes a separate labels file (${path} is ${f})`);
  if (f === 'csv') return { format: 'csv', path, ...(labelColumn !== undefined ? { labelColumn } : {}) };
  if (labelColumn !== undefined) throw new Error(`--label-column ${labelColumn}: only CSV data has columns (${path} is ${f})`);
  return { format: f, path };
}

/** What a circuit knows of its inputs: its v5 `data`, else bytes in its input shape and classes 0..n-1. */
export function circuitDomain(circuit: { readonly inputShape: readonly number[]; readonly data?: DataDomain }, classes: number): DataDomain {
  return (
    circuit.data ??
    withFingerprint({
      origin: 'bytes',
      layout: circuit.inputShape.length === 1 ? 'table' : 'image',
      sampleShape: circuit.inputShape,
      classNames: Array.from({ length: classes }, (_, i) => String(i)),
      encoding: { kind: 'bytes' },
    })
  );
}

/** `--input FILE`: the user's samples, read and encoded as the circuit's training data was. */
export function readInputs(path: string, circuit: { readonly inputShape: readonly number[]; readonly data?: DataDomain }, classes: number): InputSamples {
  return readInputSamples(path, circuitDomain(circuit, classes));
}

/** "3 (cat)" when the class has a name other than its index. */
export function className(domain: DataDomain, k: number): string {
  const name = domain.classNames[k];
  return name === undefined || name === String(k) ? String(k) : `${k} (${name})`;
}
