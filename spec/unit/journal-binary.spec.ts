import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { JournalCorruptError, start, type Wallet } from '../../lib/index.js';
import { binaryEnd, BINARY_MARKER, decodeBinary, writeBinaryCommand } from '../../lib/journal/binary.js';
import { decodeRecord, encodeRecord, type FileRecord } from '../../lib/journal/format.js';
import { LineBuffer } from '../../lib/journal/line-buffer.js';
import type { Command } from '../../lib/validation.js';
import { betBody, Ids, rollbackBody, winBody } from '../support/helpers.js';
import { journalDirectory } from '../support/journal-directory.js';
import { SEED } from '../support/model/arbitraries.js';

const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const details = fc.record({ isFree: fc.boolean(), round: text, roundClosed: fc.boolean(), gameCode: text }, { requiredKeys: [] });
const fingerprint = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((code) => String.fromCharCode(code)), minLength: 12, maxLength: 12 });
const command: fc.Arbitrary<Command> = fc
  .tuple(
    fc.oneof(
      fc.record({ operation: fc.constantFrom('bet' as const, 'deposit' as const, 'withdraw' as const), transactionUuid: fc.uuid(), requestUuid: fc.uuid(), currency: fc.string(), amount: fc.maxSafeNat(), fingerprint }),
      fc.record({ operation: fc.constant('win' as const), transactionUuid: fc.uuid(), requestUuid: fc.uuid(), referenceUuid: fc.uuid(), currency: fc.string(), amount: fc.maxSafeNat(), fingerprint }),
      fc.record({ operation: fc.constant('rollback' as const), transactionUuid: fc.uuid(), requestUuid: fc.uuid(), referenceUuid: fc.uuid(), fingerprint }),
    ),
    details,
  )
  .map(([base, extra]) => ({ ...base, ...extra }) as Command);
const at = fc.option(fc.integer({ min: 0, max: 2 ** 45 }), { nil: undefined });

/** The record a format-2 line of the command decodes to: what a binary record must decode to. */
function lineRecord(user: string, cmd: Command, when?: number): FileRecord | undefined {
  const line = Buffer.from(encodeRecord({ type: 'command', user, ...cmd, ...(when === undefined ? {} : { at: when }) }));
  return decodeRecord(line, 0, line.length - 1);
}

/** A binary command record with a checksum that matches whatever `body` holds. */
function forged(body: number[]): Buffer {
  const head = Buffer.from([BINARY_MARKER, 1, 0, 0, 0, 0]);
  head.writeUInt32LE(body.length, 2);
  const record = Buffer.concat([head, Buffer.from(body)]);
  const trailer = Buffer.alloc(5);
  trailer.writeUInt32LE(crc32(record), 0);
  trailer[4] = 0x0a;
  return Buffer.concat([record, trailer]);
}
/** A string as binary records carry it: latin1 (top bit of the length set) or UTF-8. */
const str = (value: string, encoding: 'latin1' | 'utf8' = 'latin1'): number[] => {
  const bytes = Buffer.from(value, encoding);
  return [bytes.length & 0xff, (bytes.length >>> 8) | (encoding === 'latin1' ? 0x80 : 0), ...bytes];
};
const float = (value: number): number[] => {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleLE(value);
  return [...bytes];
};
const decodeWhole = (data: Buffer): FileRecord | undefined => {
  const end = binaryEnd(data, 0);
  return end === data.length ? decodeBinary(data, 0, end) : undefined;
};
const ID = 'ab00cd00-0000-4000-8000-000000000001';
/** A well-formed bet body: operation, flags, user, ids, currency, fingerprint, amount. */
const betBodyBytes = (amount: number[] = float(5), flags = 0): number[] => [1, flags, ...str('alice'), ...str(ID), ...str(ID), ...str('USD'), ...str('fingerprint!'), ...amount];

describe('a binary command record carries its command exactly, guarded by a checksum', () => {
  it('decodes to the record its format-2 line decodes to, for any user, operation, details and time, however many share a buffer', () => {
    const out = new LineBuffer(64); // small: it grows while records are written
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: 'grapheme' }), command, at), { minLength: 1, maxLength: 5 }), (records) => {
        out.clear();
        for (const [user, cmd, when] of records) expect(writeBinaryCommand(out, user, cmd, when)).toBe(true);
        expect(out.lines).toBe(records.length);
        const data = out.bytes();
        let offset = 0;
        for (const [user, cmd, when] of records) {
          expect(data[offset]).toBe(BINARY_MARKER);
          const end = binaryEnd(data, offset);
          expect(data[end - 1]).toBe(0x0a);
          expect(decodeBinary(data, offset, end)).toEqual(lineRecord(user, cmd, when));
          offset = end;
        }
        expect(offset).toBe(data.length);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it.each([
    ['currency', { currency: '€'.repeat(5_000) }],
    ['game code', { gameCode: '€'.repeat(5_000) }],
    ['round and game code', { round: 'r'.repeat(9_000), gameCode: 'ü'.repeat(9_000) }],
  ])('makes room for every text of the record before writing it: a long %s in a small buffer', (_, long) => {
    const out = new LineBuffer(64);
    out.line('x'.repeat(40) + '\n'); // the buffer has less room left than the record needs
    const cmd = { operation: 'bet', transactionUuid: ID, requestUuid: ID, currency: 'USD', amount: 7, fingerprint: 'f'.repeat(12), ...long } as Command;
    expect(writeBinaryCommand(out, 'alice', cmd, 3)).toBe(true);
    const data = Buffer.from(out.bytes().subarray(41));
    expect(decodeWhole(data)).toEqual(lineRecord('alice', cmd, 3));
  });

  it('carries the ids as they were sent, as text: an upper-case id stays upper-case', () => {
    const out = new LineBuffer();
    const cmd: Command = { operation: 'win', transactionUuid: ID.toUpperCase(), requestUuid: 'AbCdEf01-0000-4000-8000-000000000103', referenceUuid: ID, currency: 'EUR', amount: 0, fingerprint: '\u0000\u00ff"\\\n' };
    writeBinaryCommand(out, 'zoë "q"', cmd, 1_796_385_600_000);
    const data = Buffer.from(out.bytes());
    expect(data.includes(Buffer.from(ID.toUpperCase()))).toBe(true);
    expect(decodeWhole(data)).toEqual({ type: 'command', user: 'zoë "q"', ...cmd, at: 1_796_385_600_000 });
  });

  it('refuses a record with any single bit changed', () => {
    const out = new LineBuffer();
    writeBinaryCommand(out, 'alice', { operation: 'bet', transactionUuid: ID, requestUuid: ID, currency: 'USD', amount: 300, fingerprint: 'x'.repeat(12), round: 'r-1', isFree: false }, 5);
    const record = Buffer.from(out.bytes());
    expect(decodeWhole(record)).toBeDefined();
    for (let i = 0; i < record.length; i += 1) {
      for (let bit = 0; bit < 8; bit += 1) {
        const data = Buffer.from(record);
        data[i] = (data[i] as number) ^ (1 << bit);
        expect(decodeWhole(data)).toBeUndefined();
      }
    }
  });

  it('reads a user name past latin1 in UTF-8 and one within it in latin1', () => {
    const utf8 = [1, 0, ...str('Ωmega 🎲', 'utf8'), ...betBodyBytes().slice(2 + 7)];
    expect(decodeWhole(forged(utf8))).toMatchObject({ user: 'Ωmega 🎲' });
    const latin1 = [1, 0, ...str('zoë'), ...betBodyBytes().slice(2 + 7)];
    expect(decodeWhole(forged(latin1))).toMatchObject({ user: 'zoë' });
    const out = new LineBuffer();
    writeBinaryCommand(out, 'zoë', { operation: 'rollback', transactionUuid: ID, requestUuid: ID, referenceUuid: ID, fingerprint: 'f' }, undefined);
    expect(out.bytes().includes(Buffer.from('zoë', 'latin1'))).toBe(true);
  });

  it('writes nothing for a command a string of which cannot be carried, for the caller to write as a line', () => {
    const out = new LineBuffer();
    out.line('before\n');
    const at = out.at;
    expect(writeBinaryCommand(out, 'lone \ud800 surrogate', { operation: 'rollback', transactionUuid: ID, requestUuid: ID, referenceUuid: ID, fingerprint: 'f' }, undefined)).toBe(false);
    expect(writeBinaryCommand(out, 'alice', { operation: 'bet', transactionUuid: ID, requestUuid: ID, currency: 'USD', amount: 1, fingerprint: 'f', round: 'r'.repeat(70_000) }, undefined)).toBe(false);
    expect({ at: out.at, lines: out.lines }).toEqual({ at, lines: 1 });
  });
});

describe('a binary record whose checksum matches but whose body is no command of the format is damage', () => {
  it('reads a well-formed forged record, so that the forgeries below fail for their shape alone', () => {
    expect(decodeWhole(forged(betBodyBytes()))).toEqual({ type: 'command', user: 'alice', operation: 'bet', transactionUuid: ID, requestUuid: ID, currency: 'USD', amount: 5, fingerprint: 'fingerprint!' });
  });

  it.each([
    ['an unknown operation', [9, ...betBodyBytes().slice(1)]],
    ['operation 0', [0, ...betBodyBytes().slice(1)]],
    ['an unknown flag', betBodyBytes(float(5), 128)],
    ['isFree true without isFree given', betBodyBytes(float(5), 2)],
    ['roundClosed true without roundClosed given', betBodyBytes(float(5), 16)],
    ['a round flagged but missing', betBodyBytes(float(5), 4)],
    ['a byte left over', [...betBodyBytes(), 0]],
    ['the amount cut short', betBodyBytes().slice(0, -1)],
    // Fewer bytes left than the checksum and newline after them: reading eight would run past the data.
    ['the amount cut to one byte', betBodyBytes().slice(0, -7)],
    ['the amount missing', betBodyBytes().slice(0, -8)],
    ['a negative amount', betBodyBytes(float(-5))],
    ['an amount with a fraction', betBodyBytes(float(1.5))],
    ['an amount past the safe integers', betBodyBytes(float(2 ** 53))],
    ['an amount that is no number', betBodyBytes(float(Number.NaN))],
    ['a string longer than the body', [1, 0, 200, 0x80, ...Buffer.from('alice')]],
    ['bytes that are no UTF-8', [1, 0, ...[2, 0, 0xc3, 0x28], ...betBodyBytes().slice(2 + 7)]],
    ['a UTF-8 string cut inside a character', [1, 0, ...[1, 0, 0xc3], ...betBodyBytes().slice(2 + 7)]],
    ['a win without its reference', [2, ...betBodyBytes().slice(1)]],
    ['an empty body', []],
  ])('refuses %s', (_, body) => {
    expect(decodeWhole(forged(body))).toBeUndefined();
  });

  it('refuses a record of an unknown type, a length past the data, and a record without its newline', () => {
    const record = forged(betBodyBytes());
    const unknownType = Buffer.from(record);
    unknownType[1] = 2;
    unknownType.writeUInt32LE(crc32(unknownType.subarray(0, unknownType.length - 5)), unknownType.length - 5);
    expect(decodeWhole(unknownType)).toBeUndefined();
    expect(binaryEnd(record.subarray(0, record.length - 1), 0)).toBe(-1);
    const noNewline = Buffer.from(record);
    noNewline[noNewline.length - 1] = 0x20;
    expect(decodeBinary(noNewline, 0, noNewline.length)).toBeUndefined();
    const huge = Buffer.from(record);
    huge.writeUInt32LE(0xffffffff, 2);
    expect(binaryEnd(huge, 0)).toBe(-1);
  });
});

describe('a journal of format 3 holds its commands as binary records, and recovery reads, cuts and refuses them as it does lines', () => {
  const data = journalDirectory('binary');
  const journalFile = (): string => join(data.path, readdirSync(data.path).find((file) => file.startsWith('journal-')) as string);

  /** A settled bet, a cancelled one, an open one; the offsets of the journal's binary records. */
  async function workload(w: Wallet, ids: Ids): Promise<void> {
    await w.createUsers(['alice', 'bob']);
    const settled = betBody(ids, { amount: 300 });
    const cancelled = betBody(ids, { amount: 200, user: 'bob' });
    await w.bet(settled);
    await w.win(winBody(ids, settled.transaction_uuid as string, { amount: 1000 }));
    await w.bet(cancelled);
    await w.rollback(rollbackBody(ids, cancelled.transaction_uuid as string, { user: 'bob' }));
    await w.bet(betBody(ids, { amount: 50 }));
  }
  /** The start and end of each binary record of the journal. */
  const binaryRecords = (bytes: Buffer): Array<[number, number]> => {
    const found: Array<[number, number]> = [];
    for (let offset = 0; offset < bytes.length; ) {
      if (bytes[offset] === BINARY_MARKER) {
        const end = binaryEnd(bytes, offset);
        found.push([offset, end]);
        offset = end;
      } else offset = bytes.indexOf(0x0a, offset) + 1;
    }
    return found;
  };

  it('writes every command as a binary record after the format-3 header, and replays them all', async () => {
    const w = data.open();
    await workload(w, new Ids());
    await data.shutDown(w);
    const bytes = readFileSync(journalFile());
    expect(bytes.subarray(0, bytes.indexOf(0x0a)).toString('utf8')).toContain('{"type":"settings","format":3,');
    expect(binaryRecords(bytes)).toHaveLength(5);
    const again = data.open();
    expect(again.journal?.recovery).toMatchObject({ records: 7, truncatedBytes: 0 });
    expect(await again.balance({ user: 'alice', request_uuid: '' })).toMatchObject({ balance: 100_650 });
    expect(await again.balance({ user: 'bob', request_uuid: '' })).toMatchObject({ balance: 100_000 });
  });

  it('cuts a last binary record torn anywhere off, to the byte, and keeps every record before it', async () => {
    const w = data.open();
    await workload(w, new Ids());
    await data.shutDown(w);
    const whole = readFileSync(journalFile());
    const [from, to] = binaryRecords(whole).at(-1) as [number, number];
    expect(to).toBe(whole.length);
    for (let cut = from + 1; cut < to; cut += 1) {
      writeFileSync(journalFile(), whole.subarray(0, cut));
      const again = start({ journal: data.path });
      expect(again.journal?.recovery?.truncatedBytes).toBe(cut - from);
      expect(again.transactionCount).toBe(4);
      await again.stop();
      expect(readFileSync(journalFile())).toEqual(whole.subarray(0, from));
    }
  });

  it('cuts off a torn tail that holds a marker and a plausible length after it, as long as no whole record follows', async () => {
    const w = data.open();
    await workload(w, new Ids());
    await data.shutDown(w);
    const whole = readFileSync(journalFile());
    const [from, to] = binaryRecords(whole).at(-1) as [number, number];
    // The last record torn three bytes short, then what looks like a record of four bytes with a wrong checksum.
    const lookalike = Buffer.from([BINARY_MARKER, 1, 4, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0x0a]);
    const torn = Buffer.concat([whole.subarray(0, to - 3), lookalike]);
    expect(binaryEnd(torn, to - 3)).toBe(torn.length);
    writeFileSync(journalFile(), torn);
    const again = start({ journal: data.path });
    expect(again.journal?.recovery?.truncatedBytes).toBe(torn.length - from);
    expect(again.transactionCount).toBe(4);
    await again.stop();
    expect(readFileSync(journalFile())).toEqual(whole.subarray(0, from));
  });

  it.each<[string, (whole: Buffer, lastFrom: number) => number]>([
    ['a torn last record', (_, lastFrom) => lastFrom + 7],
    ['a torn header', (whole) => whole.indexOf(0x0a) - 5],
    ['an empty file', () => 0],
  ])('goes on after cutting %s: one format-3 header, binary records after it, and recovery reads it all again', async (_, cutAt) => {
    const ids = new Ids();
    const w = data.open();
    await workload(w, ids);
    await data.shutDown(w);
    const whole = readFileSync(journalFile());
    const [from] = binaryRecords(whole).at(-1) as [number, number];
    writeFileSync(journalFile(), whole.subarray(0, cutAt(whole, from)));
    const again = start({ journal: data.path });
    await again.createUsers(['carol']);
    await again.bet(betBody(ids, { user: 'carol', amount: 70 }));
    await again.stop();
    const bytes = readFileSync(journalFile());
    expect(bytes.toString('latin1').match(/"type":"settings"/g)).toHaveLength(1);
    expect(bytes.subarray(0, bytes.indexOf(0x0a)).toString('utf8')).toContain('{"type":"settings","format":3,');
    expect(bytes[binaryRecords(bytes).at(-1)?.[0] as number]).toBe(BINARY_MARKER);
    const third = start({ journal: data.path });
    expect(third.journal?.recovery?.truncatedBytes).toBe(0);
    expect(await third.balance({ user: 'carol', request_uuid: '' })).toMatchObject({ balance: 99_930 });
    await third.stop();
  });

  it('refuses to start on a damaged binary record that good records follow, naming its record, and cuts nothing off', async () => {
    const w = data.open();
    await workload(w, new Ids());
    await data.shutDown(w);
    const whole = readFileSync(journalFile());
    const [from, to] = binaryRecords(whole)[1] as [number, number];
    for (const at of [from + 1, from + 3, Math.floor((from + to) / 2), to - 2, to - 1]) {
      const damaged = Buffer.from(whole);
      damaged[at] = (damaged[at] as number) ^ 0x40;
      writeFileSync(journalFile(), damaged);
      expect(() => start({ journal: data.path })).toThrow(JournalCorruptError);
      // Header, two users, a time line, the first command: the second command is record 6.
      expect(() => start({ journal: data.path })).toThrow(/journal-000000\.log, line 6: checksum or syntax error/);
      expect(readFileSync(journalFile())).toEqual(damaged);
    }
  });

  it('reads binary records in a file of format 2 as damage: cut off at the end, refused before a good line', async () => {
    const w = data.open();
    await workload(w, new Ids());
    await data.shutDown(w);
    const whole = readFileSync(journalFile());
    const header = whole.indexOf(0x0a) + 1;
    const [first] = binaryRecords(whole)[0] as [number, number];
    const format2 = Buffer.concat([Buffer.from(encodeRecord({ type: 'settings', format: 2, currency: 'USD', initialBalance: 100_000 })), whole.subarray(header)]);
    const carol = encodeRecord({ type: 'user', user: 'carol', balance: 1 });
    writeFileSync(journalFile(), Buffer.concat([format2, Buffer.from(carol)]));
    expect(() => start({ journal: data.path })).toThrow(/journal-000000\.log, line 5: checksum or syntax error/);
    writeFileSync(journalFile(), format2);
    const again = start({ journal: data.path });
    expect(again.journal?.recovery?.truncatedBytes).toBe(whole.length - first);
    expect({ users: again.userCount, transactions: again.transactionCount }).toEqual({ users: 2, transactions: 0 });
    await again.stop();
  });
});
