/**
 * The binary records of journal format 3 (see "Format versions" in docs/durability.md): the
 * `command` record, journaled for every transaction, in a form that costs little to write and
 * to read back. Every other record of a format-3 file is a line as in format 2 (see format.ts).
 *
 * A binary record, at a byte offset where a line would begin:
 *
 *     0      marker 0xB3 (no line begins so: a line begins with a hex digit)
 *     1      record type: 1 = command
 *     2..5   length L of the body, unsigned 32-bit little-endian
 *     6..    the body, L bytes
 *     6+L..  CRC-32 of bytes 0 to 6+L (marker, type, length, body), unsigned 32-bit little-endian
 *     10+L   a newline, so that a file cut after a whole record ends with one, as with lines
 *
 * The body of a command:
 *
 *     0      operation: 1 bet, 2 win, 3 rollback, 4 deposit, 5 withdraw
 *     1      flags: 1 isFree given, 2 isFree true, 4 round given, 8 roundClosed given,
 *            16 roundClosed true, 32 gameCode given, 64 at given
 *     then   user, transactionUuid, requestUuid; referenceUuid for a win or rollback;
 *            currency for all but a rollback; fingerprint; round and gameCode if given: each a
 *            string as its length in bytes (15 bits) and its bytes, in an unsigned 16-bit
 *            little-endian number whose top bit tells the encoding: set, latin1 (one byte a
 *            character, for a string whose characters are all below 256: ids, codes,
 *            fingerprints, most names); clear, UTF-8
 *     then   amount for all but a rollback, and at if given: each a float64 little-endian
 *            holding a safe integer
 *
 * A record is read only whole: its checksum must match and its body must be exactly one command
 * of the shapes above (every field of its type, nothing left over), else it is damage, as a line
 * with a bad checksum is.
 */
import { crc32 } from 'node:zlib';
import type { Command } from '../validation.js';
import type { CommandRecord } from './records.js';
import type { LineBuffer } from './line-buffer.js';

/** The first format whose files may hold binary records. */
export const FIRST_BINARY_FORMAT = 3;
/** The first byte of a binary record. */
export const BINARY_MARKER = 0xb3;
/** The record type of a command. */
const COMMAND = 1;
/** Marker, type and length. */
export const BINARY_HEAD = 6;
/** The CRC-32 and the newline after the body. */
const TRAILER = 5;
/** A body longer than this is damage: a command is far shorter. */
const MAX_BODY = 1 << 20;

const OPERATION_CODES = { bet: 1, win: 2, rollback: 3, deposit: 4, withdraw: 5 } as const;
const OPERATIONS = [undefined, 'bet', 'win', 'rollback', 'deposit', 'withdraw'] as const;

const IS_FREE = 1;
const FREE_TRUE = 2;
const ROUND = 4;
const ROUND_CLOSED = 8;
const CLOSED_TRUE = 16;
const GAME_CODE = 32;
const AT = 64;
const FLAGS = IS_FREE | FREE_TRUE | ROUND | ROUND_CLOSED | CLOSED_TRUE | GAME_CODE | AT;

/**
 * Writes the binary record of a `command` applied for `user` at `at` into `out`, and returns
 * true; or writes nothing and returns false when a string of it cannot be carried (a lone
 * surrogate, or more than 32,767 bytes), for the caller to write the record as a line instead.
 */
export function writeBinaryCommand(out: LineBuffer, user: string, command: Command, at?: number): boolean {
  const { operation, isFree, round, roundClosed, gameCode } = command;
  const rollback = operation === 'rollback';
  const reference = operation === 'win' || rollback;
  const texts = (user.length + command.transactionUuid.length + command.requestUuid.length + command.fingerprint.length) + (reference ? command.referenceUuid.length : 0) + (rollback ? 0 : command.currency.length) + (round?.length ?? 0) + (gameCode?.length ?? 0);
  const start = out.beginBinary(texts);
  let flags = 0;
  if (isFree !== undefined) flags |= isFree ? IS_FREE | FREE_TRUE : IS_FREE;
  if (round !== undefined) flags |= ROUND;
  if (roundClosed !== undefined) flags |= roundClosed ? ROUND_CLOSED | CLOSED_TRUE : ROUND_CLOSED;
  if (gameCode !== undefined) flags |= GAME_CODE;
  if (at !== undefined) flags |= AT;
  out.byte(OPERATION_CODES[operation]);
  out.byte(flags);
  let fits = out.text(user) && out.text(command.transactionUuid) && out.text(command.requestUuid);
  if (fits && reference) fits = out.text(command.referenceUuid);
  if (fits && !rollback) fits = out.text(command.currency);
  fits &&= out.text(command.fingerprint);
  if (fits && round !== undefined) fits = out.text(round);
  if (fits && gameCode !== undefined) fits = out.text(gameCode);
  if (!fits) {
    out.at = start;
    return false;
  }
  if (!rollback) out.float64(command.amount);
  if (at !== undefined) out.float64(at);
  out.endBinary(start, COMMAND);
  return true;
}

/**
 * The end (exclusive) of the binary record that begins at `start` of `data`, or -1 if it runs
 * past the end of the data or declares an impossible length (a torn or damaged record).
 */
export function binaryEnd(data: Buffer, start: number): number {
  if (start + BINARY_HEAD + TRAILER > data.length) return -1;
  const length = data.readUInt32LE(start + 2);
  const end = start + BINARY_HEAD + length + TRAILER;
  return length > MAX_BODY || end > data.length ? -1 : end;
}

/**
 * The record of the binary record from `start` to `end` of `data` (see {@link binaryEnd}), or
 * `undefined` if its checksum fails or its body is no record of the format.
 */
export function decodeBinary(data: Buffer, start: number, end: number): CommandRecord | undefined {
  if (data[start] !== BINARY_MARKER || end - start < BINARY_HEAD + TRAILER) return undefined;
  if (data[end - 1] !== 0x0a || crc32(data.subarray(start, end - TRAILER)) !== data.readUInt32LE(end - TRAILER)) return undefined;
  return data[start + 1] === COMMAND ? commandAt(data, start + BINARY_HEAD, end - TRAILER) : undefined;
}

/** Reads the fields of a command body, checking that each is there and of its type. */
function commandAt(data: Buffer, start: number, end: number): CommandRecord | undefined {
  if (end - start < 2) return undefined;
  const operation = OPERATIONS[data[start] as number];
  const flags = data[start + 1] as number;
  if (operation === undefined || (flags & ~FLAGS) !== 0) return undefined;
  if ((flags & IS_FREE) === 0 && (flags & FREE_TRUE) !== 0) return undefined;
  if ((flags & ROUND_CLOSED) === 0 && (flags & CLOSED_TRUE) !== 0) return undefined;
  const reader = new Reader(data, start + 2, end);
  const user = reader.text();
  const transactionUuid = reader.text();
  const requestUuid = reader.text();
  const referenceUuid = operation === 'win' || operation === 'rollback' ? reader.text() : '';
  const currency = operation === 'rollback' ? '' : reader.text();
  const fingerprint = reader.text();
  const round = (flags & ROUND) === 0 ? undefined : reader.text();
  const gameCode = (flags & GAME_CODE) === 0 ? undefined : reader.text();
  const amount = operation === 'rollback' ? 0 : reader.integer();
  const at = (flags & AT) === 0 ? undefined : reader.integer();
  if (!reader.done() || amount < 0) return undefined;
  // Built in the order of the format's keys, as a line's record is (see records.ts).
  let out: Record<string, unknown>;
  if (operation === 'rollback') out = { type: 'command', user, operation, transactionUuid, requestUuid, referenceUuid, fingerprint };
  else if (operation === 'win') out = { type: 'command', user, operation, transactionUuid, requestUuid, referenceUuid, currency, amount, fingerprint };
  else out = { type: 'command', user, operation, transactionUuid, requestUuid, currency, amount, fingerprint };
  if ((flags & IS_FREE) !== 0) out.isFree = (flags & FREE_TRUE) !== 0;
  if (round !== undefined) out.round = round;
  if ((flags & ROUND_CLOSED) !== 0) out.roundClosed = (flags & CLOSED_TRUE) !== 0;
  if (gameCode !== undefined) out.gameCode = gameCode;
  if (at !== undefined) out.at = at;
  return out as unknown as CommandRecord;
}

/** `Buffer`'s own latin1 reader, which `toString('latin1', …)` calls after checking its arguments. */
type Latin1 = Buffer & { latin1Slice(start: number, end: number): string };

/** Reads the fields of a body in order; once one does not fit, {@link done} is false. */
class Reader {
  #at: number;
  #ok = true;
  readonly #data: Buffer;
  readonly #end: number;

  constructor(data: Buffer, start: number, end: number) {
    this.#data = data;
    this.#at = start;
    this.#end = end;
  }

  text(): string {
    const data = this.#data;
    const at = this.#at;
    if (!this.#ok || at + 2 > this.#end) return this.#fail('');
    const high = data[at + 1] as number;
    const from = at + 2;
    const to = from + ((data[at] as number) | ((high & 0x7f) << 8));
    if (to > this.#end) return this.#fail('');
    this.#at = to;
    if ((high & 0x80) !== 0) return (data as Latin1).latin1Slice(from, to);
    const text = data.toString('utf8', from, to);
    // Bytes that are no UTF-8 are damage, not a string with replacement characters.
    return Buffer.from(text, 'utf8').equals(data.subarray(from, to)) ? text : this.#fail('');
  }

  integer(): number {
    const at = this.#at;
    if (!this.#ok || at + 8 > this.#end) return this.#fail(0);
    const value = this.#data.readDoubleLE(at);
    this.#at = at + 8;
    return Number.isSafeInteger(value) ? value + 0 : this.#fail(0); // + 0: -0 reads as 0, as in a line
  }

  /** True if every field fit and the body is read to its end. */
  done(): boolean {
    return this.#ok && this.#at === this.#end;
  }

  #fail<T>(value: T): T {
    this.#ok = false;
    return value;
  }
}
