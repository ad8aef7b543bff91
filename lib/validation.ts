import { fingerprint, type FieldList } from './fingerprint.js';
import { Status, type TransactionOperation } from './types.js';
import { isUuid } from './uuid.js';

/**
 * The own enumerable fields of a request body, read once so later checks see one snapshot: the
 * keys in the body's order and their values, index for index. Two arrays rather than a `Map`:
 * a body has a handful of fields, and every request reads one.
 */
export class Fields implements FieldList {
  constructor(
    readonly keys: readonly string[],
    readonly values: readonly unknown[],
  ) {}

  /** The value of `key`, or `undefined` when the body has no such field. */
  get(key: string): unknown {
    const at = this.keys.indexOf(key);
    return at < 0 ? undefined : this.values[at];
  }
}

/**
 * What a transaction keeps of the Hub88 fields beside those the rules judge: for the limits
 * (`is_free`), for the back office (round, game), and the session `token` a bet is checked
 * against. Each is set only when the body has it with that type.
 */
export interface Details {
  /** `is_free: true`: a free bet, counted by no limit. */
  readonly isFree?: boolean;
  readonly round?: string;
  readonly roundClosed?: boolean;
  readonly gameCode?: string;
  /** The session token, when it is a string (never journaled: recovery checks no token). */
  readonly token?: string;
}

/** A bet whose fields have the right types. */
export interface BetCommand extends Details {
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
export interface RollbackCommand extends Details {
  readonly operation: 'rollback';
  readonly transactionUuid: string;
  readonly requestUuid: string;
  readonly referenceUuid: string;
  readonly fingerprint: string;
}

/** A cashier's deposit or withdrawal whose fields have the right types. */
export interface CashierCommand extends Omit<BetCommand, 'operation'> {
  readonly operation: 'deposit' | 'withdraw';
}

/** A transaction request that passed checks 3 and 4; what the rules decide on. */
export type Command = BetCommand | WinCommand | RollbackCommand | CashierCommand;

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
    const keys = Object.keys(body);
    const values = new Array<unknown>(keys.length);
    for (let i = 0; i < keys.length; i += 1) values[i] = (body as Record<string, unknown>)[keys[i] as string];
    return new Fields(keys, values);
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
 * integer. Returns the typed command, or the status of the first failed check; a body whose
 * canonical form cannot be read or passes 1 MiB is `RS_ERROR_WRONG_SYNTAX`.
 *
 * UUID hex digits are case-insensitive (RFC 4122), so `transaction_uuid` and
 * `reference_transaction_uuid` are lower-cased here, and everything downstream matches and
 * stores them in that one form: an upper-cased retry is the same request and an upper-cased
 * reference names the same bet. `request_uuid` is kept as sent, to be echoed.
 */
export function parseCommand(operation: TransactionOperation, fields: Fields): Command | Status {
  const sentTransactionUuid = fields.get('transaction_uuid');
  const requestUuid = fields.get('request_uuid');
  if (!isUuid(sentTransactionUuid) || !isUuid(requestUuid)) return Status.WRONG_TYPES;
  const transactionUuid = sentTransactionUuid.toLowerCase();
  if (operation === 'bet' || operation === 'deposit' || operation === 'withdraw') {
    const currency = fields.get('currency');
    const amount = fields.get('amount');
    const refused = checkAmount(currency, amount);
    if (refused !== undefined) return refused;
    const print = fingerprintOf(operation, fields);
    return print === undefined ? Status.WRONG_SYNTAX : withDetails({ operation, transactionUuid, requestUuid, currency: currency as string, amount: amount as number, fingerprint: print }, fields);
  }
  const sentReferenceUuid = fields.get('reference_transaction_uuid');
  if (!isUuid(sentReferenceUuid)) return Status.WRONG_TYPES;
  const referenceUuid = sentReferenceUuid.toLowerCase();
  if (operation === 'rollback') {
    const print = fingerprintOf(operation, fields);
    return print === undefined ? Status.WRONG_SYNTAX : withDetails({ operation, transactionUuid, requestUuid, referenceUuid, fingerprint: print }, fields);
  }
  const currency = fields.get('currency');
  const amount = fields.get('amount');
  const refused = checkAmount(currency, amount);
  if (refused !== undefined) return refused;
  const print = fingerprintOf(operation, fields);
  return print === undefined
    ? Status.WRONG_SYNTAX
    : withDetails({ operation, transactionUuid, requestUuid, referenceUuid, currency: currency as string, amount: amount as number, fingerprint: print }, fields);
}

/** `command`, fresh from its literal, given the {@link Details} the body carries with their types. */
function withDetails<C extends Command>(command: C, fields: Fields): C {
  const { keys, values } = fields;
  const details = command as { -readonly [K in keyof Details]: Details[K] };
  for (let i = 0; i < keys.length; i += 1) {
    const value = values[i];
    switch (keys[i]) {
      case 'is_free':
        if (value === true) details.isFree = true;
        break;
      case 'round':
        if (typeof value === 'string') details.round = value;
        break;
      case 'round_closed':
        if (value === true) details.roundClosed = true;
        break;
      case 'game_code':
        if (typeof value === 'string') details.gameCode = value;
        break;
      case 'token':
        if (typeof value === 'string') details.token = value;
        break;
    }
  }
  return command;
}
/** Checks 3 and 4 for `currency` and `amount` of a bet or win: the status of the first that fails, if one does. */
function checkAmount(currency: unknown, amount: unknown): Status | undefined {
  if (typeof currency !== 'string' || typeof amount !== 'number' || !Number.isSafeInteger(amount)) {
    return Status.WRONG_TYPES;
  }
  return amount < 0 ? Status.UNKNOWN : undefined;
}

/** The request's fingerprint, or `undefined` when its body cannot be read or is too large. */
function fingerprintOf(operation: TransactionOperation, fields: Fields): string | undefined {
  try {
    return fingerprint(operation, fields);
  } catch {
    return undefined; // a nested value could not be read
  }
}
