/**
 * What every store's back office shares: cursors, times, round totals, daily totals, and the
 * checks of the queries the wallet and the HTTP routes take.
 */
import { BadCursorError, TRANSACTION_KINDS, type CurrencyTotals, type HistoryQuery, type RoundSummary, type StuckQuery, type TransactionKind, type TransactionRecord } from './types.js';

export const DAY_MS = 86_400_000;
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1_000;

/** An opaque cursor: the position as JSON, base64url. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** The position a cursor holds; throws {@link BadCursorError} for one that is not an object. */
export function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // below
  }
  throw new BadCursorError();
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A round's summary from its transactions (any order). */
export function summarizeRound(round: string, user: string, records: readonly TransactionRecord[]): RoundSummary {
  const transactions = [...records].sort(byCreated);
  let bet = 0;
  let win = 0;
  let refunded = 0;
  let closed = false;
  for (const record of transactions) {
    if (record.kind === 'bet') bet += record.amount;
    else if (record.kind === 'win') win += record.amount;
    else if (record.kind === 'rollback') refunded += record.amount;
    if (record.round_closed) closed = true;
  }
  return {
    round,
    user,
    status: closed ? 'closed' : 'open',
    bet_amount: bet,
    win_amount: win,
    refunded_amount: refunded,
    first_at: (transactions[0] as TransactionRecord).created_at,
    last_at: (transactions.at(-1) as TransactionRecord).created_at,
    transactions,
  };
}

function byCreated(a: TransactionRecord, b: TransactionRecord): number {
  return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0;
}

/** Empty totals of a currency. */
export function emptyTotals(currency: string): CurrencyTotals {
  return { currency, bets: { count: 0, amount: 0 }, wins: { count: 0, amount: 0 }, refunds: { count: 0, amount: 0 }, deposits: { count: 0, amount: 0 }, withdrawals: { count: 0, amount: 0 }, free_bets: { count: 0 }, ggr: 0 };
}

/** Adds one transaction to a currency's totals (ggr is computed by {@link finishTotals}). */
export function addToTotals(totals: Map<string, CurrencyTotals>, currency: string, kind: TransactionKind, amount: number, free: boolean): void {
  let t = totals.get(currency);
  if (t === undefined) {
    t = emptyTotals(currency);
    totals.set(currency, t);
  }
  const bucket = kind === 'bet' ? t.bets : kind === 'win' ? t.wins : kind === 'rollback' ? t.refunds : kind === 'deposit' ? t.deposits : t.withdrawals;
  bucket.count += 1;
  bucket.amount += amount;
  if (kind === 'bet' && free) t.free_bets.count += 1;
}

/** The totals by currency, each with `ggr = bets - refunds - wins`. */
export function finishTotals(totals: Map<string, CurrencyTotals>): CurrencyTotals[] {
  return [...totals.values()]
    .sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0))
    .map((t) => ({ ...t, ggr: t.bets.amount - t.refunds.amount - t.wins.amount }));
}

/** A refused query parameter: its name and why (HTTP 400 names it). */
export class QueryError extends Error {
  readonly code = 'EXWALLET_BAD_QUERY';
  constructor(
    readonly parameter: string,
    why: string,
  ) {
    super(`${parameter}: ${why}`);
  }
}

/** Raw query values, as an HTTP query string gives them (or a caller's object). */
export type RawQuery = Readonly<Record<string, unknown>>;

/** A time: ms since the epoch, or an ISO-8601 / `YYYY-MM-DD` text. */
export function parseTime(name: string, value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (value instanceof Date) return checkedTime(name, value.getTime());
  if (typeof value === 'number') return checkedTime(name, value);
  if (typeof value === 'string') {
    if (/^\d+$/.test(value)) return checkedTime(name, Number(value));
    if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) return checkedTime(name, Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value));
  }
  throw new QueryError(name, 'expected an ISO-8601 time or milliseconds since the epoch');
}

function checkedTime(name: string, ms: number): number {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > 253_402_300_799_999) throw new QueryError(name, 'expected an ISO-8601 time or milliseconds since the epoch');
  return ms;
}

export function parseLimit(value: unknown): number {
  if (value === undefined || value === '') return DEFAULT_LIMIT;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > MAX_LIMIT) throw new QueryError('limit', `expected a whole number from 1 to ${MAX_LIMIT}`);
  return n;
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new QueryError(name, 'expected a non-empty string');
  return value;
}

/** A history query, checked: throws {@link QueryError} naming the first bad parameter. */
export function parseHistoryQuery(raw: RawQuery = {}): HistoryQuery & { readonly limit: number } {
  const from = parseTime('from', raw.from);
  const to = parseTime('to', raw.to);
  if (from !== undefined && to !== undefined && to < from) throw new QueryError('to', 'is before from');
  const kind = raw.kind;
  if (kind !== undefined && !TRANSACTION_KINDS.includes(kind as TransactionKind)) throw new QueryError('kind', `expected one of ${TRANSACTION_KINDS.join(', ')}`);
  const round = optionalString('round', raw.round);
  const cursor = optionalString('cursor', raw.cursor);
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }), ...(kind === undefined ? {} : { kind: kind as TransactionKind }), ...(round === undefined ? {} : { round }), limit: parseLimit(raw.limit), ...(cursor === undefined ? {} : { cursor }) };
}

/** A stuck-rounds query, checked. */
export function parseStuckQuery(raw: RawQuery = {}): StuckQuery & { readonly limit: number } {
  if (raw.status !== undefined && raw.status !== 'open') throw new QueryError('status', 'only open rounds are listed');
  const idle = raw.idle_minutes ?? raw.idleMinutes ?? 60;
  const idleMinutes = typeof idle === 'string' && /^\d+$/.test(idle) ? Number(idle) : idle;
  if (typeof idleMinutes !== 'number' || !Number.isSafeInteger(idleMinutes) || idleMinutes < 0 || idleMinutes > 525_600 * 10) throw new QueryError('idle_minutes', 'expected a whole number of minutes');
  const cursor = optionalString('cursor', raw.cursor);
  return { idleMinutes, limit: parseLimit(raw.limit), ...(cursor === undefined ? {} : { cursor }) };
}

/** The start (ms) of a `YYYY-MM-DD` UTC day. */
export function parseDay(value: unknown): number {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new QueryError('date', 'expected YYYY-MM-DD');
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (!Number.isFinite(ms) || iso(ms).slice(0, 10) !== value) throw new QueryError('date', 'expected YYYY-MM-DD');
  return ms;
}

/** A position in newest-first order: a time and a transaction id. */
export function isNewer(at: number, id: string, than: { readonly t: number; readonly k: string }): boolean {
  return at > than.t || (at === than.t && id > than.k);
}
