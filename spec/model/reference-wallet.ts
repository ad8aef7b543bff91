/**
 * A reference wallet: SPEC sections 3-6 and 8 written as plainly as possible, synchronous, with
 * no concern for speed. Property tests require the engine to answer exactly as this does.
 */

type Json = Record<string, unknown>;
type Operation = 'bet' | 'win' | 'rollback' | 'deposit' | 'withdraw';

interface Transaction {
  operation: Operation;
  body: Json;
  user: string;
  fingerprint: string;
  response: Json;
  /** Money this transaction moved into the balance (a bet or withdrawal moves a negative amount). */
  moved: number;
  /** Bets only. */
  amount: number;
  won: boolean;
  cancelled: boolean;
}

interface Reservation {
  user: string;
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const CURRENCY = /^[A-Z]{3}$/;

export class ReferenceWallet {
  readonly balances = new Map<string, number>();
  readonly currencies = new Map<string, string>();
  readonly disabled = new Set<string>();
  readonly transactions = new Map<string, Transaction>();
  readonly reservations = new Map<string, Reservation>();
  readonly initialBalance: number;
  readonly currency: string;
  /** What the users held when they were created, in total. */
  opened = 0n;

  constructor(initialBalance = 100_000, currency = 'USD') {
    this.initialBalance = initialBalance;
    this.currency = currency;
  }

  /**
   * Creates each valid item: a non-empty name, or `{ user, currency?, balance? }` with a
   * currency of three capital letters (or the engine's) and a non-negative safe integer balance.
   * The first valid item naming a user wins; an existing user is never changed.
   */
  createUsers(items: readonly unknown[]): void {
    for (const item of items) {
      let user: unknown = item;
      let currency: unknown = this.currency;
      let balance: unknown = this.initialBalance;
      if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
        const fields = item as Json;
        user = fields.user;
        if (fields.currency !== undefined) currency = fields.currency;
        if (fields.balance !== undefined) balance = fields.balance;
      }
      if (typeof user !== 'string' || user === '' || this.balances.has(user)) continue;
      if (typeof currency !== 'string' || !(CURRENCY.test(currency) || currency === this.currency)) continue;
      if (typeof balance !== 'number' || !Number.isSafeInteger(balance) || balance < 0) continue;
      this.balances.set(user, balance);
      this.currencies.set(user, currency);
      this.opened += BigInt(balance);
    }
  }

  /** Disables or enables a user's new bets; false for a user that does not exist. */
  setUserDisabled(user: unknown, disabled: boolean): boolean {
    if (typeof user !== 'string' || !this.balances.has(user)) return false;
    if (disabled) this.disabled.add(user);
    else this.disabled.delete(user);
    return true;
  }

  /** The money that recorded transactions moved, in total; exact, as a sum can pass 2^53. */
  moved(): bigint {
    let total = 0n;
    for (const transaction of this.transactions.values()) total += BigInt(transaction.moved);
    return total;
  }

  balance(body: unknown): Json {
    if (!isPlainObject(body)) return { user: '', status: 'RS_ERROR_WRONG_SYNTAX', request_uuid: '' };
    const user = text(body.user);
    if (!this.balances.has(user)) return { user, status: 'RS_ERROR_UNKNOWN', request_uuid: text(body.request_uuid) };
    return this.answer(user, 'RS_OK', text(body.request_uuid));
  }

  call(operation: Operation, body: unknown): Json {
    if (!isPlainObject(body)) return { user: '', status: 'RS_ERROR_WRONG_SYNTAX', request_uuid: '' };
    const user = text(body.user);
    const requestUuid = text(body.request_uuid);
    if (!this.balances.has(user)) return { user, status: 'RS_ERROR_UNKNOWN', request_uuid: requestUuid };
    const fail = (status: string): Json => this.answer(user, status, requestUuid);
    const referencing = operation === 'win' || operation === 'rollback';

    if (!isUuid(body.transaction_uuid) || !isUuid(body.request_uuid)) return fail('RS_ERROR_WRONG_TYPES');
    if (referencing && !isUuid(body.reference_transaction_uuid)) return fail('RS_ERROR_WRONG_TYPES');
    const amount = body.amount as number;
    if (operation !== 'rollback') {
      if (typeof body.currency !== 'string' || !Number.isSafeInteger(body.amount)) return fail('RS_ERROR_WRONG_TYPES');
      if (amount < 0) return fail('RS_ERROR_UNKNOWN');
    }

    // UUIDs are case-insensitive: both ids are matched, stored and fingerprinted in lower case.
    const id = (body.transaction_uuid as string).toLowerCase();
    const reference = referencing && typeof body.reference_transaction_uuid === 'string' ? body.reference_transaction_uuid.toLowerCase() : '';
    const print = `${operation}|${canonical(fingerprinted(body))}`;
    const recorded = this.transactions.get(id);
    if (recorded !== undefined) return recorded.fingerprint === print ? recorded.response : fail('RS_ERROR_DUPLICATE_TRANSACTION');
    if (this.reservations.has(id)) return fail('RS_ERROR_TRANSACTION_ROLLED_BACK');

    const balance = this.balances.get(user) as number;
    const own = this.currencies.get(user);
    const bet = this.transactions.get(reference);
    const ownBet = bet !== undefined && bet.operation === 'bet' && bet.user === user ? bet : undefined;
    const ownReservation = this.reservations.get(reference)?.user === user;
    let moved = 0;

    if (operation === 'bet') {
      // Right after idempotency: an exact retry of an earlier bet still replays.
      if (this.disabled.has(user)) return fail('RS_ERROR_USER_DISABLED');
      if (body.currency !== own) return fail('RS_ERROR_WRONG_CURRENCY');
      if (amount > balance) return fail('RS_ERROR_NOT_ENOUGH_MONEY');
      moved = -amount;
    } else if (operation === 'deposit') {
      if (body.currency !== own) return fail('RS_ERROR_WRONG_CURRENCY');
      if (balance + amount > Number.MAX_SAFE_INTEGER) return fail('RS_ERROR_UNKNOWN');
      moved = amount;
    } else if (operation === 'withdraw') {
      if (body.currency !== own) return fail('RS_ERROR_WRONG_CURRENCY');
      if (amount > balance) return fail('RS_ERROR_NOT_ENOUGH_MONEY');
      moved = -amount;
    } else if (operation === 'win') {
      if (body.currency !== own) return fail('RS_ERROR_WRONG_CURRENCY');
      if (ownReservation) return fail('RS_ERROR_TRANSACTION_ROLLED_BACK');
      if (ownBet === undefined) return fail('RS_ERROR_TRANSACTION_DOES_NOT_EXIST');
      if (ownBet.cancelled) return fail('RS_ERROR_TRANSACTION_ROLLED_BACK');
      if (ownBet.won) return fail('RS_ERROR_UNKNOWN');
      if (balance + amount > Number.MAX_SAFE_INTEGER) return fail('RS_ERROR_UNKNOWN');
      ownBet.won = true;
      moved = amount;
    } else if (ownReservation || ownBet?.cancelled === true) {
      moved = 0;
    } else if (ownBet !== undefined) {
      if (ownBet.won) return fail('RS_ERROR_UNKNOWN');
      if (balance + ownBet.amount > Number.MAX_SAFE_INTEGER) return fail('RS_ERROR_UNKNOWN');
      ownBet.cancelled = true;
      moved = ownBet.amount;
    } else if (bet !== undefined || this.reservations.has(reference) || reference === id) {
      // Another user's bet, a win, a rollback, a deposit or withdrawal, or the rollback itself.
      return fail('RS_ERROR_TRANSACTION_DOES_NOT_EXIST');
    } else {
      this.reservations.set(reference, { user });
    }

    this.balances.set(user, balance + moved);
    const response = this.answer(user, 'RS_OK', requestUuid);
    this.transactions.set(id, {
      operation,
      body,
      user,
      fingerprint: print,
      response,
      moved,
      amount: operation === 'bet' ? amount : 0,
      won: false,
      cancelled: false,
    });
    return response;
  }

  private answer(user: string, status: string, requestUuid: string): Json {
    return { user, status, request_uuid: requestUuid, currency: this.currencies.get(user), balance: this.balances.get(user) };
  }
}

function isPlainObject(value: unknown): value is Json {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function isUuid(value: unknown): boolean {
  return typeof value === 'string' && UUID.test(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The fields a fingerprint covers: all but request_uuid, with the transaction ids in lower case. */
function fingerprinted(body: Json): Json {
  const copy: Json = {};
  for (const key of Object.keys(body)) {
    const value = body[key];
    if (key === 'request_uuid') continue;
    const caseFree = key === 'transaction_uuid' || key === 'reference_transaction_uuid';
    copy[key] = caseFree && typeof value === 'string' ? value.toLowerCase() : value;
  }
  return copy;
}

/** JSON with object keys sorted at every depth; the bodies tests generate are plain JSON. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Json;
    const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(record[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
