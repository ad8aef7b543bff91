import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import postgres from 'postgres';
import { freshDatabase, startPostgres, startReplicatedPair, STANDBY_NAME, type ReplicatedPair } from '../../../test-support/postgres.js';

/** Runs `work` on a one-connection client of `url`, then closes it. */
async function withSql<T>(url: string, work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function serverPort(url: string): Promise<number> {
  return withSql(url, async (sql) => (await sql<{ port: number }[]>`select inet_server_port() as port`)[0]?.port ?? 0);
}

describe('freshDatabase gives each test file an empty database of its own on the shared server', () => {
  it('is reachable and holds no relations of its own', async () => {
    const database = await freshDatabase();
    try {
      const [row] = await withSql(database.url, (sql) => sql<{ name: string; relations: number }[]>`
        select current_database() as name,
               (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
                 where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%') as relations`);
      expect(row).toEqual({ name: database.name, relations: 0 });
    } finally {
      await database.drop();
    }
  });

  it('gives two calls two distinct databases', async () => {
    const [first, second] = await Promise.all([freshDatabase(), freshDatabase()]);
    try {
      expect(first.name).not.toBe(second.name);
      await withSql(first.url, (sql) => sql`create table only_in_first (id int)`);
      const [row] = await withSql(second.url, (sql) => sql<{ found: string | null }[]>`select to_regclass('only_in_first')::text as found`);
      expect(row?.found).toBeNull();
    } finally {
      await Promise.all([first.drop(), second.drop()]);
    }
  });

  it('drops the database even while a connection to it is open', async () => {
    const database = await freshDatabase();
    const open = postgres(database.url, { max: 1, onnotice: () => {} });
    await open`select 1`;
    await database.drop();
    await open.end({ timeout: 1 });
    const server = process.env.EXWALLET_TEST_DATABASE_URL ?? '';
    const rows = await withSql(server, (sql) => sql`select 1 from pg_database where datname = ${database.name}`);
    expect(rows).toHaveLength(0);
  });
});

describe('startPostgres runs a server of its own that survives a crash and leaves nothing behind', () => {
  it('recovers committed rows after kill9, and stop kills it and removes its directory', async () => {
    const server = await startPostgres();
    try {
      await withSql(server.url, (sql) => sql`create table kept (id int)`.then(() => sql`insert into kept values (7)`));
      const crashed = server.pid();
      server.kill9();
      await server.exited();
      await expect(serverPort(server.url)).rejects.toThrow();
      await server.start();
      expect(server.pid()).not.toBe(crashed);
      const rows = await withSql(server.url, (sql) => sql<{ id: number }[]>`select id from kept`);
      expect(rows.map((row) => row.id)).toEqual([7]);
      const running = server.pid();
      await server.stop();
      expect(() => process.kill(running, 0)).toThrow();
      expect(existsSync(server.root)).toBe(false);
    } finally {
      await server.stop();
    }
  });
});

describe('startReplicatedPair keeps a synchronous standby that takes over when the primary is killed', () => {
  let pair: ReplicatedPair;
  beforeAll(async () => {
    pair = await startReplicatedPair();
  });
  afterAll(async () => {
    await pair?.stop();
  });

  it('shows the standby as sync in pg_stat_replication on the primary', async () => {
    const rows = await withSql(pair.primary.url, (sql) => sql<{ sync_state: string }[]>`
      select sync_state from pg_stat_replication where application_name = ${STANDBY_NAME}`);
    expect(rows.map((row) => row.sync_state)).toEqual(['sync']);
  });

  it('makes a row committed on the primary readable on the standby', async () => {
    await withSql(pair.primary.url, (sql) =>
      sql.begin(async (tx) => {
        await tx`create table replicated (id int primary key)`;
        // remote_apply: the commit returns once the standby has applied it, so it is readable there now.
        await tx`set local synchronous_commit = remote_apply`;
        await tx`insert into replicated values (1)`;
      }),
    );
    const rows = await withSql(pair.standby.url, (sql) => sql<{ id: number }[]>`select id from replicated`);
    expect(rows.map((row) => row.id)).toEqual([1]);
  });

  it('is synchronous again after the standby is stopped and started', async () => {
    await pair.stopStandby();
    const during = await withSql(pair.primary.url, (sql) => sql`select 1 from pg_stat_replication`);
    expect(during).toHaveLength(0);
    await pair.startStandby();
    await pair.waitSynchronous();
  });

  it('keeps every row acknowledged by the killed primary on the promoted standby, which the read-write URL reaches', async () => {
    expect(await serverPort(pair.urlBoth)).toBe(pair.primary.port);
    // synchronous_commit = on: acknowledged once flushed on the standby too.
    await withSql(pair.primary.url, (sql) => sql`insert into replicated values (2)`);
    pair.primary.kill9();
    await pair.primary.exited();
    await pair.promoteStandby();
    const rows = await withSql(pair.standby.url, (sql) => sql<{ id: number }[]>`select id from replicated order by id`);
    expect(rows.map((row) => row.id)).toEqual([1, 2]);
    const [state] = await withSql(pair.urlBoth, async (sql) => {
      await sql`insert into replicated values (3)`;
      return sql<{ port: number; recovering: boolean }[]>`select inet_server_port() as port, pg_is_in_recovery() as recovering`;
    });
    expect(state).toEqual({ port: pair.standby.port, recovering: false });
  });
});
