/** 8-4-4-4-12 hex digits, either case, with no version or variant check. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const LOWER_CASE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PACKED_LENGTH = 16;
const BYTE_HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

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
  if (!LOWER_CASE_UUID.test(uuid)) return uuid;
  const hex = uuid.replaceAll('-', '');
  const bytes = new Array<number>(PACKED_LENGTH);
  for (let i = 0; i < PACKED_LENGTH; i += 1) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return String.fromCharCode(...bytes);
}

/** The string {@link packUuid} was given. */
export function unpackUuid(packed: string): string {
  if (packed.length !== PACKED_LENGTH) return packed;
  let hex = '';
  for (let i = 0; i < PACKED_LENGTH; i += 1) hex += BYTE_HEX[packed.charCodeAt(i)];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
