import { describe, expect, it } from '@jest/globals';
import { fingerprint } from '../lib/fingerprint.js';
import { Status } from '../lib/index.js';
import { betBody, setup } from './helpers.js';

const of = (body: Record<string, unknown>, operation: 'bet' | 'win' | 'rollback' = 'bet'): string =>
  fingerprint(operation, new Map(Object.entries(body)));

describe('a fingerprint is the operation and every field but request_uuid, in canonical form', () => {
  const body = { user: 'a', transaction_uuid: 't', request_uuid: 'r1', amount: 5, meta: { x: [1, { y: 2 }] } };

  it('ignores request_uuid and key order at every depth', () => {
    expect(of({ meta: { x: [1, { y: 2 }] }, amount: 5, request_uuid: 'r2', transaction_uuid: 't', user: 'a' })).toBe(
      of(body),
    );
  });

  it('changes with the operation', () => {
    expect(of(body, 'win')).not.toBe(of(body));
  });

  it.each([
    ['a top-level value', { amount: 6 }],
    ['a nested value', { meta: { x: [1, { y: 3 }] } }],
    ['array order', { meta: { x: [{ y: 2 }, 1] } }],
    ['a value type', { amount: '5' }],
    ['an added field', { round: 'r' }],
  ])('changes with %s', (_, changed) => {
    expect(of({ ...body, ...changed })).not.toBe(of(body));
  });

  it('reads values as JSON does: undefined fields are absent, -0 is 0', () => {
    expect(of({ ...body, token: undefined })).toBe(of(body));
    expect(of({ ...body, amount: 0 })).toBe(of({ ...body, amount: -0 }));
  });

  it('keys cannot be confused with values', () => {
    expect(of({ a: 'b,"c":1' })).not.toBe(of({ a: 'b', c: 1 }));
  });

  it('handles bigints and reference cycles without throwing', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    expect(() => of({ ...body, meta: cyclic, big: 10n })).not.toThrow();
    expect(of({ ...body, big: 10n })).not.toBe(of({ ...body, big: 10 }));
  });
});

describe('a body whose nested values cannot be read is RS_ERROR_WRONG_SYNTAX', () => {
  it('refuses a meta getter that throws, and changes nothing', async () => {
    const { w, ids } = await setup();
    const meta = {};
    Object.defineProperty(meta, 'x', { enumerable: true, get: () => { throw new Error('boom'); } });
    expect((await w.bet(betBody(ids, { meta }))).status).toBe(Status.WRONG_SYNTAX);
    expect(w.transactionCount).toBe(0);
  });
});
