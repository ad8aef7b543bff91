/**
 * What the cross-process tests read back: users created over the admin route, balances over the
 * wallet API, and the rows and sums of the database itself.
 */
import type { HttpClient } from './http-client.js';
import { ADMIN_TOKEN, withSql } from './services.js';

/** A wallet response as the tests read it. */
export interface Answer {
  readonly user: string;
  readonly status: string;
  readonly request_uuid: string;
  readonly currency?: string;
  readonly balance?: number;
}

export function parse(text: string): Answer {
  return JSON.parse(text) as Answer;
}

/** Creates users through `POST /admin/users`; resolves with the route's JSON answer. */
export async function adminCreateUsers(client: HttpClient, users: readonly unknown[]): Promise<{ created: number; users: number }> {
  const answer = await client.post('/admin/users', { users }, { authorization: `Bearer ${ADMIN_TOKEN}` });
  if (answer.status !== 200) throw new Error(`POST /admin/users answered HTTP ${answer.status}: ${answer.text}`);
  return JSON.parse(answer.text) as { created: number; users: number };
}

/** The user's balance as `POST /user/balance` reports it. */
export async function balanceOver(client: HttpClient, user: string): Promise<number | undefined> {
  return parse(await client.wallet('/user/balance', { user, request_uuid: '00000000-0000-4000-8000-00000000b41a' })).balance;
}

/** Counts and sums of the store's tables, as bigints (sums can pass 2^53). */
export interface Ledger {
  /** Rows of transactions, reservations of cancelled ids (kind 6) not included. */
  readonly transactions: number;
  /** Reservations: ids a rollback cancelled before any request used them. */
  readonly reservations: number;
  readonly balances: bigint;
  readonly opening: bigint;
  readonly moved: bigint;
  /** Users whose balance is not their opening balance plus the amounts of their rows. */
  readonly unbalanced: string[];
  /** Each user's balance in the database. */
  readonly byUser: ReadonlyMap<string, number>;
}

export function ledger(databaseUrl: string): Promise<Ledger> {
  return withSql(databaseUrl, async (sql) => {
    const [counts] = await sql<Array<{ transactions: string; reservations: string; moved: string }>>`
      SELECT count(*) FILTER (WHERE kind <> 6) AS transactions, count(*) FILTER (WHERE kind = 6) AS reservations,
             coalesce(sum(amount), 0) AS moved
      FROM exwallet.transactions`;
    const wallets = await sql<Array<{ name: string; balance: string; opening_balance: string; moved: string }>>`
      SELECT w.name, w.balance, w.opening_balance, coalesce(t.moved, 0) AS moved
      FROM exwallet.wallets w LEFT JOIN (SELECT wallet_id, sum(amount) AS moved FROM exwallet.transactions GROUP BY wallet_id) t ON t.wallet_id = w.id`;
    return {
      transactions: Number(counts?.transactions),
      reservations: Number(counts?.reservations),
      moved: BigInt(counts?.moved ?? 0),
      balances: wallets.reduce((sum, row) => sum + BigInt(row.balance), 0n),
      opening: wallets.reduce((sum, row) => sum + BigInt(row.opening_balance), 0n),
      unbalanced: wallets.filter((row) => BigInt(row.balance) !== BigInt(row.opening_balance) + BigInt(row.moved)).map((row) => row.name),
      byUser: new Map(wallets.map((row) => [row.name, Number(row.balance)])),
    };
  });
}
