/**
 * The back office's read side (SPEC 13): what a store answers about recorded transactions,
 * rounds and days, read-only and without waiting for any user's turn. Each store implements
 * {@link BackOffice}; the wallet reaches it through `Store.backOffice()`.
 */

/** A recorded transaction's kind. */
export type TransactionKind = 'bet' | 'win' | 'rollback' | 'deposit' | 'withdraw';
export const TRANSACTION_KINDS: readonly TransactionKind[] = ['bet', 'win', 'rollback', 'deposit', 'withdraw'];

/** A bet's state. */
export type BetStateName = 'open' | 'won' | 'cancelled';

/** One recorded transaction, as support staff see it (SPEC 13); snake_case like Hub88's bodies. */
export interface TransactionRecord {
  readonly transaction_uuid: string;
  readonly kind: TransactionKind;
  readonly user: string;
  /** The money it moved, never negative (a rollback: the amount it refunded, 0 if none). */
  readonly amount: number;
  readonly currency: string;
  /** The user's balance after it. */
  readonly balance: number;
  readonly reference_transaction_uuid: string | null;
  readonly round: string | null;
  readonly round_closed: boolean;
  readonly game_code: string | null;
  readonly is_free: boolean;
  readonly request_uuid: string;
  /** ISO-8601 UTC, to the millisecond. */
  readonly created_at: string;
  /** Bets only. */
  readonly state?: BetStateName;
}

/** A history query, checked (see `parseHistoryQuery`). Times are ms since the epoch; `to` is exclusive. */
export interface HistoryQuery {
  readonly from?: number;
  readonly to?: number;
  readonly kind?: TransactionKind;
  readonly round?: string;
  /** 1 to 1,000; default 100. */
  readonly limit?: number;
  /** The `next_cursor` of the page before. */
  readonly cursor?: string;
}

/** One page, newest first; `next_cursor` is null on the last page. */
export interface Page<T> {
  readonly items: T[];
  readonly next_cursor: string | null;
}

/** A round of one user: its totals and its transactions, oldest first. */
export interface RoundSummary {
  readonly round: string;
  readonly user: string;
  /** `closed` once one of its transactions carried `round_closed: true`. */
  readonly status: 'open' | 'closed';
  readonly bet_amount: number;
  readonly win_amount: number;
  readonly refunded_amount: number;
  readonly first_at: string;
  readonly last_at: string;
  readonly transactions: TransactionRecord[];
}

/** A stuck round: open, its last transaction older than the idle time asked. */
export type StuckRound = Omit<RoundSummary, 'transactions'> & { readonly currency: string };

/** What a round lookup finds: the round, none, or several users sharing the value (`user` must pick one). */
export type RoundAnswer = RoundSummary | { readonly ambiguous: readonly string[] } | undefined;

export interface StuckQuery {
  /** Rounds whose last transaction is at least this old. */
  readonly idleMinutes: number;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface CountAmount {
  count: number;
  amount: number;
}

/** A day's totals in one currency; `ggr = bets.amount - refunds.amount - wins.amount`. */
export interface CurrencyTotals {
  readonly currency: string;
  readonly bets: CountAmount;
  readonly wins: CountAmount;
  readonly refunds: CountAmount;
  readonly deposits: CountAmount;
  readonly withdrawals: CountAmount;
  readonly free_bets: { count: number };
  readonly ggr: number;
}

export interface DailyReport {
  /** `YYYY-MM-DD`, a UTC day. */
  readonly date: string;
  /** One entry per currency that had transactions that day, by currency. */
  readonly currencies: CurrencyTotals[];
}

/** One row of an aggregator's file, as read (SPEC 13): the five fields compared. */
export interface ReconcileRow {
  readonly transaction_uuid: string;
  readonly kind: string;
  readonly user: string;
  readonly amount: string | number;
  readonly currency: string;
}

export interface FieldDifference {
  readonly field: 'kind' | 'user' | 'amount' | 'currency';
  readonly wallet: string | number;
  readonly file: string | number;
}

export interface ReconcileResult {
  /** Ids on both sides with every compared field equal. */
  readonly matched: number;
  /** Ids of the file the wallet has no record of, in the file's order. */
  readonly missing_in_wallet: string[];
  /** Ids the wallet recorded in the window compared that the file lacks, oldest first. */
  readonly missing_in_file: string[];
  readonly mismatched: Array<{ readonly transaction_uuid: string; readonly differences: FieldDifference[] }>;
}

/** The window of the wallet's records a reconciliation compares the file with (ms; `to` exclusive); all records without one. */
export interface ReconcileWindow {
  readonly from?: number;
  readonly to?: number;
}

/**
 * A store's read side. Every method is read-only, answers without waiting for a user's turn,
 * and never holds the event loop long (large scans yield between slices). Records dropped by
 * retention are gone from every answer.
 */
export interface BackOffice {
  /** The records of these ids (lower-case UUIDs), index for index; `undefined` where unknown. */
  lookup(ids: readonly string[]): Promise<Array<TransactionRecord | undefined>>;
  /** A user's records, newest first; `undefined` for an unknown user. Throws `BadCursorError` for a cursor it did not make. */
  history(user: string, query: HistoryQuery): Promise<Page<TransactionRecord> | undefined>;
  /** The transactions carrying `round`, of `user` if given. */
  round(round: string, user?: string): Promise<RoundAnswer>;
  /** Open rounds idle for at least `idleMinutes`, longest idle first. */
  stuckRounds(query: StuckQuery): Promise<Page<StuckRound>>;
  /** Totals of the transactions created in the UTC day starting at `dayStart` (ms). */
  dailyReport(dayStart: number): Promise<CurrencyTotals[]>;
  /** Every record created in [from, to) (ms), oldest first, read a slice at a time. */
  records(from: number | undefined, to: number | undefined): AsyncIterable<TransactionRecord>;
}

/** A cursor that no page of this query made (or one damaged). */
export class BadCursorError extends Error {
  readonly code = 'EXWALLET_BAD_CURSOR';
  constructor() {
    super('cursor is not one this wallet gave for this query');
  }
}
