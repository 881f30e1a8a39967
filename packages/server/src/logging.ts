// What the service logs: fastify's request lines with the key id cut out of every URL, and no
// headers (so no token). Key ids are names, not credentials, but a log is read by more people
// than the key's owner and ids would let them correlate one client's requests.
import type { FastifyServerOptions } from 'fastify';

/** "/v1/tfhe-rs/keys/3f2a.../infer?x" -> "/v1/tfhe-rs/keys/<id>/infer?x". */
export function redactUrl(url: string): string {
  return url.replace(/(\/keys\/)[^/?#]+/g, '$1<id>');
}

interface LoggedRequest {
  readonly method?: string;
  readonly url?: string;
  readonly ip?: string;
  readonly socket?: { readonly remotePort?: number };
}

const serializers = {
  req: (r: LoggedRequest) => ({ method: r.method, url: redactUrl(r.url ?? ''), remoteAddress: r.ip, remotePort: r.socket?.remotePort }),
};

/** The fastify logger option with the redacting request serializer (false: no logger). */
export function loggerOption(given: FastifyServerOptions['logger'] | undefined): FastifyServerOptions['logger'] {
  if (!given) return false;
  const base = given === true ? { level: 'info' } : given;
  return { ...base, serializers: { ...(base.serializers ?? {}), ...serializers } };
}
