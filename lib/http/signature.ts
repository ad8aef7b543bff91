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
 */
export function signatureVerifier(publicKey: KeyInput): (body: Buffer, signature: string | string[] | undefined) => boolean {
  const key = publicKey instanceof KeyObject ? publicKey : createPublicKey(publicKey);
  return (body, signature) => {
    if (typeof signature !== 'string' || signature === '') return false;
    try {
      return verify('sha256', body, key, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  };
}

/** Makes a signer of response bodies with a private key. */
export function bodySigner(privateKey: KeyInput): (body: string) => string {
  const key = privateKey instanceof KeyObject ? privateKey : createPrivateKey(privateKey);
  return (body) => signBody(body, key);
}
