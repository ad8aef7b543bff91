/**
 * The PostgreSQL back office at a size where plans matter: 24,000 transactions over 20 days,
 * a 36-character round on every bet and win, one round in six left open. Each lookup's plan
 * (EXPLAIN) uses an index, and a transaction row with its share of every index and of the
 * table of open rounds stays within 330 bytes. Then a text round on a bet of each user, one of
 * them 9,000 characters long: a text round is found through the index of its key.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { postgresStore, start, type OpenedStore, type Wallet } from '../../../lib/index.js';
import type { PostgresHistory } from '../../../lib/pg/history.js';
import { testServerUrl } from '../../../test-support/postgres.js';
import { seededRandom } from '../../../test-support/random.js';

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
          // The first round of each user's day is left open: 2,000 stuck rounds by the end.
          await w.win({ user, transaction_uuid: uuid(3, id), request_uuid: uuid(4, id), reference_transaction_uuid: uuid(1, id), currency: 'USD', amount: 50, round: r, round_closed: pair !== 0 } as never);
        }),
      );
      now += 60_000;
    }
    // As autovacuum does on a live table: the space of the bet versions that wins replaced is
    // made free for the next day's rows.
    await sql.unsafe('VACUUM ANALYZE transactions');
    await sql.unsafe('VACUUM ANALYZE rounds');
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
    expect(plans.historyOfRound).toMatch(/Index Scan (Backward )?using transactions_(wallet|round)|Bitmap Index Scan on transactions_(wallet|round)/);
    expect(plans.round).toMatch(/(Index|Bitmap Index) Scan on transactions_round|Index Scan using transactions_round/);
    expect(plans.roundOfUser).toMatch(/transactions_round/);
    expect(plans.dailyReport).toMatch(/Bitmap Index Scan on transactions_changed/);
    expect(plans.transactionsBetween).toMatch(/Bitmap Index Scan on transactions_changed/);
    // Stuck rounds: a range of the open rounds' index on their last time, whatever the page.
    expect(plans.stuckRounds).toMatch(/Index Scan using rounds_idle on rounds/);
    expect(plans.stuckRoundsNextPage).toMatch(/Index Scan using rounds_idle on rounds/);
    for (const plan of Object.values(plans)) expect(plan).not.toMatch(/Seq Scan on (transactions|rounds)/);
  });

  it('answers stuck rounds as the transactions tell them, page after page', async () => {
    const sql = postgres(testServerUrl(), { onnotice: () => {}, connection: { search_path: schema } });
    const expected = await sql<Array<{ round: string; user: string; bet: string; win: string; refund: string; first: string; last: string }>>`
      SELECT coalesce(t.round::text, t.round_text) AS round, w.name AS user,
             coalesce(sum(-t.amount) FILTER (WHERE t.kind = 1), 0) AS bet, coalesce(sum(t.amount) FILTER (WHERE t.kind = 2), 0) AS win,
             coalesce(sum(t.amount) FILTER (WHERE t.kind = 3), 0) AS refund,
             (extract(epoch FROM min(t.created_at)) * 1000)::int8 AS first, (extract(epoch FROM max(t.created_at)) * 1000)::int8 AS last
      FROM transactions t JOIN wallets w ON w.id = t.wallet_id
      WHERE (t.round IS NOT NULL OR t.round_text IS NOT NULL) AND t.kind <> 6
      GROUP BY w.name, t.round, t.round_text
      HAVING NOT bool_or(t.round_closed) AND max(t.created_at) <= ${new Date(now - 3 * DAY)}
      ORDER BY 7, 2, 1`;
    await sql.end();
    expect(expected).toHaveLength((DAYS - 3) * USERS);
    const seen: Array<{ round: string; user: string; bet: number; win: number; refund: number; first: string; last: string }> = [];
    let cursor: string | null | undefined;
    do {
      const page = await w.stuckRounds({ idle_minutes: 3 * 24 * 60, limit: 700, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((r) => ({ round: r.round, user: r.user, bet: r.bet_amount, win: r.win_amount, refund: r.refunded_amount, first: r.first_at, last: r.last_at })));
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual(expected.map((r) => ({ round: r.round, user: r.user, bet: Number(r.bet), win: Number(r.win), refund: Number(r.refund), first: new Date(Number(r.first)).toISOString(), last: new Date(Number(r.last)).toISOString() })));
  });
});

describe('a PostgreSQL transaction row stays within 330 bytes', () => {
  it('measures the table with its indexes and TOAST (pg_total_relation_size), and its share of the open rounds, over its rows', async () => {
    const sql = postgres(testServerUrl(), { onnotice: () => {}, connection: { search_path: schema } });
    const [row] = await sql<Array<{ bytes: string; rounds: string; open: string; rows: string }>>`
      SELECT pg_total_relation_size('transactions') AS bytes, pg_total_relation_size('rounds') AS rounds,
             (SELECT count(*) FROM rounds) AS open, count(*) AS rows FROM transactions`;
    await sql.end();
    const rows = Number(row?.rows);
    const perRow = Number(row?.bytes) / rows;
    const roundsPerRow = Number(row?.rounds) / rows;
    process.stdout.write(
      `PostgreSQL: ${rows} transaction rows, ${Number(row?.bytes)} bytes with indexes: ${perRow.toFixed(1)} bytes a row; ` +
        `${Number(row?.open)} open rounds, ${Number(row?.rounds)} bytes: ${roundsPerRow.toFixed(1)} bytes a transaction row more\n`,
    );
    expect(rows).toBe(DAYS * PAIRS * USERS * 2);
    expect(Number(row?.open)).toBe(DAYS * USERS);
    expect(perRow + roundsPerRow).toBeLessThanOrEqual(330);
  });
});

describe('a text round, however long, is found through the index of its key', () => {
  it('shows EXPLAIN using transactions_round_key (SHA-256 of the text) for a round of 42 or 9,000 characters', async () => {
    // A text round on a bet of each user, and a 9,000-character one.
    const random = seededRandom(777);
    const long = Array.from({ length: 9_000 }, () => String.fromCharCode(33 + Math.floor(random() * 94))).join('');
    now += DAY;
    const users = Array.from({ length: USERS }, (_, i) => `player-${i}`);
    const answers = await Promise.all(
      users.map((user, i) => w.bet({ user, transaction_uuid: uuid(5, i), request_uuid: uuid(6, i), currency: 'USD', amount: 1, round: i === 7 ? long : `table-${round(i)}` } as never)),
    );
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set(['RS_OK']));
    const sql = postgres(testServerUrl(), { onnotice: () => {}, connection: { search_path: schema } });
    await sql.unsafe('VACUUM ANALYZE transactions');
    await sql.unsafe('VACUUM ANALYZE rounds');
    await sql.end();
    for (const sample of [`table-${round(8)}`, long]) {
      const plans = await history().explain({ id: uuid(5, 8), user: 'player-8', round: sample, day: T0 + (DAYS - 2) * DAY });
      if (sample !== long) process.stdout.write(`${['round', 'roundOfUser', 'historyOfRound'].map((name) => `-- ${name} (text round)\n${plans[name]}`).join('\n')}\n`);
      expect(plans.round).toMatch(/(Index|Bitmap Index) Scan on transactions_round_key|Index Scan using transactions_round_key/);
      expect(plans.roundOfUser).toMatch(/transactions_round_key/);
      expect(plans.historyOfRound).toMatch(/Index Scan (Backward )?using transactions_(wallet|round_key)|Bitmap Index Scan on transactions_(wallet|round_key)/);
      // A page's sums: each round's transactions through the index of its form.
      expect(plans.stuckRounds).toMatch(/transactions_round_key/);
      for (const plan of Object.values(plans)) expect(plan).not.toMatch(/Seq Scan on (transactions|rounds)/);
    }
    expect((await w.round(long))?.transactions.map((r) => r.transaction_uuid)).toEqual([uuid(5, 7)]);
    expect((await w.history('player-7', { round: long }))?.items.map((r) => r.transaction_uuid)).toEqual([uuid(5, 7)]);
  });
});
