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
  /** Tokens required: the request's `token` names no open session of its user. */
  INVALID_TOKEN: 'RS_ERROR_INVALID_TOKEN',
  /** Tokens required: the session the `token` names has expired. */
  TOKEN_EXPIRED: 'RS_ERROR_TOKEN_EXPIRED',
  /** The bet would take a wager or loss past one of the user's responsible-gambling limits. */
  LIMIT_REACHED: 'RS_ERROR_LIMIT_REACHED',
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

/** Body of `openSession` and `POST /admin/sessions`: opens a session when a player launches a game. */
export interface SessionRequest {
  readonly user: string;
  /** Informational: Hub88 may change games within a session. At most 255 characters. */
  readonly game_code?: string;
  /** Seconds the session lasts, an integer from 60 to 604,800. Default 14,400 (four hours). */
  readonly ttl_seconds?: number;
}

/** An open session: its token is what Hub88 sends back as `token` with every bet and balance call. */
export interface Session {
  /** 32 URL-safe characters from a cryptographic source. */
  readonly token: string;
  readonly user: string;
  readonly currency: string;
  readonly game_code?: string;
  /** When the session stops being valid: ISO-8601 UTC. */
  readonly expires_at: string;
}

/** A player's sex as Hub88's `/user/info` gives it. */
export type Sex = 'MALE' | 'FEMALE';

/** What the operator knows of a player, for Hub88's `POST /user/info`. Every field is optional. */
export interface UserInfo {
  /** ISO 3166-1 alpha-2, such as `"EE"`. */
  readonly country?: string;
  readonly jurisdiction?: string;
  readonly sub_partner_id?: string;
  /** `YYYY-MM-DD`. */
  readonly birth_date?: string;
  /** `YYYY-MM-DD`. */
  readonly registration_date?: string;
  /** At most 32 tags. */
  readonly tags?: readonly string[];
  readonly sex?: Sex;
  readonly affiliate_id?: string;
}

/** Body of Hub88's `POST /user/info`. */
export interface UserInfoRequest {
  readonly user: string;
  readonly request_uuid: string;
  readonly [field: string]: unknown;
}

/** The answer of `POST /user/info`: the user's info fields that are set, after the status. */
export type UserInfoResponse = UnknownUserResponse & UserInfo;

/** The six responsible-gambling limits: wager or loss, per UTC day, ISO week or month. */
export type LimitName = 'wager_day' | 'wager_week' | 'wager_month' | 'loss_day' | 'loss_week' | 'loss_month';

/** Every limit, in the user's currency units; `null` is no limit. */
export type Limits = { readonly [name in LimitName]: number | null };

/** A raise of a limit (or its removal, `null`) waiting out its cooling-off. */
export interface PendingLimit {
  readonly value: number | null;
  /** When it takes effect: ISO-8601 UTC. */
  readonly applies_at: string;
}

/** A user's limits as `getLimits` and `setLimits` answer them. */
export interface LimitsReport {
  readonly user: string;
  /** The limits in force now. */
  readonly limits: Limits;
  /** Raises waiting out their 24 hours, by limit. */
  readonly pending: { readonly [name in LimitName]?: PendingLimit };
  /** The wager and loss of each current period, by the limit that reads it (`loss_week`: this ISO week's loss). */
  readonly usage: { readonly [name in LimitName]: number };
}
