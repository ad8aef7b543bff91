import { fingerprint } from './fingerprint.js';
import { Status, type TransactionOperation } from './types.js';
import { isUuid } from './uuid.js';

/** The own enumerable fields of a request body, read once so later checks see one snapshot. */
export type Fields = ReadonlyMap<string, unknown>;

interface Ids {
  readonly transactionUuid: string;
  readonly requestUuid: string;
}

interface Money {
  readonly currency: string;
  /** A non-negative safe integer. */
  readonly amount: number;
}

/** A bet whose fields have the right types. */
export interface BetCommand extends Ids, Money {
  readonly operation: 'bet';
  readonly fingerprint: string;
}

/** A win whose fields have the right types. */
export interface WinCommand extends Ids, Money {
  readonly operation: 'win';
  readonly referenceUuid: string;
  readonly fingerprint: string;
}

/** A rollback whose fields have the right types. */
export interface RollbackCommand extends Ids {
  readonly operation: 'rollback';
  readonly referenceUuid: string;
  readonly fingerprint: string;
}

/** A transaction request that passed checks 3 and 4; what the user's actor decides on. */
export type Command = BetCommand | WinCommand | RollbackCommand;

/**
 * Check 1: the body is a plain object: its prototype is `null` or an `Object.prototype` (of any
 * realm, so objects from a `vm` context or a worker count). Returns its own enumerable fields,
 * or `undefined` when it is no plain object or cannot be read (a throwing getter or proxy trap).
 */
export function readBody(body: unknown): Fields | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  try {
    const prototype = Object.getPrototypeOf(body) as object | null;
    if (prototype !== null && Object.getPrototypeOf(prototype) !== null) return undefined;
    const fields = new Map<string, unknown>();
    for (const key of Object.keys(body)) fields.set(key, (body as Record<string, unknown>)[key]);
    return fields;
  } catch {
    return undefined;
  }
}

/** A field as a string, or `""` when it is missing or not a string (for echoing in responses). */
export function stringField(fields: Fields | undefined, key: string): string {
  const value = fields?.get(key);
  return typeof value === 'string' ? value : '';
}

/**
 * Checks 3 and 4 of the contract for a bet, win or rollback of a known user: the ids are
 * UUID-shaped, and for bet and win `currency` is a string and `amount` a non-negative safe
 * integer. Returns the typed command, or the status of the first failed check.
 */
export function parseCommand(operation: TransactionOperation, fields: Fields): Command | Status {
  const ids = parseIds(fields);
  if (ids === undefined) return Status.WRONG_TYPES;
  if (operation === 'bet') {
    const money = parseMoney(fields);
    if (typeof money === 'string') return money;
    const print = fingerprintOf(operation, fields);
    return print === undefined ? Status.WRONG_SYNTAX : { operation, ...ids, ...money, fingerprint: print };
  }
  const referenceUuid = fields.get('reference_transaction_uuid');
  if (!isUuid(referenceUuid)) return Status.WRONG_TYPES;
  if (operation === 'win') {
    const money = parseMoney(fields);
    if (typeof money === 'string') return money;
    const print = fingerprintOf(operation, fields);
    return print === undefined ? Status.WRONG_SYNTAX : { operation, ...ids, referenceUuid, ...money, fingerprint: print };
  }
  const print = fingerprintOf(operation, fields);
  return print === undefined ? Status.WRONG_SYNTAX : { operation, ...ids, referenceUuid, fingerprint: print };
}

function parseIds(fields: Fields): Ids | undefined {
  const transactionUuid = fields.get('transaction_uuid');
  const requestUuid = fields.get('request_uuid');
  return isUuid(transactionUuid) && isUuid(requestUuid) ? { transactionUuid, requestUuid } : undefined;
}

function parseMoney(fields: Fields): Money | Status {
  const currency = fields.get('currency');
  const amount = fields.get('amount');
  if (typeof currency !== 'string' || typeof amount !== 'number' || !Number.isSafeInteger(amount)) {
    return Status.WRONG_TYPES;
  }
  return amount < 0 ? Status.UNKNOWN : { currency, amount };
}

function fingerprintOf(operation: TransactionOperation, fields: Fields): string | undefined {
  try {
    return fingerprint(operation, fields);
  } catch {
    return undefined; // a nested value could not be read
  }
}
