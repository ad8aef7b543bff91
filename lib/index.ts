/**
 * Exwallet: an in-memory seamless wallet engine that speaks the Hub88 Operator wallet API.
 *
 * @example
 * ```ts
 * import { start, createUsers, bet } from 'exwallet';
 * const w = start();
 * await createUsers(w, ['alice']);
 * await bet(w, { user: 'alice', transaction_uuid, request_uuid, currency: 'USD', amount: 500 });
 * ```
 */
import type { WalletOptions } from './options.js';
import type { UserSpec } from './users.js';
import { Wallet } from './wallet.js';
import type { DailyReport, Page, ReconcileResult, ReconcileRow, ReconcileWindow, RoundSummary, StuckRound, TransactionRecord } from './backoffice/types.js';
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

export { Wallet } from './wallet.js';
export { DEFAULT_CURRENCY, DEFAULT_INITIAL_BALANCE, DEFAULT_RETENTION_DAYS, DEFAULT_SNAPSHOT_EVERY, type WalletOptions } from './options.js';
export { journalStore, memoryStore, postgresStore, type JournalStoreSettings, type MemoryStoreSettings } from './stores/index.js';
export { JournalCorruptError, type RecoveryReport } from './journal/store.js';
export { FORMAT_VERSION as JOURNAL_FORMAT_VERSION, JournalFormatError } from './journal/records.js';
export { JournalLockedError } from './journal/lock.js';
export { JournalSettingsError, type SettingsDifference } from './journal/settings.js';
export { JournalDetachedError } from './journal/append-log.js';
export type { UserSpec } from './users.js';
export { InvalidFieldError, StoreUnavailableError } from './errors.js';
export { LIMIT_NAMES } from './limits.js';
export type { JournalControl, NewUser, OpenedStore, Store, StoreContext, StoreFactory, StoreHealth, StoreMetrics, StoreRequest, StoreStats } from './store.js';
export type { PostgresSettings } from './pg/settings.js';
export { DEFAULT_COMMIT_TIMEOUT } from './pg/settings.js';
export * from './types.js';

/** Starts a new engine that shares nothing with any other. */
export function start(options?: WalletOptions): Wallet {
  return new Wallet(options);
}

/** See {@link Wallet.createUsers}. */
export function createUsers(wallet: Wallet, users: readonly UserSpec[]): Promise<void> {
  return wallet.createUsers(users);
}

/** See {@link Wallet.deposit}. */
export function deposit(wallet: Wallet, body: CashierRequest): Promise<WalletResponse> {
  return wallet.deposit(body);
}

/** See {@link Wallet.withdraw}. */
export function withdraw(wallet: Wallet, body: CashierRequest): Promise<WalletResponse> {
  return wallet.withdraw(body);
}

/** See {@link Wallet.setUserDisabled}. */
export function setUserDisabled(wallet: Wallet, user: string, disabled: boolean): Promise<boolean> {
  return wallet.setUserDisabled(user, disabled);
}

/** See {@link Wallet.openSession}. */
export function openSession(wallet: Wallet, body: SessionRequest): Promise<Session | undefined> {
  return wallet.openSession(body);
}

/** See {@link Wallet.closeSession}. */
export function closeSession(wallet: Wallet, token: string): Promise<boolean> {
  return wallet.closeSession(token);
}

/** See {@link Wallet.userInfo}. */
export function userInfo(wallet: Wallet, body: unknown): Promise<UserInfoResponse> {
  return wallet.userInfo(body);
}

/** See {@link Wallet.setUserInfo}. */
export function setUserInfo(wallet: Wallet, user: string, info: UserInfo): Promise<UserInfo | undefined> {
  return wallet.setUserInfo(user, info);
}

/** See {@link Wallet.setLimits}. */
export function setLimits(wallet: Wallet, user: string, limits: Partial<Limits>): Promise<LimitsReport | undefined> {
  return wallet.setLimits(user, limits);
}

/** See {@link Wallet.getLimits}. */
export function getLimits(wallet: Wallet, user: string): Promise<LimitsReport | undefined> {
  return wallet.getLimits(user);
}

/** See {@link Wallet.bet}. */
export function bet(wallet: Wallet, body: BetRequest): Promise<WalletResponse> {
  return wallet.bet(body);
}

/** See {@link Wallet.win}. */
export function win(wallet: Wallet, body: WinRequest): Promise<WalletResponse> {
  return wallet.win(body);
}

/** See {@link Wallet.rollback}. */
export function rollback(wallet: Wallet, body: RollbackRequest): Promise<WalletResponse> {
  return wallet.rollback(body);
}

/** See {@link Wallet.balance}. */
export function balance(wallet: Wallet, body: BalanceRequest): Promise<WalletResponse> {
  return wallet.balance(body);
}

/** See {@link Wallet.handle}: the untyped door, for a body of unknown shape. */
export function handle(wallet: Wallet, operation: Operation, body: unknown): Promise<WalletResponse> {
  return wallet.handle(operation, body);
}

/** See {@link Wallet.stop}. */
export function stop(wallet: Wallet): Promise<void> {
  return wallet.stop();
}

export { BadCursorError, type BackOffice, type CurrencyTotals, type DailyReport, type HistoryQuery, type Page, type ReconcileResult, type ReconcileRow, type ReconcileWindow, type RoundSummary, type StuckRound, type TransactionKind, type TransactionRecord } from './backoffice/types.js';
export { QueryError } from './backoffice/common.js';
export { NoBackOfficeError } from './backoffice/api.js';

/** See {@link Wallet.transaction}. */
export function transaction(wallet: Wallet, id: string): Promise<TransactionRecord | undefined> {
  return wallet.transaction(id);
}

/** See {@link Wallet.history}. */
export function history(wallet: Wallet, user: string, query?: Readonly<Record<string, unknown>>): Promise<Page<TransactionRecord> | undefined> {
  return wallet.history(user, query);
}

/** See {@link Wallet.round}. */
export function round(wallet: Wallet, value: string, user?: string): Promise<RoundSummary | undefined> {
  return wallet.round(value, user);
}

/** See {@link Wallet.stuckRounds}. */
export function stuckRounds(wallet: Wallet, query?: Readonly<Record<string, unknown>>): Promise<Page<StuckRound>> {
  return wallet.stuckRounds(query);
}

/** See {@link Wallet.dailyReport}. */
export function dailyReport(wallet: Wallet, date: string): Promise<DailyReport> {
  return wallet.dailyReport(date);
}

/** See {@link Wallet.reconcile}. */
export function reconcile(wallet: Wallet, rows: Iterable<ReconcileRow | Readonly<Record<string, unknown>>>, window?: ReconcileWindow): Promise<ReconcileResult> {
  return wallet.reconcile(rows, window);
}
