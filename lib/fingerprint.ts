import { hash } from 'node:crypto';
import { types } from 'node:util';
import type { TransactionOperation } from './types.js';

/** Body fields that do not take part in a request's fingerprint. */
const UNFINGERPRINTED = 'request_uuid';

/**
 * Ids whose hex digits are case-insensitive, as UUIDs are (RFC 4122): they are fingerprinted in
 * lower case, so an upper-cased retry is the same request. `request_uuid` is not fingerprinted.
 */
const CASE_FREE_IDS: ReadonlySet<string> = new Set(['transaction_uuid', 'reference_transaction_uuid']);

/**
 * The longest canonical form a request may have, in characters (1 MiB). Past it the body is
 * refused, so that no body, however it shares or repeats its nested values, can keep the engine
 * busy for longer than it takes to write this much.
 */
export const CANONICAL_LIMIT = 1_048_576;

/**
 * The fingerprint keeps 96 bits of the SHA-256 digest, as 12 latin1 ("binary") characters: ample to tell
 * a retry from a changed request, and short enough that V8 copies it into a 32-byte string
 * rather than keeping the whole digest alive (it slices substrings of 13 characters or more).
 */
const FINGERPRINT_CHARS = 12;

/** What a reference cycle is written as: JSON cannot write one, and the body must not throw. */
const CYCLE = '"[cycle]"';

/** A request body read once: its own enumerable keys and their values, index for index. */
export interface FieldList {
  readonly keys: readonly string[];
  readonly values: readonly unknown[];
}

/**
 * The fingerprint of a transaction request: a SHA-256 digest of its {@link canonicalForm}. Two
 * requests with one `transaction_uuid` are the same request exactly when their fingerprints are
 * equal. `undefined` when the canonical form would pass {@link CANONICAL_LIMIT}. Throws only if
 * reading the body throws (a getter or a proxy trap), which the caller turns into
 * `RS_ERROR_WRONG_SYNTAX`.
 */
export function fingerprint(operation: TransactionOperation, fields: ReadonlyMap<string, unknown> | FieldList): string | undefined {
  const text = fields instanceof Map ? canonicalForm(operation, fields) : canonicalFormOf(operation, fields as FieldList);
  return text === undefined ? undefined : hash('sha256', text, 'binary').slice(0, FINGERPRINT_CHARS);
}

/** {@link canonicalForm} of a body read into a {@link FieldList}. */
function canonicalFormOf(operation: string, fields: FieldList, limit = CANONICAL_LIMIT): string | undefined {
  const text = scalarCanonicalForm(operation, fields.keys, fields.values, limit);
  if (text !== NOT_SCALAR) return text;
  const map = new Map<string, unknown>();
  for (let i = 0; i < fields.keys.length; i += 1) map.set(fields.keys[i] as string, fields.values[i]);
  return walkCanonicalForm(operation, map, limit);
}

/** What {@link scalarCanonicalForm} answers for a body with a field it does not write. */
export const NOT_SCALAR = null;

/** `,"key":` for the fields Hub88 sends, written once rather than for every request. */
const KEY_TEXT: ReadonlyMap<string, string> = new Map(
  ['amount', 'bet', 'currency', 'game_code', 'is_free', 'meta', 'reference_transaction_uuid', 'round', 'round_closed', 'token', 'transaction_uuid', 'user'].map(
    (key) => [key, `,${JSON.stringify(key)}:`],
  ),
);

/** The fingerprinted fields of one key list, in sorted order: positions into the list. */
interface KeyOrder {
  readonly keys: readonly string[];
  readonly order: Int32Array;
}

/**
 * The orders of the key lists seen last. Bodies from one sender have a few key lists (a bet's,
 * a win's), in the same order every time: each is sorted once, not per request.
 */
const orders: KeyOrder[] = [];
const REMEMBERED_ORDERS = 8;

/** The sorted positions of the fingerprinted keys of `keys`. */
function orderOf(keys: readonly string[]): Int32Array {
  for (const known of orders) {
    if (known.keys.length !== keys.length) continue;
    let same = true;
    for (let i = 0; i < keys.length && same; i += 1) same = known.keys[i] === keys[i];
    if (same) return known.order;
  }
  const positions: number[] = [];
  for (let i = 0; i < keys.length; i += 1) if (keys[i] !== UNFINGERPRINTED) positions.push(i);
  // Array.prototype.sort's order: by UTF-16 code units. Own keys are distinct.
  positions.sort((a, b) => ((keys[a] as string) < (keys[b] as string) ? -1 : 1));
  const order = Int32Array.from(positions);
  if (orders.length === REMEMBERED_ORDERS) orders.pop();
  orders.unshift({ keys: [...keys], order });
  return order;
}

/** True when `JSON.stringify(text)` is `"` + text + `"`: no character JSON escapes. */
function plainJson(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x22 || code === 0x5c || (code >= 0xd800 && code <= 0xdfff)) return false;
  }
  return true;
}

/** The string as JSON writes it. */
function jsonString(text: string): string {
  return plainJson(text) ? `"${text}"` : JSON.stringify(text);
}

/**
 * The {@link canonicalForm} of a body whose fingerprinted values are all strings, numbers,
 * booleans or `null` (what a JSON body of scalars holds), built without the general walk: the
 * keys in sorted order, each value as `JSON.stringify` writes it, which is already canonical.
 * Byte for byte the text {@link walkCanonicalForm} writes for the same body. {@link NOT_SCALAR}
 * when some value is anything else (an object, `undefined`, a bigint ...): the walk writes it.
 */
export function scalarCanonicalForm(operation: string, keys: readonly string[], values: readonly unknown[], limit = CANONICAL_LIMIT): string | undefined | typeof NOT_SCALAR {
  for (let i = 0; i < keys.length; i += 1) {
    const value = values[i];
    const type = typeof value;
    if (type !== 'string' && type !== 'number' && type !== 'boolean' && value !== null && keys[i] !== UNFINGERPRINTED) return NOT_SCALAR;
  }
  const order = orderOf(keys);
  let text = operation;
  for (let k = 0; k < order.length; k += 1) {
    const i = order[k] as number;
    const key = keys[i] as string;
    text += KEY_TEXT.get(key) ?? `,${JSON.stringify(key)}:`;
    const value = values[i];
    if (typeof value === 'string') {
      if (value.length > limit) return undefined; // refused before it is escaped
      text += jsonString(key === 'transaction_uuid' || key === 'reference_transaction_uuid' ? value.toLowerCase() : value);
    } else if (typeof value === 'number') {
      text += Number.isFinite(value) ? String(value) : 'null';
    } else {
      text += value === true ? 'true' : value === false ? 'false' : 'null';
    }
  }
  // As the walk does: the limit is checked as fields are written, so a body of none passes.
  return order.length > 0 && text.length > limit ? undefined : text;
}

/** A container being written: the top-level fields, an array or an object. */
type Frame =
  | { readonly kind: 'fields'; readonly source: ReadonlyMap<string, unknown>; readonly keys: readonly string[]; next: number }
  | { readonly kind: 'array'; readonly source: object; readonly items: ArrayLike<unknown>; readonly length: number; next: number }
  | { readonly kind: 'object'; readonly source: object; readonly record: Readonly<Record<string, unknown>>; readonly keys: readonly string[]; next: number; written: boolean };

/** What {@link resolve} answers for a value that alone would pass the limit. */
const TOO_LONG = Symbol('too long');

/** The fewest characters one entry of a typed array takes in JSON: `"0":0`. */
const TYPED_ENTRY_CHARS = 5;

/**
 * The operation name and every body field but `request_uuid`, as canonical JSON: keys sorted at
 * every depth, so key order does not matter and nested values count; `transaction_uuid` and
 * `reference_transaction_uuid` in lower case. Values are written as `JSON.stringify` writes them
 * (`undefined` fields are absent, an array hole or `undefined` item is `null`, `-0` is `0`,
 * `toJSON` is called once per value, boxed primitives are unwrapped), with two extensions so
 * that no in-process body can make it throw: a bigint is written with its `n` suffix, and a
 * reference cycle becomes a marker.
 *
 * Returns `undefined` as soon as the text passes `limit` characters (a field left out counts as
 * one). The text is counted as it is written and every step writes or counts something, so the
 * work is linear in the text, whatever the body holds: an object shared in many places is
 * written wherever it appears, and a sparse array's holes are written one by one, so neither
 * gets further than the limit. The walk keeps its own stack, so deep nesting cannot overflow
 * the call stack.
 */
export function canonicalForm(operation: string, fields: ReadonlyMap<string, unknown>, limit = CANONICAL_LIMIT): string | undefined {
  const text = scalarCanonicalForm(operation, [...fields.keys()], [...fields.values()], limit);
  return text === NOT_SCALAR ? walkCanonicalForm(operation, fields, limit) : text;
}

/** {@link canonicalForm} by the general walk, whatever the values are. */
export function walkCanonicalForm(operation: string, fields: ReadonlyMap<string, unknown>, limit = CANONICAL_LIMIT): string | undefined {
  let text = operation;
  let leftOut = 0;
  const open = new Set<object>();
  const keys = [...fields.keys()].filter((key) => key !== UNFINGERPRINTED).sort();
  const stack: Frame[] = [{ kind: 'fields', source: fields, keys, next: 0 }];

  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    if (frame.next === (frame.kind === 'array' ? frame.length : frame.keys.length)) {
      stack.pop();
      if (frame.kind !== 'fields') {
        text += frame.kind === 'array' ? ']' : '}';
        open.delete(frame.source);
        // A closing bracket counts as every other character: a form one past the limit is refused however it ends.
        if (text.length + leftOut > limit) return undefined;
      }
      continue;
    }
    const index = frame.next++;
    let prefix: string;
    let value: unknown;
    if (frame.kind === 'array') {
      prefix = index === 0 ? '' : ',';
      value = frame.items[index]; // a hole reads as undefined, written as null
    } else {
      const key = frame.keys[index] as string;
      if (frame.kind === 'fields') {
        prefix = `,${JSON.stringify(key)}:`;
        value = frame.source.get(key);
        if (typeof value === 'string' && CASE_FREE_IDS.has(key)) value = value.toLowerCase();
      } else {
        prefix = `${frame.written ? ',' : ''}${JSON.stringify(key)}:`;
        value = frame.record[key];
      }
    }

    const budget = limit - text.length - leftOut - prefix.length;
    const resolved = resolve(value, open, budget);
    if (resolved === TOO_LONG) return undefined;
    if (resolved === undefined) {
      if (frame.kind === 'array') text += `${prefix}null`;
      else leftOut += 1;
    } else if (typeof resolved === 'string') {
      if (frame.kind === 'object') frame.written = true;
      text += prefix + resolved;
    } else {
      if (frame.kind === 'object') frame.written = true;
      const opened = openFrame(resolved, budget);
      if (opened === undefined) return undefined;
      text += prefix + (opened.kind === 'array' ? '[' : '{');
      open.add(resolved);
      stack.push(opened);
    }
    if (text.length + leftOut > limit) return undefined;
  }
  return text;
}

/**
 * What JSON writes for `value`: the text of a primitive, the object whose fields or items are
 * to be written, `undefined` where JSON leaves the value out (`undefined`, functions, symbols),
 * or {@link TOO_LONG} for a string longer than `budget`, refused before it is escaped.
 */
function resolve(value: unknown, open: ReadonlySet<object>, budget: number): string | object | typeof TOO_LONG | undefined {
  if (typeof value === 'object' && value !== null) {
    if (open.has(value)) return CYCLE;
    const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') value = toJSON.call(value);
    if (typeof value === 'object' && value !== null) {
      if (!types.isBoxedPrimitive(value)) return open.has(value) ? CYCLE : value;
      value = unbox(value);
      if (typeof value === 'object') return value as object; // a boxed symbol: written {}, as JSON writes it
    }
  }
  switch (typeof value) {
    case 'string':
      return value.length > budget ? TOO_LONG : JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return `${value}n`;
    case 'object':
      return 'null'; // only null gets here
    default:
      return undefined;
  }
}

/** The primitive JSON writes for a boxed one (`new String('a')` is `"a"`); a boxed symbol is `{}`. */
function unbox(value: object): unknown {
  if (types.isNumberObject(value)) return Number(value);
  if (types.isStringObject(value)) return String(value);
  if (types.isBooleanObject(value)) return Boolean.prototype.valueOf.call(value);
  if (types.isBigIntObject(value)) return BigInt.prototype.valueOf.call(value);
  return {};
}

/**
 * A frame that writes `value`'s items or fields, or `undefined` for a typed array whose entries
 * could not fit in `budget` (listing its keys alone would cost time and memory for each entry).
 */
function openFrame(value: object, budget: number): Frame | undefined {
  if (Array.isArray(value)) return { kind: 'array', source: value, items: value as unknown[], length: value.length, next: 0 };
  if (types.isTypedArray(value) && value.length * TYPED_ENTRY_CHARS > budget) return undefined;
  const record = value as Record<string, unknown>;
  return { kind: 'object', source: value, record, keys: Object.keys(record).sort(), next: 0, written: false };
}
