// HTTP inference service (fastify) and its client.
export { createInferenceService, type ServiceOptions } from './service.js';
export { InferenceHttpClient, HttpServiceError, type ServiceCircuitInfo, type RemoteInferenceResult } from './client.js';
export { JobQueue, BusyError } from './queue.js';
