/**
 * The database of `npm run bench:pg`: a throwaway PostgreSQL server of its own (the test
 * harness's), or the server `EXWALLET_BENCH_DATABASE_URL` names; and what the bench reads from
 * it: the server's CPU time, the WAL position, the size of a transactions table.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import postgres, { type Sql } from 'postgres';
import { postgresBinDir, processStats, startPostgres, type PgServer } from '../test-support/postgres.js';

/**
 * What an operator runs on a 2-core machine: durable commits (fsync and synchronous_commit on),
 * and no checkpoint during a run (a checkpoint at most every 15 minutes or 2 GB of WAL).
 */
export const SERVER_SETTINGS = {
  fsync: 'on',
  synchronous_commit: 'on',
  full_page_writes: 'on',
  shared_buffers: '256MB',
  wal_buffers: '16MB',
  max_wal_size: '2GB',
  checkpoint_timeout: '15min',
  // Only adds the time of WAL writes and syncs to pg_stat_wal, so the bench can report it.
  track_wal_io_timing: 'on',
} as const;

/** The settings the bench reports, read back from the server. */
const REPORTED = ['server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'wal_buffers', 'max_wal_size', 'checkpoint_timeout', 'max_connections'];

export interface BenchDatabase {
  readonly url: string;
  /** Whether the server is this bench's own (then its CPU time can be read, and it is removed at the end). */
  readonly own: boolean;
  /** A connection for the bench's own queries. */
  readonly sql: Sql;
  /** CPU seconds the server's processes have used so far; `undefined` for a server not our own. */
  cpuSeconds(): number | undefined;
  settings(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU seconds of a postmaster and its children (every backend and background process is one; each
 * makes itself a process group leader, so the group does not find them): the live processes'
 * own time, and what the postmaster's exited children used.
 */
function serverCpuSeconds(postmaster: number): number {
  let ticks = 0;
  for (const { pid, fields } of processStats()) {
    // Fields after "(comm) ": state, ppid, ... utime (14th of the line), stime, cutime, cstime.
    const self = pid === postmaster;
    if (!self && Number(fields[1]) !== postmaster) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
    if (self) ticks += Number(fields[13]) + Number(fields[14]);
  }
  return ticks / CLOCK_TICKS;
}

/** Whether the server binaries come with pg_stat_statements (PostgreSQL's contrib). */
function statementStatsInstalled(): boolean {
  try {
    const share = execFileSync(join(postgresBinDir(), 'pg_config'), ['--sharedir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return existsSync(join(share, 'extension', 'pg_stat_statements.control'));
  } catch {
    return false;
  }
}

export async function openDatabase(): Promise<BenchDatabase> {
  const external = process.env.EXWALLET_BENCH_DATABASE_URL;
  let server: PgServer | undefined;
  if (external === undefined || external === '') {
    // pg_stat_statements, when installed, tells where the server's time goes, statement by statement.
    const statements = statementStatsInstalled() ? { shared_preload_libraries: 'pg_stat_statements' } : {};
    server = await startPostgres({ settings: { ...SERVER_SETTINGS, ...statements } });
  }
  const url = server?.url ?? (external as string);
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  if (server !== undefined) await sql`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`.catch(() => {});
  const postmaster = server?.pid();
  return {
    url,
    own: server !== undefined,
    sql,
    cpuSeconds: () => (postmaster === undefined ? undefined : serverCpuSeconds(postmaster)),
    async settings() {
      const rows = await sql<Array<{ name: string; setting: string }>>`
        SELECT name, current_setting(name) AS setting FROM pg_settings WHERE name = ANY(${REPORTED}::text[])`;
      return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
    },
    async close() {
      await sql.end({ timeout: 5 });
      await server?.stop();
    },
  };
}

/** Rows in a schema's transactions table. */
export async function transactionRows(sql: Sql, schema: string): Promise<number> {
  const [row] = await sql<Array<{ n: string }>>`SELECT count(*) AS n FROM ${sql(schema)}.transactions`;
  return Number(row?.n);
}

/** The server's current WAL position, in bytes. */
export async function walPosition(sql: Sql): Promise<number> {
  const [row] = await sql<Array<{ lsn: string }>>`SELECT pg_current_wal_lsn() - '0/0'::pg_lsn AS lsn`;
  return Number(row?.lsn);
}

/** Bytes per row of a transactions table: everything, the heap, and each index. */
export interface Storage {
  readonly schema: string;
  readonly rows: number;
  readonly totalBytesPerRow: number;
  readonly heapBytesPerRow: number;
  readonly indexBytesPerRow: Readonly<Record<string, number>>;
  /** Updates of a row (a bet settled by its win) and how many were HOT (no new index entries). */
  readonly updates: number;
  readonly hotUpdates: number;
  readonly deadRows: number;
}

export async function storageOf(sql: Sql, schema: string): Promise<Storage> {
  const table = `${schema}.transactions`;
  const rows = await transactionRows(sql, schema);
  const [sizes] = await sql<Array<{ total: string; heap: string }>>`
    SELECT pg_total_relation_size(${table}::regclass) AS total, pg_table_size(${table}::regclass) AS heap`;
  const indexes = await sql<Array<{ name: string; bytes: string }>>`
    SELECT c.relname AS name, pg_relation_size(c.oid) AS bytes
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = ${table}::regclass ORDER BY c.relname`;
  const [stats] = await sql<Array<{ upd: string; hot: string; dead: string }>>`
    SELECT n_tup_upd AS upd, n_tup_hot_upd AS hot, n_dead_tup AS dead
    FROM pg_stat_user_tables WHERE relid = ${table}::regclass`;
  return {
    schema,
    rows,
    totalBytesPerRow: Number(sizes?.total) / rows,
    heapBytesPerRow: Number(sizes?.heap) / rows,
    indexBytesPerRow: Object.fromEntries(indexes.map((i) => [i.name, Number(i.bytes) / rows])),
    updates: Number(stats?.upd ?? 0),
    hotUpdates: Number(stats?.hot ?? 0),
    deadRows: Number(stats?.dead ?? 0),
  };
}

/** The server's WAL statistics since it started (PostgreSQL 14 and later). */
export interface WalStats {
  readonly records: number;
  readonly fullPageImages: number;
  readonly bytes: number;
  readonly syncs: number;
  /** Milliseconds spent in WAL syncs (0 unless track_wal_io_timing is on). */
  readonly syncMilliseconds: number;
}

export async function walStats(sql: Sql): Promise<WalStats | undefined> {
  try {
    const [row] = await sql<Array<{ records: string; fpi: string; bytes: string; syncs: string; sync_time: number }>>`
      SELECT wal_records AS records, wal_fpi AS fpi, wal_bytes AS bytes, wal_sync AS syncs, wal_sync_time AS sync_time FROM pg_stat_wal`;
    if (row === undefined) return undefined;
    return { records: Number(row.records), fullPageImages: Number(row.fpi), bytes: Number(row.bytes), syncs: Number(row.syncs), syncMilliseconds: Number(row.sync_time) };
  } catch {
    return undefined; // before PostgreSQL 14
  }
}

/** Execution time of the statements the store sent, from pg_stat_statements (when the server has it). */
export interface StatementTime {
  readonly statement: string;
  readonly calls: number;
  readonly rows: number;
  readonly milliseconds: number;
  readonly walBytes: number;
}

/** Zeroes pg_stat_statements; false when the server does not have it. */
export async function resetStatements(sql: Sql): Promise<boolean> {
  try {
    await sql`SELECT pg_stat_statements_reset()`;
    return true;
  } catch {
    return false;
  }
}

/** The statements since {@link resetStatements}, the longest first (the bench's own queries left out). */
export async function statementTimes(sql: Sql): Promise<StatementTime[]> {
  const rows = await sql<Array<{ query: string; calls: string; rows: string; ms: number; wal: string }>>`
    SELECT query, calls, rows, total_exec_time AS ms, wal_bytes AS wal FROM pg_stat_statements ORDER BY total_exec_time DESC`;
  const own = ['pg_stat_statements', 'pg_current_wal_lsn', 'count(*)'];
  return rows.filter((r) => !own.some((text) => r.query.includes(text))).slice(0, 8).map((r) => ({
    statement: r.query.replace(/\s+/g, ' ').trim().slice(0, 60),
    calls: Number(r.calls),
    rows: Number(r.rows),
    milliseconds: Number(r.ms),
    walBytes: Number(r.wal),
  }));
}
