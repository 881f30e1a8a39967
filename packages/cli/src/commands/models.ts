// `fhenet models`: the published pretrained models (@fhenet/models), with what each reproduces
// and whether its compiled circuit is committed. Any of these names works as `fhenet demo --model`
// and `fhenet compile <name>`.
import type { CommandModule } from 'yargs';

export const modelsCommand: CommandModule<object, object> = {
  command: 'models',
  describe: 'List the published pretrained models (loadable by name)',
  handler: async () => {
    const { loadModel, PUBLISHED_MODELS } = await import('@fhenet/models');
    for (const p of PUBLISHED_MODELS) {
      const m = loadModel(p.name);
      const acc = (m.graph.training as { testAccuracy?: number }).testAccuracy;
      console.log(
        `${p.name.padEnd(24)} ${p.network}, ${p.weightBits}/${p.actBits} bits, ${p.range} range, ${p.activeSynapses} active` +
          `${p.a2qBits !== undefined ? `, A2Q ${p.a2qBits}-bit accumulators` : ''}${p.poolQuantizer ? ', requantized pools' : ''}` +
          `${acc !== undefined ? `, ${(acc * 100).toFixed(2)}% (fake-quantized)` : ''}` +
          `, circuit: ${m.circuit ? `${m.circuit.bits}-bit, committed` : 'not committed'}  (${m.dir})`,
      );
    }
  },
};
