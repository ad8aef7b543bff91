/** 8-4-4-4-12 hex digits, either case, with no version or variant check. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID-shaped string. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
