/**
 * The PostgreSQL store's back office (SPEC 13): lookups over `transactions` joined to `wallets`,
 * each through an index (see the EXPLAIN test in spec/integration/pg/backoffice-pg.spec.ts): an id through the
 * primary key, a user's history through `transactions_wallet` (wallet_id, created_at), a round
 * through `transactions_round` / `transactions_round_key` (a text round by its SHA-256,
 * `round_key(round_text)`, then by its text), a day or a period through the BRIN index on the
 * time of the last change (a row created in a period was last changed in it or later),
 * stuck rounds through `rounds_idle` on the table of open rounds the batches keep.
 * Read-only statements outside any batch: they never wait for a user's row.
 */
import type { Sql } from 'postgres';
import { KIND, KINDS } from '../codes.js';
import { BadCursorError, type BackOffice, type CurrencyTotals, type HistoryQuery, type Page, type RoundAnswer, type StuckQuery, type StuckRound, type TransactionKind, type TransactionRecord } from '../backoffice/types.js';
import { addToTotals, decodeCursor, encodeCursor, finishTotals, iso, summarizeRound } from '../backoffice/common.js';

const LOWER_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Text PostgreSQL cannot hold as sent (a NUL, a lone surrogate), or that starts like an encoded one. */
const NEEDS_ENCODING = /[\u0000\u0001]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const ENCODED = '\u0001';

/** A string as a text column keeps it: as sent, or (NUL, lone surrogate) `\u0001` + its JSON, which {@link decodeText} reverses. */
export function encodeText(value: string): string {
  return NEEDS_ENCODING.test(value) ? ENCODED + JSON.stringify(value) : value;
}

export function decodeText(stored: string): string {
  return stored.startsWith(ENCODED) ? (JSON.parse(stored.slice(1)) as string) : stored;
}

/** The round's columns: `round` for a lower-case UUID (16 bytes), else `round_text`. */
export function roundColumns(round: string | undefined): { uuid: string | null; text: string | null } {
  if (typeof round !== 'string') return { uuid: null, text: null };
  return LOWER_UUID.test(round) ? { uuid: round, text: null } : { uuid: null, text: encodeText(round) };
}

interface RecordRow {
  readonly id: string;
  readonly kind: number;
  readonly state: number;
  readonly amount: string;
  readonly balance: string;
  readonly request_uuid: string | null;
  readonly request_uuid_text: string | null;
  readonly reference: string | null;
  readonly round: string | null;
  readonly round_text: string | null;
  readonly round_closed: boolean;
  readonly game_code: string | null;
  readonly is_free: boolean;
  readonly at: string;
  readonly name: string;
  readonly currency: string;
}

const STATES = ['open', 'won', 'cancelled'] as const;

function recordOf(row: RecordRow): TransactionRecord {
  const kind = KINDS[row.kind - 1] as TransactionKind;
  const round = row.round ?? (row.round_text === null ? null : decodeText(row.round_text));
  const record: TransactionRecord = {
    transaction_uuid: row.id,
    kind,
    user: row.name,
    amount: Math.abs(Number(row.amount)),
    currency: row.currency,
    balance: Number(row.balance),
    reference_transaction_uuid: row.reference,
    round,
    round_closed: row.round_closed,
    game_code: row.game_code === null ? null : decodeText(row.game_code),
    is_free: row.is_free,
    request_uuid: row.request_uuid_text ?? row.request_uuid ?? '',
    created_at: iso(Number(row.at)),
  };
  return kind === 'bet' ? { ...record, state: STATES[row.state] ?? 'open' } : record;
}

const RESERVED = KIND.reserved;

/** Where a stuck-rounds page ends: the round's last time (ms), its user and its round as stored (`coalesce(round::text, round_text)`). */
interface StuckCursor {
  readonly t: number;
  readonly u: string;
  readonly r: string;
}

/** A row of the stuck-rounds query. */
interface StuckRow {
  readonly name: string;
  readonly currency: string;
  readonly round: string | null;
  readonly round_text: string | null;
  readonly first: string;
  readonly last: string;
  readonly bet: string;
  readonly win: string;
  readonly refund: string;
}

/** The back office of a PostgreSQL store: `pool` resolves to the store's current pool, its schema applied. */
export class PostgresHistory implements BackOffice {
  constructor(
    private readonly pool: () => Promise<Sql>,
    private readonly clock: () => number,
  ) {}

  #columns(sql: Sql) {
    return sql`t.transaction_uuid::text AS id, t.kind, t.state, t.amount, t.balance, t.request_uuid::text AS request_uuid, t.request_uuid_text,
      t.reference::text AS reference, t.round::text AS round, t.round_text, t.round_closed, t.game_code, t.is_free,
      (extract(epoch FROM t.created_at) * 1000)::int8 AS at, w.name, w.currency`;
  }

  async lookup(ids: readonly string[]): Promise<Array<TransactionRecord | undefined>> {
    const wanted = ids.filter((id) => LOWER_UUID.test(id));
    if (wanted.length === 0) return ids.map(() => undefined);
    const sql = await this.pool();
    const rows = await this.#lookupQuery(sql, wanted);
    const found = new Map(rows.map((row) => [row.id, recordOf(row)]));
    return ids.map((id) => found.get(id));
  }

  #lookupQuery(sql: Sql, ids: readonly string[]) {
    return sql<RecordRow[]>`
      SELECT ${this.#columns(sql)} FROM transactions t JOIN wallets w ON w.id = t.wallet_id
      WHERE t.transaction_uuid = ANY(${ids}::uuid[]) AND t.kind <> ${RESERVED}`;
  }

  async history(user: string, query: HistoryQuery): Promise<Page<TransactionRecord> | undefined> {
    const sql = await this.pool();
    const [wallet] = await sql<Array<{ id: string }>>`SELECT id FROM wallets WHERE name = ${user}`;
    if (wallet === undefined) return undefined;
    let after: { t: number; k: string } | undefined;
    if (query.cursor !== undefined) {
      const c = decodeCursor(query.cursor);
      if (typeof c.t !== 'number' || !Number.isSafeInteger(c.t) || typeof c.k !== 'string' || !LOWER_UUID.test(c.k)) throw new BadCursorError();
      after = { t: c.t, k: c.k };
    }
    const limit = query.limit ?? 100;
    const rows = await this.#historyQuery(sql, wallet.id, query, after, limit);
    const items = rows.slice(0, limit).map(recordOf);
    const last = items.at(-1);
    return { items, next_cursor: rows.length > limit && last !== undefined ? encodeCursor({ t: Date.parse(last.created_at), k: last.transaction_uuid }) : null };
  }

  #historyQuery(sql: Sql, walletId: string, query: HistoryQuery, after: { t: number; k: string } | undefined, limit: number) {
    const round = query.round === undefined ? undefined : roundColumns(query.round);
    return sql<RecordRow[]>`
      SELECT ${this.#columns(sql)} FROM transactions t JOIN wallets w ON w.id = t.wallet_id
      WHERE t.wallet_id = ${walletId} AND t.kind <> ${RESERVED}
        ${query.from === undefined ? sql`` : sql`AND t.created_at >= ${new Date(query.from)}`}
        ${query.to === undefined ? sql`` : sql`AND t.created_at < ${new Date(query.to)}`}
        ${query.kind === undefined ? sql`` : sql`AND t.kind = ${KIND[query.kind]}`}
        ${round === undefined ? sql`` : round.uuid !== null ? sql`AND t.round = ${round.uuid}::uuid` : sql`AND round_key(t.round_text) = round_key(${round.text}::text) AND t.round_text = ${round.text}`}
        ${after === undefined ? sql`` : sql`AND (t.created_at, t.transaction_uuid) < (${new Date(after.t)}, ${after.k}::uuid)`}
      ORDER BY t.created_at DESC, t.transaction_uuid DESC
      LIMIT ${limit + 1}`;
  }

  async round(round: string, user?: string): Promise<RoundAnswer> {
    const sql = await this.pool();
    const rows = await this.#roundQuery(sql, round, user);
    if (rows.length === 0) return undefined;
    const users = [...new Set(rows.map((row) => row.name))].sort();
    if (users.length > 1) return { ambiguous: users };
    return summarizeRound(round, users[0] as string, rows.map(recordOf));
  }

  #roundQuery(sql: Sql, round: string, user: string | undefined) {
    const { uuid, text } = roundColumns(round);
    return sql<RecordRow[]>`
      SELECT ${this.#columns(sql)} FROM transactions t JOIN wallets w ON w.id = t.wallet_id
      WHERE ${uuid !== null ? sql`t.round = ${uuid}::uuid` : sql`round_key(t.round_text) = round_key(${text}::text) AND t.round_text = ${text}`} AND t.kind <> ${RESERVED}
        ${user === undefined ? sql`` : sql`AND t.wallet_id = (SELECT id FROM wallets WHERE name = ${user})`}`;
  }

  async stuckRounds(query: StuckQuery): Promise<Page<StuckRound>> {
    const sql = await this.pool();
    const cutoff = new Date(this.clock() - query.idleMinutes * 60_000);
    let after: StuckCursor | undefined;
    if (query.cursor !== undefined) {
      const c = decodeCursor(query.cursor);
      if (typeof c.t !== 'number' || !Number.isSafeInteger(c.t) || typeof c.u !== 'string' || typeof c.r !== 'string') throw new BadCursorError();
      after = { t: c.t, u: c.u, r: c.r };
    }
    const limit = query.limit ?? 100;
    const rows = await this.#stuckQuery(sql, cutoff, after, limit);
    return this.#stuckPage(rows, limit);
  }

  /**
   * Open rounds idle since `cutoff`, longest idle first, after the cursor: a range of the index
   * rounds_idle (last_at) on the table of open rounds the batches keep (lib/pg/schema.ts), rounds
   * of one millisecond put in order of user and round as they are read; then, for the page's
   * rounds only, their first time and sums from their transactions through the round indexes.
   */
  #stuckQuery(sql: Sql, cutoff: Date, after: StuckCursor | undefined, limit: number) {
    return sql<StuckRow[]>`
      SELECT p.name, p.currency, p.round, p.round_text, (extract(epoch FROM a.first_at) * 1000)::int8 AS first,
             (extract(epoch FROM p.last_at) * 1000)::int8 AS last, a.bet, a.win, a.refund
      FROM (
        SELECT w.name, w.currency, r.wallet_id, r.round, r.round_text, r.last_at
        FROM rounds r JOIN wallets w ON w.id = r.wallet_id
        WHERE r.last_at <= ${cutoff}
          ${after === undefined ? sql`` : sql`AND r.last_at >= ${new Date(after.t)} AND (r.last_at, w.name, coalesce(r.round::text, r.round_text)) > (${new Date(after.t)}, ${after.u}, ${after.r})`}
        ORDER BY r.last_at, w.name, coalesce(r.round::text, r.round_text)
        LIMIT ${limit + 1}
      ) p CROSS JOIN LATERAL (
        SELECT min(t.created_at) AS first_at,
               coalesce(sum(-t.amount) FILTER (WHERE t.kind = ${KIND.bet}), 0) AS bet,
               coalesce(sum(t.amount) FILTER (WHERE t.kind = ${KIND.win}), 0) AS win,
               coalesce(sum(t.amount) FILTER (WHERE t.kind = ${KIND.rollback}), 0) AS refund
        FROM transactions t
        WHERE (t.round = p.round OR (round_key(t.round_text) = round_key(p.round_text) AND t.round_text = p.round_text))
          AND t.wallet_id = p.wallet_id AND t.kind <> ${RESERVED}
      ) a
      ORDER BY p.last_at, p.name, coalesce(p.round::text, p.round_text)`;
  }

  #stuckPage(rows: StuckRow[], limit: number): Page<StuckRound> {
    const page = rows.slice(0, limit);
    const items: StuckRound[] = page.map((row) => ({
      round: row.round ?? decodeText(row.round_text as string),
      user: row.name,
      currency: row.currency,
      status: 'open',
      bet_amount: Number(row.bet),
      win_amount: Number(row.win),
      refunded_amount: Number(row.refund),
      first_at: iso(Number(row.first)),
      last_at: iso(Number(row.last)),
    }));
    const end = page.at(-1);
    return { items, next_cursor: rows.length > limit && end !== undefined ? encodeCursor({ t: Number(end.last), u: end.name, r: end.round ?? end.round_text }) : null };
  }

  async dailyReport(dayStart: number): Promise<CurrencyTotals[]> {
    const sql = await this.pool();
    const start = new Date(dayStart);
    const end = new Date(dayStart + 86_400_000);
    const rows = await this.#dailyQuery(sql, start, end);
    const totals = new Map<string, CurrencyTotals>();
    for (const row of rows) {
      const kind = KINDS[row.kind - 1] as TransactionKind;
      addToTotals(totals, row.currency, kind, 0, false);
      const t = totals.get(row.currency) as CurrencyTotals;
      const bucket = kind === 'bet' ? t.bets : kind === 'win' ? t.wins : kind === 'rollback' ? t.refunds : kind === 'deposit' ? t.deposits : t.withdrawals;
      bucket.count += Number(row.count) - 1;
      bucket.amount += Number(row.amount);
      if (kind === 'bet') t.free_bets.count = Number(row.free);
    }
    return finishTotals(totals);
  }

  #dailyQuery(sql: Sql, start: Date, end: Date) {
    return sql<Array<{ currency: string; kind: number; count: string; amount: string; free: string }>>`
      SELECT w.currency, t.kind, count(*) AS count, sum(abs(t.amount)) AS amount, count(*) FILTER (WHERE t.is_free) AS free
      FROM transactions t JOIN wallets w ON w.id = t.wallet_id
      WHERE t.created_at >= ${start} AND t.created_at < ${end} AND coalesce(t.settled_at, t.created_at) >= ${start} AND t.kind <> ${RESERVED}
      GROUP BY w.currency, t.kind`;
  }

  /**
   * The plan PostgreSQL chooses for each lookup (`EXPLAIN`), by name, for a sample of the data:
   * for tests and for an operator checking that each lookup is served by an index.
   */
  async explain(sample: { readonly id: string; readonly user: string; readonly round: string; readonly day: number }): Promise<Record<string, string>> {
    const sql = await this.pool();
    const [wallet] = await sql<Array<{ id: string }>>`SELECT id FROM wallets WHERE name = ${sample.user}`;
    const walletId = wallet?.id ?? '0';
    const queries = {
      transaction: this.#lookupQuery(sql, [sample.id]),
      history: this.#historyQuery(sql, walletId, {}, undefined, 100),
      historyNextPage: this.#historyQuery(sql, walletId, {}, { t: sample.day + 43_200_000, k: sample.id }, 100),
      historyOfRound: this.#historyQuery(sql, walletId, { round: sample.round }, undefined, 100),
      round: this.#roundQuery(sql, sample.round, undefined),
      roundOfUser: this.#roundQuery(sql, sample.round, sample.user),
      dailyReport: this.#dailyQuery(sql, new Date(sample.day), new Date(sample.day + 86_400_000)),
      transactionsBetween: this.#recordsQuery(sql, sample.day, sample.day + 86_400_000),
      stuckRounds: this.#stuckQuery(sql, new Date(sample.day), undefined, 100),
      stuckRoundsNextPage: this.#stuckQuery(sql, new Date(sample.day), { t: sample.day - 86_400_000, u: sample.user, r: sample.round }, 100),
    };
    const plans: Record<string, string> = {};
    for (const [name, query] of Object.entries(queries)) {
      const rows = await sql<Array<{ 'QUERY PLAN': string }>>`EXPLAIN ${query}`;
      plans[name] = rows.map((row) => row['QUERY PLAN']).join('\n');
    }
    return plans;
  }

  #recordsQuery(sql: Sql, from: number | undefined, to: number | undefined) {
    return sql<RecordRow[]>`
      SELECT ${this.#columns(sql)} FROM transactions t JOIN wallets w ON w.id = t.wallet_id
      WHERE t.kind <> ${RESERVED}
        ${from === undefined ? sql`` : sql`AND t.created_at >= ${new Date(from)} AND coalesce(t.settled_at, t.created_at) >= ${new Date(from)}`}
        ${to === undefined ? sql`` : sql`AND t.created_at < ${new Date(to)}`}
      ORDER BY t.created_at, t.transaction_uuid`;
  }

  async *records(from: number | undefined, to: number | undefined): AsyncIterable<TransactionRecord> {
    const sql = await this.pool();
    const query = this.#recordsQuery(sql, from, to);
    for await (const rows of query.cursor(1_000)) for (const row of rows) yield recordOf(row);
  }
}
