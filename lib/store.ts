/**
 * The seam between the engine and where its state lives. The supervisor routes each request to
 * its user's actor; the actor hands it to the store in the user's turn; the store keeps the
 * state and asks the rules (`rules.ts`) what each request does. A new store plugs in here.
 */
import type { Status, WalletResponse } from './types.js';
import type { Command } from './validation.js';

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

/**
 * What a request asks of a store: a transaction that passed checks 1 to 4, or a status to answer
 * with the user's balance (`RS_OK` for a balance call, an error for a request that failed a check).
 */
export type StoreRequest = Command | Status;

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
}

/** The answer for a body that names no known user (or none at all). */
export function unknownUser(status: Status, user: string, requestUuid: string): WalletResponse {
  return { user, status, request_uuid: requestUuid };
}

/** The answer for a known user, in the contract's key order. */
export function userResponse(user: string, status: Status, requestUuid: string, currency: string, balance: number): WalletResponse {
  return { user, status, request_uuid: requestUuid, currency, balance };
}
