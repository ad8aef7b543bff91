import { crc32 } from 'node:zlib';
import { FINGERPRINT_BYTES, KIND_MASK, KINDS, ODD_FINGERPRINT, ODD_REQUEST, ROW_MASK, SEGMENT_BITS, UUID_BYTES, type RegistryView, type Segment } from '../registry.js';
import { encodeRecord } from './format.js';

/**
 * Snapshot lines already encoded: `count` whole lines in `bytes`. The bytes are valid until the
 * next lines are asked for (one buffer is reused, so that a snapshot's size makes no garbage).
 */
export interface EncodedLines {
  readonly bytes: Buffer;
  readonly count: number;
}

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');
const HEAD = ascii('{"type":"entry","transactionUuid":"');
const USER = ascii('","user":"');
const KIND = ascii(',"kind":"');
const FINGERPRINT = ascii('","fingerprint":"');
const REQUEST = ascii(',"requestUuid":"');
const BALANCE = ascii(',"balance":');
const STATE = ascii(',"state":');
const CREATED = ascii(',"created":');
const KIND_NAMES = KINDS.map(ascii);
const HEX = ascii('0123456789abcdef');
/** Bytes a line can take besides its user name (ids, fingerprint escaped at worst, numbers). */
const LINE_BYTES = 400;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** JSON's short escapes of control characters, by code: \b \t \n \f \r. */
const SHORT_ESCAPE: Readonly<Record<number, number>> = { 0x08: 0x62, 0x09: 0x74, 0x0a: 0x6e, 0x0c: 0x66, 0x0d: 0x72 };

/**
 * The registry's rows as snapshot `entry` lines, written straight from its columns into a
 * buffer of about `capacity` bytes at a time: no string or object per row, so that a snapshot of
 * millions of rows makes little garbage. Each line is byte for byte what `encodeRecord` writes
 * for the row's record (a row with a value that does not fit a column is encoded so).
 */
export function* entryLines(view: RegistryView, capacity = 1 << 20): Generator<EncodedLines> {
  const writer = new LineWriter(capacity);
  for (let row = 0; row < view.rowCount; row += 1) {
    const segment = view.segments[row >>> SEGMENT_BITS] as Segment;
    const at = row & ROW_MASK;
    const flags = segment.flags[at] as number;
    if (flags === 0) continue;
    const user = view.userNames[segment.users[at] as number] as string;
    const room = LINE_BYTES + 6 * user.length;
    if (writer.room() < room && writer.count > 0) yield writer.take();
    const plain = (flags & (ODD_FINGERPRINT | ODD_REQUEST)) === 0 && !view.oddKeyOf.has(row);
    if (plain && writer.room() >= room && writer.entry(segment, at, flags, user)) continue;
    const record = view.record(row);
    if (record !== undefined) {
      const line = encodeRecord({ type: 'entry', ...record });
      if (writer.room() < Buffer.byteLength(line) && writer.count > 0) yield writer.take();
      writer.text(line);
    }
  }
  if (writer.count > 0) yield writer.take();
}

/** A buffer of whole lines being filled. */
class LineWriter {
  #out: Buffer;
  #at = 0;
  count = 0;

  constructor(capacity: number) {
    this.#out = Buffer.allocUnsafe(Math.max(capacity, LINE_BYTES));
  }

  room(): number {
    return this.#out.length - this.#at;
  }

  /** The lines written so far; the writer starts over in the same buffer when it writes again. */
  take(): EncodedLines {
    const lines = { bytes: this.#out.subarray(0, this.#at), count: this.count };
    this.#at = 0;
    this.count = 0;
    return lines;
  }

  /** A line already encoded, when it fits (else in a buffer of its own). */
  text(line: string): void {
    const length = Buffer.byteLength(line);
    if (length > this.room()) this.#out = Buffer.concat([this.#out.subarray(0, this.#at), Buffer.alloc(length)]);
    this.#at += this.#out.write(line, this.#at, 'utf8');
    this.count += 1;
  }

  /** Writes the entry line of a row whose values all fit its columns; false, writing nothing, for a number JSON would not write as digits. */
  entry(segment: Segment, at: number, flags: number, user: string): boolean {
    const balance = segment.balances[at] as number;
    const state = segment.states[at] as number;
    const created = segment.created[at] as number;
    if (!Number.isSafeInteger(balance) || !Number.isSafeInteger(state)) return false;
    const out = this.#out;
    const start = this.#at;
    let p = start + 9; // the checksum and a space go first, once the JSON is known
    p = copy(out, p, HEAD);
    p = uuid(out, p, keyBytes(segment.keys, at * 4));
    p = copy(out, p, USER);
    p = latin1String(out, p, user);
    out[p++] = QUOTE;
    p = copy(out, p, KIND);
    p = copy(out, p, KIND_NAMES[(flags & KIND_MASK) - 1] as Buffer);
    p = copy(out, p, FINGERPRINT);
    for (let i = at * FINGERPRINT_BYTES, end = i + FINGERPRINT_BYTES; i < end; i += 1) p = jsonCharacter(out, p, segment.fingerprints[i] as number);
    out[p++] = QUOTE;
    p = copy(out, p, REQUEST);
    p = uuid(out, p, segment.requests.subarray(at * UUID_BYTES, at * UUID_BYTES + UUID_BYTES));
    out[p++] = QUOTE;
    p = copy(out, p, BALANCE);
    p = integer(out, p, balance);
    p = copy(out, p, STATE);
    p = integer(out, p, state);
    p = copy(out, p, CREATED);
    p = integer(out, p, created);
    out[p++] = 0x7d;
    const checksum = crc32(out.subarray(start + 9, p));
    for (let i = 0; i < 8; i += 1) out[start + i] = HEX[(checksum >>> (28 - 4 * i)) & 0xf] as number;
    out[start + 8] = 0x20;
    out[p++] = 0x0a;
    this.#at = p;
    this.count += 1;
    return true;
  }
}

const key = new Uint8Array(UUID_BYTES);
/** The 16 bytes of the key stored as four big-endian words from `offset`. */
function keyBytes(keys: Uint32Array, offset: number): Uint8Array {
  for (let w = 0; w < 4; w += 1) {
    const word = keys[offset + w] as number;
    key[w * 4] = word >>> 24;
    key[w * 4 + 1] = (word >>> 16) & 0xff;
    key[w * 4 + 2] = (word >>> 8) & 0xff;
    key[w * 4 + 3] = word & 0xff;
  }
  return key;
}

function copy(out: Buffer, p: number, bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i += 1) out[p + i] = bytes[i] as number;
  return p + bytes.length;
}

/** 16 bytes as a lower-case UUID. */
function uuid(out: Buffer, p: number, bytes: Uint8Array): number {
  for (let i = 0; i < UUID_BYTES; i += 1) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out[p++] = 0x2d;
    const byte = bytes[i] as number;
    out[p++] = HEX[byte >>> 4] as number;
    out[p++] = HEX[byte & 0xf] as number;
  }
  return p;
}

/** The inside of a JSON string as `JSON.stringify` writes it, for a name of any characters. */
function latin1String(out: Buffer, p: number, text: string): number {
  for (let i = 0; i < text.length; i += 1) {
    if (text.charCodeAt(i) > 0xff) return p + out.write(JSON.stringify(text).slice(1, -1), p, 'utf8');
  }
  for (let i = 0; i < text.length; i += 1) p = jsonCharacter(out, p, text.charCodeAt(i));
  return p;
}

/** One latin1 character inside a JSON string, as `JSON.stringify` writes it (UTF-8 past 0x7f). */
function jsonCharacter(out: Buffer, p: number, code: number): number {
  if (code >= 0x20 && code !== QUOTE && code !== BACKSLASH) {
    if (code < 0x80) {
      out[p] = code;
      return p + 1;
    }
    out[p] = 0xc0 | (code >>> 6);
    out[p + 1] = 0x80 | (code & 0x3f);
    return p + 2;
  }
  out[p] = BACKSLASH;
  if (code === QUOTE || code === BACKSLASH) {
    out[p + 1] = code;
    return p + 2;
  }
  const short = SHORT_ESCAPE[code];
  if (short !== undefined) {
    out[p + 1] = short;
    return p + 2;
  }
  out[p + 1] = 0x75; // u00XX
  out[p + 2] = 0x30;
  out[p + 3] = 0x30;
  out[p + 4] = HEX[code >>> 4] as number;
  out[p + 5] = HEX[code & 0xf] as number;
  return p + 6;
}

/** A safe integer in decimal, as JSON writes it (-0 as 0). */
function integer(out: Buffer, p: number, value: number): number {
  if (value < 0) {
    out[p++] = 0x2d;
    value = -value;
  }
  const digits = value === 0 ? 1 : Math.floor(Math.log10(value)) + 1;
  let end = p + digits;
  // log10 can be off by one near powers of ten: check the leading digit's place.
  if (value >= 10 ** digits) end += 1;
  else if (digits > 1 && value < 10 ** (digits - 1)) end -= 1;
  for (let i = end - 1; i >= p; i -= 1) {
    out[i] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  }
  return end;
}
