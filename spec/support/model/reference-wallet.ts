/**
 * A reference wallet: SPEC sections 3-6, 8, 10 and 12 written as plainly as possible,
 * synchronous, with no concern for speed. Property tests require the engine to answer exactly as
 * this does.
 */

type Json = Record<string, unknown>;
type Operation = 'bet' | 'win' | 'rollback' | 'deposit' | 'withdraw';

export type LimitName = 'wager_day' | 'wager_week' | 'wager_month' | 'loss_day' | 'loss_week' | 'loss_month';
export const LIMIT_NAMES: readonly LimitName[] = ['wager_day', 'wager_week', 'wager_month', 'loss_day', 'loss_week', 'loss_month'];
type Limits = Record<LimitName, number | null>;
const NO_LIMITS: Limits = { wager_day: null, wager_week: null, wager_month: null, loss_day: null, loss_week: null, loss_month: null };

const DAY_MS = 86_400_000;
/** A raise (or a removal) of a limit waits this long. */
const COOLING_OFF_MS = DAY_MS;
/** A new session lasts this long unless asked otherwise. */
const DEFAULT_TTL_SECONDS = 14_400;

/** The options the engine was started with that change answers: tokens required, and the clock (ms). */
export interface ReferenceOptions {
  readonly requireToken?: boolean;
  readonly clock?: () => number;
}

/** A field that made an operator call reject (InvalidFieldError's `field`). */
export class RejectedField extends Error {
  constructor(readonly field: string) {
    super(`invalid field ${field}`);
  }
}

interface ReferenceSession {
  user: string;
  expiresAt: number;
}

interface LimitSettings {
  limits: Limits;
  pending: Partial<Record<LimitName, { value: number | null; at: number }>>;
}

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
  /** When it was applied (ms, the engine's clock). */
  at: number;
  /** Bets: `is_free: true`. Wins: the bet they pay was free. Counted by no limit. */
  free: boolean;
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
  /** Open sessions by token (a closed one is deleted). */
  readonly sessions = new Map<string, ReferenceSession>();
  /** Limits of the users that were ever given one. */
  readonly limits = new Map<string, LimitSettings>();
  readonly requireToken: boolean;
  readonly clock: () => number;
  /** What the users held when they were created, in total. */
  opened = 0n;

  constructor(initialBalance = 100_000, currency = 'USD', options: ReferenceOptions = {}) {
    this.initialBalance = initialBalance;
    this.currency = currency;
    this.requireToken = options.requireToken ?? false;
    this.clock = options.clock ?? Date.now;
  }

  /**
   * Opens a session (the token is the engine's, which nobody can predict): the answer
   * `{ token, user, currency, game_code?, expires_at }`, undefined for an unknown user; throws
   * RejectedField for a game_code or ttl_seconds out of shape.
   */
  openSession(ask: { user: unknown; game_code?: unknown; ttl_seconds?: unknown }, token: string): Json | undefined {
    const { user, game_code: gameCode, ttl_seconds: ttl = DEFAULT_TTL_SECONDS } = ask;
    if (gameCode !== undefined && (typeof gameCode !== 'string' || gameCode.length > 255)) throw new RejectedField('game_code');
    if (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl < 60 || ttl > 604_800) throw new RejectedField('ttl_seconds');
    if (typeof user !== 'string' || !this.balances.has(user)) return undefined;
    const expiresAt = this.clock() + ttl * 1000;
    this.sessions.set(token, { user, expiresAt });
    const answer: Json = { token, user, currency: this.currencies.get(user) };
    if (gameCode !== undefined) answer.game_code = gameCode;
    answer.expires_at = new Date(expiresAt).toISOString();
    return answer;
  }

  /** Closes a session: false when the token names none. */
  closeSession(token: string): boolean {
    return this.sessions.delete(token);
  }

  /** The status a bet's or balance call's token is refused with, if it is. */
  private tokenRefusal(user: string, token: unknown): string | undefined {
    const session = typeof token === 'string' ? this.sessions.get(token) : undefined;
    if (session === undefined || session.user !== user) return 'RS_ERROR_INVALID_TOKEN';
    return this.clock() >= session.expiresAt ? 'RS_ERROR_TOKEN_EXPIRED' : undefined;
  }

  /** The limits in force now and the raises still waiting. */
  private limitsNow(user: string): LimitSettings {
    const set = this.limits.get(user);
    if (set === undefined) return { limits: { ...NO_LIMITS }, pending: {} };
    const now = this.clock();
    const limits = { ...set.limits };
    const pending = { ...set.pending };
    for (const name of LIMIT_NAMES) {
      const raise = pending[name];
      if (raise !== undefined && raise.at <= now) {
        limits[name] = raise.value;
        delete pending[name];
      }
    }
    return { limits, pending };
  }

  /**
   * The wager and loss of each current period, summed from the recorded transactions: bets made
   * in the period and not cancelled, wins paid in it; free bets and their wins left out.
   */
  usage(user: string): Record<LimitName, number> {
    const now = periods(this.clock());
    const wager = { day: 0, week: 0, month: 0 };
    const wins = { day: 0, week: 0, month: 0 };
    for (const transaction of this.transactions.values()) {
      if (transaction.user !== user || transaction.free) continue;
      const sums = transaction.operation === 'bet' && !transaction.cancelled ? wager : transaction.operation === 'win' ? wins : undefined;
      if (sums === undefined) continue;
      const amount = transaction.operation === 'bet' ? transaction.amount : transaction.moved;
      const made = periods(transaction.at);
      for (const period of ['day', 'week', 'month'] as const) if (made[period] === now[period]) sums[period] += amount;
    }
    return {
      wager_day: wager.day,
      wager_week: wager.week,
      wager_month: wager.month,
      loss_day: wager.day - wins.day,
      loss_week: wager.week - wins.week,
      loss_month: wager.month - wins.month,
    };
  }

  /** `{ user, limits, pending, usage }`, or undefined for an unknown user. */
  getLimits(user: string): Json | undefined {
    if (!this.balances.has(user)) return undefined;
    const { limits, pending } = this.limitsNow(user);
    const waiting: Json = {};
    for (const name of LIMIT_NAMES) {
      const raise = pending[name];
      if (raise !== undefined) waiting[name] = { value: raise.value, applies_at: new Date(raise.at).toISOString() };
    }
    return { user, limits, pending: waiting, usage: this.usage(user) };
  }

  /**
   * Sets limits: a first or a lower (or equal) one at once, dropping a raise of it that waits; a
   * higher one or null over a limit waits 24 hours from now. Throws RejectedField for a bad name
   * or value (nothing changes); undefined for an unknown user.
   */
  setLimits(user: string, update: Json): Json | undefined {
    for (const [name, value] of Object.entries(update)) {
      if (!(LIMIT_NAMES as readonly string[]).includes(name)) throw new RejectedField(name);
      if (value !== null && !(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) throw new RejectedField(name);
    }
    if (!this.balances.has(user)) return undefined;
    const next = this.limitsNow(user);
    for (const name of LIMIT_NAMES) {
      if (!(name in update)) continue;
      const value = update[name] as number | null;
      const inForce = next.limits[name];
      delete next.pending[name];
      if (inForce === null || (value !== null && value <= inForce)) next.limits[name] = value;
      else next.pending[name] = { value, at: this.clock() + COOLING_OFF_MS };
    }
    this.limits.set(user, next);
    return this.getLimits(user);
  }

  /** Whether a bet of `amount` now would take a current period past a limit in force. */
  private passesLimit(user: string, amount: number): boolean {
    if (!this.limits.has(user)) return false;
    const { limits } = this.limitsNow(user);
    if (LIMIT_NAMES.every((name) => limits[name] === null)) return false;
    const sums = this.usage(user);
    return LIMIT_NAMES.some((name) => limits[name] !== null && sums[name] + amount > (limits[name] as number));
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
    const refused = this.requireToken ? this.tokenRefusal(user, body.token) : undefined;
    return this.answer(user, refused ?? 'RS_OK', text(body.request_uuid));
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
    const free = operation === 'bet' ? body.is_free === true : operation === 'win' && ownBet !== undefined && ownBet.free;

    if (operation === 'bet') {
      // Right after idempotency: an exact retry of an earlier bet still replays.
      const refused = this.requireToken ? this.tokenRefusal(user, body.token) : undefined;
      if (refused !== undefined) return fail(refused);
      if (this.disabled.has(user)) return fail('RS_ERROR_USER_DISABLED');
      if (body.currency !== own) return fail('RS_ERROR_WRONG_CURRENCY');
      // A free bet counts in no period, and no limit refuses it.
      if (!free && this.passesLimit(user, amount)) return fail('RS_ERROR_LIMIT_REACHED');
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
      at: this.clock(),
      free,
    });
    return response;
  }

  private answer(user: string, status: string, requestUuid: string): Json {
    return { user, status, request_uuid: requestUuid, currency: this.currencies.get(user), balance: this.balances.get(user) };
  }
}

/** The UTC day, ISO week (from Monday 00:00) and month a time (ms) falls in, each as a number. */
function periods(time: number): { day: number; week: number; month: number } {
  const day = Math.floor(time / DAY_MS);
  const date = new Date(time);
  // Day 0, 1970-01-01, was a Thursday: weeks are counted from Monday 1969-12-29.
  return { day, week: Math.floor((day + 3) / 7), month: date.getUTCFullYear() * 12 + date.getUTCMonth() };
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
