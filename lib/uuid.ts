/** 8-4-4-4-12 hex digits, either case, with no version or variant check. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const PACKED_LENGTH = 16;
const DASH = 0x2d;
/** Value of each lower-case hex digit by character code; -1 for any other character. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let digit = 0; digit < 16; digit += 1) HEX_VALUE[digit.toString(16).charCodeAt(0)] = digit;
const BYTE_HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
/** Reused by every call; the engine runs on one thread. */
const scratch = new Array<number>(PACKED_LENGTH).fill(0);

/** True for a UUID-shaped string. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * A UUID in a third of the heap: a lower-case UUID becomes its 16 bytes as a 16-character
 * latin1 string (32 heap bytes rather than 56). Any other string is returned as it is, so
 * {@link unpackUuid} always gives back exactly what was packed.
 */
export function packUuid(uuid: string): string {
  if (uuid.length !== 36) return uuid;
  let at = 0;
  for (let i = 0; i < PACKED_LENGTH; i += 1) {
    if (at === 8 || at === 13 || at === 18 || at === 23) {
      if (uuid.charCodeAt(at) !== DASH) return uuid;
      at += 1;
    }
    const high = hexValue(uuid.charCodeAt(at));
    const low = hexValue(uuid.charCodeAt(at + 1));
    if (high < 0 || low < 0) return uuid;
    scratch[i] = high * 16 + low;
    at += 2;
  }
  return String.fromCharCode(...scratch);
}

function hexValue(code: number): number {
  return code < 128 ? (HEX_VALUE[code] as number) : -1;
}

/** The string {@link packUuid} was given. */
export function unpackUuid(packed: string): string {
  if (packed.length !== PACKED_LENGTH) return packed;
  let hex = '';
  for (let i = 0; i < PACKED_LENGTH; i += 1) hex += BYTE_HEX[packed.charCodeAt(i)];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
