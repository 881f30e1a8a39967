// @fhenet/server — the HTTP inference service (fastify; docs/http-api.md): registered evaluation
// keys in a bounded key store, a job queue, engine and tfhe-rs routes, and the browser client
// page (web/). It holds one circuit and evaluation keys; it has no way to accept a secret key.
export const PACKAGE_NAME = '@fhenet/server';
export { chooseServiceExecution, createInferenceService, type ServiceExecutionArgs, type ServiceFleet, type ServiceOptions } from './service.js';
export type { WebOptions } from './web.js';
export { JobQueue, BusyError } from './queue.js';
