// @fhenet/server — the HTTP inference service (fastify; docs/http-api.md, docs/security.md):
// registered evaluation keys behind bearer tokens in a bounded key store, per-client limits,
// admission from accounted memory, engine and tfhe-rs routes, and the browser client page (web/).
// It holds one circuit and evaluation keys; it has no way to accept a secret key. The computation
// runs in a backend (in process by default; backend.ts is the interface another one implements).
export const PACKAGE_NAME = '@fhenet/server';
export { createInferenceService, type BackendSetup, type ServiceFleet, type ServiceOptions } from './service.js';
export { chooseServiceExecution, LocalBackend, type LocalBackendOptions, type ServiceExecutionArgs } from './local-backend.js';
export type { BackendAnswer, BackendKeys, BackendLog, BackendMemory, CiphertextForm, ExecutionBackend, KeyKind } from './backend.js';
export { DEFAULT_LIMITS, defaultKeysPerClient, type ServiceLimits } from './limits.js';
export { redactUrl } from './logging.js';
export type { WebOptions } from './web.js';
export { JobQueue, BusyError } from './queue.js';
export { HttpError } from './errors.js';
