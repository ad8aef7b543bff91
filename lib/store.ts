/**
 * The seam between the engine and where its state lives. The supervisor routes each request to
 * its user's actor; the actor hands it to the store in the user's turn; the store keeps the
 * state and asks the rules (`rules.ts`) what each request does. A new store plugs in here.
 */
import type { RecoveryReport } from './journal/store.js';
import { Status, type WalletLogger, type WalletResponse } from './types.js';
import type { Command } from './validation.js';

export { unknownUser, userResponse } from './respond.js';

/** A user to create: name, currency and opening balance (the engine's defaults filled in). */
export interface NewUser {
  readonly user: string;
  readonly currency: string;
  readonly balance: number;
}

/** Counts a store reports. */
export interface StoreStats {
  readonly users: number;
  /** Recorded (successful) transactions. */
  readonly transactions: number;
}

/** Running totals a store keeps for monitoring. */
export interface StoreMetrics {
  /** Commits so far: journal writes (one `fdatasync` each), or database transactions. */
  readonly commits: number;
  /** Requests those commits carried; their ratio to `commits` is the mean batch size. */
  readonly committedRequests: number;
  /** Seconds spent committing, summed. */
  readonly commitSeconds: number;
}

/** Whether a store can serve, for health checks. */
export interface StoreHealth {
  readonly store: 'memory' | 'postgres';
  /** False while the store cannot commit (a failed disk, an unreachable database). */
  readonly ok: boolean;
  readonly detail?: string;
}

/** A balance call: answered `RS_OK` with the user's balance; records nothing. */
export interface BalanceCall {
  readonly operation: 'balance';
}

/** A transaction request that failed a check (1 to 4): answered with `status` and the user's balance. */
export interface RefusedRequest {
  readonly operation: 'refused';
  readonly status: Status;
}

/** The one balance call: it carries nothing, so every call shares it. */
export const BALANCE_CALL: BalanceCall = { operation: 'balance' };

/**
 * What a request asks of a store, told apart by `operation`: a transaction that passed checks 1
 * to 4 (a {@link Command}), a balance call, or a request refused by a check.
 */
export type StoreRequest = Command | BalanceCall | RefusedRequest;

/** The status a request that is no transaction is answered with, beside the user's balance. */
export function statusOf(request: BalanceCall | RefusedRequest): Status {
  return request.operation === 'balance' ? Status.OK : request.status;
}

/** A place to keep the wallet's state: the embedded memory store, or PostgreSQL. */
export interface Store {
  /**
   * True when {@link serve} always answers at once: requests are then applied in the order they
   * arrive, across users too. A store that answers later gets requests that name the same
   * transaction id in arrival order from the supervisor instead.
   */
  readonly synchronous: boolean;
  /**
   * False when `user` surely names no user, so the request is answered without a turn in a
   * mailbox. A store that cannot tell at once answers true and settles it in {@link serve}.
   */
  mayExist(user: string): boolean;
  /**
   * Answers one request of `user`, in the user's turn: judges it by the rules and applies it.
   * Resolves only once the answer is committed (or refused); never throws or rejects.
   */
  serve(user: string, request: StoreRequest, requestUuid: string): WalletResponse | Promise<WalletResponse>;
  /** Holds a response until everything it reflects is durable; never rejects. */
  release(answer: Promise<WalletResponse>): Promise<WalletResponse>;
  /** Creates the users that do not exist yet (an existing user is never changed). */
  createUsers(users: readonly NewUser[]): Promise<void>;
  /** Disables or enables a user, in the user's turn; false for an unknown user. */
  setUserDisabled(user: string, disabled: boolean): boolean | Promise<boolean>;
  stats(): Promise<StoreStats>;
  health(): Promise<StoreHealth>;
  metrics(): StoreMetrics;
  /** One retention pass now: drops records older than the retention period; resolves to how many. */
  purge(): Promise<number>;
  /** Waits for everything sent to be committed, then lets go of files and connections. Idempotent. */
  close(): Promise<void>;
  /** A store that counts in memory: its counts now, current and free to read (no query). */
  counts?(): StoreStats;
}

/** What every store is opened with: the engine's defaults for new users, and where to log. */
export interface StoreContext {
  readonly currency: string;
  readonly initialBalance: number;
  readonly logger?: WalletLogger;
}

/**
 * A store's own surface for its write-ahead journal, for an engine whose store keeps one
 * (`w.journal`).
 */
export interface JournalControl {
  /** What recovery found when the engine started, and how long it took. */
  readonly recovery: RecoveryReport;
  /** Writes to the current journal so far, one `fdatasync` each. */
  readonly commits: number;
  /**
   * Why the last snapshot failed, until one succeeds. A failed snapshot fails no request: the
   * engine journals on and tries again after another `snapshotEvery` records (each failure of an
   * automatic one is also a process warning, code `EXWALLET_SNAPSHOT_FAILED`).
   */
  readonly snapshotError: Error | undefined;
  /**
   * Writes a snapshot of the state and starts a new journal. Rejects, changing nothing the
   * engine answers, if the snapshot cannot be written, after `stop` or after a failed journal write.
   */
  snapshot(): Promise<void>;
}

/** A store opened by a {@link StoreFactory}, with its journal's surface if it keeps one. */
export interface OpenedStore {
  readonly store: Store;
  readonly journal?: JournalControl;
}

/**
 * Opens a store for one engine (`start({ store })`): `memoryStore(...)`, `journalStore(...)`,
 * `postgresStore(...)`, or a store of one's own. Its settings were checked when it was made.
 */
export type StoreFactory = (context: StoreContext) => OpenedStore;
