/**
 * Statuses, request bodies and responses of the Hub88 Operator wallet API, as the engine speaks
 * them. Every other module takes its shapes from here.
 */
import type { PostgresSettings } from './pg/store.js';

/** The `status` values a response can carry. */
export const Status = {
  OK: 'RS_OK',
  UNKNOWN: 'RS_ERROR_UNKNOWN',
  WRONG_SYNTAX: 'RS_ERROR_WRONG_SYNTAX',
  WRONG_TYPES: 'RS_ERROR_WRONG_TYPES',
  WRONG_CURRENCY: 'RS_ERROR_WRONG_CURRENCY',
  NOT_ENOUGH_MONEY: 'RS_ERROR_NOT_ENOUGH_MONEY',
  DUPLICATE_TRANSACTION: 'RS_ERROR_DUPLICATE_TRANSACTION',
  TRANSACTION_DOES_NOT_EXIST: 'RS_ERROR_TRANSACTION_DOES_NOT_EXIST',
  TRANSACTION_ROLLED_BACK: 'RS_ERROR_TRANSACTION_ROLLED_BACK',
  INVALID_SIGNATURE: 'RS_ERROR_INVALID_SIGNATURE',
  USER_DISABLED: 'RS_ERROR_USER_DISABLED',
} as const;

/** One of the {@link Status} values. */
export type Status = (typeof Status)[keyof typeof Status];

/** The operations that move money and are recorded under their `transaction_uuid`. */
export type TransactionOperation = 'bet' | 'win' | 'rollback' | CashierOperation;

/** The operator's cashier operations: not part of the Hub88 API, recorded like its transactions. */
export type CashierOperation = 'deposit' | 'withdraw';

/** Every operation of the wallet API. */
export type Operation = TransactionOperation | 'balance';

/** Fields common to every Hub88 wallet request. */
export interface BaseRequest {
  readonly user: string;
  readonly request_uuid: string;
  readonly token?: string;
  readonly game_code?: string;
  readonly meta?: unknown;
  /**
   * Any other field Hub88 sends (`round`, `bet`, `is_free`, …) is allowed and fingerprinted; the
   * fields named above keep their types, so `amount: '2500'` still does not compile. A body of
   * unknown shape goes through `handle` instead.
   */
  readonly [field: string]: unknown;
}

/** Body of `POST /user/balance`. */
export type BalanceRequest = BaseRequest;

/** Body of `POST /transaction/bet`: takes `amount` from the user's balance. */
export interface BetRequest extends BaseRequest {
  readonly transaction_uuid: string;
  readonly currency: string;
  /** Integer, in the currency's smallest unit; 0 is a free bet. */
  readonly amount: number;
  readonly round?: string;
  readonly round_closed?: boolean;
}

/** Body of `POST /transaction/win`: pays `amount` for the bet named by `reference_transaction_uuid`. */
export interface WinRequest extends BetRequest {
  readonly reference_transaction_uuid: string;
}

/** Body of `POST /transaction/rollback`: cancels the bet named by `reference_transaction_uuid`. */
export interface RollbackRequest extends BaseRequest {
  readonly transaction_uuid: string;
  readonly reference_transaction_uuid: string;
  readonly round?: string;
  readonly round_closed?: boolean;
}

/**
 * Body of a cashier's deposit or withdrawal (`deposit`, `withdraw`; `POST /admin/deposit`,
 * `/admin/withdraw`): credits or debits `amount`, idempotent by `transaction_uuid` like a bet.
 */
export interface CashierRequest {
  readonly user: string;
  readonly transaction_uuid: string;
  readonly request_uuid: string;
  readonly currency: string;
  /** Integer, in the currency's smallest unit. */
  readonly amount: number;
  readonly [field: string]: unknown;
}

/** The answer for a user the engine knows; `balance` is the balance after the request. */
export interface UserResponse {
  readonly user: string;
  readonly status: Status;
  readonly request_uuid: string;
  readonly currency: string;
  readonly balance: number;
}

/** The answer when the body is not an object or names no known user. */
export interface UnknownUserResponse {
  readonly user: string;
  readonly status: Status;
  readonly request_uuid: string;
}

/** Every call of the wallet API resolves to one of these; none throws or rejects. */
export type WalletResponse = UserResponse | UnknownUserResponse;

/** Where an engine logs what it cannot put in an answer (a pino logger fits). */
export interface WalletLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** Settings of one engine. */
export interface WalletOptions {
  /** Balance of a newly created user, a non-negative safe integer. Default `100000`. */
  readonly initialBalance?: number;
  /** Currency of newly created users. Default `"USD"`. */
  readonly currency?: string;
  /**
   * A directory for the write-ahead journal. With one, every change is on disk before its
   * response is released, and `start` first rebuilds the state the directory holds.
   */
  readonly journal?: string;
  /** With a journal: write a snapshot and start a new journal after this many records. Default 1,000,000. */
  readonly snapshotEvery?: number;
  /**
   * A PostgreSQL database to keep the state in, shared with every process that names it: a
   * `postgres://` URL (several hosts with `target_session_attrs=read-write` follow a failover),
   * or the URL with the store's settings. Excludes `journal`.
   */
  readonly database?: string | PostgresSettings;
  /** Where the engine logs what it cannot answer with: a pino logger, or anything with `warn` and `error`. */
  readonly logger?: WalletLogger;
  /**
   * Embedded store: days a transaction record is kept in memory (and in the next snapshot); an
   * open bet is kept whatever its age. `0` keeps every record. Default 120 (Hub88's four months).
   * PostgreSQL has its own, in `database`.
   */
  readonly retentionDays?: number;
  /**
   * Embedded store: the time in milliseconds since the epoch, which retention reads. Default
   * `Date.now`. A reading before 1970 or after 9999 is a programming error: `RangeError` from
   * `start`, or from the call that reads it.
   */
  readonly clock?: () => number;
  /**
   * Embedded store: new transactions are answered `RS_ERROR_UNKNOWN` (and a warning logged) while
   * the used heap passes this share of V8's limit for long-lived data (the heap limit less the
   * young generation, 48 MiB by default); replays and balance calls are still answered.
   * Default 0.9.
   */
  readonly heapLimitRatio?: number;
  /**
   * Embedded store: bytes the process may hold in memory (its resident set, as a container's
   * limit counts it). New transactions are answered `RS_ERROR_UNKNOWN` (and a warning logged)
   * while the resident set, plus what the store would allocate for its next rows, passes it and
   * no row freed by retention is there to reuse; replays and balance calls are still answered.
   * No limit by default.
   */
  readonly memoryLimit?: number;
}
