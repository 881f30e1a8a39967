// One error type for every problem in a trained graph file, naming where it is (file), what field
// (e.g. "layers[2].weights") and expected vs got, so a bad export is fixable from the message alone.
import { FormatError } from '@fhenet/quantization';

export class TrainedGraphError extends FormatError {}

export { show } from '@fhenet/quantization';
