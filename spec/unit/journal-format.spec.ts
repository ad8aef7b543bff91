import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { entryLines } from '../../lib/journal/entry-lines.js';
import { decodeRecord, encodeRecord, writeCommand, type FileRecord, type JournalRecord } from '../../lib/journal/format.js';
import { LineBuffer } from '../../lib/journal/line-buffer.js';
import { FORMAT_VERSION, fromDisk, toDisk } from '../../lib/journal/records.js';
import { TransactionRegistry } from '../../lib/registry.js';
import type { Command } from '../../lib/validation.js';
import { SEED } from '../support/model/arbitraries.js';

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

  it.each(['{"type":"time"', 'time', ''])('refuses a line with a right checksum over %j, which is no JSON', (text) => {
    expect(decode(`${crc32(text).toString(16).padStart(8, '0')} ${text}\n`)).toBeUndefined();
  });
});

/** `line` with its checksum made right for the JSON after it. */
const checksummed = (json: string): string => `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;

const details = fc.record(
  { isFree: fc.boolean(), round: fc.string({ unit: 'binary', maxLength: 40 }), roundClosed: fc.boolean(), gameCode: fc.string({ maxLength: 20 }) },
  { requiredKeys: [] },
);

describe('a command line carries the request details and the time it was applied, written byte for byte as the record encodes', () => {
  it('writes isFree, round, roundClosed, gameCode and at after the fingerprint exactly as encodeRecord does, and decodes them back', () => {
    const out = new LineBuffer(64);
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), command, details, fc.option(fc.maxSafeNat(), { nil: undefined }), (user, cmd, extra, at) => {
        const withDetails = { ...cmd, ...extra } as Command;
        out.clear();
        writeCommand(out, user, withDetails, at);
        const record = { type: 'command' as const, user, ...withDetails, ...(at === undefined ? {} : { at }) };
        expect(out.bytes().toString('utf8')).toBe(encodeRecord(record));
        expect(decode(out.bytes().toString('utf8'))).toEqual(record);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  // Generated details come mostly several at a time: each one alone, and none, are written here.
  it.each<[string, Partial<Command>, number | undefined]>([
    ['isFree', { isFree: false }, undefined],
    ['round', { round: 'r-1' }, undefined],
    ['roundClosed', { roundClosed: true }, undefined],
    ['gameCode', { gameCode: 'g' }, undefined],
    ['at', {}, 1_796_400_000_000],
    ['nothing', {}, undefined],
  ])('writes a command with %s after the fingerprint exactly as encodeRecord does', (_, extra, at) => {
    const out = new LineBuffer(64);
    for (const cmd of [
      { operation: 'bet', transactionUuid: 'a', requestUuid: 'b', currency: 'USD', amount: 1, fingerprint: 'f', ...extra },
      { operation: 'rollback', transactionUuid: 'a', requestUuid: 'b', referenceUuid: 'c', fingerprint: 'f', ...extra },
    ] as Command[]) {
      out.clear();
      writeCommand(out, 'alice', cmd, at);
      const record = { type: 'command' as const, user: 'alice', ...cmd, ...(at === undefined ? {} : { at }) };
      expect(out.bytes().toString('utf8')).toBe(encodeRecord(record));
      expect(decode(out.bytes().toString('utf8'))).toEqual(record);
    }
  });

  // A line's room is reserved from the lengths of its texts: each free text long alone (and all
  // at once) in characters JSON escapes to six bytes, in a buffer that starts too small for any.
  // (Ids are validated UUIDs, written as they are.)
  const escaped = (length: number): string => '\u0001'.repeat(length);
  it.each<[string, Partial<Command> & { user?: string }]>([
    ['user', { user: escaped(300) }],
    ['currency', { currency: escaped(300) }],
    ['fingerprint', { fingerprint: escaped(300) }],
    ['round', { round: escaped(300) }],
    ['gameCode', { gameCode: escaped(300) }],
    ['every text', { user: escaped(40), currency: escaped(40), fingerprint: escaped(40), round: escaped(40), gameCode: escaped(40) }],
    [
      'every text, in a win of the largest amount',
      { operation: 'win', referenceUuid: 'c'.repeat(36), amount: Number.MAX_SAFE_INTEGER, user: escaped(40), currency: escaped(40), fingerprint: escaped(40), round: escaped(40), gameCode: escaped(40) } as Partial<Command>,
    ],
  ])('writes a command whose %s escapes to six bytes a character whole, as encodeRecord does', (_, { user = 'alice', ...long }) => {
    const out = new LineBuffer(64);
    const cmd = { operation: 'bet', transactionUuid: 'a', requestUuid: 'b', currency: 'USD', amount: 1, fingerprint: 'f', isFree: false, roundClosed: true, ...long } as Command;
    writeCommand(out, user, cmd, 1_796_400_000_000);
    expect(out.bytes().toString('utf8')).toBe(encodeRecord({ type: 'command', user, ...cmd, at: 1_796_400_000_000 }));
  });

  it('never journals the session token', () => {
    const out = new LineBuffer(64);
    const bet: Command = { operation: 'bet', transactionUuid: 'a', requestUuid: 'b', currency: 'USD', amount: 1, fingerprint: 'f', token: 'secret-token' };
    writeCommand(out, 'alice', bet);
    expect(out.bytes().toString('utf8')).not.toContain('secret-token');
    expect(encodeRecord({ type: 'command', user: 'alice', ...bet })).not.toContain('secret-token');
  });
});

describe('the disk format is its own: each record is written as the format names its fields, whatever the in-memory types call them', () => {
  // Each record of the engine and the line it must be on disk. A renamed in-memory field fails here.
  const lines: Array<[JournalRecord | FileRecord, string]> = [
    [{ type: 'settings', format: 2, currency: 'USD', initialBalance: 100_000 }, '{"type":"settings","format":2,"currency":"USD","initialBalance":100000}'],
    [{ type: 'user', user: 'alice', balance: 5, currency: 'EUR' }, '{"type":"user","user":"alice","balance":5,"currency":"EUR"}'],
    [
      {
        type: 'user',
        user: 'bob',
        balance: 7,
        currency: 'USD',
        disabled: true,
        info: { country: 'EE', tags: ['vip', 'new'], sex: 'FEMALE', birth_date: '1990-01-31' },
        limits: { wager_day: 100, wager_week: null, wager_month: null, loss_day: null, loss_week: 50, loss_month: null },
        pending: { wager_day: { value: null, at: 1_796_400_000_000 } },
        usage: { day: 20_791, week: 2_970, month: 24_323, wagerDay: 1, wagerWeek: 2, wagerMonth: 3, winsDay: 4, winsWeek: 5, winsMonth: 6 },
      },
      '{"type":"user","user":"bob","balance":7,"currency":"USD","disabled":true,"info":{"country":"EE","birth_date":"1990-01-31","tags":["vip","new"],"sex":"FEMALE"},' +
        '"limits":{"wager_day":100,"wager_week":null,"wager_month":null,"loss_day":null,"loss_week":50,"loss_month":null},' +
        '"pending":{"wager_day":{"value":null,"at":1796400000000}},"usage":{"day":20791,"week":2970,"month":24323,"wager":[1,2,3],"wins":[4,5,6]}}',
    ],
    [{ type: 'disabled', user: 'alice', disabled: false }, '{"type":"disabled","user":"alice","disabled":false}'],
    [
      { type: 'command', user: 'alice', operation: 'win', transactionUuid: 't', requestUuid: 'r', referenceUuid: 'b', currency: 'USD', amount: 3, fingerprint: 'f', isFree: false, round: 'r1', roundClosed: true, gameCode: 'g', at: 60_000 },
      '{"type":"command","user":"alice","operation":"win","transactionUuid":"t","requestUuid":"r","referenceUuid":"b","currency":"USD","amount":3,"fingerprint":"f","isFree":false,"round":"r1","roundClosed":true,"gameCode":"g","at":60000}',
    ],
    [
      { type: 'entry', transactionUuid: 't', user: 'alice', kind: 'bet', fingerprint: 'f', requestUuid: 'r', balance: 9, state: 3, created: 60, free: true, amount: 3, at: 60_000, round: 'r1', isFree: true, gameCode: 'g' },
      '{"type":"entry","transactionUuid":"t","user":"alice","kind":"bet","fingerprint":"f","requestUuid":"r","balance":9,"state":3,"created":60,"free":true,"amount":3,"at":60000,"isFree":true,"round":"r1","gameCode":"g"}',
    ],
    [{ type: 'time', minutes: 29_939_765 }, '{"type":"time","minutes":29939765}'],
    [{ type: 'session', token: 'tok', user: 'alice', gameCode: 'g', expiresAt: 1_796_400_000_000 }, '{"type":"session","token":"tok","user":"alice","gameCode":"g","expiresAt":1796400000000}'],
    [{ type: 'session-closed', token: 'tok' }, '{"type":"session-closed","token":"tok"}'],
    [{ type: 'info', user: 'alice', info: { affiliate_id: 'a1', jurisdiction: 'MT' } }, '{"type":"info","user":"alice","info":{"jurisdiction":"MT","affiliate_id":"a1"}}'],
    [
      { type: 'limits', user: 'alice', limits: { wager_day: null, wager_week: null, wager_month: 900, loss_day: null, loss_week: null, loss_month: 0 }, pending: {} },
      '{"type":"limits","user":"alice","limits":{"wager_day":null,"wager_week":null,"wager_month":900,"loss_day":null,"loss_week":null,"loss_month":0},"pending":{}}',
    ],
    [{ type: 'end', records: 12 }, '{"type":"end","records":12}'],
  ];

  it.each(lines)('writes %j as its line, and reads it back to the same record', (record, json) => {
    expect(encodeRecord(record)).toBe(checksummed(json));
    expect(decode(checksummed(json))).toEqual(record);
  });

  it('leaves out fields the format does not name, on writing and on reading', () => {
    const widened = { type: 'user', user: 'alice', balance: 5, nickname: 'al' } as JournalRecord;
    expect(JSON.stringify(toDisk(widened))).toBe('{"type":"user","user":"alice","balance":5}');
    expect(fromDisk({ type: 'user', user: 'alice', balance: 5, nickname: 'al' })).toEqual({ type: 'user', user: 'alice', balance: 5 });
  });

  it(`writes format ${FORMAT_VERSION}`, () => {
    expect(FORMAT_VERSION).toBe(3);
  });
});

describe('a record of the wrong shape is no record: the type of every field is checked', () => {
  const shaped = {
    user: { type: 'user', user: 'alice', balance: 5 },
    command: { type: 'command', user: 'alice', operation: 'bet', transactionUuid: 't', requestUuid: 'r', currency: 'USD', amount: 1, fingerprint: 'f' },
    rollback: { type: 'command', user: 'alice', operation: 'rollback', transactionUuid: 't', requestUuid: 'r', referenceUuid: 'b', fingerprint: 'f' },
    entry: { type: 'entry', transactionUuid: 't', user: 'alice', kind: 'bet', fingerprint: 'f', requestUuid: 'r', balance: 9, state: 3 },
    session: { type: 'session', token: 'tok', user: 'alice', expiresAt: 1 },
    limits: { type: 'limits', user: 'alice', limits: { wager_day: null, wager_week: null, wager_month: null, loss_day: null, loss_week: null, loss_month: null }, pending: {} },
    settings: { type: 'settings', format: 2, currency: 'USD', initialBalance: 0 },
  } as const;

  it.each(Object.entries(shaped))('reads a %s record of the right shape', (_, record) => {
    expect(decode(checksummed(JSON.stringify(record)))).toEqual(record);
  });

  it.each<[string, object]>([
    ['a balance that is a string', { ...shaped.user, balance: '5' }],
    ['a balance that is no integer', { ...shaped.user, balance: 5.5 }],
    ['a user that is no string', { ...shaped.user, user: 7 }],
    ['disabled that is no boolean', { ...shaped.user, disabled: 'yes' }],
    ['info whose sex is neither MALE nor FEMALE', { ...shaped.user, info: { sex: 'X' } }],
    ['info whose tags are no strings', { ...shaped.user, info: { tags: [1] } }],
    ['usage without the wins of a period', { ...shaped.user, usage: { day: 1, week: 1, month: 1, wager: [0, 0, 0], wins: [0, 0] } }],
    ['a bet without an amount', { ...shaped.command, amount: undefined }],
    ['a bet with a negative amount', { ...shaped.command, amount: -1 }],
    ['a command of an unknown operation', { ...shaped.command, operation: 'refund' }],
    ['a win without its reference', { ...shaped.command, operation: 'win' }],
    ['a rollback without its reference', { ...shaped.rollback, referenceUuid: undefined }],
    ['a command whose round is a number', { ...shaped.command, round: 5 }],
    ['a command whose at is no integer', { ...shaped.command, at: '2026-12-04' }],
    ['an entry of an unknown kind', { ...shaped.entry, kind: 'refund' }],
    ['an entry whose state is missing', { ...shaped.entry, state: undefined }],
    ['an entry whose free is no boolean', { ...shaped.entry, free: 1 }],
    ['a session whose expiresAt is a date string', { ...shaped.session, expiresAt: '2026-12-04T00:00:00Z' }],
    ['limits missing one limit', { ...shaped.limits, limits: { wager_day: null } }],
    ['a negative limit', { ...shaped.limits, limits: { ...shaped.limits.limits, loss_day: -1 } }],
    ['a pending raise of an unknown limit', { ...shaped.limits, pending: { wager_year: { value: 1, at: 0 } } }],
    ['a pending raise without its time', { ...shaped.limits, pending: { wager_day: { value: 1 } } }],
    ['settings with a format of 0', { ...shaped.settings, format: 0 }],
    ['settings without a currency', { ...shaped.settings, currency: undefined }],
    ['a time that is negative', { type: 'time', minutes: -1 }],
    ['an end without a count', { type: 'end' }],
    ['a record of an unknown type', { type: 'transfer', user: 'alice' }],
  ])('refuses %s, with a right checksum', (_, record) => {
    expect(decode(checksummed(JSON.stringify(record)))).toBeUndefined();
  });
});

describe('snapshot entry lines carry the back office details of a row, byte for byte as encodeRecord writes them', () => {
  it('writes amount, at, reference, round, game and free flags from the columns exactly as the record encodes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: fc.uuid(),
            kind: fc.constantFrom('bet' as const, 'win' as const, 'rollback' as const),
            free: fc.boolean(),
            extra: fc.option(fc.record({ amount: fc.maxSafeNat(), at: fc.maxSafeNat(), referenceUuid: fc.uuid() }, { requiredKeys: ['amount', 'at'] }).chain((base) => details.map((more) => ({ ...base, ...more }))), { nil: undefined }),
          }),
          { maxLength: 50 },
        ),
        (given) => {
          const registry = new TransactionRegistry();
          const byRow = new Map<number, (typeof given)[number]['extra']>();
          for (const { id, kind, free, extra } of given) {
            registry.record(id, { user: 'alice', kind, fingerprint: 'abcdefghijkl', requestUuid: id, balance: 5, state: kind === 'bet' ? 5 : 0, free }, 29_939_765);
            byRow.set(registry.rowOf(id), extra);
          }
          const view = registry.freeze();
          const rowDetails = (row: number): (typeof given)[number]['extra'] => byRow.get(row);
          const expected: string[] = [];
          for (const [row, extra] of byRow) {
            const record = view.record(row);
            if (record !== undefined) expected.push(encodeRecord({ type: 'entry', ...record, ...extra }));
          }
          let written = '';
          for (const lines of entryLines(view, 1 << 10, (row) => rowDetails(row))) written += lines.bytes.toString('utf8');
          view.release();
          expect(written).toBe(expected.join(''));
          for (const line of written.split('\n').slice(0, -1)) expect(decode(`${line}\n`)).toMatchObject({ type: 'entry' });
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });
});
