/**
 * The details a transaction request carries beside the money (lib/validation.ts): each is kept
 * only when it has the contract's type, and a flag only when it is true.
 */
import { describe, expect, it } from '@jest/globals';
import { parseCommand, readBody } from '../../lib/validation.js';

const BET = {
  user: 'alice',
  transaction_uuid: '16d2dcfe-b89e-11e7-854a-58404eea6d16',
  request_uuid: '583c985f-fee6-4c0e-bbf5-308aad6265af',
  currency: 'USD',
  amount: 100,
};

function betWith(details: Record<string, unknown>): Record<string, unknown> {
  const fields = readBody({ ...BET, ...details });
  if (fields === undefined) throw new Error('the body could not be read');
  const command = parseCommand('bet', fields);
  if (typeof command !== 'object') throw new Error(`refused with ${String(command)}`);
  return command as unknown as Record<string, unknown>;
}

describe('round_closed closes a round only when it is true', () => {
  it('records round_closed: true', () => {
    expect(betWith({ round: 'r1', round_closed: true })).toMatchObject({ round: 'r1', roundClosed: true });
  });

  it.each([
    ['false', false],
    ['the string "true"', 'true'],
    ['1', 1],
    ['null', null],
  ])('records no closing for round_closed %s', (_, value) => {
    expect(betWith({ round: 'r1', round_closed: value })).not.toHaveProperty('roundClosed');
  });
});

describe('is_free makes a free bet only when it is true', () => {
  it('records is_free: true and nothing for is_free: false', () => {
    expect(betWith({ is_free: true })).toMatchObject({ isFree: true });
    expect(betWith({ is_free: false })).not.toHaveProperty('isFree');
  });
});
