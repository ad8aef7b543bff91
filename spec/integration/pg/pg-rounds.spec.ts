/**
 * The PostgreSQL store's table of open rounds (lib/pg/schema.ts, version 5), which answers stuck
 * rounds: it stays exactly what the transactions say — with two stores (as two processes) writing
 * the same users' rounds at once, after retention drops some of a round's rows (also while bets
 * on it keep coming), and when an existing database is upgraded to it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import postgres from 'postgres';
import { start, Status, type StuckRound, type Wallet } from '../../../lib/index.js';
import { decodeText } from '../../../lib/pg/history.js';
import { freshDatabase, type FreshDatabase } from '../../../test-support/postgres.js';
import { seededRandom } from '../../../test-support/random.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 3, 1, 8, 0, 0);

let database: FreshDatabase;
const opened: Wallet[] = [];
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  await Promise.all(opened.map((w) => w.stop()));
  await database.drop();
});

function engine(schema: string, clock: () => number, retentionDays = 0): Wallet {
  const w = start({ database: { url: database.url, schema, poolSize: 3, clock, retentionDays } });
  opened.push(w);
  return w;
}

let serial = 0;
function nextId(): string {
  serial += 1;
  return `00000000-0000-4000-8000-${serial.toString(16).padStart(12, '0')}`;
}

/** Sends a bet, win or rollback and expects RS_OK; resolves to its transaction id. */
async function send(w: Wallet, operation: 'bet' | 'win' | 'rollback', fields: Record<string, unknown>): Promise<string> {
  const transaction_uuid = nextId();
  const body = { user: 'alice', transaction_uuid, request_uuid: nextId(), currency: 'USD', ...fields };
  if (operation === 'rollback') delete (body as Record<string, unknown>).currency;
  const answer = await w[operation](body as never);
  expect({ operation, fields, status: answer.status }).toEqual({ operation, fields, status: Status.OK });
  return transaction_uuid;
}

/** Every stuck round `w` lists for `idle_minutes`, page after page of `limit`. */
async function allStuck(w: Wallet, idleMinutes = 0, limit = 7): Promise<StuckRound[]> {
  const all: StuckRound[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await w.stuckRounds({ idle_minutes: idleMinutes, limit, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return all;
}

/**
 * The stuck rounds as the transactions of `schema` tell them (every row with a round, grouped,
 * in the order stuck rounds are listed), idle since `cutoff`: what the table must agree with.
 */
async function fromTransactions(schema: string, cutoff: number): Promise<StuckRound[]> {
  const sql = postgres(database.url, { max: 1, onnotice: () => {}, connection: { search_path: schema } });
  try {
    const rows = await sql<Array<{ round: string; user: string; currency: string; bet: string; win: string; refund: string; first: string; last: string }>>`
      SELECT coalesce(t.round::text, t.round_text) AS round, w.name AS user, w.currency,
             coalesce(sum(-t.amount) FILTER (WHERE t.kind = 1), 0) AS bet, coalesce(sum(t.amount) FILTER (WHERE t.kind = 2), 0) AS win,
             coalesce(sum(t.amount) FILTER (WHERE t.kind = 3), 0) AS refund,
             (extract(epoch FROM min(t.created_at)) * 1000)::int8 AS first, (extract(epoch FROM max(t.created_at)) * 1000)::int8 AS last
      FROM transactions t JOIN wallets w ON w.id = t.wallet_id
      WHERE (t.round IS NOT NULL OR t.round_text IS NOT NULL) AND t.kind <> 6
      GROUP BY w.name, w.currency, t.round, t.round_text
      HAVING NOT bool_or(t.round_closed) AND max(t.created_at) <= ${new Date(cutoff)}
      ORDER BY 8, 2, 1`;
    return rows.map((r) => ({
      round: decodeText(r.round),
      user: r.user,
      currency: r.currency,
      status: 'open',
      bet_amount: Number(r.bet),
      win_amount: Number(r.win),
      refunded_amount: Number(r.refund),
      first_at: new Date(Number(r.first)).toISOString(),
      last_at: new Date(Number(r.last)).toISOString(),
    }));
  } finally {
    await sql.end();
  }
}

describe("two stores writing the same users' rounds at once keep each round's status exact", () => {
  it('lists a round open until either closes it, with every bet, win and refund of both counted', async () => {
    const now = T0;
    const schema = 'two_writers';
    const [a, b] = [engine(schema, () => now), engine(schema, () => now)];
    const users = ['ann', 'ben', 'cat'];
    await a.createUsers(users);
    await b.createUsers(users);
    const random = seededRandom(0x0ead_2026);
    const ROUNDS = 12;
    const closedBy = new Map<string, 'a' | 'b' | undefined>();
    // Each round: a bet through each store at once; then, at once, a win through one store
    // (closing the round for two thirds of them) and another bet through the other.
    await Promise.all(
      users.flatMap((user) =>
        Array.from({ length: ROUNDS }, async (_, i) => {
          const round = i % 2 === 0 ? `${user}-round-${i}` : `0000${i.toString(16).padStart(4, '0')}-1111-4222-8333-${Buffer.from(user).toString('hex').padEnd(12, '0')}`;
          const [first] = await Promise.all([send(a, 'bet', { user, amount: 10, round }), send(b, 'bet', { user, amount: 20, round })]);
          const closes = random() < 2 / 3;
          const [winner, other] = random() < 0.5 ? ([a, b] as const) : ([b, a] as const);
          closedBy.set(`${user}/${round}`, closes ? (winner === a ? 'a' : 'b') : undefined);
          await Promise.all([send(winner, 'win', { user, amount: 5, round, reference_transaction_uuid: first, round_closed: closes }), send(other, 'bet', { user, amount: 1, round })]);
        }),
      ),
    );
    const stuckBefore = await allStuck(a);
    const expected = await fromTransactions(schema, now);
    expect(stuckBefore).toEqual(expected);
    expect(await allStuck(b)).toEqual(expected);
    const open = [...closedBy].filter(([, by]) => by === undefined).map(([key]) => key);
    expect(new Set(stuckBefore.map((r) => `${r.user}/${r.round}`))).toEqual(new Set(open));
    expect(open.length).toBeGreaterThan(0);
    expect(open.length).toBeLessThan(users.length * ROUNDS);
    for (const r of stuckBefore) expect([r.bet_amount, r.win_amount, r.refunded_amount]).toEqual([31, 5, 0]);

    // A bet and its rollback after a round closed leave it closed; in an open round they count.
    const closedRound = [...closedBy].find(([, by]) => by !== undefined)?.[0] as string;
    const openRound = open[0] as string;
    const [closedUser, closedValue] = closedRound.split('/') as [string, string];
    const [openUser, openValue] = openRound.split('/') as [string, string];
    const late = await send(b, 'bet', { user: closedUser, amount: 3, round: closedValue });
    const refunded = await send(a, 'bet', { user: openUser, amount: 4, round: openValue });
    await Promise.all([send(a, 'rollback', { user: closedUser, reference_transaction_uuid: late, round: closedValue }), send(b, 'rollback', { user: openUser, reference_transaction_uuid: refunded, round: openValue })]);
    const after = await allStuck(b);
    expect(after).toEqual(await fromTransactions(schema, now));
    expect(after.find((r) => r.user === closedUser && r.round === closedValue)).toBeUndefined();
    expect(after.find((r) => r.user === openUser && r.round === openValue)).toMatchObject({ bet_amount: 35, refunded_amount: 4 });
  });
});

describe('retention keeps the open rounds as the rows it leaves tell them', () => {
  it('drops a round whose rows all went, and recomputes one that keeps an open bet, even one a dropped row had closed', async () => {
    let now = T0;
    const schema = 'retention_rounds';
    const w = engine(schema, () => now, 1);
    await w.createUsers(['alice']);
    // All dropped: a bet and its win, the round left open.
    const gone = await send(w, 'bet', { amount: 10, round: 'gone' });
    await send(w, 'win', { amount: 1, round: 'gone', reference_transaction_uuid: gone });
    // An open bet, kept whatever its age, and a later bet with its win, both dropped.
    await send(w, 'bet', { amount: 7, round: 'keeps-open-bet' });
    await send(w, 'bet', { amount: 5, round: 'reopened' });
    now += 3_600_000;
    const later = await send(w, 'bet', { amount: 11, round: 'keeps-open-bet' });
    await send(w, 'win', { amount: 2, round: 'keeps-open-bet', reference_transaction_uuid: later });
    const closing = await send(w, 'bet', { amount: 13, round: 'reopened' });
    await send(w, 'win', { amount: 3, round: 'reopened', reference_transaction_uuid: closing, round_closed: true });
    // Uncut: a UUID round, open, younger than the retention period.
    now += DAY / 2;
    await send(w, 'bet', { amount: 1, round: '0f0e0d0c-1111-4222-8333-444455556666' });
    expect((await allStuck(w)).map((r) => r.round)).toEqual(['gone', 'keeps-open-bet', '0f0e0d0c-1111-4222-8333-444455556666']);

    now += DAY;
    expect(await w.purge()).toBe(6);
    const after = await allStuck(w);
    expect(after).toEqual(await fromTransactions(schema, now));
    expect(after).toEqual([
      expect.objectContaining({ round: 'keeps-open-bet', bet_amount: 7, win_amount: 0, first_at: new Date(T0).toISOString(), last_at: new Date(T0).toISOString() }),
      // Its closing win is gone: what is left of it is an open bet in a round nothing closed.
      expect.objectContaining({ round: 'reopened', bet_amount: 5, win_amount: 0, last_at: new Date(T0).toISOString() }),
      expect.objectContaining({ round: '0f0e0d0c-1111-4222-8333-444455556666' }),
    ]);
    // The value of a dropped round starts a new one.
    await send(w, 'bet', { amount: 9, round: 'gone' });
    expect((await allStuck(w)).at(-1)).toMatchObject({ round: 'gone', bet_amount: 9, first_at: new Date(now).toISOString() });
  });

  it('stays exact when bets on a round value arrive while retention drops the rows that closed it', async () => {
    let now = T0;
    const schema = 'retention_race';
    const w = engine(schema, () => now, 1);
    const other = engine(schema, () => now);
    const users = ['u1', 'u2', 'u3', 'u4'];
    await w.createUsers(users);
    for (const user of users) {
      for (let i = 0; i < 30; i += 1) {
        const bet = await send(w, 'bet', { user, amount: 2, round: `r${i}` });
        await send(w, 'win', { user, amount: 1, round: `r${i}`, reference_transaction_uuid: bet, round_closed: true });
      }
    }
    expect(await allStuck(w)).toEqual([]);
    now += 2 * DAY;
    // Retention drops every row, the closing wins included, while the other store bets on the
    // same round values: whichever commits first, each is an open round of one bet.
    const bets = Promise.all(users.flatMap((user) => Array.from({ length: 30 }, (_, i) => send(other, 'bet', { user, amount: 3, round: `r${i}` }))));
    const [dropped] = await Promise.all([w.purge(), bets]);
    expect(dropped).toBe(users.length * 30 * 2);
    const after = await allStuck(w, 0, 50);
    expect(after).toEqual(await fromTransactions(schema, now));
    expect(after).toHaveLength(users.length * 30);
    for (const r of after) expect([r.bet_amount, r.win_amount, r.first_at]).toEqual([3, 0, new Date(now).toISOString()]);
  });
});

describe('upgrading a database to the table of open rounds fills it from the transactions stored', () => {
  it('answers the same stuck rounds after the upgrade as the transactions tell', async () => {
    let now = T0;
    const schema = 'upgrade_rounds';
    const w = engine(schema, () => now);
    await w.createUsers(['alice', 'bob']);
    const b1 = await send(w, 'bet', { amount: 10, round: 'open-text' });
    now += 60_000;
    await send(w, 'rollback', { reference_transaction_uuid: b1, round: 'open-text' });
    await send(w, 'bet', { user: 'bob', amount: 4, round: '1a2b3c4d-1111-4222-8333-444455556666' });
    now += 60_000;
    const b2 = await send(w, 'bet', { amount: 8, round: 'closed' });
    await send(w, 'win', { amount: 9, round: 'closed', reference_transaction_uuid: b2, round_closed: true });
    await send(w, 'bet', { user: 'bob', amount: 6, round: 'nul\u0000round' });
    await send(w, 'bet', { amount: 1 }); // no round
    now += 3_600_000;
    const before = await allStuck(w, 30, 2);
    expect(before.map((r) => [r.user, r.round])).toEqual([
      ['alice', 'open-text'],
      ['bob', '1a2b3c4d-1111-4222-8333-444455556666'],
      ['bob', 'nul\u0000round'],
    ]);
    await w.stop();

    // Back to the schema as version 4 left it, with these rows.
    const sql = postgres(database.url, { max: 1, onnotice: () => {}, connection: { search_path: schema } });
    try {
      await sql`DROP TABLE rounds`;
      // Version 6's index on the text rounds' key, back to version 4's on the text.
      await sql`DROP INDEX transactions_round_key`;
      await sql`DROP FUNCTION round_key(text)`;
      await sql`CREATE INDEX transactions_round_text ON transactions (round_text) WHERE round_text IS NOT NULL`;
      await sql`DELETE FROM schema_migrations WHERE version >= 5`;
      const versions = await sql`SELECT max(version) AS version FROM schema_migrations`;
      expect(versions[0]?.version).toBe(4);
    } finally {
      await sql.end();
    }

    const upgraded = engine(schema, () => now);
    expect(await allStuck(upgraded, 30, 2)).toEqual(before);
    expect(before).toEqual(await fromTransactions(schema, now - 30 * 60_000));
    expect(before[0]).toMatchObject({ bet_amount: 10, refunded_amount: 10, first_at: new Date(T0).toISOString(), last_at: new Date(T0 + 60_000).toISOString() });
    // The upgraded table is kept from there on.
    await send(upgraded, 'win', { amount: 0, round: 'open-text', reference_transaction_uuid: await send(upgraded, 'bet', { amount: 1, round: 'open-text' }), round_closed: true });
    expect((await allStuck(upgraded, 0)).map((r) => r.round)).toEqual(['1a2b3c4d-1111-4222-8333-444455556666', 'nul\u0000round']);
  });
});
