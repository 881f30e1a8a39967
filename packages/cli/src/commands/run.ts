// `fhenet run --circuit c.json --eval-keys k.bin --in inputs.ct --out outputs.ct`: the server side
// of one encrypted inference, with layer-by-layer progress. The key and input files say by their
// header which client made them (ours, or node-tfhe: docs/node-tfhe-client.md); the outputs are
// written in the inputs' form. Logic in @fhenet/client.
import type { CommandModule } from 'yargs';

interface RunArgs {
  circuit: string;
  'eval-keys': string;
  'packing-keys'?: string;
  in: string;
  out: string;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: 'Run a circuit on encrypted inputs (server side: evaluation keys only)',
  builder: (y) =>
    y
      .option('circuit', { type: 'string', demandOption: true, describe: 'Circuit file' })
      .option('eval-keys', {
        type: 'string',
        demandOption: true,
        describe: 'Seeded evaluation keys (keys/eval-keys.seeded.bin) or a node-tfhe compressed server key (keys/server-key.tfhe-rs.bin)',
      })
      .option('packing-keys', {
        type: 'string',
        describe: 'Circuits with CRT stages: seeded packing keyswitching keys (default: pfks-keys.seeded.bin next to --eval-keys)',
      })
      .option('in', { type: 'string', default: 'inputs.ct', describe: 'Input ciphertext file' })
      .option('out', { type: 'string', default: 'outputs.ct', describe: 'Output ciphertext file to write' }),
  handler: async (a) => {
    // Packages load here, not at module load: `fhenet --help` and light commands stay light.
    const { loadCircuit } = await import('@fhenet/circuit');
    const { loadServerFromKeyFile, readServerInputs, writeServerOutputs } = await import('@fhenet/client');
    const circuit = loadCircuit(a.circuit);
    const t0 = performance.now();
    const { server, family, what, keySet } = await loadServerFromKeyFile(circuit, a['eval-keys'], undefined, a['packing-keys']);
    console.error(`${what} expanded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const inputs = readServerInputs(server, family, a.in, keySet); // inputs of another key set: refused, naming both ids
    const result = await server.infer(inputs, (p) => {
      if (p.phase === 'done' && p.timing) {
        const t = p.timing;
        const work = t.wopLookups ? `${t.wopLookups} WoP lookups (~${t.pbsEquivalents!.toFixed(0)} KS+PBS-equivalents)` : `${t.pbsCount} PBS`;
        console.error(`stage ${p.stage + 1}/${p.stages} ${p.name}: linear ${t.linearMs.toFixed(0)} ms, ${work} ${(t.pbsMs / 1000).toFixed(1)} s`);
      } else if (p.done === undefined) {
        const what = p.phase === 'extract' ? `extracting bit ${p.bit}` : p.phase;
        console.error(`stage ${p.stage + 1}/${p.stages} ${p.name}: ${what}...`);
      } else if (p.total && p.done < p.total && quarter(p.done, p.total) > quarter(p.done - 1, p.total)) {
        console.error(`  ${p.done}/${p.total} ${p.phase === 'pbs' && server.plan.stages[p.stage]?.crt ? 'WoP lookups' : 'PBS'}`);
      }
    });
    writeServerOutputs(server, family, a.out, result.outputs, undefined, keySet.keySetId);
    result.outputs.dispose();
    inputs.dispose();
    server.dispose();
    console.log(`${result.count} sample(s) in ${(result.totalMs / 1000).toFixed(1)} s -> ${a.out}`);
  },
};

/** Which quarter of a batch `done` PBS reach, so long batches print a line at 25/50/75%. */
function quarter(done: number, total: number): number {
  return Math.floor((4 * done) / total);
}
