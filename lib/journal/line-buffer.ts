import { crc32 } from 'node:zlib';

/** The bytes of a latin1 string: a key or punctuation to write with {@link LineBuffer.raw}. */
export const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

const HEX = ascii('0123456789abcdef');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** JSON's short escapes of control characters, by code: \b \t \n \f \r. */
const SHORT_ESCAPE: Readonly<Record<number, number>> = { 0x08: 0x62, 0x09: 0x74, 0x0a: 0x6e, 0x0c: 0x66, 0x0d: 0x72 };
/** Room for a line's fixed parts: keys, ids, numbers, checksum. */
const LINE_ROOM = 512;
/** True unless `text` holds a lone surrogate, which UTF-8 cannot carry. */
function wellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0xd800 || code > 0xdfff) continue;
    if (code > 0xdbff || i + 1 === text.length) return false;
    const next = text.charCodeAt(i + 1);
    if (next < 0xdc00 || next > 0xdfff) return false;
    i += 1;
  }
  return true;
}

/** A buffer larger than this is not kept for reuse. */
const SHRINK_ABOVE = 8 << 20;

/**
 * A reused buffer that journal and snapshot lines are written into byte by byte, as
 * `encodeRecord` would write them (the CRC-32 of the JSON in 8 hex digits, a space, the JSON, a
 * newline) but with no string or object per line: millions of lines make no garbage. JSON values
 * are written as `JSON.stringify` writes them.
 */
export class LineBuffer {
  #out: Buffer;
  /** Where the next byte goes. */
  at = 0;
  /** Whole lines written since the buffer was last emptied. */
  lines = 0;
  #lineStart = 0;

  readonly #capacity: number;

  constructor(capacity = 1 << 16) {
    this.#capacity = capacity;
    this.#out = Buffer.allocUnsafe(capacity);
  }

  /** The lines written so far; valid until the buffer is written to again after {@link clear}. */
  bytes(): Buffer {
    return this.#out.subarray(0, this.at);
  }

  /** Starts over; a buffer grown past {@link SHRINK_ABOVE} (one huge batch) is let go for one of the first size. */
  clear(): void {
    this.at = 0;
    this.lines = 0;
    if (this.#out.length > SHRINK_ABOVE && this.#out.length > this.#capacity) this.#out = Buffer.allocUnsafe(this.#capacity);
  }

  /** Free bytes before the buffer must grow. */
  room(): number {
    return this.#out.length - this.at;
  }

  /** Starts a line of at most about `textLength` characters of strings beside its fixed parts. */
  begin(textLength: number): void {
    this.#ensure(LINE_ROOM + 6 * textLength);
    this.#lineStart = this.at;
    this.at += 9; // the checksum and a space, once the JSON is known
  }

  /** Ends the line begun last: its checksum, then a newline. */
  end(): void {
    const out = this.#out;
    const start = this.#lineStart;
    const checksum = crc32(out.subarray(start + 9, this.at));
    for (let i = 0; i < 8; i += 1) out[start + i] = HEX[(checksum >>> (28 - 4 * i)) & 0xf] as number;
    out[start + 8] = 0x20;
    out[this.at] = 0x0a;
    this.at += 1;
    this.lines += 1;
  }

  /** A whole line already encoded. */
  line(text: string): void {
    this.#ensure(Buffer.byteLength(text));
    this.at += this.#out.write(text, this.at, 'utf8');
    this.lines += 1;
  }

  /** Bytes as they are (a key, punctuation). */
  raw(bytes: Buffer): void {
    const out = this.#out;
    let p = this.at;
    for (let i = 0; i < bytes.length; i += 1) out[p++] = bytes[i] as number;
    this.at = p;
  }

  /** A string known to be printable ASCII with nothing to escape (an id that passed the UUID check). */
  ascii(text: string): void {
    const out = this.#out;
    let p = this.at;
    for (let i = 0; i < text.length; i += 1) out[p++] = text.charCodeAt(i);
    this.at = p;
  }

  /** The inside of a JSON string, for any string. */
  string(text: string): void {
    for (let i = 0; i < text.length; i += 1) {
      if (text.charCodeAt(i) > 0xff) {
        this.at += this.#out.write(JSON.stringify(text).slice(1, -1), this.at, 'utf8');
        return;
      }
    }
    for (let i = 0; i < text.length; i += 1) this.character(text.charCodeAt(i));
  }

  /** One latin1 character inside a JSON string (UTF-8 past 0x7f). */
  character(code: number): void {
    const out = this.#out;
    const p = this.at;
    if (code >= 0x20 && code !== QUOTE && code !== BACKSLASH) {
      if (code < 0x80) {
        out[p] = code;
        this.at = p + 1;
      } else {
        out[p] = 0xc0 | (code >>> 6);
        out[p + 1] = 0x80 | (code & 0x3f);
        this.at = p + 2;
      }
      return;
    }
    out[p] = BACKSLASH;
    const short = code === QUOTE || code === BACKSLASH ? code : SHORT_ESCAPE[code];
    if (short !== undefined) {
      out[p + 1] = short;
      this.at = p + 2;
      return;
    }
    out[p + 1] = 0x75; // u00XX
    out[p + 2] = 0x30;
    out[p + 3] = 0x30;
    out[p + 4] = HEX[code >>> 4] as number;
    out[p + 5] = HEX[code & 0xf] as number;
    this.at = p + 6;
  }

  /** 16 bytes from `offset` as a lower-case UUID. */
  uuid(bytes: Uint8Array, offset: number): void {
    const out = this.#out;
    let p = this.at;
    for (let i = 0; i < 16; i += 1) {
      if (i === 4 || i === 6 || i === 8 || i === 10) out[p++] = 0x2d;
      const byte = bytes[offset + i] as number;
      out[p++] = HEX[byte >>> 4] as number;
      out[p++] = HEX[byte & 0xf] as number;
    }
    this.at = p;
  }

  /** A safe integer in decimal, as JSON writes it (-0 as 0). */
  integer(value: number): void {
    const out = this.#out;
    let p = this.at;
    if (value < 0) {
      out[p++] = 0x2d;
      value = -value;
    }
    let digits = 1;
    for (let bound = 10; bound <= value; bound *= 10) digits += 1;
    for (let i = p + digits - 1; i >= p; i -= 1) {
      out[i] = 0x30 + (value % 10);
      value = Math.floor(value / 10);
    }
    this.at = p + digits;
  }

  /**
   * Starts a binary record (see binary.ts) with at most `textLength` characters of strings beside
   * its fixed parts; answers where it starts, for {@link endBinary}.
   */
  beginBinary(textLength: number): number {
    this.#ensure(LINE_ROOM + 3 * textLength);
    const start = this.at;
    this.at += 6; // marker, type and length, once the body is known
    return start;
  }

  /** Ends the binary record of type `type` begun at `start`: its head, then its CRC-32 and a newline. */
  endBinary(start: number, type: number): void {
    const out = this.#out;
    out[start] = 0xb3;
    out[start + 1] = type;
    out.writeUInt32LE(this.at - start - 6, start + 2);
    out.writeUInt32LE(crc32(out.subarray(start, this.at)), this.at);
    out[this.at + 4] = 0x0a;
    this.at += 5;
    this.lines += 1;
  }

  /** One byte. */
  byte(value: number): void {
    this.#out[this.at] = value;
    this.at += 1;
  }

  /** A float64, little-endian. */
  float64(value: number): void {
    this.#out.writeDoubleLE(value, this.at);
    this.at += 8;
  }

  /**
   * A string as binary records carry it (see binary.ts): its length in 16 bits, little-endian,
   * then its bytes: one a character (latin1, the top bit of the length set) when every
   * character is below 256, as ids, codes and fingerprints are; else its UTF-8. False, with
   * `at` left anywhere, if it cannot be carried: more than 32,767 bytes, or a lone surrogate.
   */
  text(text: string): boolean {
    const out = this.#out;
    const start = this.at + 2;
    const length = text.length;
    if (length > 0x7fff) return false;
    let p = start;
    for (let i = 0; i < length; i += 1) {
      const code = text.charCodeAt(i);
      if (code > 0xff) return this.#utf8(text, start);
      out[p++] = code;
    }
    out[start - 2] = length & 0xff;
    out[start - 1] = 0x80 | (length >>> 8);
    this.at = p;
    return true;
  }

  /** {@link text} for a string with a character past latin1. */
  #utf8(text: string, start: number): boolean {
    if (!wellFormed(text)) return false;
    const length = this.#out.write(text, start, 'utf8');
    if (length > 0x7fff) return false;
    this.#out[start - 2] = length & 0xff;
    this.#out[start - 1] = length >>> 8;
    this.at = start + length;
    return true;
  }

  /** Makes room for `bytes` more, keeping what is written. */
  #ensure(bytes: number): void {
    if (this.room() >= bytes) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#out.length * 2, this.at + bytes));
    this.#out.copy(grown, 0, 0, this.at);
    this.#out = grown;
  }
}
