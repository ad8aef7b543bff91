/**
 * What the failover tests check once the load is over: every acknowledged response replays byte
 * for byte, and the database's ledger is the reference model's, with money conserved.
 */
import PQueue from 'p-queue';
import { Status } from '../../../lib/index.js';
import postgres from 'postgres';
import type { ReferenceWallet } from '../../support/model/reference-wallet.js';
import type { Answer } from './load.js';

/** The request_uuid replays are sent with: a replay answers with the original one. */
const REPLAY_REQUEST_UUID = '00000000-0000-4000-8000-000000000000';

/** How many times a replay answered RS_ERROR_UNKNOWN is sent. */
const UNKNOWN_RETRIES = 20;

/** A replay whose answer differs from the acknowledged one. */
export interface ReplayDifference {
  readonly index: number;
  readonly acknowledged: string;
  readonly replayed: string;
}

/**
 * Sends every acknowledged request again to `baseUrl`, unchanged but for its request_uuid, and
 * returns those whose answer is not the acknowledged body, byte for byte. A replay answered
 * RS_ERROR_UNKNOWN (a batch that did not commit in time on a loaded machine) is sent again, as
 * an aggregator would; any other answer is final.
 */
export async function replayDifferences(baseUrl: string, acknowledged: readonly Answer[]): Promise<ReplayDifference[]> {
  const queue = new PQueue({ concurrency: 16 });
  const differences: ReplayDifference[] = [];
  await queue.addAll(
    acknowledged.map((answer) => async () => {
      const { operation, body } = answer.request;
      let replayed = '';
      for (let attempt = 0; attempt < UNKNOWN_RETRIES; attempt += 1) {
        const response = await fetch(`${baseUrl}/transaction/${operation}`, {
          method: 'POST',
          body: JSON.stringify({ ...body, request_uuid: REPLAY_REQUEST_UUID }),
          headers: { 'content-type': 'application/json' },
          signal: AbortSignal.timeout(30_000),
        });
        replayed = await response.text();
        if (response.status !== 200 || (JSON.parse(replayed) as { status?: unknown }).status !== Status.UNKNOWN) break;
      }
      if (replayed !== answer.text) differences.push({ index: answer.index, acknowledged: answer.text, replayed });
    }),
  );
  return differences;
}

/** The ledger as the database holds it, read with SQL. */
export interface Ledger {
  /** Sum of `wallets.balance`, of `wallets.opening_balance`, and of `transactions.amount`. */
  readonly balances: bigint;
  readonly opening: bigint;
  readonly moved: bigint;
  /** Each user's balance. */
  readonly users: Record<string, number>;
  /** Recorded transaction ids, sorted, and ids reserved by a rollback that came first, sorted. */
  readonly transactions: string[];
  readonly reserved: string[];
  /** Users whose balance is not their opening balance plus what their transactions moved. */
  readonly unbalanced: string[];
}

/** Reads the ledger from the `exwallet` schema of the database at `url`. */
export async function readLedger(url: string): Promise<Ledger> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [totals] = await sql<Array<{ balances: string; opening: string; moved: string }>>`
      SELECT (SELECT coalesce(sum(balance), 0) FROM exwallet.wallets)::text AS balances,
             (SELECT coalesce(sum(opening_balance), 0) FROM exwallet.wallets)::text AS opening,
             (SELECT coalesce(sum(amount), 0) FROM exwallet.transactions)::text AS moved`;
    const users = await sql<Array<{ name: string; balance: string }>>`SELECT name, balance::text FROM exwallet.wallets ORDER BY name`;
    const ids = await sql<Array<{ id: string; kind: number }>>`SELECT transaction_uuid::text AS id, kind FROM exwallet.transactions ORDER BY 1`;
    const unbalanced = await sql<Array<{ name: string }>>`
      SELECT w.name FROM exwallet.wallets w LEFT JOIN exwallet.transactions t ON t.wallet_id = w.id
      GROUP BY w.id HAVING w.balance <> w.opening_balance + coalesce(sum(t.amount), 0)`;
    return {
      balances: BigInt(totals?.balances ?? '0'),
      opening: BigInt(totals?.opening ?? '0'),
      moved: BigInt(totals?.moved ?? '0'),
      users: Object.fromEntries(users.map((row) => [row.name, Number(row.balance)])),
      transactions: ids.filter((row) => row.kind !== 6).map((row) => row.id),
      reserved: ids.filter((row) => row.kind === 6).map((row) => row.id),
      unbalanced: unbalanced.map((row) => row.name),
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** The ledger the reference model says the database must hold. */
export function modelLedger(model: ReferenceWallet): Ledger {
  const moved = model.moved();
  return {
    balances: model.opened + moved,
    opening: model.opened,
    moved,
    users: Object.fromEntries([...model.balances].sort(([a], [b]) => (a < b ? -1 : 1))),
    transactions: [...model.transactions.keys()].sort(),
    reserved: [...model.reservations.keys()].sort(),
    unbalanced: [],
  };
}
