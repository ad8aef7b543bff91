/**
 * Statuses, request bodies and responses of the Hub88 Operator wallet API, as the engine speaks
 * them. Every other module takes its shapes from here.
 */
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
