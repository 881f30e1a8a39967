// The service's error answer: a status, a stable machine-readable code and a message that names
// what was refused and why. Anything thrown that is not an HttpError becomes a 500.
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const OCTET = 'application/octet-stream';

/** The raw body of a binary route, or 415 naming the media type to use. */
export function binaryBody(body: unknown, what: string): Buffer {
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw new HttpError(415, 'unsupported-media-type', `${what}: send the bytes with Content-Type: ${OCTET}`);
  }
  return body;
}
