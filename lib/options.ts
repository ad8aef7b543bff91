/**
 * The options of an engine: their defaults and the checks that do not depend on the store. Each
 * store checks its own settings where it is made (`stores/`).
 */
import { checkedTime } from './clock.js';
import type { PostgresSettings } from './pg/settings.js';
import type { StoreContext, StoreFactory } from './store.js';
import type { WalletLogger } from './types.js';

/** Balance of a new user unless {@link WalletOptions.initialBalance} says otherwise. */
export const DEFAULT_INITIAL_BALANCE = 100_000;
/** Currency of a new user unless {@link WalletOptions.currency} says otherwise. */
export const DEFAULT_CURRENCY = 'USD';
/** Records between snapshots unless {@link WalletOptions.snapshotEvery} says otherwise. */
export const DEFAULT_SNAPSHOT_EVERY = 1_000_000;
/** Days a store keeps a transaction record after its last change unless told otherwise: Hub88's four months. */
export const DEFAULT_RETENTION_DAYS = 120;

/** Settings of one engine. */
export interface WalletOptions {
  /**
   * Where the state lives: a store's factory (`memoryStore()`, `journalStore(directory)`,
   * `postgresStore(settings)`, or one's own). Excludes `journal` and `database`, which name the
   * built-in stores in short; with none of the three, the state lives in memory only.
   */
  readonly store?: StoreFactory;
  /** Balance of a newly created user, a non-negative safe integer. Default {@link DEFAULT_INITIAL_BALANCE}. */
  readonly initialBalance?: number;
  /** Currency of newly created users. Default {@link DEFAULT_CURRENCY}. */
  readonly currency?: string;
  /**
   * A directory for the write-ahead journal. With one, every change is on disk before its
   * response is released, and `start` first rebuilds the state the directory holds.
   */
  readonly journal?: string;
  /** With a journal: write a snapshot and start a new journal after this many records. Default {@link DEFAULT_SNAPSHOT_EVERY}. */
  readonly snapshotEvery?: number;
  /**
   * A PostgreSQL database to keep the state in, shared with every process that names it: a
   * `postgres://` URL (several hosts with `target_session_attrs=read-write` follow a failover),
   * or the URL with the store's settings. Excludes `journal`.
   */
  readonly database?: string | PostgresSettings;
  /**
   * Bets and balance calls must carry the `token` of an open session of their user (SPEC 10):
   * sessions are opened with `openSession`. Wins and rollbacks are never checked. Default false.
   */
  readonly requireToken?: boolean;
  /** Where the engine logs what it cannot answer with: a pino logger, or anything with `warn` and `error`. */
  readonly logger?: WalletLogger;
  /**
   * Embedded store: days a transaction record is kept in memory (and in the next snapshot); an
   * open bet is kept whatever its age. `0` keeps every record. Default {@link DEFAULT_RETENTION_DAYS}.
   * PostgreSQL has its own, in `database`.
   */
  readonly retentionDays?: number;
  /**
   * The time in milliseconds since the epoch, which sessions' expiry, the limits' calendar periods
   * and retention read (with `database`, unless its settings name their own clock). Default
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

/**
 * What every store of an engine is opened with, from the options, with their defaults: throws
 * TypeError or RangeError for an option out of range.
 */
export function storeContext(options: WalletOptions): StoreContext {
  const { initialBalance = DEFAULT_INITIAL_BALANCE, currency = DEFAULT_CURRENCY, requireToken = false, logger } = options;
  if (typeof requireToken !== 'boolean') throw new TypeError(`requireToken must be true or false, got ${String(requireToken)}`);
  if (!Number.isSafeInteger(initialBalance) || initialBalance < 0) {
    throw new RangeError(`initialBalance must be a non-negative safe integer, got ${String(initialBalance)}`);
  }
  if (typeof currency !== 'string' || currency === '') {
    throw new TypeError(`currency must be a non-empty string, got ${String(currency)}`);
  }
  return logger === undefined ? { initialBalance, currency, requireToken } : { initialBalance, currency, requireToken, logger };
}

/** A `clock` option: a function whose reading now lies in 1970-9999 (SPEC 9); throws TypeError or RangeError otherwise. */
export function checkClock(clock: unknown): void {
  if (clock === undefined) return;
  if (typeof clock !== 'function') throw new TypeError(`clock must be a function giving milliseconds since the epoch, got ${String(clock)}`);
  checkedTime((clock as () => number)());
}
