import { describe, expect, it } from '@jest/globals';
import { signatureVerifier, signBody } from '../../../lib/http/index.js';
import { HUB88_PRIVATE, HUB88_PUBLIC } from '../../support/http.js';

describe('signature checks answer in the order they were asked, whatever order the thread pool finishes them in', () => {
  it('holds a check answered at once behind an earlier one still running on the pool', async () => {
    const verify = signatureVerifier(HUB88_PUBLIC);
    const body = Buffer.from('{"user":"alice"}');
    const answered: string[] = [];
    // The first check is an RSA verification on the thread pool; the second, with no header,
    // is known at once: unordered, it would be answered first.
    const slow = verify(body, signBody(body, HUB88_PRIVATE)).then((valid) => answered.push(`signed:${String(valid)}`));
    const quick = verify(body, undefined).then((valid) => answered.push(`unsigned:${String(valid)}`));
    await Promise.all([slow, quick]);
    expect(answered).toEqual(['signed:true', 'unsigned:false']);
  });

  it('keeps the order over many checks, valid and not', async () => {
    const verify = signatureVerifier(HUB88_PUBLIC);
    const bodies = Array.from({ length: 40 }, (_, n) => Buffer.from(`{"n":${n}}`));
    const answered: number[] = [];
    await Promise.all(
      bodies.map((body, n) => verify(body, n % 3 === 0 ? undefined : signBody(n % 3 === 1 ? body : Buffer.from('other'), HUB88_PRIVATE)).then(() => answered.push(n))),
    );
    expect(answered).toEqual(bodies.map((_, n) => n));
  });
});
