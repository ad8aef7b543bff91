import { createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';

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
 * Makes a checker of request signatures against a public key. It answers false for a missing,
 * repeated or malformed header as well as for a signature that does not match the raw body.
 *
 * The RSA verification runs on the libuv thread pool, so the event loop serves other requests
 * meanwhile. Answers are given in the order the checks were asked for, whatever order the
 * pool finishes them in: a route that awaits its check before handing the request on hands
 * requests on in the order they reached it, so no request overtakes an earlier one of the same
 * user (such as one pipelined before it on the same connection).
 */
export function signatureVerifier(publicKey: KeyInput): (body: Buffer, signature: string | string[] | undefined) => Promise<boolean> {
  const key = publicKey instanceof KeyObject ? publicKey : createPublicKey(publicKey);
  /** The answer of the latest check asked for: each answer waits for the one before it. */
  let latest: Promise<boolean> = Promise.resolve(true);
  return (body, signature) => {
    const check = checkSignature(key, body, signature);
    const previous = latest;
    latest = previous.then(() => check);
    return latest;
  };
}

/**
 * Strict base64. Node's decoder stops at padding and skips stray characters, so without this a
 * header sent twice (which node joins as `sig, sig`) or a signature with text after it would
 * decode to the first valid signature and pass.
 */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Verifies on the thread pool; false for a missing or malformed signature, never rejects. */
function checkSignature(key: KeyObject, body: Buffer, signature: string | string[] | undefined): Promise<boolean> {
  if (typeof signature !== 'string' || !BASE64.test(signature)) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      verify('sha256', body, key, Buffer.from(signature, 'base64'), (error, valid) => resolve(error === null && valid));
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
