import { fingerprint } from './fingerprint.js';
import { Status, type TransactionOperation } from './types.js';
import { isUuid } from './uuid.js';

/** The own enumerable fields of a request body, read once so later checks see one snapshot. */
export type Fields = ReadonlyMap<string, unknown>;

/** A bet whose fields have the right types. */
export interface BetCommand {
  readonly operation: 'bet';
  readonly transactionUuid: string;
  readonly requestUuid: string;
  readonly currency: string;
  /** A non-negative safe integer. */
  readonly amount: number;
  readonly fingerprint: string;
}

/** A win whose fields have the right types. */
export interface WinCommand extends Omit<BetCommand, 'operation'> {
  readonly operation: 'win';
  readonly referenceUuid: string;
}

/** A rollback whose fields have the right types. */
export interface RollbackCommand {
  readonly operation: 'rollback';
  readonly transactionUuid: string;
  readonly requestUuid: string;
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
  const transactionUuid = fields.get('transaction_uuid');
  const requestUuid = fields.get('request_uuid');
  if (!isUuid(transactionUuid) || !isUuid(requestUuid)) return Status.WRONG_TYPES;
  const referenceUuid = fields.get('reference_transaction_uuid');
  if (operation === 'rollback') {
    if (!isUuid(referenceUuid)) return Status.WRONG_TYPES;
    const print = fingerprintOf(operation, fields);
    return print === undefined ? Status.WRONG_SYNTAX : { operation, transactionUuid, requestUuid, referenceUuid, fingerprint: print };
  }
  if (operation === 'win' && !isUuid(referenceUuid)) return Status.WRONG_TYPES;
  const currency = fields.get('currency');
  const amount = fields.get('amount');
  if (typeof currency !== 'string' || typeof amount !== 'number' || !Number.isSafeInteger(amount)) {
    return Status.WRONG_TYPES;
  }
  if (amount < 0) return Status.UNKNOWN;
  const print = fingerprintOf(operation, fields);
  if (print === undefined) return Status.WRONG_SYNTAX;
  return operation === 'bet'
    ? { operation, transactionUuid, requestUuid, currency, amount, fingerprint: print }
    : { operation, transactionUuid, requestUuid, referenceUuid: referenceUuid as string /* checked above */, currency, amount, fingerprint: print };
}

function fingerprintOf(operation: TransactionOperation, fields: Fields): string | undefined {
  try {
    return fingerprint(operation, fields);
  } catch {
    return undefined; // a nested value could not be read
  }
}
