/**
 * Text rounds of any length on the PostgreSQL store (lib/pg/schema.ts, version 6): a btree entry
 * holds at most about 2,700 bytes, so a text round is indexed through `round_key(round_text)`,
 * its SHA-256, and compared as text after. Long rounds (also ones holding a NUL, which the store
 * encodes) go through batches, the table of open rounds and retention like short ones, and a
 * database at version 5 is upgraded to the key indexes with its rounds still found.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import postgres from 'postgres';
import { start, Status, type StuckRound, type Wallet } from '../../../lib/index.js';
import { MIGRATIONS } from '../../../lib/pg/schema.js';
import { freshDatabase, type FreshDatabase } from '../../../test-support/postgres.js';
import { seededRandom } from '../../../test-support/random.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 4, 1, 8, 0, 0);

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

function connect(schema: string) {
  return postgres(database.url, { max: 1, onnotice: () => {}, connection: { search_path: schema } });
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
  expect({ operation, status: answer.status }).toEqual({ operation, status: Status.OK });
  return transaction_uuid;
}

async function allStuck(w: Wallet, idleMinutes = 0, limit = 2): Promise<StuckRound[]> {
  const all: StuckRound[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await w.stuckRounds({ idle_minutes: idleMinutes, limit, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return all;
}

/** `items` in one order whatever theirs: pages list rounds of one millisecond in the order the store keeps them. */
function sorted<T>(items: T[]): T[] {
  return [...items].sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
}

const random = seededRandom(6);
/** `length` random printable ASCII characters: text no compression makes small. */
function printable(length: number): string {
  return Array.from({ length }, () => String.fromCharCode(33 + Math.floor(random() * 94))).join('');
}

describe('long text rounds go through batches, the open rounds and retention', () => {
  it('answers every request of a batch holding 9,000-character rounds, and keeps their rounds exact', async () => {
    let now = T0;
    const w = engine('long_rounds', () => now, 1);
    await w.createUsers(['alice', 'bob']);
    const long = printable(9_000);
    const nul = `${printable(5_000)}\u0000${printable(5_000)}`;
    const a = [nextId(), nextId()];
    const b = [nextId(), nextId()];
    const c = [nextId(), nextId()];
    const answers = await Promise.all([
      w.bet({ user: 'alice', transaction_uuid: a[0], request_uuid: a[1], currency: 'USD', amount: 10, round: long } as never),
      w.bet({ user: 'bob', transaction_uuid: b[0], request_uuid: b[1], currency: 'USD', amount: 4, round: long } as never),
      w.bet({ user: 'bob', transaction_uuid: c[0], request_uuid: c[1], currency: 'USD', amount: 6, round: nul } as never),
    ]);
    expect(answers.map((r) => r.status)).toEqual([Status.OK, Status.OK, Status.OK]);
    // An exact retry replays: the stored round is fingerprinted as sent.
    const retry = await w.bet({ user: 'bob', transaction_uuid: c[0], request_uuid: c[1], currency: 'USD', amount: 6, round: nul } as never);
    expect(retry).toEqual(answers[2]);
    // Rounds of one millisecond come in order of user, then of round as stored.
    expect(sorted((await allStuck(w)).map((r) => [r.user, r.round]))).toEqual(sorted([['alice', long], ['bob', long], ['bob', nul]]));
    await expect(w.round(long)).rejects.toMatchObject({ parameter: 'user' });
    expect(await w.round(nul)).toMatchObject({ user: 'bob', round: nul, status: 'open', bet_amount: 6 });

    // A later bet and its closing win on alice's round, both dropped by retention: what is left
    // is the open bet of a round nothing closed, recomputed into the table of open rounds.
    now += 3_600_000;
    const later = await send(w, 'bet', { amount: 11, round: long });
    await send(w, 'win', { amount: 2, round: long, reference_transaction_uuid: later, round_closed: true });
    expect(sorted((await allStuck(w)).map((r) => [r.user, r.round]))).toEqual(sorted([['bob', long], ['bob', nul]]));
    now += 2 * DAY;
    expect(await w.purge()).toBe(2);
    expect(sorted((await allStuck(w)).map((r) => [r.user, r.round, r.bet_amount]))).toEqual(sorted([['alice', long, 10], ['bob', long, 4], ['bob', nul, 6]]));
    await send(w, 'win', { user: 'bob', amount: 0, round: nul, reference_transaction_uuid: c[0], round_closed: true });
    expect((await w.history('bob', { round: nul }))?.items).toHaveLength(2);
    expect((await allStuck(w)).map((r) => [r.user, r.round])).toEqual([['alice', long], ['bob', long]]);
  });
});

describe('upgrading a database at version 5 indexes its text rounds by their key', () => {
  it('finds the rounds stored before the upgrade, and takes long ones after it', async () => {
    let now = T0;
    const schema = 'upgrade_round_key';
    const w = engine(schema, () => now);
    await w.createUsers(['alice', 'bob']);
    const open = await send(w, 'bet', { amount: 5, round: 'open-text' });
    await send(w, 'bet', { user: 'bob', amount: 3, round: 'open-text' });
    now += 60_000;
    const closing = await send(w, 'bet', { amount: 8, round: 'Closed-Round' });
    await send(w, 'win', { amount: 9, round: 'Closed-Round', reference_transaction_uuid: closing, round_closed: true });
    await send(w, 'bet', { user: 'bob', amount: 2, round: 'nul\u0000round' });
    now += 3_600_000;
    const before = await allStuck(w);
    expect(before.map((r) => [r.user, r.round])).toEqual([['alice', 'open-text'], ['bob', 'open-text'], ['bob', 'nul\u0000round']]);
    await w.stop();

    // Back to the schema as version 5 left it, with these rows: its indexes the same as those of
    // a schema made by the first five migrations.
    const sql = connect(schema);
    try {
      await sql.begin(async (tx) => {
        await tx`DROP INDEX transactions_round_key`;
        await tx`DROP INDEX rounds_round_key`;
        await tx`DROP FUNCTION round_key(text)`;
        await tx`CREATE INDEX transactions_round_text ON transactions (round_text) WHERE round_text IS NOT NULL`;
        await tx`CREATE UNIQUE INDEX rounds_round_text ON rounds (wallet_id, round_text) WHERE round_text IS NOT NULL`;
        await tx`DELETE FROM schema_migrations WHERE version > 5`;
      });
      await sql.unsafe('CREATE SCHEMA version_5');
      await sql.begin(async (tx) => {
        await tx`SET LOCAL search_path TO version_5`;
        await tx`CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`;
        for (const migration of MIGRATIONS.slice(0, 5)) await tx.unsafe(migration);
      });
      expect(await indexes(sql, schema)).toEqual(await indexes(sql, 'version_5'));
    } finally {
      await sql.end();
    }

    const upgraded = engine(schema, () => now);
    expect(await allStuck(upgraded)).toEqual(before);
    const check = connect(schema);
    try {
      const [version] = await check<Array<{ version: number }>>`SELECT max(version) AS version FROM schema_migrations`;
      expect(version?.version).toBe(MIGRATIONS.length);
      expect((await indexes(check, schema)).filter((i) => i.includes('round_text'))).toEqual([
        'rounds_round_key: CREATE UNIQUE INDEX rounds_round_key ON SCHEMA.rounds USING btree (wallet_id, round_key(round_text)) WHERE (round_text IS NOT NULL)',
        'transactions_round_key: CREATE INDEX transactions_round_key ON SCHEMA.transactions USING btree (round_key(round_text)) WHERE (round_text IS NOT NULL)',
      ]);
    } finally {
      await check.end();
    }
    expect(await upgraded.round('Closed-Round')).toMatchObject({ user: 'alice', status: 'closed', bet_amount: 8, win_amount: 9 });
    expect(await upgraded.round('open-text', 'bob')).toMatchObject({ status: 'open', bet_amount: 3 });
    expect(await upgraded.round('nul\u0000round')).toMatchObject({ user: 'bob', status: 'open', bet_amount: 2 });
    expect((await upgraded.history('alice', { round: 'open-text' }))?.items.map((r) => r.transaction_uuid)).toEqual([open]);
    // The rows of the open rounds are found by their key: closing one removes it.
    await send(upgraded, 'win', { amount: 1, round: 'open-text', reference_transaction_uuid: open, round_closed: true });
    const long = printable(9_000);
    await send(upgraded, 'bet', { amount: 1, round: long });
    expect((await allStuck(upgraded)).map((r) => [r.user, r.round])).toEqual([['bob', 'open-text'], ['bob', 'nul\u0000round'], ['alice', long]]);
    expect(await upgraded.round(long)).toMatchObject({ user: 'alice', status: 'open', bet_amount: 1 });
  });
});

/** The indexes of `schema`'s tables, each as `name: definition` with the schema's name as SCHEMA, in order of name. */
async function indexes(sql: postgres.Sql, schema: string): Promise<string[]> {
  const rows = await sql<Array<{ indexname: string; indexdef: string }>>`
    SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = ${schema} ORDER BY indexname`;
  return rows.map((row) => `${row.indexname}: ${row.indexdef.split(`${schema}.`).join('SCHEMA.')}`);
}
