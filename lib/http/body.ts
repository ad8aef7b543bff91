import type { FastifyRequest } from 'fastify';

/** What {@link parseJson} answers for bytes that are not JSON. */
export const INVALID_JSON = Symbol('invalid JSON');

const NO_BODY = Buffer.alloc(0);

/** The request body as received: every body is kept as raw bytes (signatures cover the bytes). */
export function rawBody(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : NO_BODY;
}

/** The body parsed as JSON, or {@link INVALID_JSON}. A `__proto__` key is plain data. */
export function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return INVALID_JSON;
  }
}
