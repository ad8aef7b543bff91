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
import { Wallet, type Body } from './wallet.js';
import type {
  BalanceRequest,
  BetRequest,
  RollbackRequest,
  WalletOptions,
  WalletResponse,
  WinRequest,
} from './types.js';

export { Wallet, DEFAULT_CURRENCY, DEFAULT_INITIAL_BALANCE, DEFAULT_SNAPSHOT_EVERY, type Body } from './wallet.js';
export { JournalCorruptError, type RecoveryReport } from './journal/store.js';
export * from './types.js';

/** Starts a new engine that shares nothing with any other. */
export function start(options?: WalletOptions): Wallet {
  return new Wallet(options);
}

/** See {@link Wallet.createUsers}. */
export function createUsers(wallet: Wallet, users: readonly string[]): Promise<void> {
  return wallet.createUsers(users);
}

/** See {@link Wallet.bet}. */
export function bet(wallet: Wallet, body: Body<BetRequest>): Promise<WalletResponse> {
  return wallet.bet(body);
}

/** See {@link Wallet.win}. */
export function win(wallet: Wallet, body: Body<WinRequest>): Promise<WalletResponse> {
  return wallet.win(body);
}

/** See {@link Wallet.rollback}. */
export function rollback(wallet: Wallet, body: Body<RollbackRequest>): Promise<WalletResponse> {
  return wallet.rollback(body);
}

/** See {@link Wallet.balance}. */
export function balance(wallet: Wallet, body: Body<BalanceRequest>): Promise<WalletResponse> {
  return wallet.balance(body);
}

/** See {@link Wallet.stop}. */
export function stop(wallet: Wallet): Promise<void> {
  return wallet.stop();
}
