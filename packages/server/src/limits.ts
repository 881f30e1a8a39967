// The service's limits against hostile or broken clients (docs/security.md, "Limits"): every wait
// is bounded, every body is sized before it is read, connections and request rates are capped per
// client (the client's address; behind a reverse proxy, see trustProxy). Also the package's light
// entry `@fhenet/server/limits` (no fastify, no engine): the CLI's flags take their defaults here.

export interface ServiceLimits {
  /** Open connections in all; beyond it new connections are closed at once (default 256). */
  readonly maxConnections: number;
  /** Open connections from one address (default 16). */
  readonly maxConnectionsPerClient: number;
  /** Seconds to receive a request's headers (default 20). */
  readonly headersTimeoutSeconds: number;
  /** Seconds to receive a whole request, body included (default 900; not the computation). */
  readonly requestTimeoutSeconds: number;
  /**
   * Seconds an idle keep-alive connection stays open (default 65). Longer than a client's key
   * generation: a client that fetched /v1/circuit, then spent seconds making keys (node-tfhe's
   * keygen blocks its event loop, so its pool cannot notice the close), reused a socket the server
   * had just closed and lost its next POST ("other side closed"; measured at 10 s with a ~10 s
   * keygen). Idle sockets stay bounded by the connection caps.
   */
  readonly keepAliveTimeoutSeconds: number;
  /**
   * A body must arrive at this average rate or faster, after the grace period (bytes/s, default
   * 64 KiB/s): a client trickling 1 byte every 5 s is cut off with 408 after the grace.
   */
  readonly minBodyBytesPerSecond: number;
  /** Seconds of slack before the body rate is enforced (default 10). */
  readonly bodyGraceSeconds: number;
  /** Requests per minute from one address, every route (default 600). */
  readonly requestsPerMinute: number;
  /** Key registrations per minute from one address (default 6). */
  readonly registrationsPerMinute: number;
  /** Key sets one address may hold at once (default: half of maxKeys, at least 1). */
  readonly maxKeysPerClient?: number;
}

export const DEFAULT_LIMITS: Omit<ServiceLimits, 'maxKeysPerClient'> = {
  maxConnections: 256,
  maxConnectionsPerClient: 16,
  headersTimeoutSeconds: 20,
  requestTimeoutSeconds: 900,
  keepAliveTimeoutSeconds: 65,
  minBodyBytesPerSecond: 64 * 1024,
  bodyGraceSeconds: 10,
  requestsPerMinute: 600,
  registrationsPerMinute: 6,
};

/** Key sets per client when not given: half the store, so that two clients always fit. */
export const defaultKeysPerClient = (maxKeys: number): number => Math.max(1, Math.floor(maxKeys / 2));

/** The limits with defaults filled in, each checked (a clear error naming the bad one). */
export function resolveLimits(given: Partial<ServiceLimits> | undefined, maxKeys: number): Required<ServiceLimits> {
  const l = { ...DEFAULT_LIMITS, maxKeysPerClient: defaultKeysPerClient(maxKeys), ...stripUndefined(given ?? {}) };
  const positive = (name: keyof ServiceLimits, integer: boolean) => {
    const v = l[name];
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
      throw new RangeError(`service limit ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${String(v)}`);
    }
  };
  for (const k of ['maxConnections', 'maxConnectionsPerClient', 'requestsPerMinute', 'registrationsPerMinute', 'maxKeysPerClient'] as const) positive(k, true);
  for (const k of ['headersTimeoutSeconds', 'requestTimeoutSeconds', 'keepAliveTimeoutSeconds', 'minBodyBytesPerSecond', 'bodyGraceSeconds'] as const)
    positive(k, false);
  if (l.maxKeysPerClient > maxKeys) throw new RangeError(`service limit maxKeysPerClient (${l.maxKeysPerClient}) is above maxKeys (${maxKeys})`);
  return l;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
