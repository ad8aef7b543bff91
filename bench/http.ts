/**
 * `npm run bench:http`: requests per second and latency through the HTTP service against a bare
 * fastify route answering a fixed JSON, all measured in this run with autocannon over loopback.
 *
 * The service is measured twice over. Stripped down (bench/http-server.ts: `buildServer` with no
 * logging and no metrics), unsigned and with every request's Hub88 signature checked. And as an
 * operator runs it: `exwallet` itself (lib/bin.ts) with its defaults (request logging at `info`,
 * to a file here) plus a Hub88 public key and a metrics token (so `/metrics` counts every
 * request), once per store: in memory (`--in-memory`), with its journal (`--data-dir`, the store
 * of `npm start`) and on PostgreSQL (`--database-url`, a throwaway server of its own started as
 * bench:pg starts one; `EXWALLET_BENCH_HTTP_PG=0` leaves that row out).
 *
 * `EXWALLET_HTTP_PROFILE=DIR` runs every server under `node --cpu-prof`, writing its profiles in
 * DIR/<row>[-<run>]/ (the largest file is the main thread's).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { startPostgres, type PgServer } from '../test-support/postgres.js';
import { SERVER_SETTINGS } from './pg-server.js';
import { id } from './workloads.js';

const RUNS = Math.max(3, Number(process.env.EXWALLET_BENCH_RUNS ?? 3));
const SECONDS = Number(process.env.EXWALLET_HTTP_SECONDS ?? 5);
const CONNECTIONS = 100;
const USERS = 10_000;
const WITH_POSTGRES = process.env.EXWALLET_BENCH_HTTP_PG !== '0';
const PROFILE_DIR = process.env.EXWALLET_HTTP_PROFILE;
const interactive = process.stderr.isTTY && process.env.CI === undefined;
const work = mkdtempSync(join(tmpdir(), 'exwallet-bench-http-'));

interface Server {
  readonly url: string;
  readonly pid: number;
  /** The file its request log goes to (the services as operated only). */
  readonly logFile?: string;
  /** Ends it with SIGTERM (a clean shutdown, so a CPU profile is written), SIGKILL after 20 s. */
  stop(): Promise<void>;
}

function launch(args: readonly string[], name: string, stdout: 'pipe' | number, env: NodeJS.ProcessEnv): ChildProcess {
  // One directory per server: the loader's thread writes a profile of its own beside the main thread's.
  const profile = PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_DIR, name)}`];
  return spawn(process.execPath, [...profile, '--import', 'tsx', ...args], { stdio: ['ignore', stdout, 'pipe'], env });
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU seconds a server process has used so far: all its threads (the thread pool's signature
 * checks included) and its main thread alone; undefined where /proc cannot tell.
 */
function cpuOf(pid: number): { all: number; main: number } | undefined {
  const seconds = (file: string): number => {
    const text = readFileSync(file, 'utf8');
    // Fields after "(comm) ": state, ppid, ... utime (14th of the line), stime.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  };
  try {
    return { all: seconds(`/proc/${pid}/stat`), main: seconds(`/proc/${pid}/task/${pid}/stat`) };
  } catch {
    return undefined;
  }
}

/** Waits for `pattern` in a stream of the child (its first group is the address). */
function address(child: ChildProcess, stream: NodeJS.ReadableStream, pattern: RegExp, name: string): Promise<string> {
  let seen = '';
  return new Promise<string>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const found = pattern.exec(seen);
      if (found !== null) resolve(found[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${String(code)}: ${seen.slice(-2000)}`)));
  });
}

/** A server of bench/http-server.ts: `bare`, or the service without logging or metrics. */
async function serve(mode: 'wallet' | 'bare' | 'signed', publicKey?: string): Promise<Server> {
  const child = launch([fileURLToPath(new URL('http-server.ts', import.meta.url)), mode], mode, 'pipe', publicKey === undefined ? process.env : { ...process.env, HUB88_PUBLIC_KEY: publicKey });
  child.stderr?.pipe(process.stderr);
  const url = await address(child, child.stdout as NodeJS.ReadableStream, /^(\S+)\n/, `${mode} server`);
  return { url, pid: child.pid as number, stop: stopper(child) };
}

/**
 * `exwallet` as an operator starts it, with `storeFlags` naming its store: its defaults (log
 * level `info`), signatures checked, `/metrics` on, 10,000 demo users. Its log (standard output)
 * goes to a file; its address is read from its banner.
 */
async function service(storeFlags: readonly string[], name: string, keyFile: string, tokenFile: string): Promise<Server> {
  const logFile = join(work, `${name}-${Date.now()}.log`);
  const log = openSync(logFile, 'w');
  // The service's defaults, not whatever EXWALLET_ variables this shell has.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('EXWALLET_')));
  const flags = ['--host', '127.0.0.1', '--port', '0', '--hub88-public-key', keyFile, '--metrics-token-file', tokenFile, '--demo-users', String(USERS), '--initial-balance', '1000000000', ...storeFlags];
  const child = launch([fileURLToPath(new URL('../lib/bin.ts', import.meta.url)), ...flags], name, log, env);
  closeSync(log);
  const url = await address(child, child.stderr as NodeJS.ReadableStream, /listening on (\S+)/, `exwallet (${name})`);
  return { url, pid: child.pid as number, logFile, stop: stopper(child) };
}

/** Each connection alternates a fresh bet and the win that settles it. */
let next = 0;
function requests(): autocannon.Request[] {
  return [
    {
      method: 'POST',
      path: '/transaction/bet',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request, context) => {
        const n = next++;
        const bet = id(1, n);
        (context as { bet?: string; user?: string }).bet = bet;
        const user = `demo-${(n % USERS) + 1}`;
        (context as { user?: string }).user = user;
        return { ...request, body: JSON.stringify({ user, transaction_uuid: bet, request_uuid: id(2, n), currency: 'USD', amount: 10, round: `round-${n}`, game_code: 'clt_dragonrising' }) };
      },
    },
    {
      method: 'POST',
      path: '/transaction/win',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request, context) => {
        const n = next++;
        const { bet, user } = context as { bet: string; user: string };
        return { ...request, body: JSON.stringify({ user, transaction_uuid: id(3, n), request_uuid: id(4, n), reference_transaction_uuid: bet, currency: 'USD', amount: 20, round: `round-${n}`, game_code: 'clt_dragonrising' }) };
      },
    },
  ];
}

interface Signed {
  readonly body: string;
  readonly signature: string;
  readonly path: string;
}

/** Bet and win bodies, each signed on the thread pool before the runs (signing costs the client a millisecond). */
async function signedPairs(pairs: number, privateKey: KeyObject, epoch: number): Promise<Signed[]> {
  const bodies: Array<{ path: string; body: string }> = [];
  for (let n = 0; n < pairs; n += 1) {
    const user = `demo-${(n % USERS) + 1}`;
    const bet = id(epoch * 4 + 5, n);
    bodies.push(
      { path: '/transaction/bet', body: JSON.stringify({ user, transaction_uuid: bet, request_uuid: id(epoch * 4 + 6, n), currency: 'USD', amount: 10, round: `round-${n}`, game_code: 'clt_dragonrising' }) },
      { path: '/transaction/win', body: JSON.stringify({ user, transaction_uuid: id(epoch * 4 + 7, n), request_uuid: id(epoch * 4 + 8, n), reference_transaction_uuid: bet, currency: 'USD', amount: 20, round: `round-${n}`, game_code: 'clt_dragonrising' }) },
    );
  }
  const signed: Signed[] = [];
  for (let at = 0; at < bodies.length; at += 64) {
    const batch = bodies.slice(at, at + 64);
    const signatures = await Promise.all(
      batch.map(({ body }) => new Promise<string>((resolve, reject) => sign('sha256', Buffer.from(body), privateKey, (error, bytes) => (error ? reject(error) : resolve(bytes.toString('base64')))))),
    );
    batch.forEach(({ path, body }, i) => signed.push({ path, body, signature: signatures[i] as string }));
  }
  return signed;
}

/** Each connection sends the next pre-signed request; past the end of the list they are sent again (replays). */
function signedRequests(signed: readonly Signed[]): autocannon.Request[] {
  let at = 0;
  return [
    {
      method: 'POST',
      setupRequest: (request) => {
        const { body, signature, path } = signed[at++ % signed.length] as Signed;
        return { ...request, path, body, headers: { 'content-type': 'application/json', 'x-hub88-signature': signature } };
      },
    },
  ];
}

interface Measure {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** Requests answered in the measurement. */
  readonly requests: number;
  /** CPU µs per request answered: the server process (all threads, and its main thread alone) and this load generator. */
  readonly serverMicros: number;
  readonly mainThreadMicros: number;
  readonly clientMicros: number;
}

/** What a service as operated wrote and counted for one measurement. */
interface Operated extends Measure {
  /** Request log lines written during the measurement, and how many of them say RS_OK. */
  readonly logLines: number;
  readonly okLines: number;
  /** Bets and wins counted by `/metrics` during the measurement. */
  readonly counted: number;
}

async function measure(server: Server, list: autocannon.Request[] = requests()): Promise<Measure> {
  const before = { server: cpuOf(server.pid), client: process.cpuUsage() };
  const result = await autocannon({ url: server.url, connections: CONNECTIONS, duration: SECONDS, requests: list });
  const client = process.cpuUsage(before.client);
  const after = cpuOf(server.pid);
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
  const per = (seconds: number | undefined): number => (seconds === undefined ? Number.NaN : (seconds * 1e6) / result.requests.total);
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    serverMicros: per(after === undefined || before.server === undefined ? undefined : after.all - before.server.all),
    mainThreadMicros: per(after === undefined || before.server === undefined ? undefined : after.main - before.server.main),
    clientMicros: per((client.user + client.system) / 1e6),
  };
}

/** The bets and wins `/metrics` has counted so far. */
async function counted(url: string, token: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('exwallet_http_requests_total{') && /route="\/transaction\/(bet|win)"/.test(line)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Request log lines in a log file so far, and how many answered RS_OK. */
function logLines(file: string): { lines: number; ok: number } {
  let lines = 0;
  let ok = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes('"msg":"request"')) continue;
    lines += 1;
    if (line.includes('"status":"RS_OK"')) ok += 1;
  }
  return { lines, ok };
}

/** Warms a fresh service up with requests of its own, then measures it on the pre-signed list. */
async function measureSigned(server: Server, token?: string): Promise<Measure | Operated> {
  try {
    await autocannon({ url: server.url, connections: CONNECTIONS, duration: 2, requests: signedRequests(warmUp) });
    if (server.logFile === undefined || token === undefined) return await measure(server, signedRequests(signed));
    const before = { log: logLines(server.logFile), counted: await counted(server.url, token) };
    const measured = await measure(server, signedRequests(signed));
    const after = { log: logLines(server.logFile), counted: await counted(server.url, token) };
    return { ...measured, logLines: after.log.lines - before.log.lines, okLines: after.log.ok - before.log.ok, counted: after.counted - before.counted };
  } finally {
    await server.stop();
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const medianOf = (runs: readonly Measure[]): Measure => ({
  requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
  p50: median(runs.map((r) => r.p50)),
  p99: median(runs.map((r) => r.p99)),
  requests: median(runs.map((r) => r.requests)),
  serverMicros: median(runs.map((r) => r.serverMicros)),
  mainThreadMicros: median(runs.map((r) => r.mainThreadMicros)),
  clientMicros: median(runs.map((r) => r.clientMicros)),
});

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const keyFile = join(work, 'hub88-public.pem');
const tokenFile = join(work, 'metrics-token');
const metricsToken = randomBytes(24).toString('base64url');
writeFileSync(keyFile, publicPem);
writeFileSync(tokenFile, `${metricsToken}\n`);

if (interactive) process.stderr.write('signing requests …');
const signed = await signedPairs(Number(process.env.EXWALLET_HTTP_SIGNED_PAIRS ?? 25_000), privateKey, 0);
/** Requests of their own that warm a fresh signed service up (its code compiled) before it is measured. */
const warmUp = await signedPairs(1_000, privateKey, 1);

let database: PgServer | undefined;
let admin: postgres.Sql | undefined;
if (WITH_POSTGRES) {
  if (interactive) process.stderr.write('\r\x1b[Kstarting PostgreSQL …');
  database = await startPostgres({ settings: SERVER_SETTINGS });
  admin = postgres(database.url, { max: 1, onnotice: () => {} });
}

type Row = 'bare' | 'wallet' | 'signed' | 'memory' | 'journal' | 'postgres';
const runs: Record<Row, Measure[]> = { bare: [], wallet: [], signed: [], memory: [], journal: [], postgres: [] };
const wallet = await serve('wallet');
const bare = await serve('bare');
try {
  for (let run = 1; run <= RUNS; run += 1) {
    const progress = (what: string): void => {
      if (interactive) process.stderr.write(`\r\x1b[Krun ${run} of ${RUNS}: ${what} …`);
    };
    progress('bare route');
    runs.bare.push(await measure(bare));
    progress('service, signatures off');
    runs.wallet.push(await measure(wallet));
    // A fresh service per run and row, so that each run's pre-signed requests are new to it.
    progress('service, signatures checked');
    runs.signed.push(await measureSigned(await serve('signed', publicPem)));
    progress('exwallet --in-memory');
    runs.memory.push(await measureSigned(await service(['--in-memory'], `memory-${run}`, keyFile, tokenFile), metricsToken));
    progress('exwallet --data-dir');
    const dataDir = join(work, `journal-${run}`);
    runs.journal.push(await measureSigned(await service(['--data-dir', dataDir], `journal-${run}`, keyFile, tokenFile), metricsToken));
    rmSync(dataDir, { recursive: true, force: true });
    if (database !== undefined && admin !== undefined) {
      progress('exwallet --database-url');
      const name = `bench_http_${run}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      const url = database.url.replace(/\/[^/]*$/, `/${name}`);
      runs.postgres.push(await measureSigned(await service(['--database-url', url], `postgres-${run}`, keyFile, tokenFile), metricsToken));
      await admin.unsafe(`DROP DATABASE ${name}`);
    }
  }
} finally {
  await wallet.stop();
  await bare.stop();
  await admin?.end({ timeout: 5 });
  await database?.stop();
  rmSync(work, { recursive: true, force: true });
}
if (interactive) process.stderr.write('\r\x1b[K');

// What verifying a Hub88 signature costs per request: one RSA-2048 verification.
const body = Buffer.from(JSON.stringify({ user: 'demo-1', transaction_uuid: id(1, 1), request_uuid: id(2, 1), currency: 'USD', amount: 10 }));
const signature = sign('sha256', body, privateKey);
const started = performance.now();
const checks = 2_000;
for (let i = 0; i < checks; i += 1) verify('sha256', body, publicKey, signature);
const verifyMicros = ((performance.now() - started) * 1000) / checks;

const route = medianOf(runs.bare);
const rows: ReadonlyArray<readonly [string, Row]> = [
  ['bare fastify route, fixed JSON', 'bare'],
  ['wallet service, bet + win, signatures off, no logging, no metrics', 'wallet'],
  ['wallet service, bet + win, signatures checked, no logging, no metrics', 'signed'],
  ['exwallet --in-memory: signed, default logging and metrics', 'memory'],
  ['exwallet --data-dir (journal): signed, default logging and metrics', 'journal'],
  ['exwallet --database-url (PostgreSQL): signed, default logging and metrics', 'postgres'],
];
const medians = Object.fromEntries(rows.filter(([, row]) => runs[row].length > 0).map(([, row]) => [row, medianOf(runs[row])])) as Partial<Record<Row, Measure>>;
const ratio = (row: Row): number => (medians[row]?.requestsPerSecond ?? Number.NaN) / route.requestsPerSecond;
const format = (n: number, digits = 0): string => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
console.log(`HTTP benchmark: ${CONNECTIONS} connections, ${SECONDS} s per run, median of ${RUNS} runs, Node ${process.version}, ${cpus().length} cores\n`);
console.log('| target | requests/s | ratio | p50 ms | p99 ms | server CPU µs/request (main thread) | load generator CPU µs/request |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const [name, row] of rows) {
  const m = medians[row];
  if (m !== undefined) {
    console.log(`| ${name} | ${format(m.requestsPerSecond)} | ${format(ratio(row), 2)} | ${format(m.p50, 1)} | ${format(m.p99, 1)} | ${format(m.serverMicros)} (${format(m.mainThreadMicros)}) | ${format(m.clientMicros)} |`);
  }
}
const replayed = Math.max(0, ...(['signed', 'memory', 'journal', 'postgres'] as const).flatMap((row) => runs[row].map((m) => m.requests - signed.length)));
console.log(`\nEach signed measurement sends ${format(signed.length)} distinct pre-signed requests${replayed > 0 ? `, then replays them (up to ${format(replayed)} replays in a run: raise EXWALLET_HTTP_SIGNED_PAIRS)` : ''}.`);
for (const row of ['memory', 'journal', 'postgres'] as const) {
  const measured = runs[row] as Operated[];
  if (measured.length === 0) continue;
  const answered = measured.reduce((sum, m) => sum + m.requests, 0);
  const lines = measured.reduce((sum, m) => sum + m.logLines, 0);
  const ok = measured.reduce((sum, m) => sum + m.okLines, 0);
  const count = measured.reduce((sum, m) => sum + m.counted, 0);
  // Requests in flight when a measurement starts or ends are logged and counted, not timed: about one per connection.
  console.log(`${row}: ${format(answered)} requests answered, ${format(lines)} request log lines (${format(ok)} RS_OK), ${format(count)} counted by /metrics.`);
}
console.log(`RSA-2048 signature verification: ${format(verifyMicros, 1)} µs per request on one core (on the thread pool in the service).`);
console.log(`Target: unsigned service >= 0.6 x bare route: ${ratio('wallet') >= 0.6 ? 'met' : 'not met'}.`);
console.log(`Target: signed service as operated (in memory, logging and metrics on) >= 0.7 x bare route: ${ratio('memory') >= 0.7 ? 'met' : 'not met'} (${format(ratio('memory'), 2)}; without logging and metrics ${format(ratio('signed'), 2)}).`);
writeFileSync(
  new URL('http-results.json', import.meta.url),
  `${JSON.stringify(
    {
      node: process.version,
      cpus: cpus().length,
      connections: CONNECTIONS,
      seconds: SECONDS,
      runs: RUNS,
      signedRequests: signed.length,
      route,
      service: medians.wallet,
      signed: medians.signed,
      operated: { memory: medians.memory, journal: medians.journal, postgres: medians.postgres },
      ratio: ratio('wallet'),
      signedRatio: ratio('signed'),
      operatedRatio: { memory: ratio('memory'), journal: ratio('journal'), postgres: WITH_POSTGRES ? ratio('postgres') : null },
      walletRuns: runs.wallet,
      bareRuns: runs.bare,
      signedRuns: runs.signed,
      operatedRuns: { memory: runs.memory, journal: runs.journal, postgres: runs.postgres },
      verifyMicros,
    },
    null,
    2,
  )}\n`,
);
