import { nanoid } from 'nanoid';
import type { RecoveryReport } from './journal/store.js';
import { MemoryStore } from './memory-store.js';
import { Supervisor } from './supervisor.js';
import type {
  BalanceRequest,
  BetRequest,
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

const OPERATIONS: ReadonlySet<string> = new Set<Operation>(['bet', 'win', 'rollback', 'balance']);

/**
 * One isolated wallet engine, made by {@link start}. Its methods answer Hub88 Operator wallet
 * requests; none of them throws or rejects, whatever the body holds.
 */
export class Wallet {
  /** A random id that tells engines apart in logs. */
  readonly id: string = nanoid();
  readonly #supervisor: Supervisor;
  readonly #store: MemoryStore;

  constructor(options: WalletOptions = {}) {
    const { initialBalance = DEFAULT_INITIAL_BALANCE, currency = DEFAULT_CURRENCY, journal, snapshotEvery = DEFAULT_SNAPSHOT_EVERY } = options;
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
    this.#store = new MemoryStore(currency, journal === undefined ? undefined : { directory: journal, snapshotEvery, currency, initialBalance });
    this.#supervisor = new Supervisor(this.#store, { currency, initialBalance });
  }

  /** For an engine started with a journal: what recovery found and how long it took. */
  get recovery(): RecoveryReport | undefined {
    return this.#store.recovery;
  }

  /** For an engine with a journal: writes to its current journal so far, one `fdatasync` each. */
  get journalCommits(): number | undefined {
    return this.#store.durability?.commits;
  }

  /**
   * For an engine with a journal: why the last snapshot failed, until one succeeds. A failed
   * snapshot fails no request: the engine journals on and tries again after another
   * `snapshotEvery` records (each failure of an automatic one is also a process warning, code
   * `EXWALLET_SNAPSHOT_FAILED`).
   */
  get snapshotError(): Error | undefined {
    return this.#store.durability?.snapshotError;
  }

  /**
   * For an engine with a journal: writes a snapshot of the state and starts a new journal.
   * Rejects, changing nothing the engine answers, if the snapshot cannot be written, after
   * {@link stop} or after a failed journal write.
   */
  snapshot(): Promise<void> {
    return this.#store.durability?.snapshot() ?? Promise.resolve();
  }

  /** Number of users. */
  get userCount(): number {
    return this.#store.userCount;
  }

  /** Number of recorded (successful) transactions. */
  get transactionCount(): number {
    return this.#store.transactionCount;
  }

  /**
   * Creates users with the initial balance. Ignores `""`, non-strings and users that already
   * exist (a balance is never reset); a name listed twice counts once.
   */
  createUsers(users: readonly string[]): Promise<void> {
    return this.#supervisor.createUsers(users);
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
   * @throws TypeError when `operation` is not `'bet'`, `'win'`, `'rollback'` or `'balance'`: a
   *   programming error, not a request.
   */
  handle(operation: Operation, body: unknown): Promise<WalletResponse> {
    if (!OPERATIONS.has(operation)) throw new TypeError(`operation must be bet, win, rollback or balance, got ${String(operation)}`);
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
