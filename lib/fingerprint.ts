import { hash } from 'node:crypto';
import type { TransactionOperation } from './types.js';

/** Body fields that do not take part in a request's fingerprint. */
const UNFINGERPRINTED = 'request_uuid';

/**
 * The fingerprint keeps 96 bits of the SHA-256 digest, as 12 latin1 ("binary") characters: ample to tell
 * a retry from a changed request, and short enough that V8 copies it into a 32-byte string
 * rather than keeping the whole digest alive (it slices substrings of 13 characters or more).
 */
const FINGERPRINT_CHARS = 12;

/**
 * The fingerprint of a transaction request: a SHA-256 digest of the operation name and every
 * body field but `request_uuid`, in canonical form, so key order does not matter and nested
 * values count. Two requests with one `transaction_uuid` are the same request exactly when their
 * fingerprints are equal.
 *
 * Values are compared as JSON sees them (`undefined` fields are absent, `-0` is `0`), with two
 * extensions so that no in-process body can make it throw: a bigint is written with its `n`
 * suffix, and a reference cycle becomes a marker. Throws only if reading the body throws (a
 * getter or a proxy trap), which the caller turns into `RS_ERROR_WRONG_SYNTAX`.
 */
export function fingerprint(operation: TransactionOperation, fields: ReadonlyMap<string, unknown>): string {
  let text = operation;
  for (const key of [...fields.keys()].sort()) {
    if (key === UNFINGERPRINTED) continue;
    const value = encode(fields.get(key), []);
    if (value !== undefined) text += `,${JSON.stringify(key)}:${value}`;
  }
  return hash('sha256', text, 'binary').slice(0, FINGERPRINT_CHARS);
}

/** Canonical JSON of `value`, or `undefined` where JSON would leave the value out. */
function encode(value: unknown, ancestors: object[]): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return `${value}n`;
    case 'object':
      return value === null ? 'null' : encodeObject(value, ancestors);
    default:
      return undefined; // undefined, functions and symbols, as JSON.stringify omits them
  }
}

function encodeObject(value: object, ancestors: object[]): string | undefined {
  if (ancestors.includes(value)) return '"[cycle]"';
  const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return encode(toJSON.call(value), ancestors);
  ancestors.push(value);
  let text: string;
  if (Array.isArray(value)) {
    text = `[${value.map((item: unknown) => encode(item, ancestors) ?? 'null').join(',')}]`;
  } else {
    const record = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const encoded = encode(record[key], ancestors);
      if (encoded !== undefined) parts.push(`${JSON.stringify(key)}:${encoded}`);
    }
    text = `{${parts.join(',')}}`;
  }
  ancestors.pop();
  return text;
}
