// HTTP inference service (fastify) and its client.
export { chooseServiceExecution, createInferenceService, type ServiceExecutionArgs, type ServiceOptions } from './service.js';
export { InferenceHttpClient, HttpServiceError, type RemoteInferenceResult } from './client.js';
export type { ServiceCircuitInfo, InputEncoding, OutputEncoding, TfheRsInfo } from './circuit-info.js';
export type { WebOptions, WebSample } from './web.js';
export { JobQueue, BusyError } from './queue.js';
