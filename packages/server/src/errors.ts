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
