/**
 * A reference wallet: SPEC sections 3-6 written as plainly as possible, synchronous, with no
 * concern for speed. Property tests require the engine to answer exactly as this does.
 */

type Json = Record<string, unknown>;
type Operation = 'bet' | 'win' | 'rollback';

interface Transaction {
  operation: Operation;
  body: Json;
  user: string;
  fingerprint: string;
  response: Json;
  /** Money this transaction moved into the balance (a bet moves a negative amount). */
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

export class ReferenceWallet {
  readonly balances = new Map<string, number>();
  readonly transactions = new Map<string, Transaction>();
  readonly reservations = new Map<string, Reservation>();
  readonly initialBalance: number;

  constructor(initialBalance = 100_000) {
    this.initialBalance = initialBalance;
  }

  createUsers(users: unknown[]): void {
    for (const user of users) {
      if (typeof user === 'string' && user !== '' && !this.balances.has(user)) {
        this.balances.set(user, this.initialBalance);
      }
    }
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

    if (!isUuid(body.transaction_uuid) || !isUuid(body.request_uuid)) return fail('RS_ERROR_WRONG_TYPES');
    if (operation !== 'bet' && !isUuid(body.reference_transaction_uuid)) return fail('RS_ERROR_WRONG_TYPES');
    const amount = body.amount as number;
    if (operation !== 'rollback') {
      if (typeof body.currency !== 'string' || !Number.isSafeInteger(body.amount)) return fail('RS_ERROR_WRONG_TYPES');
      if (amount < 0) return fail('RS_ERROR_UNKNOWN');
    }

    // UUIDs are case-insensitive: both ids are matched, stored and fingerprinted in lower case.
    const id = (body.transaction_uuid as string).toLowerCase();
    const reference = typeof body.reference_transaction_uuid === 'string' ? body.reference_transaction_uuid.toLowerCase() : '';
    const print = `${operation}|${canonical(fingerprinted(body))}`;
    const recorded = this.transactions.get(id);
    if (recorded !== undefined) return recorded.fingerprint === print ? recorded.response : fail('RS_ERROR_DUPLICATE_TRANSACTION');
    if (this.reservations.has(id)) return fail('RS_ERROR_TRANSACTION_ROLLED_BACK');

    const balance = this.balances.get(user) as number;
    const bet = this.transactions.get(reference);
    const ownBet = bet !== undefined && bet.operation === 'bet' && bet.user === user ? bet : undefined;
    const ownReservation = this.reservations.get(reference)?.user === user;
    let moved = 0;

    if (operation === 'bet') {
      if (body.currency !== 'USD') return fail('RS_ERROR_WRONG_CURRENCY');
      if (amount > balance) return fail('RS_ERROR_NOT_ENOUGH_MONEY');
      moved = -amount;
    } else if (operation === 'win') {
      if (body.currency !== 'USD') return fail('RS_ERROR_WRONG_CURRENCY');
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
    return { user, status, request_uuid: requestUuid, currency: 'USD', balance: this.balances.get(user) };
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
