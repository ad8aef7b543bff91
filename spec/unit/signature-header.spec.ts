/**
 * Signature checking by itself (lib/http/signature.ts): which header is the signature, which keys
 * can check Hub88's signatures, and a check that never rejects.
 */
import { describe, expect, it } from '@jest/globals';
import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { signatureHeader, signatureVerifier, signBody, SIGNATURE_HEADER } from '../../lib/http/signature.js';

// Keys as PEM, as an operator configures them. A KeyObject of a freshly generated pair shares its
// lock with the generating job, and on Node 20 reading its details while the garbage collector
// finalizes that job deadlocks the process.
const PEM = { publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } } as const;
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, ...PEM });
const BODY = Buffer.from('{"user":"alice","request_uuid":"0f8fad5b-d9cb-469f-a165-70867728950e"}');
const SIGNATURE = signBody(BODY, privateKey);

describe('the signature is the one x-hub88-signature header, in any case; a header sent twice is no signature', () => {
  it('reads the header sent once, whatever the case of its name', () => {
    for (const name of ['x-hub88-signature', 'X-Hub88-Signature', 'X-HUB88-SIGNATURE']) {
      expect(signatureHeader({ [SIGNATURE_HEADER]: SIGNATURE }, ['Host', 'wallet', name, SIGNATURE])).toBe(SIGNATURE);
    }
  });

  it('answers no signature when the header came twice, in one case or in two', () => {
    const joined = `${SIGNATURE}, ${SIGNATURE}`;
    expect(signatureHeader({ [SIGNATURE_HEADER]: joined }, [SIGNATURE_HEADER, SIGNATURE, SIGNATURE_HEADER, SIGNATURE])).toBeUndefined();
    expect(signatureHeader({ [SIGNATURE_HEADER]: joined }, ['X-Hub88-Signature', SIGNATURE, 'x-hub88-signature', SIGNATURE])).toBeUndefined();
    // Node keeps the first copy only for some headers; the count, not the value, decides.
    expect(signatureHeader({ [SIGNATURE_HEADER]: SIGNATURE }, ['x-hub88-signature', SIGNATURE, 'X-HUB88-SIGNATURE', 'junk'])).toBeUndefined();
  });

  it('counts only that header: other headers, of its length or sharing its prefix, do not make it a repeat', () => {
    const raw = ['x-hub88-signaturf', 'a', 'x-hub88-sig', 'b', 'content-type', 'application/json', 'x-hub88-signature', SIGNATURE, 'x-hub88-signature-2', 'c'];
    expect(signatureHeader({ [SIGNATURE_HEADER]: SIGNATURE }, raw)).toBe(SIGNATURE);
  });

  it('answers no signature when the header is missing', () => {
    expect(signatureHeader({}, ['Host', 'wallet'])).toBeUndefined();
  });
});

describe('only an RSA key (PKCS#1 v1.5, as Hub88 signs) can check signatures: any other key is refused at start', () => {
  it('refuses an RSA-PSS key, which has a modulus but checks another padding', () => {
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048, ...PEM }).publicKey;
    expect(() => signatureVerifier(pss)).toThrow('the Hub88 public key must be an RSA key (Hub88 signs with RSA-SHA256), got rsa-pss');
  });

  it('refuses a key of no asymmetric type, saying so', () => {
    expect(() => signatureVerifier(createSecretKey(Buffer.alloc(32, 1)))).toThrow('the Hub88 public key must be an RSA key (Hub88 signs with RSA-SHA256), got an unknown type');
  });
});

describe('a check answers true or false and never rejects, whatever it is given', () => {
  it('answers false for a body it cannot read, and true for the next good one', async () => {
    const verify = signatureVerifier(publicKey);
    await expect(verify(12 as unknown as Buffer, SIGNATURE)).resolves.toBe(false);
    await expect(verify(BODY, SIGNATURE)).resolves.toBe(true);
  });
});
