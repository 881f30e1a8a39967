// Hostile trained-graph folders (issue 16, "Circuit and graph readers"): a manifest nested deep,
// holding too many values, too large, naming shapes of 2^40 values, or a payload file of another
// size than its manifest says: each refused with an error naming the file, before the JSON is
// parsed or the payload read.
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTrainedGraph, saveTrainedGraph, TrainedGraphError } from '@fhenet/training';
import { MAX_GRAPH_MANIFEST_BYTES } from '@fhenet/training/format';
import { fcnnGraph } from '@fhenet/testing';

const root = mkdtempSync(join(tmpdir(), 'fhenet-graph-limits-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dir = join(root, 'g');
saveTrainedGraph(dir, fcnnGraph(3));
const manifest = join(dir, 'graph.json');
const good = readFileSync(manifest, 'utf8');

function refused(text: string, pattern: RegExp): void {
  writeFileSync(manifest, text);
  let error: unknown;
  try {
    loadTrainedGraph(dir);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(TrainedGraphError);
  expect((error as Error).message).toContain(manifest);
  expect((error as Error).message).toMatch(pattern);
  writeFileSync(manifest, good);
}

describe('trained graph reader limits', () => {
  it('reads the good folder', () => {
    expect(loadTrainedGraph(dir).name).toBe(fcnnGraph(3).name);
  });
  it('refuses deep nesting, too many values and oversized manifests by their shape', () => {
    refused(
      good.replace('"training":', `"deep":${'['.repeat(5000)}${']'.repeat(5000)},"training":`),
      /JSON: expected .*got arrays and objects nested deeper than 32/,
    );
    refused(good.replace('"training":', `"many":[${'0,'.repeat(1_100_000)}0],"training":`), /more than 1048576 values/);
    writeFileSync(manifest, '');
    truncateSync(manifest, MAX_GRAPH_MANIFEST_BYTES + 1);
    expect(() => loadTrainedGraph(dir)).toThrow(new RegExp(`graph\\.json: file: expected at most ${MAX_GRAPH_MANIFEST_BYTES} bytes`));
    writeFileSync(manifest, good);
  });
  it('refuses shapes of more than 2^26 values, and a payload of another size before reading it', () => {
    const j = JSON.parse(good);
    j.inputShape = [2 ** 40];
    refused(JSON.stringify(j), /inputShape: expected at most 67108864 values \(2\^26\), got \[1099511627776\] = 1099511627776/);
    const p = JSON.parse(good);
    p.payload.byteLength += 8;
    refused(JSON.stringify(p), /payload\.byteLength: expected the size of .*graph\.bin \(\d+ bytes, at most \d+\)/);
  });
});
