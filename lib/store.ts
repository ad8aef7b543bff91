/**
 * The seam between the engine and where its state lives. The supervisor routes each request to
 * its user's actor; the actor hands it to the store in the user's turn; the store keeps the
 * state and asks the rules (`rules.ts`) what each request does. A new store plugs in here.
 */
import type { BackOffice } from './backoffice/types.js';
import type { RecoveryReport } from './journal/store.js';
import type { SessionAsk } from './sessions.js';
import type { Limits, LimitsReport, Session, Status, UserInfo, WalletLogger, WalletResponse } from './types.js';
import type { Command } from './validation.js';

export { unknownUser, userResponse } from './respond.js';

/** A user to create: name, currency and opening balance (the engine's defaults filled in). */
export interface NewUser {
  readonly user: string;
  readonly currency: string;
  readonly balance: number;
  readonly info?: UserInfo;
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

/** A balance call: answered `RS_OK` with the user's balance (or, with tokens required, its token's status); records nothing. */
export interface BalanceCall {
  readonly operation: 'balance';
  /** The body's `token`, whatever it is. */
  readonly token: unknown;
}

/** A transaction request that failed a check (1 to 4): answered with `status` and the user's balance. */
export interface RefusedRequest {
  readonly operation: 'refused';
  readonly status: Status;
}

/**
 * What a request asks of a store, told apart by `operation`: a transaction that passed checks 1
 * to 4 (a {@link Command}), a balance call, or a request refused by a check.
 */
export type StoreRequest = Command | BalanceCall | RefusedRequest;

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
  /** Opens a session for `ask.user`, durably; `undefined` for an unknown user. */
  openSession(ask: SessionAsk): Promise<Session | undefined>;
  /** Closes the session of `token`, durably; false when no session has it. */
  closeSession(token: string): Promise<boolean>;
  /** The user's info (`{}` when none is set); `undefined` for an unknown user. */
  userInfo(user: string): Promise<UserInfo | undefined>;
  /** Replaces the user's info, durably; false for an unknown user. */
  setUserInfo(user: string, info: UserInfo): Promise<boolean>;
  /** Sets limits in the user's turn (SPEC 12's cooling-off), durably; `undefined` for an unknown user. */
  setLimits(user: string, update: Partial<Limits>): Promise<LimitsReport | undefined>;
  /** The user's limits, pending raises and period sums now; `undefined` for an unknown user. */
  getLimits(user: string): Promise<LimitsReport | undefined>;
  stats(): Promise<StoreStats>;
  health(): Promise<StoreHealth>;
  metrics(): StoreMetrics;
  /** One retention pass now: drops records older than the retention period; resolves to how many. */
  purge(): Promise<number>;
  /** Waits for everything sent to be committed, then lets go of files and connections. Idempotent. */
  close(): Promise<void>;
  /** A store that counts in memory: its counts now, current and free to read (no query). */
  counts?(): StoreStats;
  /** The back office's read side (SPEC 13): lookups, history, rounds, reports; read-only, in no user's turn. */
  backOffice?(): BackOffice;
}

/** What every store is opened with: the engine's defaults for new users, and where to log. */
export interface StoreContext {
  readonly currency: string;
  readonly initialBalance: number;
  /** Whether bets and balance calls must carry the token of an open session of their user (SPEC 10). */
  readonly requireToken: boolean;
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
