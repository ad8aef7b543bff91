import { createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The header Hub88 signs requests in, and the service signs responses in. */
export const SIGNATURE_HEADER = 'x-hub88-signature';

/** A PEM text or buffer, or a key already parsed. */
export type KeyInput = string | Buffer | KeyObject;

/** Signs a body as Hub88 does: base64 of the RSA-SHA256 signature of its raw bytes. */
export function signBody(body: string | Buffer, privateKey: KeyInput): string {
  const key = privateKey instanceof KeyObject ? privateKey : createPrivateKey(privateKey);
  return sign('sha256', typeof body === 'string' ? Buffer.from(body) : body, key).toString('base64');
}

/**
 * The request's signature header, or `undefined` when it is missing or sent more than once (as
 * `rawHeaders` shows): Node joins repeated copies into one value, and which copy covers the body
 * cannot be told.
 */
export function signatureHeader(headers: IncomingHttpHeaders, rawHeaders: readonly string[]): string | undefined {
  let copies = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === SIGNATURE_HEADER.length && name.toLowerCase() === SIGNATURE_HEADER) copies += 1;
  }
  const value = headers[SIGNATURE_HEADER];
  return copies > 1 || typeof value !== 'string' ? undefined : value;
}

/**
 * Makes a checker of request signatures against Hub88's RSA public key. It answers false for a
 * missing, repeated or malformed header as well as for a signature that does not match the raw
 * body. A signature is read strictly: canonical base64 (its alphabet only, padded, nothing
 * before or after) of exactly as many bytes as the key's modulus (256 for a 2048-bit key).
 * Throws for a key that is not RSA: Hub88 signs with RSA-SHA256.
 *
 * The RSA verification runs on the libuv thread pool, so the event loop serves other requests
 * meanwhile. Answers are given in the order the checks were asked for, whatever order the
 * pool finishes them in: a route that awaits its check before handing the request on hands
 * requests on in the order they reached it, so no request overtakes an earlier one of the same
 * user (such as one pipelined before it on the same connection).
 */
export function signatureVerifier(publicKey: KeyInput): (body: Buffer, signature: string | string[] | undefined) => Promise<boolean> {
  const key = publicKey instanceof KeyObject ? publicKey : createPublicKey(publicKey);
  const modulusBits = key.asymmetricKeyDetails?.modulusLength;
  if (key.asymmetricKeyType !== 'rsa' || modulusBits === undefined) {
    throw new Error(`the Hub88 public key must be an RSA key (Hub88 signs with RSA-SHA256), got ${key.asymmetricKeyType ?? 'an unknown type'}`);
  }
  const length = Math.ceil(modulusBits / 8);
  /** The answer of the latest check asked for: each answer waits for the one before it. */
  let latest: Promise<boolean> = Promise.resolve(true);
  return (body, signature) => {
    const check = checkSignature(key, body, typeof signature === 'string' ? decodeStrictly(signature, length) : undefined);
    const previous = latest;
    latest = previous.then(() => check);
    return latest;
  };
}

/**
 * The bytes `text` encodes if it is canonical base64 of exactly `length` bytes. Node's decoder
 * skips what is not base64 (spaces, a second copy joined with ", "), takes the URL alphabet and
 * stops at the padding; encoding the bytes again gives back `text` only if nothing was skipped.
 */
function decodeStrictly(text: string, length: number): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === length && bytes.toString('base64') === text ? bytes : undefined;
}

/** Verifies on the thread pool; false without a signature, never rejects. */
function checkSignature(key: KeyObject, body: Buffer, signature: Buffer | undefined): Promise<boolean> {
  if (signature === undefined) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      verify('sha256', body, key, signature, (error, valid) => resolve(error === null && valid));
    } catch {
      resolve(false);
    }
  });
}

/** Makes a signer of response bodies with a private key. */
export function bodySigner(privateKey: KeyInput): (body: string) => string {
  const key = privateKey instanceof KeyObject ? privateKey : createPrivateKey(privateKey);
  return (body) => signBody(body, key);
}
