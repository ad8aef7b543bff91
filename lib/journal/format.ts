/**
 * The lines of journal and snapshot files: each the CRC-32 of its JSON in 8 hex digits, a space,
 * the JSON of one record in its disk form (see records.ts, which holds the format and its
 * versions), a newline. `encodeRecord` writes any record; `writeCommand` writes the one journaled
 * for every transaction byte by byte, for speed; `decodeRecord` reads a line back, checking its
 * checksum and its shape.
 */
import { crc32 } from 'node:zlib';
import type { Command } from '../validation.js';
import { ascii, type LineBuffer } from './line-buffer.js';
import { fromDisk, toDisk, type FileRecord } from './records.js';

export type {
  CommandRecord,
  DisabledRecord,
  EndRecord,
  EntryRecord,
  FileRecord,
  InfoRecord,
  JournalRecord,
  LimitsRecord,
  SessionClosedRecord,
  SessionRecord,
  SettingsRecord,
  TimeRecord,
  UserRecord,
} from './records.js';

/**
 * A record as one line: the CRC-32 of the JSON of its disk form (see `toDisk`) in 8 hex digits,
 * a space, the JSON, a newline.
 */
export function encodeRecord(record: FileRecord): string {
  return line(JSON.stringify(toDisk(record)));
}

const COMMAND_HEAD = ascii('{"type":"command","user":"');
const OPERATION = ascii('","operation":"');
const TRANSACTION = ascii('","transactionUuid":"');
const REQUEST = ascii('","requestUuid":"');
const REFERENCE = ascii('","referenceUuid":"');
const CURRENCY = ascii('","currency":"');
const AMOUNT = ascii('","amount":');
const FINGERPRINT_AFTER_AMOUNT = ascii(',"fingerprint":"');
const FINGERPRINT_AFTER_ID = ascii('","fingerprint":"');
const CLOSE = ascii('"}');
const IS_FREE = ascii(',"isFree":');
const ROUND = ascii(',"round":"');
const ROUND_CLOSED = ascii(',"roundClosed":');
const GAME_CODE = ascii(',"gameCode":"');
const AT = ascii(',"at":');
const QUOTE = ascii('"');
const CLOSE_OBJECT = ascii('}');
const TRUE = ascii('true');
const FALSE = ascii('false');

/**
 * Writes the line of a `command` record, the one journaled for every transaction, straight into
 * `out`: `{"type":"command","user":…,"operation":…,"transactionUuid":…,"requestUuid":…`, then
 * `"referenceUuid"` for a win or rollback, `"currency"` and `"amount"` but for a rollback,
 * `"fingerprint"`, then those of `"isFree"`, `"round"`, `"roundClosed"` and `"gameCode"` the
 * command has, and `"at"` (when it was applied, ms since the epoch) if given. Its ids passed the UUID check, so they need no escaping; the other strings are
 * written as `JSON.stringify` writes them. It is byte for byte the line {@link encodeRecord}
 * writes for the record.
 */
export function writeCommand(out: LineBuffer, user: string, command: Command, at?: number): void {
  const currency = command.operation === 'rollback' ? '' : command.currency;
  const { isFree, round, roundClosed, gameCode } = command;
  const details = (round === undefined ? 0 : round.length) + (gameCode === undefined ? 0 : gameCode.length);
  out.begin(user.length + currency.length + command.fingerprint.length + command.transactionUuid.length + command.requestUuid.length + details + 48);
  out.raw(COMMAND_HEAD);
  out.string(user);
  out.raw(OPERATION);
  out.ascii(command.operation);
  out.raw(TRANSACTION);
  out.ascii(command.transactionUuid);
  out.raw(REQUEST);
  out.ascii(command.requestUuid);
  if (command.operation === 'win' || command.operation === 'rollback') {
    out.raw(REFERENCE);
    out.ascii(command.referenceUuid);
  }
  if (command.operation === 'rollback') {
    out.raw(FINGERPRINT_AFTER_ID);
  } else {
    out.raw(CURRENCY);
    out.string(command.currency);
    out.raw(AMOUNT);
    out.integer(command.amount);
    out.raw(FINGERPRINT_AFTER_AMOUNT);
  }
  out.string(command.fingerprint);
  if (isFree === undefined && round === undefined && roundClosed === undefined && gameCode === undefined && at === undefined) {
    out.raw(CLOSE);
    out.end();
    return;
  }
  out.raw(QUOTE);
  if (isFree !== undefined) {
    out.raw(IS_FREE);
    out.raw(isFree ? TRUE : FALSE);
  }
  if (round !== undefined) {
    out.raw(ROUND);
    out.string(round);
    out.raw(QUOTE);
  }
  if (roundClosed !== undefined) {
    out.raw(ROUND_CLOSED);
    out.raw(roundClosed ? TRUE : FALSE);
  }
  if (gameCode !== undefined) {
    out.raw(GAME_CODE);
    out.string(gameCode);
    out.raw(QUOTE);
  }
  if (at !== undefined) {
    out.raw(AT);
    out.integer(at);
  }
  out.raw(CLOSE_OBJECT);
  out.end();
}

function line(json: string): string {
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

const SPACE = 0x20;

/**
 * The record of the line in `data` from `start` to `end` (its newline), or `undefined` if it is
 * damaged: a bad checksum, no JSON, or no record of the format (see `fromDisk`).
 */
export function decodeRecord(data: Buffer, start: number, end: number): FileRecord | undefined {
  const value = parseLine(data, start, end);
  return value === undefined ? undefined : fromDisk(value);
}

/** The JSON value of the line in `data` from `start` to `end`, if its checksum matches. */
export function parseLine(data: Buffer, start: number, end: number): unknown {
  if (end - start < 10 || data[start + 8] !== SPACE) return undefined;
  let checksum = 0;
  for (let i = start; i < start + 8; i += 1) {
    const digit = hexDigit(data[i] as number);
    if (digit < 0) return undefined;
    checksum = checksum * 16 + digit;
  }
  if (checksum !== crc32(data.subarray(start + 9, end))) return undefined;
  try {
    return JSON.parse(data.toString('utf8', start + 9, end)) as unknown;
  } catch {
    return undefined;
  }
}

/** The value of a lower-case hex digit's code, or -1. */
function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}
