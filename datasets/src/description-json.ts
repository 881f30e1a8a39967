// The DataDescription a trained graph records (format v2 `data`), read back and validated.

import { asObj, channelsOf, dataDomainFromJson, type Fail } from './domain.js';
import { DATASET_NAMES, type DatasetName } from './load.js';
import { DATA_FORMATS, type DataDescription, type DataSource, type TestSource } from './sources.js';

/** Validating reader of a DataDescription written as JSON (a trained graph's `data`). */
export function dataDescriptionFromJson(json: unknown, fail: Fail, field: string): DataDescription {
  const o = asObj(json, fail, field);
  const domain = dataDomainFromJson(o.domain, fail, `${field}.domain`);
  const source = dataSourceFromJson(o.source, fail, `${field}.source`);
  const t = asObj(o.test, fail, `${field}.test`);
  let test: TestSource;
  if (t.kind === 'included') test = { kind: 'included' };
  else if (t.kind === 'files') test = { kind: 'files', source: dataSourceFromJson(t.source, fail, `${field}.test.source`) };
  else if (t.kind === 'split') {
    const fraction =
      typeof t.fraction === 'number' && t.fraction > 0 && t.fraction < 1 ? t.fraction : fail(`${field}.test.fraction`, 'a number in (0, 1)', t.fraction);
    const seed = Number.isSafeInteger(t.seed) ? (t.seed as number) : fail(`${field}.test.seed`, 'an integer', t.seed);
    test = { kind: 'split', fraction, seed };
  } else return fail(`${field}.test.kind`, '"included", "files" or "split"', t.kind);
  const count = (v: unknown, f: string) => (Number.isSafeInteger(v) && (v as number) > 0 ? (v as number) : fail(`${field}.${f}`, 'a positive integer', v));
  const s = asObj(o.stats, fail, `${field}.stats`);
  const channels = channelsOf(domain.sampleShape);
  const arr = (v: unknown, f: string) =>
    Array.isArray(v) && v.length === channels && v.every((x) => typeof x === 'number' && x >= 0 && x <= 255)
      ? (v as number[])
      : fail(`${field}.stats.${f}`, `${channels} numbers in [0, 255] (one per channel)`, v);
  return {
    domain,
    source,
    test,
    trainSamples: count(o.trainSamples, 'trainSamples'),
    testSamples: count(o.testSamples, 'testSamples'),
    stats: { mean: arr(s.mean, 'mean'), std: arr(s.std, 'std') },
  };
}

function dataSourceFromJson(json: unknown, fail: Fail, field: string): DataSource {
  const o = asObj(json, fail, field);
  const path = (v: unknown, f: string) => (typeof v === 'string' && v.length > 0 ? v : fail(`${field}.${f}`, 'a path', v));
  switch (o.format) {
    case 'dataset':
      return (DATASET_NAMES as readonly unknown[]).includes(o.name)
        ? { format: 'dataset', name: o.name as DatasetName }
        : fail(`${field}.name`, `one of ${DATASET_NAMES.join(', ')}`, o.name);
    case 'idx':
    case 'npz':
    case 'images':
      return { format: o.format, path: path(o.path, 'path') };
    case 'csv': {
      const lc = o.labelColumn;
      if (lc !== undefined && !(typeof lc === 'string' && lc.length > 0) && !(Number.isSafeInteger(lc) && (lc as number) >= 0))
        fail(`${field}.labelColumn`, 'a column name or index', lc);
      return { format: 'csv', path: path(o.path, 'path'), ...(lc !== undefined ? { labelColumn: lc as string | number } : {}) };
    }
    case 'npy':
      return { format: 'npy', path: path(o.path, 'path'), labels: path(o.labels, 'labels') };
    default:
      return fail(`${field}.format`, `"dataset" or one of ${DATA_FORMATS.join(', ')}`, o.format);
  }
}
