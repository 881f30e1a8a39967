// The data a compile calibrates and measures accuracy on: by default the trained graph's own (its
// format v2 `data`, or a v1 graph's built-in data set by name), or calibration data the user names,
// refused when it is not the graph's domain.
import {
  channelStats,
  channelsOf,
  DATASET_NAMES,
  DomainMismatchError,
  domainMismatch,
  loadData,
  loadSamples,
  sampleShape,
  statsDrift,
  type DatasetName,
  type DataSource,
  type ImageDataset,
  type LoadedData,
} from '@fhenet/datasets';
import type { TrainedGraph } from '@fhenet/training/format';

/** The graph's own training and test data, or why there is none. */
export type OwnData = { readonly data: LoadedData; readonly what: string } | { readonly missing: string };

/** Loads the graph's own data: `limit` training samples (calibration) and its whole test set. */
export function ownData(graph: TrainedGraph, limit: number): OwnData {
  const named = graph.training.dataset;
  const desc = graph.data;
  if (!desc && !(typeof named === 'string' && (DATASET_NAMES as readonly string[]).includes(named))) {
    return { missing: `the graph records no training data (a version 1 graph trained on ${typeof named === 'string' ? `"${named}"` : 'unnamed data'})` };
  }
  try {
    const data = desc
      ? loadData(desc.source, desc.test, { domain: desc.domain, limit })
      : loadData({ format: 'dataset', name: named as DatasetName }, undefined, { limit });
    return { data, what: desc ? describeSource(desc.source) : `${named}` };
  } catch (e) {
    return { missing: `its training data could not be read: ${(e as Error).message}` };
  }
}

export function describeSource(s: DataSource): string {
  return s.format === 'dataset' ? s.name : s.format === 'npy' ? `${s.path} + ${s.labels}` : s.path;
}

/**
 * Calibration data the user named (a built-in data set or files), read with the graph's domain and
 * checked against it: a different shape, class list, format or encoding is refused; so are values
 * whose statistics moved past sampling noise, unless `force`.
 */
export function namedCalibration(graph: TrainedGraph, source: DataSource, limit: number, force: boolean): ImageDataset {
  const domain = graph.data?.domain;
  const what = describeSource(source);
  const notTheDomain = (why: string) =>
    new Error(
      `calibration data ${what} is not the domain graph "${graph.name}" was trained on (${describeSource(graph.data!.source)}): ${why}; calibrate on data like the training data, or leave --calibration out to use the graph's own`,
    );
  let loaded: ReturnType<typeof loadSamples>;
  try {
    loaded = loadSamples(source, { ...(domain ? { domain } : {}), limit });
  } catch (e) {
    if (e instanceof DomainMismatchError) throw notTheDomain(e.why);
    throw e;
  }
  const { data, domain: got } = loaded;
  const shape = sampleShape(data);
  if (shape.join(',') !== graph.inputShape.join(',')) {
    throw new Error(`calibration data ${what}: samples of shape [${shape.join(', ')}], but graph "${graph.name}" reads [${graph.inputShape.join(', ')}]`);
  }
  if (graph.data && domain) {
    const why = domainMismatch(domain, got);
    if (why) throw notTheDomain(why);
    const drift = statsDrift(graph.data.stats, channelStats(data.images, channelsOf(domain.sampleShape)), data.count);
    if (drift.length > 0 && !force) {
      throw new Error(
        `calibration data ${what} does not look like graph "${graph.name}"'s training data (encoded byte means moved past sampling noise: ` +
          `${drift.slice(0, 3).join('; ')}${drift.length > 3 ? `; and ${drift.length - 3} more channels` : ''}); its ranges would size the circuit for other inputs. ` +
          `Use --force-calibration to calibrate on it anyway`,
      );
    }
  }
  return data;
}
