/**
 * The PostgreSQL back office at a size where plans matter: 24,000 transactions over 20 days,
 * a 36-character round on every bet and win. Each lookup's plan (EXPLAIN) uses an index, and a
 * transaction row with its share of every index stays within 330 bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { postgresStore, start, type OpenedStore, type Wallet } from '../../../lib/index.js';
import type { PostgresHistory } from '../../../lib/pg/history.js';
import { testServerUrl } from '../../../test-support/postgres.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const DAYS = 20;
const USERS = 100;
/** Bet-and-win pairs per user per day. */
const PAIRS = 6;

function uuid(tag: number, n: number): string {
  return `00000000-${tag.toString(16).padStart(4, '0')}-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

function round(n: number): string {
  return `${n.toString(16).padStart(8, '0')}-1111-4222-8333-444455556666`;
}

const schema = `bo_pg_${randomBytes(6).toString('hex')}`;
let opened: OpenedStore | undefined;
let w: Wallet;
let now = T0;

beforeAll(async () => {
  const factory = postgresStore({ url: testServerUrl(), schema, poolSize: 4, clock: () => now, retentionDays: 0 });
  w = start({ store: (context) => (opened = factory(context)), initialBalance: 1e12 });
  const users = Array.from({ length: USERS }, (_, i) => `player-${i}`);
  await w.createUsers(users);
  const sql = postgres(testServerUrl(), { onnotice: () => {}, connection: { search_path: schema } });
  let n = 0;
  for (let day = 0; day < DAYS; day += 1) {
    now = T0 + day * DAY + 3_600_000;
    for (let pair = 0; pair < PAIRS; pair += 1) {
      await Promise.all(
        users.map(async (user) => {
          n += 1;
          const id = n;
          const r = round(id);
          await w.bet({ user, transaction_uuid: uuid(1, id), request_uuid: uuid(2, id), currency: 'USD', amount: 100, round: r, game_code: 'starburst' } as never);
          await w.win({ user, transaction_uuid: uuid(3, id), request_uuid: uuid(4, id), reference_transaction_uuid: uuid(1, id), currency: 'USD', amount: 50, round: r, round_closed: true } as never);
        }),
      );
      now += 60_000;
    }
    // As autovacuum does on a live table: the space of the bet versions that wins replaced is
    // made free for the next day's rows.
    await sql.unsafe('VACUUM ANALYZE transactions');
  }
  await sql.unsafe('VACUUM ANALYZE wallets');
  await sql.end();
}, 300_000);

afterAll(async () => {
  await w?.stop();
});

function history(): PostgresHistory {
  return (opened?.store.backOffice?.() as PostgresHistory);
}

describe('each PostgreSQL back-office lookup is served by an index', () => {
  it('shows EXPLAIN using the primary key, transactions_wallet, the round index and the BRIN index', async () => {
    const plans = await history().explain({ id: uuid(1, 777), user: 'player-7', round: round(777), day: T0 + (DAYS - 2) * DAY });
    // The plans, for the reader of the test output (and docs/backoffice.md).
    process.stdout.write(`${Object.entries(plans).map(([name, plan]) => `-- ${name}\n${plan}`).join('\n')}\n`);
    expect(plans.transaction).toMatch(/Index Scan using transactions_pkey/);
    expect(plans.history).toMatch(/Index Scan (Backward )?using transactions_wallet/);
    expect(plans.historyNextPage).toMatch(/Index Scan (Backward )?using transactions_wallet/);
    expect(plans.round).toMatch(/(Index|Bitmap Index) Scan on transactions_round|Index Scan using transactions_round/);
    expect(plans.roundOfUser).toMatch(/transactions_round/);
    expect(plans.dailyReport).toMatch(/Bitmap Index Scan on transactions_changed/);
    expect(plans.transactionsBetween).toMatch(/Bitmap Index Scan on transactions_changed/);
    // Stuck rounds aggregate every row that carries a round (a report, not a lookup): no index narrows that.
    for (const [name, plan] of Object.entries(plans)) if (name !== 'stuckRounds') expect(plan).not.toMatch(/Seq Scan on transactions/);
  });
});

describe('a PostgreSQL transaction row stays within 330 bytes', () => {
  it('measures the table with its indexes and TOAST (pg_total_relation_size) over its rows', async () => {
    const sql = postgres(testServerUrl(), { onnotice: () => {}, connection: { search_path: schema } });
    const [row] = await sql<Array<{ bytes: string; rows: string }>>`SELECT pg_total_relation_size('transactions') AS bytes, count(*) AS rows FROM transactions`;
    await sql.end();
    const perRow = Number(row?.bytes) / Number(row?.rows);
    process.stdout.write(`PostgreSQL: ${Number(row?.rows)} transaction rows, ${Number(row?.bytes)} bytes with indexes: ${perRow.toFixed(1)} bytes a row\n`);
    expect(Number(row?.rows)).toBe(DAYS * PAIRS * USERS * 2);
    expect(perRow).toBeLessThanOrEqual(330);
  });
});
