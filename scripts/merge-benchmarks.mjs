// Rebuilds the lower half of BENCHMARKS.md from each package's own results file, so that every
// full table (with its date, command and load) lives in one place next to the code that measured it
// and BENCHMARKS.md repeats it verbatim under the hand-written summary. Run: node scripts/merge-benchmarks.mjs
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
];
// A results file is listed before its first measurement lands; until then it is left out.
const present = SOURCES.filter(([, path]) => existsSync(path));

const file = 'BENCHMARKS.md';
const text = readFileSync(file, 'utf8');
const at = text.indexOf(MARKER);
if (at < 0) throw new Error(`${file}: marker line not found (expected "${MARKER}")`);
// Package files start at heading level 1 or 2; shift them two levels down under our own heading.
const demote = (md) => md.replace(/^(#{1,4}) /gm, (_, h) => `${'#'.repeat(Math.min(h.length + 2, 6))} `);
const parts = present.map(([title, path]) => `## ${title}\n\nFrom [\`${path}\`](${path}):\n\n${demote(readFileSync(path, 'utf8').trim())}\n`);
writeFileSync(file, `${text.slice(0, at + MARKER.length)}\n\n${parts.join('\n---\n\n')}`);
console.log(`${file}: merged ${present.length} results files`);
