import { crc32 } from 'node:zlib';
import type { Entry } from '../rules.js';
import type { Command } from '../validation.js';
import { ascii, type LineBuffer } from './line-buffer.js';

/**
 * One line of a journal or snapshot file. A journal holds `user` (a user created), `disabled`
 * (a user disabled or enabled) and `command` (a transaction that succeeded) lines, in the order
 * they were applied, and a `time` line before the first command of each minute. A snapshot holds the whole state: `user` lines, an `entry` line for each
 * id of the registry, and a closing `end` line that counts them.
 */
export type JournalRecord =
  | { readonly type: 'user'; readonly user: string; readonly balance: number; readonly currency?: string; readonly disabled?: boolean }
  | { readonly type: 'disabled'; readonly user: string; readonly disabled: boolean }
  | ({ readonly type: 'command'; readonly user: string } & Command)
  | ({ readonly type: 'entry'; readonly transactionUuid: string; /** Seconds since the epoch of the last change, for retention. */ readonly created?: number } & Entry)
  | TimeRecord
  | { readonly type: 'end'; readonly records: number };

/**
 * The minute (since the epoch) the `command` lines after it were applied in, so that recovery
 * stamps the records it rebuilds with the times they had, and retention ages them alike. Not a
 * change of the state: recovery does not count it.
 */
export interface TimeRecord {
  readonly type: 'time';
  readonly minutes: number;
}

/**
 * The engine settings that shape answers, written at the head of every journal and snapshot so
 * that a directory is never reopened with others. They are the engine's defaults for new users,
 * not any one user's.
 */
export interface SettingsRecord {
  readonly type: 'settings';
  readonly currency: string;
  readonly initialBalance: number;
}

/** Any line of a journal or snapshot file: a record of the state, or the settings it was written with. */
export type FileRecord = JournalRecord | SettingsRecord;

/** A record as one line: the CRC-32 of its JSON in 8 hex digits, a space, the JSON, a newline. */
export function encodeRecord(record: FileRecord): string {
  return line(JSON.stringify(record));
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

/**
 * Writes the line of a `command` record, the one journaled for every transaction, straight into
 * `out`: `{"type":"command","user":…,"operation":…,"transactionUuid":…,"requestUuid":…`, then
 * `"referenceUuid"` for a win or rollback, `"currency"` and `"amount"` but for a rollback, and
 * `"fingerprint"`. Its ids passed the UUID check, so they need no escaping; the other strings are
 * written as `JSON.stringify` writes them. It parses to the same record as {@link encodeRecord}
 * would write.
 */
export function writeCommand(out: LineBuffer, user: string, command: Command): void {
  const currency = command.operation === 'rollback' ? '' : command.currency;
  out.begin(user.length + currency.length + command.fingerprint.length + command.transactionUuid.length + command.requestUuid.length + 48);
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
  out.raw(CLOSE);
  out.end();
}

function line(json: string): string {
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

const SPACE = 0x20;

/** The record of the line in `data` from `start` to `end` (its newline), or `undefined` if it is damaged. */
export function decodeRecord(data: Buffer, start: number, end: number): FileRecord | undefined {
  if (end - start < 10 || data[start + 8] !== SPACE) return undefined;
  let checksum = 0;
  for (let i = start; i < start + 8; i += 1) {
    const digit = hexDigit(data[i] as number);
    if (digit < 0) return undefined;
    checksum = checksum * 16 + digit;
  }
  if (checksum !== crc32(data.subarray(start + 9, end))) return undefined;
  try {
    const record = JSON.parse(data.toString('utf8', start + 9, end)) as FileRecord;
    return typeof record === 'object' && record !== null && typeof record.type === 'string' ? record : undefined;
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
