import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeRecord, encodeCommand, encodeRecord, type FileRecord } from '../lib/journal/format.js';
import type { Command } from '../lib/validation.js';
import { SEED } from './model/arbitraries.js';

const decode = (line: string): FileRecord | undefined => {
  const data = Buffer.from(line);
  return decodeRecord(data, 0, data.length - 1);
};

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ operation: fc.constant('bet' as const), transactionUuid: fc.uuid(), requestUuid: fc.uuid(), currency: fc.string({ unit: 'binary' }), amount: fc.maxSafeNat(), fingerprint: fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((code) => String.fromCharCode(code)), minLength: 12, maxLength: 12 }) }),
  fc.record({ operation: fc.constant('win' as const), transactionUuid: fc.uuid(), requestUuid: fc.uuid(), referenceUuid: fc.uuid(), currency: fc.string(), amount: fc.maxSafeNat(), fingerprint: fc.string({ minLength: 12, maxLength: 12 }) }),
  fc.record({ operation: fc.constant('rollback' as const), transactionUuid: fc.uuid(), requestUuid: fc.uuid(), referenceUuid: fc.uuid(), fingerprint: fc.string({ minLength: 12, maxLength: 12 }) }),
);

describe('a journal line carries its record exactly, guarded by a checksum', () => {
  it('decodes the command line to the record the generic encoder writes, for any user and fingerprint', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), command, (user, cmd) => {
        const line = encodeCommand(user, cmd);
        expect(decode(line)).toEqual(decode(encodeRecord({ type: 'command', user, ...cmd })));
        expect(decode(line)).toEqual({ type: 'command', user, ...cmd });
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('refuses a line with any single byte changed', () => {
    const line = encodeRecord({ type: 'user', user: 'alice', balance: 100_000 });
    for (let i = 0; i < line.length - 1; i += 1) {
      const data = Buffer.from(line);
      data[i] = (data[i] as number) ^ 0x01;
      expect(decodeRecord(data, 0, data.length - 1)).toBeUndefined();
    }
  });
});
