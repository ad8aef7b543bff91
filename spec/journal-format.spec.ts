import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { decodeRecord, encodeRecord, writeCommand, type FileRecord } from '../lib/journal/format.js';
import { LineBuffer } from '../lib/journal/line-buffer.js';
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

/** The `command` line as journals have always held it, built as text: what {@link writeCommand} must write byte for byte. */
function commandLine(user: string, command: Command): string {
  let json = `{"type":"command","user":${JSON.stringify(user)},"operation":"${command.operation}","transactionUuid":"${command.transactionUuid}","requestUuid":"${command.requestUuid}"`;
  if (command.operation === 'win' || command.operation === 'rollback') json += `,"referenceUuid":"${command.referenceUuid}"`;
  if (command.operation !== 'rollback') json += `,"currency":${JSON.stringify(command.currency)},"amount":${command.amount}`;
  json += `,"fingerprint":${JSON.stringify(command.fingerprint)}}`;
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

describe('a journal line carries its record exactly, guarded by a checksum', () => {
  it('writes the command line byte for byte as journals hold it, and decodes it to its record, for any user, currency and fingerprint', () => {
    const out = new LineBuffer(64); // small: it grows while lines are written
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: 'binary' }), command), { minLength: 1, maxLength: 5 }), (lines) => {
        out.clear();
        for (const [user, cmd] of lines) writeCommand(out, user, cmd);
        expect(out.lines).toBe(lines.length);
        expect(out.bytes().toString('utf8')).toBe(lines.map(([user, cmd]) => commandLine(user, cmd)).join(''));
        for (const [user, cmd] of lines) {
          expect(decode(commandLine(user, cmd))).toEqual(decode(encodeRecord({ type: 'command', user, ...cmd })));
          expect(decode(commandLine(user, cmd))).toEqual({ type: 'command', user, ...cmd });
        }
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

describe('a checksum is eight lower-case hex digits, and what it guards must be a record', () => {
  /** The first user line whose checksum matches `pattern`, trying names in order. */
  const lineWith = (pattern: RegExp): string => {
    for (let i = 0; ; i += 1) {
      const line = encodeRecord({ type: 'user', user: `user${i}`, balance: 0 });
      if (pattern.test(line.slice(0, 8))) return line;
    }
  };
  /** `line` with the first match of `pattern` in its checksum replaced. */
  const forge = (line: string, pattern: RegExp, replace: (match: string) => string): string => line.slice(0, 8).replace(pattern, replace) + line.slice(8);
  const next = (digit: string): string => (parseInt(digit, 16) + 1).toString(16);

  // Each forgery adds up to the right checksum if a character that is not a lower-case hex digit
  // is read as some number: it must be refused for the character alone.
  it.each<[string, RegExp, (match: string) => string]>([
    ['"W" for a 0 (read as code - 0x57)', /0/, () => 'W'],
    ['"0g" for 10 (g read as 16)', /10/, () => '0g'],
    ['"z" for a 1 (read as 1)', /1/, () => 'z'],
    ['"g" after one more for an f (g read as -1)', /[0-9a-e]f/, (pair) => `${next(pair[0] as string)}g`],
  ])('refuses a checksum with %s', (_, pattern, replace) => {
    const line = lineWith(pattern);
    expect(decode(line)).toEqual({ type: 'user', user: expect.any(String), balance: 0 });
    expect(decode(forge(line, pattern, replace))).toBeUndefined();
  });

  it.each(['42', '"user"', 'null', '[]', '{}', '{"type":1}', '{"user":"alice"}'])('refuses a line with a right checksum over %s, which is no record', (json) => {
    expect(decode(`${crc32(json).toString(16).padStart(8, '0')} ${json}\n`)).toBeUndefined();
  });
});
