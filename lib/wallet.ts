import { nanoid } from 'nanoid';
import { checkedTime } from './clock.js';
import type { RecoveryReport } from './journal/store.js';
import { MemoryStore } from './memory-store.js';
import { PostgresStore } from './pg/store.js';
import type { Store, StoreHealth, StoreMetrics, StoreStats } from './store.js';
import type { UserSpec } from './users.js';
import { Supervisor } from './supervisor.js';
import type {
  BalanceRequest,
  BetRequest,
  CashierRequest,
  Operation,
  RollbackRequest,
  WalletOptions,
  WalletResponse,
  WinRequest,
} from './types.js';

/** Balance of a new user unless {@link WalletOptions.initialBalance} says otherwise. */
export const DEFAULT_INITIAL_BALANCE = 100_000;
/** Currency of a new user unless {@link WalletOptions.currency} says otherwise. */
export const DEFAULT_CURRENCY = 'USD';
/** Records between snapshots unless {@link WalletOptions.snapshotEvery} says otherwise. */
export const DEFAULT_SNAPSHOT_EVERY = 1_000_000;
/** Days the embedded store keeps a record unless {@link WalletOptions.retentionDays} says otherwise. */
export const DEFAULT_RETENTION_DAYS = 120;

const OPERATIONS: ReadonlySet<string> = new Set<Operation>(['bet', 'win', 'rollback', 'balance', 'deposit', 'withdraw']);

/**
 * One isolated wallet engine, made by {@link start}. Its methods answer Hub88 Operator wallet
 * requests; none of them throws or rejects, whatever the body holds.
 */
export class Wallet {
  /** A random id that tells engines apart in logs. */
  readonly id: string = nanoid();
  readonly #supervisor: Supervisor;
  readonly #store: Store;
  /** The embedded store, when the state lives in this process. */
  readonly #memory: MemoryStore | undefined;

  constructor(options: WalletOptions = {}) {
    const { initialBalance = DEFAULT_INITIAL_BALANCE, currency = DEFAULT_CURRENCY, journal, snapshotEvery = DEFAULT_SNAPSHOT_EVERY, database, logger } = options;
    if (!Number.isSafeInteger(initialBalance) || initialBalance < 0) {
      throw new RangeError(`initialBalance must be a non-negative safe integer, got ${String(initialBalance)}`);
    }
    if (typeof currency !== 'string' || currency === '') {
      throw new TypeError(`currency must be a non-empty string, got ${String(currency)}`);
    }
    if (journal !== undefined && (typeof journal !== 'string' || journal === '')) {
      throw new TypeError(`journal must be a directory path, got ${String(journal)}`);
    }
    if (!Number.isSafeInteger(snapshotEvery) || snapshotEvery < 1) {
      throw new RangeError(`snapshotEvery must be a positive safe integer, got ${String(snapshotEvery)}`);
    }
    if (database !== undefined && journal !== undefined) {
      throw new TypeError('journal and database exclude each other: the state lives in one store');
    }
    if (database === undefined) {
      const { retentionDays = DEFAULT_RETENTION_DAYS, clock, heapLimitRatio, memoryLimit } = options;
      if (!Number.isSafeInteger(retentionDays) || retentionDays < 0) throw new RangeError(`retentionDays must be a non-negative safe integer, got ${String(retentionDays)}`);
      if (heapLimitRatio !== undefined && !(heapLimitRatio > 0 && heapLimitRatio <= 1)) throw new RangeError(`heapLimitRatio must be in (0, 1], got ${String(heapLimitRatio)}`);
      if (memoryLimit !== undefined && !(Number.isSafeInteger(memoryLimit) && memoryLimit > 0)) throw new RangeError(`memoryLimit must be a positive whole number of bytes, got ${String(memoryLimit)}`);
      checkClock(clock);
      const memory = {
        retentionDays,
        ...(clock === undefined ? {} : { clock }),
        ...(heapLimitRatio === undefined ? {} : { heapLimitRatio }),
        ...(memoryLimit === undefined ? {} : { memoryLimit }),
        ...(logger === undefined ? {} : { logger }),
      };
      this.#memory = new MemoryStore(currency, journal === undefined ? undefined : { directory: journal, snapshotEvery, currency, initialBalance }, memory);
      this.#store = this.#memory;
    } else {
      const settings = typeof database === 'string' ? { url: database } : database;
      if (typeof settings?.url !== 'string' || settings.url === '') throw new TypeError(`database must be a postgres:// URL, got ${String(settings?.url)}`);
      checkClock(settings.clock);
      this.#store = new PostgresStore(logger === undefined ? settings : { ...settings, logger });
    }
    this.#supervisor = new Supervisor(this.#store, { currency, initialBalance });
  }

  /** For an engine started with a journal: what recovery found and how long it took. */
  get recovery(): RecoveryReport | undefined {
    return this.#memory?.recovery;
  }

  /** For an engine with a journal: writes to its current journal so far, one `fdatasync` each. */
  get journalCommits(): number | undefined {
    return this.#memory?.durability?.commits;
  }

  /**
   * For an engine with a journal: why the last snapshot failed, until one succeeds. A failed
   * snapshot fails no request: the engine journals on and tries again after another
   * `snapshotEvery` records (each failure of an automatic one is also a process warning, code
   * `EXWALLET_SNAPSHOT_FAILED`).
   */
  get snapshotError(): Error | undefined {
    return this.#memory?.durability?.snapshotError;
  }

  /**
   * For an engine with a journal: writes a snapshot of the state and starts a new journal.
   * Rejects, changing nothing the engine answers, if the snapshot cannot be written, after
   * {@link stop} or after a failed journal write.
   */
  snapshot(): Promise<void> {
    return this.#memory?.durability?.snapshot() ?? Promise.resolve();
  }

  /** The embedded store's number of users; `undefined` with PostgreSQL (see {@link stats}). */
  get userCount(): number | undefined {
    return this.#memory?.userCount;
  }

  /** The embedded store's number of recorded transactions; `undefined` with PostgreSQL (see {@link stats}). */
  get transactionCount(): number | undefined {
    return this.#memory?.transactionCount;
  }

  /** Users and recorded (successful) transactions, whatever the store. */
  stats(): Promise<StoreStats> {
    return this.#store.stats();
  }

  /**
   * Runs one retention pass now (it also runs by itself): drops transaction records older than
   * `retentionDays` (the option, or PostgreSQL's own), never an open bet. Resolves to the number
   * dropped. With a journal, the pass is a snapshot (see "Durability" in the README).
   */
  purge(): Promise<number> {
    return this.#store.purge();
  }

  /** Running totals of the store's commits, for monitoring (see {@link StoreMetrics}). */
  metrics(): StoreMetrics {
    return this.#store.metrics();
  }

  /** Whether the store can commit: false after a failed journal write, or while the database cannot be reached. */
  health(): Promise<StoreHealth> {
    return this.#store.health();
  }

  /**
   * Creates users: each item a name (the engine's currency and initial balance) or
   * `{ user, currency?, balance? }` (a currency of three upper-case letters, a non-negative safe
   * integer balance). A name is 1 to 255 UTF-8 bytes with no NUL and no lone surrogate. Ignores
   * other names, invalid items and users that already exist (a user is never changed); a name
   * listed twice counts once. Resolves once they are stored.
   */
  createUsers(users: readonly UserSpec[]): Promise<void> {
    return this.#supervisor.createUsers(users);
  }

  /** Operator: credits `amount` to the user, idempotent by `transaction_uuid` like a bet. */
  deposit(body: CashierRequest): Promise<WalletResponse> {
    return this.#supervisor.handle('deposit', body);
  }

  /** Operator: debits `amount` from the user (`RS_ERROR_NOT_ENOUGH_MONEY` past the balance), idempotent like a bet. */
  withdraw(body: CashierRequest): Promise<WalletResponse> {
    return this.#supervisor.handle('withdraw', body);
  }

  /**
   * Operator: a disabled user's new bets get `RS_ERROR_USER_DISABLED` (a retry of an earlier bet
   * still replays); wins, rollbacks, cashier operations and balance calls are served as usual.
   * Resolves to false for an unknown user, and for a name no user can have.
   */
  setUserDisabled(user: string, disabled: boolean): Promise<boolean> {
    return this.#supervisor.setUserDisabled(user, disabled);
  }

  /** `POST /transaction/bet`: takes `amount` from the user's balance. */
  bet(body: BetRequest): Promise<WalletResponse> {
    return this.#supervisor.handle('bet', body);
  }

  /** `POST /transaction/win`: pays `amount` for the bet named by `reference_transaction_uuid`. */
  win(body: WinRequest): Promise<WalletResponse> {
    return this.#supervisor.handle('win', body);
  }

  /** `POST /transaction/rollback`: cancels the bet named by `reference_transaction_uuid`. */
  rollback(body: RollbackRequest): Promise<WalletResponse> {
    return this.#supervisor.handle('rollback', body);
  }

  /** `POST /user/balance`: the user's current balance. Records nothing. */
  balance(body: BalanceRequest): Promise<WalletResponse> {
    return this.#supervisor.handle('balance', body);
  }

  /**
   * The untyped door: answers `operation` for a body of unknown shape, such as parsed JSON from
   * the network or a JavaScript caller's object. Whatever the body holds, the answer is a
   * response with an `RS_*` status, never an exception. The typed methods ({@link Wallet.bet}
   * ...) answer the same; they only let the compiler check the body first.
   *
   * @throws TypeError when `operation` is not one of `'bet'`, `'win'`, `'rollback'`, `'balance'`,
   *   `'deposit'`, `'withdraw'`: a programming error, not a request.
   */
  handle(operation: Operation, body: unknown): Promise<WalletResponse> {
    if (!OPERATIONS.has(operation)) throw new TypeError(`operation must be bet, win, rollback, balance, deposit or withdraw, got ${String(operation)}`);
    return this.#supervisor.handle(operation, body);
  }

  /**
   * Stops the engine: requests sent from now on are answered `RS_ERROR_UNKNOWN`; resolves once
   * every request sent before has been answered.
   */
  stop(): Promise<void> {
    return this.#supervisor.stop();
  }
}

/** A `clock` option: a function whose reading now lies in 1970-9999 (SPEC 9); throws TypeError or RangeError otherwise. */
function checkClock(clock: unknown): void {
  if (clock === undefined) return;
  if (typeof clock !== 'function') throw new TypeError(`clock must be a function giving milliseconds since the epoch, got ${String(clock)}`);
  checkedTime((clock as () => number)());
}
