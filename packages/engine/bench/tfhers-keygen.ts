import { TINY_MNIST_CIRCUIT } from '@fhenet/testing';
// Key generation in node-tfhe (tfhe-rs 1.7, wasm, one thread) beside our own client, for the
// parameter set of each FCNN circuit; key and ciphertext sizes; the fhenet server's expansion of
// node-tfhe's compressed server key. Prints a Markdown report (one run per row: node-tfhe's
// 7-bit key takes over a minute; the load is printed before and after each row).
// Usage: pnpm --filter @fhenet/engine exec tsx bench/tfhers-keygen.ts [--encrypt-only] [--fcnn-only] [--out FILE]
// (--fcnn-only: the committed models/mnist-fcnn-* circuits, not the 6-bit test fixture)
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadCircuit, circuitParameters, newParameters, tfheRsParameters } from '@fhenet/circuit';
import { ClientKey, expandTfheRsServerKey, threadCount } from '@fhenet/engine';

type NodeTfhe = typeof import('node-tfhe');
const tfhe = createRequire(import.meta.url)('node-tfhe') as NodeTfhe;
const S = tfhe.Shortint;

const args = process.argv.slice(2).filter((a) => a !== '--');
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? args[outIndex + 1] : undefined;

const ALL_CIRCUITS = [
  { label: 'mnist-fcnn-tiny8 (test fixture)', path: TINY_MNIST_CIRCUIT },
  { label: 'mnist-fcnn-wide-90', path: fileURLToPath(new URL('../../../models/mnist-fcnn-wide-90/circuit.json', import.meta.url)) },
  { label: 'mnist-fcnn-wide-190', path: fileURLToPath(new URL('../../../models/mnist-fcnn-wide-190/circuit.json', import.meta.url)) },
  { label: 'mnist-fcnn-narrow-150', path: fileURLToPath(new URL('../../../models/mnist-fcnn-narrow-150/circuit.json', import.meta.url)) },
];

const CIRCUITS = args.includes('--fcnn-only') ? ALL_CIRCUITS.filter((c) => c.label.startsWith('mnist-fcnn-') && !c.label.includes('fixture')) : ALL_CIRCUITS;

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const MiB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const KiB = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? 'unknown';
const time = <T>(f: () => T): [T, number] => {
  const t = performance.now();
  const r = f();
  return [r, (performance.now() - t) / 1000];
};

const lines: string[] = [];
const log = (s: string) => {
  console.log(s);
  lines.push(s);
};

const encryptOnly = args.includes('--encrypt-only');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

log(
  `## node-tfhe ${JSON.parse(readFileSync(createRequire(import.meta.url).resolve('node-tfhe/package.json'), 'utf8')).version} key generation beside fhenet's client`,
);
log('');
log(
  `Machine: ${cpu}, ${cpus().length} cores (shared); date ${new Date().toISOString()}; our engine on ${threadCount()} threads, node-tfhe single-threaded wasm.`,
);
log(`Command: \`pnpm --filter @fhenet/engine exec tsx bench/tfhers-keygen.ts ${args.join(' ')}\`. One run per row (load before -> after).`);
log('');
if (!encryptOnly) {
  log(
    '| circuit | set | node-tfhe client key | node-tfhe compressed server key (gen + serialize) | ours: client key | ours: seeded evaluation keys | fhenet expands node-tfhe key | load |',
  );
  log('|---|---|---|---|---|---|---|---|');
  for (const c of CIRCUITS) {
    const circuit = loadCircuit(c.path);
    const set = circuitParameters(circuit);
    const l0 = load();
    const [ck, ckS] = time(() => S.new_client_key(newParameters(S, tfheRsParameters(set))));
    const ckBytes = S.serialize_client_key(ck).length;
    const [sk, skS] = time(() => S.new_compressed_server_key(ck));
    const [skBytes, serS] = time(() => S.serialize_compressed_server_key(sk));
    sk.free();
    const ctBytes = S.serialize_ciphertext(S.encrypt(ck, 1n)).length;
    const cctBytes = S.serialize_compressed_ciphertext(S.encrypt_compressed(ck, 1n)).length;
    const [keys, expS] = time(() => expandTfheRsServerKey(skBytes, set));
    keys.dispose();
    ck.free();
    const [ours, oursCkS] = time(() => ClientKey.generate(set));
    const oursCkBytes = ours.serialize().length;
    const t = performance.now();
    const seeded = await ours.generateSeededEvaluationKeys();
    const oursSkS = (performance.now() - t) / 1000;
    const seededBytes = seeded.serialize().length;
    seeded.dispose();
    ours.dispose();
    log(
      `| ${c.label} | ${set.messageBits}-bit n=${set.lweDimension} k=${set.glweDimension} N=${set.polynomialSize} PBS ${set.pbs.baseLog}/${set.pbs.levelCount} KS ${set.keyswitch.baseLog}/${set.keyswitch.levelCount} ` +
        `| ${(ckS * 1000).toFixed(0)} ms, ${KiB(ckBytes)} | ${skS.toFixed(1)} s + ${serS.toFixed(2)} s, ${MiB(skBytes.length)} ` +
        `| ${(oursCkS * 1000).toFixed(0)} ms, ${KiB(oursCkBytes)} | ${oursSkS.toFixed(1)} s, ${MiB(seededBytes)} | ${expS.toFixed(1)} s | ${l0} -> ${load()} |`,
    );
    log(`<!-- ${c.label}: node-tfhe ciphertext ${ctBytes} B, compressed ciphertext ${cctBytes} B -->`);
  }
}
log('');
log('Client-side cost per MNIST image in node-tfhe (784 input encryptions, 10 output decryptions; median of 3):');
log('');
log('| circuit | encrypt compressed (124 B each) | encrypt plain | decrypt 10 outputs | load |');
log('|---|---|---|---|---|');
for (const c of CIRCUITS) {
  const circuit = loadCircuit(c.path);
  const set = circuitParameters(circuit);
  const l0 = load();
  const ck = S.new_client_key(newParameters(S, tfheRsParameters(set)));
  const runs = (f: () => void) => median([0, 1, 2].map(() => time(f)[1]));
  const enc = (compressed: boolean) => () => {
    for (let i = 0; i < 784; i++) {
      if (compressed) S.serialize_compressed_ciphertext(S.encrypt_compressed(ck, BigInt(i % 3)));
      else S.serialize_ciphertext(S.encrypt(ck, BigInt(i % 3)));
    }
  };
  const outs = Array.from({ length: 10 }, (_, i) => S.serialize_ciphertext(S.encrypt(ck, BigInt(i))));
  const dec = () =>
    outs.forEach((b) => {
      S.decrypt(ck, S.deserialize_ciphertext(b));
    });
  log(`| ${c.label} | ${runs(enc(true)).toFixed(2)} s | ${runs(enc(false)).toFixed(2)} s | ${(runs(dec) * 1000).toFixed(1)} ms | ${l0} -> ${load()} |`);
  ck.free();
}
log('');
log('Ciphertext sizes (node-tfhe): a Ciphertext is 8(kN+1) + 72 bytes, a CompressedCiphertext 124 bytes (seed + body).');
if (out) writeFileSync(out, lines.join('\n') + '\n');
