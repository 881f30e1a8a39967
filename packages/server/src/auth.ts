// The per-key bearer token (docs/security.md): every route under /keys/:keyId presents
// `Authorization: Bearer <token>`, checked in `onRequest`, before a byte of the body is read. A
// refusal closes the connection, so the rest of the body is never read either.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';
import type { KeyKind, KeyStore } from './key-store.js';

/** Tokens are 32 random bytes in base64url (43 characters). */
const TOKEN = /^Bearer ([A-Za-z0-9_-]{16,128})$/;

/** The request's bearer token, or 401 naming the header to send. */
export function bearerToken(req: FastifyRequest): string {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? TOKEN.exec(h) : null;
  if (!m) {
    throw new HttpError(
      401,
      'missing-token',
      h === undefined
        ? 'send the key set\'s token, returned once by its registration, as "Authorization: Bearer <token>"'
        : 'malformed Authorization header: expected "Bearer <token>" with the token returned by the registration',
    );
  }
  return m[1]!;
}

/** The :keyId of a route under /keys/:keyId. */
export function keyIdOf(req: FastifyRequest): string {
  const { keyId } = req.params as { keyId?: unknown };
  return typeof keyId === 'string' ? keyId : '';
}

/** An `onRequest` hook: 401 without a token, 404 for an unknown id or a wrong token, 409 for the other kind. */
export function authorizedKey(store: Pick<KeyStore, 'assertAuthorized'>, kind: KeyKind) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    try {
      store.assertAuthorized(keyIdOf(req), bearerToken(req), kind);
    } catch (e) {
      reply.header('connection', 'close');
      if ((e as HttpError).statusCode === 401) reply.header('www-authenticate', 'Bearer');
      throw e;
    }
  };
}
