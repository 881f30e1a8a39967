// Rebuilds the lower half of BENCHMARKS.md: first the encrypted latencies rendered from the
// machine-readable latency log (results/encrypted-latency.json, what `fhenet report` reads too), then
// each package's own results file, so that every full table (with its date, command and load) lives
// in one place next to the code that measured it and BENCHMARKS.md repeats it verbatim under the
// hand-written summary. Nothing here reads Markdown for numbers. Run: node scripts/merge-benchmarks.mjs
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const MARKER = '<!-- merged results: everything below is copied by scripts/merge-benchmarks.mjs; edit the package files -->';
const SOURCES = [
  ['Engine: keyswitch + PBS, batches, keygen, FFT', 'packages/engine/bench/RESULTS.md'],
  ['Encrypted inference of the compiled circuits', 'packages/client/bench/INFERENCE-RESULTS.md'],
  ['Clients from the tfhe-rs ecosystem (node-tfhe)', 'packages/engine/bench/TFHERS-RESULTS.md'],
  ['Experiments: sweeps, recorded latencies, CLI start-up', 'packages/experiments/bench/RESULTS.md'],
  ['Training: accuracy and throughput', 'packages/training/bench/RESULTS.md'],
  ['Parameter cost model against measured PBS time', 'packages/params/bench/RESULTS.md'],
  ['Memory of an encrypted execution', 'packages/executor/bench/MEMORY-RESULTS.md'],
  ['The HTTP path', 'packages/server/bench/HTTP-RESULTS.md'],
  ['VGG-9 on CIFAR-10: compile, simulate, encrypted', 'packages/compiler/bench/VGG-RESULTS.md'],
  ['WoP-PBS engine primitives (CRT lookups)', 'packages/engine/bench/WOP-RESULTS.md'],
  ['CRT circuits encrypted', 'packages/client/bench/CRT-RESULTS.md'],
  ['Worker fleet (Redis + BullMQ)', 'packages/fleet/bench/RESULTS.md'],
  ['Approximate rounding: one PBS per neuron', 'packages/compiler/bench/APPROXIMATE-RESULTS.md'],
  ['Accumulator-aware training (A2Q)', 'packages/training/bench/A2Q-RESULTS.md'],
];
// A results file is listed before its first measurement lands; until then it is left out.
const present = SOURCES.filter(([, path]) => existsSync(path));

const file = 'BENCHMARKS.md';
const text = readFileSync(file, 'utf8');
const at = text.indexOf(MARKER);
if (at < 0) throw new Error(`${file}: marker line not found (expected "${MARKER}")`);
// Package files start at heading level 1 or 2; shift them two levels down under our own heading.
const demote = (md) => md.replace(/^(#{1,4}) /gm, (_, h) => `${'#'.repeat(Math.min(h.length + 2, 6))} `);
/** The latency log as a table, newest first (records validated by @fhenet/experiments when read). */
function latencyTable(path) {
  if (!existsSync(path)) return null;
  const log = JSON.parse(readFileSync(path, 'utf8'));
  if (log.format !== 'fhenet-encrypted-latency' || log.version !== 1 || !Array.isArray(log.records)) throw new Error(`${path}: not a version 1 latency log`);
  const rows = [...log.records]
    .sort((a, b) => Date.parse(b.date) - Date.parse(a.date))
    .map((r) => {
      const set = r.parameterSet
        ? `${r.parameterSet.name} (n=${r.parameterSet.lweDimension}, k=${r.parameterSet.glweDimension}, N=${r.parameterSet.polynomialSize})`
        : '-';
      return `| ${r.date} | ${r.model} | ${r.bits}${r.roundBits ? ` (rounds ${r.roundBits})` : ''} | ${r.pbsCount} | ${set} | ${r.medianSeconds.toFixed(2)} | ${r.exactImages}/${r.images} | ${r.loadAverage.map((x) => x.toFixed(2)).join(' / ')} | ${r.hardware} | \`${r.command}\` |`;
    });
  return [
    '## Encrypted latencies (rendered from the latency log)',
    '',
    `From [\`${path}\`](${path}), newest first: median seconds of encrypted execution per image (encryption and decryption excluded), images whose every decrypted integer equalled the clear simulation, 1-minute load at start / end.`,
    '',
    '| date | model | bits | PBS / image | parameters | median s / image | exact | load | hardware | command |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
const latency = latencyTable('results/encrypted-latency.json');
const parts = present.map(([title, path]) => `## ${title}\n\nFrom [\`${path}\`](${path}):\n\n${demote(readFileSync(path, 'utf8').trim())}\n`);
writeFileSync(file, `${text.slice(0, at + MARKER.length)}\n\n${[...(latency ? [latency] : []), ...parts].join('\n---\n\n')}`);
console.log(`${file}: merged ${present.length} results files`);
