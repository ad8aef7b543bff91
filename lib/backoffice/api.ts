/**
 * The back office's library calls (the `Wallet` methods `transaction`, `history`, `round`,
 * `stuckRounds`, `dailyReport`, `reconcile`), over any store's {@link BackOffice}: queries
 * checked here once, for every store and for the HTTP routes.
 */
import { isUuid } from '../uuid.js';
import { parseDay, parseHistoryQuery, parseStuckQuery, QueryError, DAY_MS, type RawQuery } from './common.js';
import type { BackOffice, DailyReport, FieldDifference, Page, ReconcileResult, ReconcileRow, ReconcileWindow, RoundSummary, StuckRound, TransactionRecord } from './types.js';

/** Thrown by the back-office calls of a wallet whose store has no back office (a store of one's own). */
export class NoBackOfficeError extends Error {
  readonly code = 'EXWALLET_NO_BACK_OFFICE';
  constructor() {
    super('this store keeps no back office');
  }
}

function office(backOffice: BackOffice | undefined): BackOffice {
  if (backOffice === undefined) throw new NoBackOfficeError();
  return backOffice;
}

/** The record of a transaction id (either case); `undefined` when unknown or dropped by retention. */
export async function transaction(backOffice: BackOffice | undefined, id: string): Promise<TransactionRecord | undefined> {
  const bo = office(backOffice);
  if (!isUuid(id)) return undefined;
  const [record] = await bo.lookup([id.toLowerCase()]);
  return record;
}

/**
 * A user's records, newest first, a page at a time (`limit` 1-1000, default 100; `from`/`to`
 * ISO-8601 or ms, `to` exclusive; `kind`; `round`; `cursor` from the page before). `undefined`
 * for an unknown user; throws `QueryError` naming a bad parameter, `BadCursorError` for a cursor
 * it did not give.
 */
export async function history(backOffice: BackOffice | undefined, user: string, query?: RawQuery): Promise<Page<TransactionRecord> | undefined> {
  const bo = office(backOffice);
  return bo.history(user, parseHistoryQuery(query));
}

/**
 * The round `round` of `user` (of its only user when `user` is not given): totals and
 * transactions; `undefined` when no transaction carries it. Throws `QueryError` (parameter
 * `user`) when several users carry the value and `user` is not given.
 */
export async function round(backOffice: BackOffice | undefined, value: string, user?: string): Promise<RoundSummary | undefined> {
  const bo = office(backOffice);
  if (typeof value !== 'string' || value === '') throw new QueryError('round', 'expected a non-empty string');
  const answer = await bo.round(value, user);
  if (answer !== undefined && 'ambiguous' in answer) throw new QueryError('user', `several users played round ${JSON.stringify(value)} (${answer.ambiguous.join(', ')}): name one`);
  return answer;
}

/** Open rounds whose last transaction is at least `idle_minutes` old (default 60), longest idle first, a page at a time. */
export async function stuckRounds(backOffice: BackOffice | undefined, query?: RawQuery): Promise<Page<StuckRound>> {
  const bo = office(backOffice);
  return bo.stuckRounds(parseStuckQuery(query));
}

/** Totals per currency of the transactions created in the UTC day `date` (`YYYY-MM-DD`). */
export async function dailyReport(backOffice: BackOffice | undefined, date: string): Promise<DailyReport> {
  const bo = office(backOffice);
  const start = parseDay(date);
  return { date, currencies: await bo.dailyReport(start) };
}

/** Every record created in [from, to) (ms; either open), read a slice at a time. */
export function transactionsBetween(backOffice: BackOffice | undefined, from?: number, to?: number): AsyncIterable<TransactionRecord> {
  return office(backOffice).records(from, to);
}

const LOOKUP_CHUNK = 1_000;

/**
 * Compares the wallet's records with an aggregator's rows (SPEC 13): ids missing on either side
 * and ids whose kind, user, amount or currency differ. The wallet's side is its records created
 * in `window` (ms, `to` exclusive); without one, the UTC days the rows' `created_at` span when
 * they carry one, else every record.
 */
export async function reconcile(backOffice: BackOffice | undefined, rows: Iterable<ReconcileRow | Readonly<Record<string, unknown>>>, window?: ReconcileWindow): Promise<ReconcileResult> {
  const bo = office(backOffice);
  const list = [...rows] as Array<Readonly<Record<string, unknown>>>;
  const fileIds = new Set<string>();
  const result = { matched: 0, missing_in_wallet: [] as string[], missing_in_file: [] as string[], mismatched: [] as Array<{ transaction_uuid: string; differences: FieldDifference[] }> };
  let earliest: number | undefined;
  let latest: number | undefined;
  for (let i = 0; i < list.length; i += LOOKUP_CHUNK) {
    const chunk = list.slice(i, i + LOOKUP_CHUNK);
    const ids = chunk.map((row) => String(row.transaction_uuid ?? '').trim());
    const uuids = ids.filter((id) => isUuid(id)).map((id) => id.toLowerCase());
    const found = new Map<string, TransactionRecord>();
    for (const record of await bo.lookup(uuids)) if (record !== undefined) found.set(record.transaction_uuid, record);
    chunk.forEach((row, j) => {
      const sent = ids[j] as string;
      const id = isUuid(sent) ? sent.toLowerCase() : sent;
      fileIds.add(id);
      const created = typeof row.created_at === 'string' ? Date.parse(row.created_at) : NaN;
      if (Number.isFinite(created)) {
        earliest = Math.min(earliest ?? created, created);
        latest = Math.max(latest ?? created, created);
      }
      const record = found.get(id);
      if (record === undefined) {
        result.missing_in_wallet.push(sent);
        return;
      }
      const differences = compare(record, row);
      if (differences.length === 0) result.matched += 1;
      else result.mismatched.push({ transaction_uuid: id, differences });
    });
  }
  const from = window?.from ?? (window?.to === undefined && earliest !== undefined ? earliest - (earliest % DAY_MS) : undefined);
  const to = window?.to ?? (window?.from === undefined && latest !== undefined ? latest - (latest % DAY_MS) + DAY_MS : undefined);
  const missing: Array<{ id: string; at: string }> = [];
  for await (const record of bo.records(from, to)) if (!fileIds.has(record.transaction_uuid)) missing.push({ id: record.transaction_uuid, at: record.created_at });
  // Oldest first, whatever order the store reads its records in.
  missing.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  result.missing_in_file.push(...missing.map((m) => m.id));
  return result;
}

function compare(record: TransactionRecord, row: Readonly<Record<string, unknown>>): FieldDifference[] {
  const differences: FieldDifference[] = [];
  const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '');
  if (text(row.kind).toLowerCase() !== record.kind) differences.push({ field: 'kind', wallet: record.kind, file: text(row.kind) });
  if (text(row.user) !== record.user) differences.push({ field: 'user', wallet: record.user, file: text(row.user) });
  const amount = text(row.amount);
  if (!/^-?\d+$/.test(amount) || Number(amount) !== record.amount) differences.push({ field: 'amount', wallet: record.amount, file: amount });
  if (text(row.currency) !== record.currency) differences.push({ field: 'currency', wallet: record.currency, file: text(row.currency) });
  return differences;
}

