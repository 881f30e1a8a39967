// `--data PATH [--format F] [--labels Y.npy] [--label-column C]` and friends -> a DataSource of
// @fhenet/datasets (docs/your-own-data.md). Shared by the commands that read the user's files.
import { DATA_FORMATS, detectFormat, type DataFormat, type DataSource } from '@fhenet/datasets';

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
