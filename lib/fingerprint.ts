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

/**
 * The fingerprint of a transaction request: a SHA-256 digest of its {@link canonicalForm}. Two
 * requests with one `transaction_uuid` are the same request exactly when their fingerprints are
 * equal. `undefined` when the canonical form would pass {@link CANONICAL_LIMIT}. Throws only if
 * reading the body throws (a getter or a proxy trap), which the caller turns into
 * `RS_ERROR_WRONG_SYNTAX`.
 */
export function fingerprint(operation: TransactionOperation, fields: ReadonlyMap<string, unknown>): string | undefined {
  const text = canonicalForm(operation, fields);
  return text === undefined ? undefined : hash('sha256', text, 'binary').slice(0, FINGERPRINT_CHARS);
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
