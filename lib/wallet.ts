import { nanoid } from 'nanoid';
import * as backOffice from './backoffice/api.js';
import type { RawQuery } from './backoffice/common.js';
import type { DailyReport, Page, ReconcileResult, ReconcileRow, ReconcileWindow, RoundSummary, StuckRound, TransactionRecord } from './backoffice/types.js';
import { storeContext, type WalletOptions } from './options.js';
import type { JournalControl, Store, StoreHealth, StoreMetrics, StoreStats } from './store.js';
import { storeOf } from './stores/index.js';
import type { UserSpec } from './users.js';
import { Supervisor } from './supervisor.js';
import { parseUserInfo } from './info.js';
import { parseLimits } from './limits.js';
import { parseSessionAsk } from './sessions.js';
import type {
  BalanceRequest,
  BetRequest,
  CashierRequest,
  Limits,
  LimitsReport,
  Operation,
  RollbackRequest,
  Session,
  SessionRequest,
  UserInfo,
  UserInfoResponse,
  WalletResponse,
  WinRequest,
} from './types.js';

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
  /**
   * The journal's surface, for an engine whose store keeps one (`journal`, `journalStore`):
   * what recovery found, commits so far, the last snapshot's failure, and `snapshot()`.
   */
  readonly journal: JournalControl | undefined;

  /**
   * Opens the store the options name (`store`, or the short `journal` or `database`) and
   * starts an engine over it. Throws TypeError or RangeError for options out of range or
   * contradicting each other.
   */
  constructor(options: WalletOptions = {}) {
    const context = storeContext(options);
    const opened = storeOf(options)(context);
    this.#store = opened.store;
    this.journal = opened.journal;
    this.#supervisor = new Supervisor(this.#store, context);
  }

  /**
   * The store's counts now, when it keeps them in memory (the embedded store): current and free
   * to read. `undefined` when counting costs a query (PostgreSQL: see {@link stats}).
   */
  counts(): StoreStats | undefined {
    return this.#store.counts?.();
  }

  /** The embedded store's number of users; `undefined` with PostgreSQL (see {@link stats}). */
  get userCount(): number | undefined {
    return this.#store.counts?.().users;
  }

  /** The embedded store's number of recorded transactions; `undefined` with PostgreSQL (see {@link stats}). */
  get transactionCount(): number | undefined {
    return this.#store.counts?.().transactions;
  }

  /** Users and recorded (successful) transactions, whatever the store. */
  stats(): Promise<StoreStats> {
    return this.#store.stats();
  }

  /**
   * Runs one retention pass now (it also runs by itself): drops transaction records older than
   * `retentionDays` (the option, or PostgreSQL's own), never an open bet. Resolves to the number
   * dropped. With a journal, the pass is a snapshot (see "Retention" in docs/durability.md).
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

  /**
   * Operator: opens a session when a player launches a game (SPEC 10); its token is valid until
   * `ttl_seconds` (default 14,400) pass or it is closed. Resolves to `undefined` for an unknown
   * user once it is durable; rejects with `InvalidFieldError` for a field out of shape.
   */
  async openSession(body: SessionRequest): Promise<Session | undefined> {
    const ask = parseSessionAsk(body);
    return this.#supervisor.operate(ask.user, () => this.#store.openSession(ask));
  }

  /** Operator: the session of `token` stops being valid. Resolves to false when no open session has it. */
  async closeSession(token: string): Promise<boolean> {
    if (typeof token !== 'string' || token === '') return false;
    return this.#store.closeSession(token);
  }

  /**
   * Hub88's `POST /user/info`: the user's info fields that are set, after `RS_OK` (SPEC 11).
   * Checks 1 and 2 as for any request; records nothing; never rejects.
   */
  userInfo(body: unknown): Promise<UserInfoResponse> {
    return this.#supervisor.userInfo(body);
  }

  /**
   * Operator: replaces the user's info. Resolves to the info stored, or `undefined` for an unknown
   * user; rejects with `InvalidFieldError` naming a field out of shape (nothing changed).
   */
  async setUserInfo(user: string, info: UserInfo): Promise<UserInfo | undefined> {
    const parsed = parseUserInfo(info);
    const stored = await this.#supervisor.operate(user, () => this.#store.setUserInfo(user, parsed));
    return stored === true ? parsed : undefined;
  }

  /**
   * Operator: sets any of the six limits (SPEC 12) in the user's turn: a first or lower limit
   * applies at once, a higher one or `null` after 24 hours. Resolves to the limits now, or
   * `undefined` for an unknown user; rejects with `InvalidFieldError` naming a bad limit.
   */
  async setLimits(user: string, limits: Partial<Limits>): Promise<LimitsReport | undefined> {
    const update = parseLimits(limits);
    return this.#supervisor.operate(user, () => this.#store.setLimits(user, update));
  }

  /** The user's limits in force, the raises waiting and each current period's wager and loss; `undefined` for an unknown user. */
  async getLimits(user: string): Promise<LimitsReport | undefined> {
    return this.#supervisor.operate(user, () => this.#store.getLimits(user));
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
   * Back office (SPEC 13): the record of a transaction id (either case), `undefined` when it is
   * unknown or was dropped by retention. Read-only, in no user's turn, like every back-office call.
   */
  transaction(id: string): Promise<TransactionRecord | undefined> {
    return backOffice.transaction(this.#store.backOffice?.(), id);
  }

  /**
   * Back office: a user's transactions, newest first, a page at a time. `query`: `from`, `to`
   * (ISO-8601 or ms; `to` exclusive), `kind`, `round`, `limit` (1-1000, default 100), `cursor`
   * (the `next_cursor` of the page before: paging while requests arrive returns every record
   * that existed when paging began exactly once). `undefined` for an unknown user; a bad
   * parameter throws a `QueryError` naming it.
   */
  history(user: string, query?: RawQuery): Promise<Page<TransactionRecord> | undefined> {
    return backOffice.history(this.#store.backOffice?.(), user, query);
  }

  /**
   * Back office: a round's totals, status and transactions; `undefined` when no transaction
   * carries it. When several users carry the value, `user` must pick one (else a `QueryError`).
   */
  round(round: string, user?: string): Promise<RoundSummary | undefined> {
    return backOffice.round(this.#store.backOffice?.(), round, user);
  }

  /**
   * Back office: every record created from `from` to before `to` (ms since the epoch; either may
   * be left open), read a slice at a time (PostgreSQL: oldest first; in memory: in the order
   * the store keeps them). For exports: the CSV routes stream it.
   */
  transactionsBetween(from?: number, to?: number): AsyncIterable<TransactionRecord> {
    return backOffice.transactionsBetween(this.#store.backOffice?.(), from, to);
  }

  /** Back office: open rounds idle for `idle_minutes` (default 60) or more, longest idle first (`limit`, `cursor`). */
  stuckRounds(query?: RawQuery): Promise<Page<StuckRound>> {
    return backOffice.stuckRounds(this.#store.backOffice?.(), query);
  }

  /** Back office: per currency, the counts and amounts of the transactions created in a UTC day (`YYYY-MM-DD`), and the GGR. */
  dailyReport(date: string): Promise<DailyReport> {
    return backOffice.dailyReport(this.#store.backOffice?.(), date);
  }

  /**
   * Back office: compares the wallet's records with an aggregator's rows (`transaction_uuid`,
   * `kind`, `user`, `amount`, `currency`): matched, ids missing on either side, differing fields.
   * The wallet's side is its records created in `window`; without one, the UTC days the rows'
   * `created_at` span, or every record.
   */
  reconcile(rows: Iterable<ReconcileRow | Readonly<Record<string, unknown>>>, window?: ReconcileWindow): Promise<ReconcileResult> {
    return backOffice.reconcile(this.#store.backOffice?.(), rows, window);
  }

  /**
   * Stops the engine: requests sent from now on are answered `RS_ERROR_UNKNOWN`; resolves once
   * every request sent before has been answered.
   */
  stop(): Promise<void> {
    return this.#supervisor.stop();
  }
}
