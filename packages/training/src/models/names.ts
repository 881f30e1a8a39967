// The zoo's model names, apart from the zoo itself (which loads TensorFlow.js): the CLI needs
// them for `fhenet train --model` choices and the experiments for their grids, before (or
// without) loading tfjs. Re-exported by models/zoo.ts and by the tfjs-free format entry point.
export const MODEL_NAMES = ['fcnn', 'lenet', 'cnn6', 'vgg9'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
