import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import postgres from 'postgres';
import { start, Status, type Wallet } from '../../../lib/index.js';
import { MIGRATIONS } from '../../../lib/pg/schema.js';
import { balanceOf, betBody, Ids, rollbackBody, winBody } from '../../support/helpers.js';
import { freshDatabase, startPostgres, type FreshDatabase, type PgServer } from '../../../test-support/postgres.js';

const DAY = 86_400_000;
/** Each version of the schema, as `schema_migrations` records them once applied. */
const EVERY_VERSION = MIGRATIONS.map((_, i) => i + 1);

let database: FreshDatabase;
let schemas = 0;
const opened: Wallet[] = [];
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  await Promise.all(opened.map((w) => w.stop()));
  await database.drop();
});

function engine(settings: { clock?: () => number; retentionDays?: number; commitTimeout?: number; url?: string; schema?: string } = {}): Wallet {
  schemas += 1;
  const { url = database.url, schema = `pg_store_${schemas}`, ...rest } = settings;
  const w = start({ database: { url, schema, poolSize: 3, ...rest } });
  opened.push(w);
  return w;
}

async function rows(schema: string, where = 'true'): Promise<number> {
  const sql = postgres(database.url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql.unsafe<Array<{ count: string }>>(`SELECT count(*) FROM ${schema}.transactions WHERE ${where}`);
    return Number(row?.count);
  } finally {
    await sql.end();
  }
}

describe('the schema is applied once, whichever process starts first', () => {
  it('lets engines started at once on a fresh schema all serve, with each version recorded once', async () => {
    const engines = [engine({ schema: 'race' }), engine({ schema: 'race' }), engine({ schema: 'race' })];
    const ids = new Ids();
    await Promise.all(engines.map((w) => w.createUsers(['alice'])));
    const answers = await Promise.all(engines.map((w) => w.bet(betBody(ids, { amount: 10 }))));
    expect(answers.map((a) => a.status)).toEqual([Status.OK, Status.OK, Status.OK]);
    expect(await balanceOf(engines[0] as Wallet)).toBe(99_970);
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    const versions = await sql`SELECT version FROM race.schema_migrations ORDER BY version`;
    await sql.end();
    expect(versions.map((row) => row.version)).toEqual(EVERY_VERSION);
  });
});

describe('a transaction id has one row, whoever writes it', () => {
  it('has the database refuse a second row for an id already stored', async () => {
    const w = engine({ schema: 'one_row_per_id' });
    await w.createUsers(['alice']);
    expect((await w.bet(betBody(new Ids()))).status).toBe(Status.OK);
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      await expect(sql.unsafe('INSERT INTO one_row_per_id.transactions SELECT * FROM one_row_per_id.transactions')).rejects.toMatchObject({ code: '23505' });
    } finally {
      await sql.end();
    }
    expect(await rows('one_row_per_id')).toBe(1);
  });
});

describe('retention drops records older than retentionDays, never an open bet', () => {
  it('keeps open bets and recent records, and a retry of a dropped transaction is judged afresh', async () => {
    let now = Date.UTC(2026, 0, 1);
    const w = engine({ clock: () => now, retentionDays: 120, schema: 'retention' });
    const ids = new Ids();
    await w.createUsers(['alice']);
    const open = betBody(ids, { amount: 100 });
    const settled = betBody(ids, { amount: 200 });
    await w.bet(open);
    await w.bet(settled);
    await w.win(winBody(ids, settled.transaction_uuid, { amount: 50 }));
    await w.rollback(rollbackBody(ids, ids.next())); // reserves an id that never arrived
    expect(await rows('retention')).toBe(5);

    now += 119 * DAY;
    expect(await w.purge()).toBe(0);
    now += 2 * DAY;
    const recent = betBody(ids, { amount: 1 });
    await w.bet(recent);
    expect(await w.purge()).toBe(4);
    expect(await rows('retention')).toBe(2); // the open bet and the recent one

    // The open bet still settles, and the balance never moved.
    expect(await balanceOf(w)).toBe(100_000 - 100 - 200 + 50 - 1);
    expect((await w.win(winBody(ids, open.transaction_uuid, { amount: 0 }))).status).toBe(Status.OK);
    // A retry long after its record was dropped is a new request: operators keep records for
    // longer than any aggregator retries (Hub88 asks for 4 months).
    expect((await w.bet({ ...settled, request_uuid: ids.next() })).status).toBe(Status.OK);
  });

  it('keeps an open free bet (amount 0) past retentionDays, and pays its win', async () => {
    let now = Date.UTC(2026, 0, 1);
    const w = engine({ clock: () => now, retentionDays: 120, schema: 'retention_free_bet' });
    const ids = new Ids();
    await w.createUsers(['alice']);
    const free = betBody(ids, { amount: 0 });
    const settled = betBody(ids, { amount: 100 });
    await w.bet(free);
    await w.bet(settled);
    await w.win(winBody(ids, settled.transaction_uuid, { amount: 0 }));
    now += 121 * DAY;
    expect(await w.purge()).toBe(2);
    expect(await rows('retention_free_bet')).toBe(1);
    expect(await w.win(winBody(ids, free.transaction_uuid, { amount: 500 }))).toMatchObject({ status: Status.OK, balance: 100_400 });
  });

  it('deletes only expired rows while requests keep arriving', async () => {
    let now = Date.UTC(2026, 0, 1);
    const w = engine({ clock: () => now, retentionDays: 1, schema: 'retention_load' });
    const ids = new Ids();
    await w.createUsers(['alice', 'bob']);
    const old = await Promise.all(Array.from({ length: 3_000 }, (_, i) => w.bet(betBody(ids, { user: i % 2 ? 'alice' : 'bob', amount: 0 }))));
    expect(old.every((a) => a.status === Status.OK)).toBe(true);
    expect(await rows('retention_load')).toBe(3_000);
    now += 2 * DAY;
    const [deleted, fresh] = await Promise.all([
      w.purge(),
      Promise.all(Array.from({ length: 2_000 }, (_, i) => w.deposit({ user: i % 2 ? 'alice' : 'bob', transaction_uuid: ids.next(), request_uuid: ids.next(), currency: 'USD', amount: 1 }))),
    ]);
    expect(fresh.every((a) => a.status === Status.OK)).toBe(true);
    // Open bets are never dropped: only the deposits could go, and they are recent.
    expect(deleted).toBe(0);
    expect(await rows('retention_load')).toBe(5_000);
    now += 2 * DAY;
    expect(await w.purge()).toBe(2_000);
    expect(await rows('retention_load', 'kind = 1 AND state = 0')).toBe(3_000);
  });
});

describe('retention counts a record\'s age from its last change (SPEC 9)', () => {
  it('keeps a bet rolled back long after it was placed for retentionDays after the rollback, so a late copy is not charged', async () => {
    let now = Date.UTC(2026, 0, 1);
    const w = engine({ clock: () => now, retentionDays: 1, schema: 'retention_change' });
    const ids = new Ids();
    await w.createUsers(['alice']);
    const bet = betBody(ids, { amount: 100 });
    const placed = await w.bet(bet);
    const free = betBody(ids, { amount: 0 }); // a free bet: open, and never dropped
    await w.bet(free);
    now += 3 * DAY;
    expect((await w.rollback(rollbackBody(ids, bet.transaction_uuid))).status).toBe(Status.OK);
    const neverArrived = ids.next();
    expect((await w.rollback(rollbackBody(ids, neverArrived))).status).toBe(Status.OK); // reserves the id
    now += DAY / 2;
    expect(await w.purge()).toBe(0);
    // The late copy replays the original answer and moves nothing; the reserved id stays refused.
    expect(await w.bet({ ...bet, request_uuid: ids.next() })).toEqual(placed);
    expect((await w.bet(betBody(ids, { transaction_uuid: neverArrived }))).status).toBe(Status.TRANSACTION_ROLLED_BACK);
    expect(await balanceOf(w)).toBe(100_000);

    now += DAY;
    expect(await w.purge()).toBe(4); // the bet, the reservation and both rollbacks
    expect(await rows('retention_change')).toBe(1); // the free bet, open for 4.5 days
    expect((await w.win(winBody(ids, free.transaction_uuid, { amount: 7 }))).status).toBe(Status.OK);
  });

  it('dates a bet settled before the upgrade by the win or rollback that settled it', async () => {
    const day = (n: number): Date => new Date(Date.now() + n * DAY);
    const sql = postgres(database.url, { max: 1, onnotice: () => {}, connection: { search_path: 'upgrade' } });
    try {
      // The schema as its first version left it, with rows written then.
      await sql.unsafe('CREATE SCHEMA upgrade');
      await sql.unsafe(MIGRATIONS[0] as string);
      await sql.unsafe('CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      await sql`INSERT INTO schema_migrations (version) VALUES (1)`;
      const [wallet] = await sql`INSERT INTO wallets (name, currency, balance, opening_balance) VALUES ('alice', 'USD', 100000, 100000) RETURNING id`;
      const ids = new Ids();
      const [cancelled, rollback, won, win, orphan] = [ids.next(), ids.next(), ids.next(), ids.next(), ids.next()];
      const row = (id: string, kind: number, state: number, at: Date, reference: string | null = null) =>
        sql`INSERT INTO transactions (transaction_uuid, wallet_id, kind, state, amount, balance, reference, created_at)
            VALUES (${id}, ${wallet?.id as string}, ${kind}, ${state}, 0, 0, ${reference}, ${at})`;
      await row(cancelled, 1, 2, day(-3.5));
      await row(rollback, 3, 0, day(-0.5), cancelled); // cancelled it 3 days after it was placed
      await row(won, 1, 1, day(-3.5));
      await row(win, 2, 0, day(-3.5), won); // won at once
      await row(orphan, 1, 1, day(-3.5)); // its win is gone: when it was settled is not known
    } finally {
      await sql.end();
    }

    const w = engine({ retentionDays: 1, schema: 'upgrade' });
    expect(await w.purge()).toBe(2); // the bet won 3.5 days ago and its win
    const sqlAfter = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      const left = await sqlAfter<Array<{ kind: number; state: number }>>`SELECT kind, state FROM upgrade.transactions ORDER BY kind, state`;
      expect(left).toEqual([{ kind: 1, state: 1 }, { kind: 1, state: 2 }, { kind: 3, state: 0 }]);
      const versions = await sqlAfter`SELECT version FROM upgrade.schema_migrations ORDER BY version`;
      expect(versions.map((v) => v.version)).toEqual(EVERY_VERSION);
    } finally {
      await sqlAfter.end();
    }
  });
});

describe('a database that cannot be reached answers RS_ERROR_UNKNOWN, never RS_OK, and recovers', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres({ settings: { fsync: 'off' } });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('refuses within the commit timeout while the server is down, then serves again once it is back', async () => {
    // The service's default commit timeout: after the restart, a fresh connection must still fit in it.
    const w = engine({ url: server.url, schema: 'outage', commitTimeout: 5_000 });
    const ids = new Ids();
    await w.createUsers(['alice']);
    expect((await w.bet(betBody(ids, { amount: 10 }))).status).toBe(Status.OK);
    await server.shutdown();
    const during = betBody(ids, { amount: 20 });
    expect(await w.bet(during)).toEqual({ user: 'alice', status: Status.UNKNOWN, request_uuid: during.request_uuid });
    expect((await w.health()).ok).toBe(false);
    await server.start();
    // Nothing was applied: the same request is judged afresh.
    expect(await w.bet(during)).toMatchObject({ status: Status.OK, balance: 99_970 });
    expect((await w.health()).ok).toBe(true);
  });

  it('makes requests sent before the store is ready wait for it', async () => {
    const w = engine({ url: server.url, schema: 'early' });
    const ids = new Ids();
    const created = w.createUsers(['alice']);
    await created;
    expect(await w.bet(betBody(ids, { amount: 5 }))).toMatchObject({ status: Status.OK, balance: 99_995 });
  });
});

describe('a connection lost while the schema is applied fails that attempt only', () => {
  it('survives its migrating session being terminated, then applies the schema and serves', async () => {
    // Another session holds the migration lock, so the engine's migration waits inside its transaction.
    const holder = postgres(database.url, { max: 1, onnotice: () => {} });
    const watcher = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      const [{ key }] = (await holder`SELECT ${0x65_78_77_6c}::int8 AS key`) as unknown as [{ key: string }];
      await holder`SELECT pg_advisory_lock(${key}::int8)`;
      const w = engine({ schema: 'migration_lost' });
      const created = w.createUsers(['alice']).then(
        () => 'created',
        () => 'refused',
      );
      let waiting: Array<{ pid: number }> = [];
      while (waiting.length === 0) {
        waiting = await watcher<Array<{ pid: number }>>`
          SELECT pid FROM pg_stat_activity
          WHERE application_name = 'exwallet' AND wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock%'`;
      }
      await watcher`SELECT pg_terminate_backend(pid) FROM unnest(${waiting.map((row) => row.pid)}::int[]) AS pid`;
      await holder`SELECT pg_advisory_unlock(${key}::int8)`;
      // The attempt that lost its session fails (or is retried); the process lives on, and the next call applies the schema.
      expect(['created', 'refused']).toContain(await created);
      await w.createUsers(['alice']);
      const ids = new Ids();
      expect(await w.bet(betBody(ids, { amount: 10 }))).toMatchObject({ status: Status.OK, balance: 99_990 });
      const versions = await watcher`SELECT version FROM migration_lost.schema_migrations`;
      expect(versions.map((row) => row.version)).toEqual(EVERY_VERSION);
    } finally {
      await holder.end();
      await watcher.end();
    }
  });
});

describe('a store setting that cannot work is refused at start, before any connection', () => {
  it.each([
    ['a URL that is not postgres://', { url: 'mysql://db/wallet' }, TypeError],
    ['an empty pool', { url: 'postgres://db/wallet', poolSize: 0 }, RangeError],
    ['more batches in flight than connections', { url: 'postgres://db/wallet', poolSize: 2, batchesInFlight: 3 }, RangeError],
    ['a fractional commit timeout', { url: 'postgres://db/wallet', commitTimeout: 0.5 }, RangeError],
    ['a negative retention', { url: 'postgres://db/wallet', retentionDays: -1 }, RangeError],
    ['a schema name that is not a plain identifier', { url: 'postgres://db/wallet', schema: 'a"; drop table x; --' }, TypeError],
  ])('refuses %s', (_, database, error) => {
    expect(() => start({ database })).toThrow(error);
  });

  it('refuses a journal and a database together: the state lives in one store', () => {
    expect(() => start({ database: 'postgres://db/wallet', journal: '/tmp/exwallet-never' })).toThrow(TypeError);
  });
});
