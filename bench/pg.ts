/**
 * `npm run bench:pg`: the PostgreSQL store under a bet-then-win load over 100,000 users with
 * 1,000 requests in flight, from one process and from two processes sharing the database,
 * against the embedded store with its journal on the same load. Starts a throwaway PostgreSQL
 * server with durable settings (or uses `EXWALLET_BENCH_DATABASE_URL`), prints tables and
 * writes bench/pg-results.json. Also compares a few store settings in one process, unless
 * `EXWALLET_BENCH_PG_EXPLORE=0`; `EXWALLET_BENCH_PG_OPERATIONS` sets the requests per measurement.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, type PostgresSettings, type Wallet } from '../lib/index.js';
import { measure, runLoad, userName, type LoadPlan, type LoadResult, type RunCounters, type WorkerMessage, type WorkerPlan } from './pg-load.js';
import { openDatabase, resetStatements, statementTimes, storageOf, transactionRows, walPosition, walStats, type BenchDatabase, type StatementTime, type Storage } from './pg-server.js';

const USERS = 100_000;
const IN_FLIGHT = 1_000;
/** Requests per measurement, after a warm-up of {@link WARM_UP} in every process. */
const OPERATIONS = Number(process.env.EXWALLET_BENCH_PG_OPERATIONS ?? 100_000);
const WARM_UP = Math.min(10_000, OPERATIONS);
/** Requests per measurement of the settings exploration (`EXWALLET_BENCH_PG_EXPLORE=0` skips it). */
const EXPLORE_OPERATIONS = Math.round(OPERATIONS * 0.4);
const EXPLORE = process.env.EXWALLET_BENCH_PG_EXPLORE !== '0';
const interactive = process.stderr.isTTY && process.env.CI === undefined;

const TARGETS = { oneProcess: 12_000, twoProcesses: 15_000, p99Ms: 300, bytesPerRow: 220 } as const;

/** The store's statements in a batch, by how their text starts, and what each does. */
const STATEMENTS: ReadonlyArray<readonly [string, string]> = [
  ['SELECT id, name, currency, balance, disabled FROM wallets', "lock the batch's users (`SELECT … FOR UPDATE`)"],
  ['SELECT t.transaction_uuid', 'read the transactions the batch names'],
  ['INSERT INTO transactions', 'insert the transaction rows'],
  ['UPDATE transactions', "settle the bets (`UPDATE … SET state`)"],
  ['UPDATE wallets', 'write the balances'],
];

function progress(message: string): void {
  if (interactive) process.stderr.write(`\r\x1b[K${message}`);
  else if (message !== '') process.stderr.write(`${message}\n`);
}

/** One measured configuration. */
interface Row {
  readonly name: string;
  readonly processes: number;
  readonly operations: number;
  readonly seconds: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanBatch: number;
  /** Transaction rows inserted per second (counted in the table, or by the embedded store). */
  readonly rowsPerSecond: number;
  readonly failures: number;
  readonly firstFailure: string | undefined;
  /** Milliseconds a batch took from its first statement to its commit, on average. */
  readonly meanCommitMs: number;
  /** Batches committing at once, on average over the run (commit seconds over wall seconds). */
  readonly meanBatchesInFlight: number;
  /** CPU microseconds per request in the wallet processes and (own server only) in PostgreSQL. */
  readonly clientCpuMicrosPerOp: number;
  readonly serverCpuMicrosPerOp: number | undefined;
  /** WAL bytes written per request (PostgreSQL only). */
  readonly walBytesPerOp: number | undefined;
  readonly settings?: Partial<PostgresSettings>;
  /** The server's execution time by statement (own server, with pg_stat_statements). */
  readonly statements?: readonly StatementTime[];
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function latencies(results: readonly LoadResult[]): { p50: number; p99: number } {
  const all = new Float64Array(results.reduce((n, r) => n + r.latencies.length, 0));
  let offset = 0;
  for (const r of results) {
    all.set(r.latencies, offset);
    offset += r.latencies.length;
  }
  all.sort();
  return { p50: percentile(all, 50), p99: percentile(all, 99) };
}

function plan(firstUser: number, userCount: number, inFlight: number, operations: number, seed: number): LoadPlan {
  return { firstUser, userCount, inFlight, operations, seed };
}

let seeds = 1;
const nextSeed = (): number => (seeds += 1) * 7919;

/** A schema of its own for one measurement, holding the users and no transaction. */
async function freshSchema(db: BenchDatabase, label: string): Promise<string> {
  const schema = `bench_${label}_${randomBytes(4).toString('hex')}`;
  const w = start({ database: { url: db.url, schema } });
  const users = Array.from({ length: USERS }, (_, i) => userName(i));
  // In chunks, as an operator's import would: one statement per 10,000 users.
  for (let i = 0; i < users.length; i += 10_000) await w.createUsers(users.slice(i, i + 10_000));
  await w.stop();
  return schema;
}

interface Snapshot {
  readonly rows: number;
  readonly wal: number;
  readonly cpu: number | undefined;
  readonly statements: boolean;
}

/** What the database has seen so far; before a run, also zeroes pg_stat_statements. */
async function snapshot(db: BenchDatabase, schema: string, moment: 'before' | 'after'): Promise<Snapshot> {
  const statements = moment === 'before' ? await resetStatements(db.sql) : false;
  return { rows: await transactionRows(db.sql, schema), wal: await walPosition(db.sql), statements, cpu: db.cpuSeconds() };
}

/** What the database did between two snapshots. */
async function serverWork(db: BenchDatabase, before: Snapshot, after: Snapshot): Promise<ServerWork> {
  return {
    cpu: before.cpu === undefined || after.cpu === undefined ? undefined : after.cpu - before.cpu,
    wal: after.wal - before.wal,
    ...(before.statements ? { statements: await statementTimes(db.sql) } : {}),
  };
}

interface ServerWork {
  readonly cpu: number | undefined;
  readonly wal: number | undefined;
  readonly statements?: readonly StatementTime[];
}

function row(
  name: string,
  processes: number,
  seconds: number,
  results: readonly LoadResult[],
  counters: readonly RunCounters[],
  rowsWritten: number,
  server: ServerWork,
  settings?: Partial<PostgresSettings>,
): Row {
  const operations = results.reduce((n, r) => n + r.operations, 0);
  const sum = (pick: (c: RunCounters) => number): number => counters.reduce((n, c) => n + pick(c), 0);
  const { p50, p99 } = latencies(results);
  const failed = results.find((r) => r.failures > 0);
  return {
    name,
    processes,
    operations,
    seconds,
    opsPerSecond: operations / seconds,
    p50Ms: p50,
    p99Ms: p99,
    meanBatch: sum((c) => c.committedRequests) / Math.max(1, sum((c) => c.commits)),
    rowsPerSecond: rowsWritten / seconds,
    failures: results.reduce((n, r) => n + r.failures, 0),
    firstFailure: failed?.firstFailure,
    meanCommitMs: (1000 * sum((c) => c.commitSeconds)) / Math.max(1, sum((c) => c.commits)),
    meanBatchesInFlight: sum((c) => c.commitSeconds) / seconds,
    clientCpuMicrosPerOp: (1e6 * sum((c) => c.cpuSeconds)) / operations,
    serverCpuMicrosPerOp: server.cpu === undefined ? undefined : (1e6 * server.cpu) / operations,
    walBytesPerOp: server.wal === undefined ? undefined : server.wal / operations,
    ...(settings === undefined ? {} : { settings }),
    ...(server.statements === undefined ? {} : { statements: server.statements }),
  };
}

/** (a) One Wallet in this process. */
async function inThisProcess(db: BenchDatabase, name: string, schema: string, operations: number, settings: Partial<PostgresSettings> = {}): Promise<Row> {
  progress(`${name}: warming up …`);
  const w = start({ database: { ...settings, url: db.url, schema } });
  try {
    await runLoad(w, plan(0, USERS, IN_FLIGHT, WARM_UP, nextSeed()));
    const before = await snapshot(db, schema, 'before');
    progress(`${name}: measuring …`);
    const { result, counters } = await measure(w, plan(0, USERS, IN_FLIGHT, operations, nextSeed()));
    const after = await snapshot(db, schema, 'after');
    return row(name, 1, result.seconds, [result], [counters], after.rows - before.rows, await serverWork(db, before, after), settings);
  } finally {
    await w.stop();
  }
}

const WORKER = fileURLToPath(new URL('pg-worker.ts', import.meta.url));

/** A worker process, and its messages as promises. */
interface Worker {
  readonly ready: Promise<void>;
  readonly done: Promise<{ result: LoadResult; counters: RunCounters; at: number }>;
  readonly exited: Promise<void>;
  go(): void;
  kill(): void;
}

function worker(workerPlan: WorkerPlan): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(workerPlan)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  let readyResolve!: () => void;
  let doneResolve!: (value: { result: LoadResult; counters: RunCounters; at: number }) => void;
  let fail!: (error: Error) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {});
  const ready = Promise.race([new Promise<void>((resolve) => (readyResolve = resolve)), failed]);
  const done = Promise.race([new Promise<{ result: LoadResult; counters: RunCounters; at: number }>((resolve) => (doneResolve = resolve)), failed]);
  child.on('message', (message: WorkerMessage) => {
    if (message.type === 'ready') readyResolve();
    else if (message.type === 'done') doneResolve({ result: message.result, counters: message.counters, at: performance.now() });
    else fail(new Error(`worker failed: ${message.error}`));
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      if (code !== 0) fail(new Error(`worker exited with ${String(code ?? signal)}`));
      resolve();
    });
  });
  return { ready, done, exited, go: () => child.send({ type: 'go' }), kill: () => child.kill('SIGKILL') };
}

/** (b) Wallets in child processes, started together from one signal and timed until the last finishes. */
async function inWorkers(db: BenchDatabase, name: string, schema: string, plans: ReadonlyArray<{ warmUp: LoadPlan; measured: LoadPlan }>): Promise<Row> {
  progress(`${name}: starting ${plans.length} processes and warming up …`);
  const workers = plans.map((p) => worker({ url: db.url, schema, ...p }));
  try {
    await Promise.all(workers.map((w) => w.ready));
    const before = await snapshot(db, schema, 'before');
    progress(`${name}: measuring …`);
    const started = performance.now();
    for (const w of workers) w.go();
    const done = await Promise.all(workers.map((w) => w.done));
    const seconds = (Math.max(...done.map((d) => d.at)) - started) / 1000;
    const after = await snapshot(db, schema, 'after');
    return row(name, workers.length, seconds, done.map((d) => d.result), done.map((d) => d.counters), after.rows - before.rows, await serverWork(db, before, after));
  } catch (error) {
    // One worker failed: the others would wait for a signal that never comes.
    for (const w of workers) w.kill();
    throw error;
  } finally {
    await Promise.all(workers.map((w) => w.exited));
  }
}

/** (c) The embedded store with its journal, in this process, on the same load. */
async function embedded(operations: number): Promise<Row> {
  const name = 'embedded store with journal, 1 process';
  progress(`${name}: warming up …`);
  const directory = mkdtempSync(join(tmpdir(), 'exwallet-bench-pg-'));
  const w: Wallet = start({ journal: directory });
  try {
    const users = Array.from({ length: USERS }, (_, i) => userName(i));
    for (let i = 0; i < users.length; i += 10_000) await w.createUsers(users.slice(i, i + 10_000));
    await runLoad(w, plan(0, USERS, IN_FLIGHT, WARM_UP, nextSeed()));
    const before = w.transactionCount ?? 0;
    progress(`${name}: measuring …`);
    const { result, counters } = await measure(w, plan(0, USERS, IN_FLIGHT, operations, nextSeed()));
    return row(name, 1, result.seconds, [result], [counters], (w.transactionCount ?? 0) - before, { cpu: undefined, wal: undefined });
  } finally {
    await w.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

const format = (n: number | undefined, digits = 0): string =>
  n === undefined || Number.isNaN(n) ? '-' : n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const loadBefore = loadavg()[0] as number;
if (loadBefore > 0.7) {
  process.stderr.write(`note: load average ${format(loadBefore, 2)} before the run: another process is using the CPUs, figures will be low\n`);
}
progress('starting PostgreSQL …');
const db = await openDatabase();
const rows: Row[] = [];
const exploration: Row[] = [];
let storage: Storage | undefined;
let serverSettings: Record<string, string> = {};
const schemas: string[] = [];
const half = USERS / 2;
try {
  serverSettings = await db.settings();
  const walAtStart = await walStats(db.sql);

  const single = await freshSchema(db, 'one');
  schemas.push(single);
  rows.push(await inThisProcess(db, 'PostgreSQL, 1 process', single, OPERATIONS));

  const split = await freshSchema(db, 'split');
  schemas.push(split);
  rows.push(await inWorkers(db, 'PostgreSQL, 2 processes, each its own half of the users', split, [
    { warmUp: plan(0, half, IN_FLIGHT / 2, WARM_UP, nextSeed()), measured: plan(0, half, IN_FLIGHT / 2, OPERATIONS / 2, nextSeed()) },
    { warmUp: plan(half, half, IN_FLIGHT / 2, WARM_UP, nextSeed()), measured: plan(half, half, IN_FLIGHT / 2, OPERATIONS / 2, nextSeed()) },
  ]));

  const shared = await freshSchema(db, 'shared');
  schemas.push(shared);
  rows.push(await inWorkers(db, 'PostgreSQL, 2 processes, both on all the users', shared, [
    { warmUp: plan(0, USERS, IN_FLIGHT / 2, WARM_UP, nextSeed()), measured: plan(0, USERS, IN_FLIGHT / 2, OPERATIONS / 2, nextSeed()) },
    { warmUp: plan(0, USERS, IN_FLIGHT / 2, WARM_UP, nextSeed()), measured: plan(0, USERS, IN_FLIGHT / 2, OPERATIONS / 2, nextSeed()) },
  ]));

  if (EXPLORE) {
    // Store settings against the defaults (batchesInFlight 2, poolSize 10, maxBatch 2,000), one
    // process, on one schema, each setting run three times in alternating order against drift.
    const explore = await freshSchema(db, 'explore');
    schemas.push(explore);
    const variants: Array<Partial<PostgresSettings>> = [{ batchesInFlight: 1 }, {}, { batchesInFlight: 4 }, { maxBatch: 500 }, { batchesInFlight: 4, maxBatch: 250 }];
    const runs: Row[][] = variants.map(() => []);
    for (const round of [0, 1, 2]) {
      const order = round % 2 === 0 ? variants.map((_, i) => i) : variants.map((_, i) => variants.length - 1 - i);
      for (const i of order) {
        const settings = variants[i] as Partial<PostgresSettings>;
        (runs[i] as Row[]).push(await inThisProcess(db, `settings ${JSON.stringify(settings)}, round ${round + 1}`, explore, EXPLORE_OPERATIONS, settings));
      }
    }
    // The best round of each setting: noise on a shared machine only ever slows a run down.
    for (const each of runs) exploration.push(each.reduce((a, b) => (b.opsPerSecond > a.opsPerSecond ? b : a)));
  }

  rows.push(await embedded(OPERATIONS));

  // Every wallet has stopped: its backends have exited and flushed their statistics.
  storage = await storageOf(db.sql, single);
  const walAtEnd = await walStats(db.sql);
  progress('');

  // ---------------------------------------------------------------------------------------------
  // Report
  const reference = rows.find((r) => r.name.startsWith('embedded')) as Row;
  const one = rows[0] as Row;
  const two = rows[1] as Row;
  const contended = rows[2] as Row;
  console.log(`PostgreSQL store benchmark: bet then its win, ${format(USERS)} users, ${format(IN_FLIGHT)} requests in flight in total, ` +
    `${format(OPERATIONS)} requests per measurement after ${format(WARM_UP)} of warm-up per process; Node ${process.version}, ${cpus().length} cores, ` +
    `load average ${format(loadBefore, 2)} before the run`);
  console.log(`Server: ${db.own ? 'throwaway, started by the bench' : 'EXWALLET_BENCH_DATABASE_URL'}; ` +
    Object.entries(serverSettings).map(([k, v]) => `${k} ${v}`).join(', '));
  console.log('\n| measurement | ops/s | p50 ms | p99 ms | mean batch | rows/s | x embedded | failed |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${format(r.opsPerSecond)} | ${format(r.p50Ms, 1)} | ${format(r.p99Ms, 1)} | ${format(r.meanBatch, 1)} | ${format(r.rowsPerSecond)} | ${format(r.opsPerSecond / reference.opsPerSecond, 2)} | ${format(r.failures)} |`);
  }
  for (const r of rows) if (r.failures > 0) console.log(`\n${r.name}: ${format(r.failures)} requests not RS_OK, first: ${r.firstFailure ?? ''}`);

  console.log('\nWhere the time goes (per request; CPU of the wallet processes and of the PostgreSQL server):');
  console.log('\n| measurement | wallet CPU µs | server CPU µs | CPU used of 2 cores | WAL bytes | mean commit ms | batches committing at once |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const busy = ((r.clientCpuMicrosPerOp + (r.serverCpuMicrosPerOp ?? 0)) * r.opsPerSecond) / 1e6;
    console.log(`| ${r.name} | ${format(r.clientCpuMicrosPerOp)} | ${format(r.serverCpuMicrosPerOp)} | ${r.serverCpuMicrosPerOp === undefined && r.walBytesPerOp !== undefined ? '-' : `${format((100 * busy) / cpus().length)} %`} | ${format(r.walBytesPerOp)} | ${format(r.meanCommitMs, 1)} | ${format(r.meanBatchesInFlight, 2)} |`);
  }
  const profiled = rows.filter((r) => r.statements !== undefined && r.statements.length > 0);
  if (profiled.length > 0) {
    // Execution time includes waiting for row locks: the lock statement shows what two processes on the same users cost.
    console.log('\nServer execution time by statement, µs per request (pg_stat_statements; includes lock waits; COMMIT and its WAL sync not listed):');
    console.log(`\n| statement | ${profiled.map((r) => r.name.replace('PostgreSQL, ', '')).join(' | ')} | WAL bytes per request (1 process) |`);
    console.log(`|---|${profiled.map(() => '---:|').join('')}---:|`);
    for (const [prefix, label] of STATEMENTS) {
      const of = (r: Row): StatementTime | undefined => r.statements?.find((st) => st.statement.startsWith(prefix));
      const wal = of(one);
      console.log(`| ${label} | ${profiled.map((r) => format(((of(r)?.milliseconds ?? Number.NaN) * 1000) / r.operations, 1)).join(' | ')} | ${format(wal === undefined ? undefined : wal.walBytes / one.operations)} |`);
    }
  }
  if (walAtStart !== undefined && walAtEnd !== undefined) {
    const syncs = walAtEnd.syncs - walAtStart.syncs;
    const records = walAtEnd.records - walAtStart.records;
    console.log(`\nWAL over the whole run: ${format(records)} records, ${format(walAtEnd.fullPageImages - walAtStart.fullPageImages)} full-page images, ` +
      `${format((walAtEnd.bytes - walAtStart.bytes) / 2 ** 20)} MiB, ${format(syncs)} syncs` +
      (walAtEnd.syncMilliseconds > 0 ? `, ${format((walAtEnd.syncMilliseconds - walAtStart.syncMilliseconds) / Math.max(1, syncs), 2)} ms per sync` : ''));
  }

  if (storage !== undefined) {
    console.log(`\nStorage of ${storage.schema}.transactions after the one-process run (${format(storage.rows)} rows; ` +
      `${format(storage.updates)} rows updated, ${format(storage.hotUpdates)} of them HOT; ${format(storage.deadRows)} dead rows):`);
    console.log('\n| part | bytes per row |');
    console.log('|---|---:|');
    console.log(`| table with its indexes | ${format(storage.totalBytesPerRow)} |`);
    console.log(`| heap | ${format(storage.heapBytesPerRow)} |`);
    for (const [name, bytes] of Object.entries(storage.indexBytesPerRow)) console.log(`| index ${name} | ${format(bytes)} |`);
  }

  if (exploration.length > 0) {
    const base = exploration.find((r) => r.settings !== undefined && Object.keys(r.settings).length === 0) as Row;
    console.log(`\nStore settings, 1 process, ${format(EXPLORE_OPERATIONS)} requests each, best of 3 rounds (defaults: batchesInFlight 4, poolSize 10, maxBatch 250):`);
    console.log('\n| settings | ops/s | x defaults | p50 ms | p99 ms | mean batch | mean commit ms | batches committing at once |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of exploration) {
      const label = Object.keys(r.settings ?? {}).length === 0 ? 'defaults' : Object.entries(r.settings ?? {}).map(([k, v]) => `${k} ${String(v)}`).join(', ');
      console.log(`| ${label} | ${format(r.opsPerSecond)} | ${format(r.opsPerSecond / base.opsPerSecond, 2)} | ${format(r.p50Ms, 1)} | ${format(r.p99Ms, 1)} | ${format(r.meanBatch, 1)} | ${format(r.meanCommitMs, 1)} | ${format(r.meanBatchesInFlight, 2)} |`);
    }
  }

  const targets = [
    { target: 'throughput, 1 process', value: one.opsPerSecond, goal: TARGETS.oneProcess, unit: 'ops/s', higher: true },
    { target: 'throughput, 2 processes (own users)', value: two.opsPerSecond, goal: TARGETS.twoProcesses, unit: 'ops/s', higher: true },
    { target: 'throughput, 2 processes (shared users)', value: contended.opsPerSecond, goal: TARGETS.twoProcesses, unit: 'ops/s', higher: true },
    ...rows.filter((r) => r !== reference).map((r) => ({ target: `p99 latency, ${r.name.replace('PostgreSQL, ', '')}`, value: r.p99Ms, goal: TARGETS.p99Ms, unit: 'ms', higher: false })),
    { target: 'storage per transaction row with its indexes', value: storage.totalBytesPerRow, goal: TARGETS.bytesPerRow, unit: 'bytes', higher: false },
    { target: 'requests answered RS_OK', value: rows.reduce((n, r) => n + r.failures, 0), goal: 0, unit: 'failures', higher: false },
  ].map((t) => ({ ...t, met: t.higher ? t.value >= t.goal : t.value <= t.goal }));
  console.log('\n| target | measured | goal | met |');
  console.log('|---|---:|---:|:---:|');
  for (const t of targets) {
    console.log(`| ${t.target} | ${format(t.value, t.unit === 'ms' ? 1 : 0)} ${t.unit} | ${t.higher ? '>=' : '<='} ${format(t.goal)} | ${t.met ? 'yes' : `**missed** (${format(t.value, t.unit === 'ms' ? 1 : 0)} ${t.unit})`} |`);
  }

  const results = {
    node: process.version,
    cpus: cpus().length,
    loadAverageBefore: loadBefore,
    users: USERS,
    inFlight: IN_FLIGHT,
    operations: OPERATIONS,
    warmUp: WARM_UP,
    server: { own: db.own, settings: serverSettings },
    measurements: rows.map((r) => ({ ...r, ratioToEmbedded: r.opsPerSecond / reference.opsPerSecond })),
    wal: walAtStart !== undefined && walAtEnd !== undefined ? { start: walAtStart, end: walAtEnd } : undefined,
    storage,
    exploration,
    targets,
  };
  writeFileSync(new URL('pg-results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  console.log('\nWrote bench/pg-results.json');
} finally {
  progress('');
  if (!db.own) for (const schema of schemas) await db.sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.close();
}
