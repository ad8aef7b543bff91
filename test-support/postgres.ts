/**
 * Disposable PostgreSQL servers for the test suite and the benchmarks (bench:pg starts its
 * server with `startPostgres()` and reads its CPU time with `processStats()`).
 *
 * `npm test` starts one throwaway server for the whole run (spec/support/jest-global-setup.ts)
 * and hands its URL to the test workers as `EXWALLET_TEST_DATABASE_URL`; each test file takes
 * its own empty database from it with `freshDatabase()`. Tests of crashes and failover start
 * their own servers with `startPostgres()` and `startReplicatedPair()`.
 *
 * Using an existing server instead: set `EXWALLET_TEST_DATABASE_URL` to a URL whose role may
 * CREATE DATABASE, e.g.
 *
 *     EXWALLET_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm test
 *
 * The global setup then starts nothing, and every fresh database is created (and dropped) there.
 * Tests that start their own servers still need the server binaries, found in `EXWALLET_PG_BIN`,
 * else /usr/lib/postgresql/<highest version>/bin, else `pg_config --bindir`, else `PATH`. As root,
 * the servers run as the `postgres` user (`EXWALLET_PG_USER` names another), because PostgreSQL
 * refuses to run as root.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  appendFileSync,
  chownSync,
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import postgres from 'postgres';

const HOST = '127.0.0.1';
const SUPERUSER = 'postgres';
const SERVER_BINARIES = ['initdb', 'postgres', 'pg_ctl', 'pg_basebackup'] as const;

/** The standby's `application_name` (in pg_stat_replication) and its name in `synchronous_standby_names`. */
export const STANDBY_NAME = 'standby1';

/** Server settings (postgresql.conf names), e.g. `{ fsync: 'off', synchronous_commit: 'off' }`. */
export type ServerSettings = Readonly<Record<string, string | number | boolean>>;

export interface StartOptions {
  /** Settings added to or overriding the defaults (fsync and synchronous_commit on, 128MB shared buffers, 200 connections). */
  readonly settings?: ServerSettings;
  /** How long to wait for the server to accept connections; default 60 s. */
  readonly readyTimeoutMs?: number;
}

/** A PostgreSQL server of its own, in a fresh temporary directory, on a free loopback port. */
export interface PgServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (superuser, trust authentication). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The cluster's data directory (inside `root`). */
  readonly dataDir: string;
  /** The temporary directory holding everything: data directory, Unix socket, server log. */
  readonly root: string;
  /** The server's log file (stderr of the postmaster). */
  readonly logFile: string;
  /** The postmaster's pid, read from postmaster.pid. */
  pid(): number;
  /** Whether the postmaster process is running. */
  running(): boolean;
  /** SIGKILLs the postmaster (a crash: no shutdown checkpoint). Its backends exit on their own. */
  kill9(): void;
  /** Resolves once the postmaster process has exited (e.g. after `kill9()`). */
  exited(): Promise<void>;
  /** Fast shutdown, keeping the data directory so `start()` can bring it back. */
  shutdown(): Promise<void>;
  /** Starts the server again on the same directory and port (after `shutdown()` or `kill9()`: crash recovery). */
  start(): Promise<void>;
  /** Fast shutdown (SIGKILL if it does not finish), then removes the temporary directory. Idempotent. */
  stop(): Promise<void>;
  /** The server log so far, for failure messages. */
  log(): string;
}

/** A primary with one synchronous hot standby streaming from it. */
export interface ReplicatedPair {
  readonly primary: PgServer;
  readonly standby: PgServer;
  /** Both servers in one URL, `target_session_attrs=read-write`: connects to whichever accepts writes. */
  readonly urlBoth: string;
  /** `pg_ctl promote` on the standby; resolves once it has left recovery. */
  promoteStandby(): Promise<void>;
  /** Fast shutdown of the standby. While it is down, commits on the primary wait for it (synchronous replication). */
  stopStandby(): Promise<void>;
  /** Starts the standby again; it catches up from its replication slot. */
  startStandby(): Promise<void>;
  /** Resolves once the primary reports the standby as `sync` in pg_stat_replication. */
  waitSynchronous(timeoutMs?: number): Promise<void>;
  /** Stops and removes both servers. */
  stop(): Promise<void>;
}

/** A database of its own on the test server. */
export interface FreshDatabase {
  readonly name: string;
  /** The server URL with this database in its path. */
  readonly url: string;
  /** Drops the database, closing any connections still open to it. Idempotent. */
  drop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Where the binaries are, and who runs them

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function holdsServerBinaries(dir: string): boolean {
  return SERVER_BINARIES.every((name) => isExecutable(join(dir, name)));
}

let binDir: string | undefined;

/** The directory of initdb, postgres, pg_ctl and pg_basebackup; throws with what to do if there is none. */
export function postgresBinDir(): string {
  if (binDir !== undefined) return binDir;
  const fromEnv = process.env.EXWALLET_PG_BIN;
  if (fromEnv) {
    if (!holdsServerBinaries(fromEnv)) throw new Error(`EXWALLET_PG_BIN=${fromEnv} does not hold ${SERVER_BINARIES.join(', ')}`);
    return (binDir = fromEnv);
  }
  const candidates: string[] = [];
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((name) => /^\d+(\.\d+)?$/.test(name));
    versions.sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => join(debian, version, 'bin')));
  }
  try {
    const stdio: ['ignore', 'pipe', 'ignore'] = ['ignore', 'pipe', 'ignore'];
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio }).trim());
  } catch {
    // No pg_config: fall through to PATH.
  }
  candidates.push(...(process.env.PATH ?? '').split(delimiter));
  const found = candidates.find((dir) => dir !== '' && holdsServerBinaries(dir));
  if (found === undefined) {
    throw new Error(
      `PostgreSQL server binaries (${SERVER_BINARIES.join(', ')}) not found: install PostgreSQL, or set EXWALLET_PG_BIN ` +
        'to their directory (e.g. /usr/lib/postgresql/16/bin). Tests that only need a database can use an existing ' +
        'server through EXWALLET_TEST_DATABASE_URL.',
    );
  }
  return (binDir = found);
}

function onPath(name: string): string | undefined {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin', ...(process.env.PATH ?? '').split(delimiter)]) {
    if (dir !== '' && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

interface ServerUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

let serverUserCache: ServerUser | null | undefined;

/** The unprivileged user the servers run as when we are root; `null` when we are not root. */
function serverUser(): ServerUser | null {
  if (serverUserCache !== undefined) return serverUserCache;
  if (process.getuid?.() !== 0) return (serverUserCache = null);
  const name = process.env.EXWALLET_PG_USER ?? 'postgres';
  try {
    const id = (flag: string): number => Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    serverUserCache = { name, uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(
      `Running as root, and PostgreSQL refuses to run as root, but there is no user '${name}' to run it as: ` +
        'create one (useradd --system postgres) or set EXWALLET_PG_USER to an existing unprivileged user.',
    );
  }
  return serverUserCache;
}

/** The command line that runs `file` as the server user: `setpriv` execs in place, so the pid is the program's own. */
function asServerUser(file: string, args: readonly string[]): [string, string[]] {
  const user = serverUser();
  if (user === null) return [file, [...args]];
  const setpriv = onPath('setpriv');
  if (setpriv !== undefined) return [setpriv, [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', file, ...args]];
  const runuser = onPath('runuser');
  if (runuser !== undefined) return [runuser, ['-u', user.name, '--', file, ...args]];
  throw new Error('Running as root needs setpriv or runuser (util-linux) to run PostgreSQL as an unprivileged user');
}

/** The environment for server programs: no PG* variables of ours leaking into them, a home they can read. */
function serverEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PG') && key !== 'NODE_OPTIONS') env[key] = value;
  }
  return { ...env, HOME: home, LANG: 'C', LC_ALL: 'C' };
}

/** Runs a PostgreSQL program as the server user; rejects with its output on failure. */
function runTool(root: string, tool: string, args: readonly string[]): Promise<string> {
  const [file, argv] = asServerUser(join(postgresBinDir(), tool), args);
  return new Promise((resolve, reject) => {
    execFile(file, argv, { cwd: root, env: serverEnv(root), encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${tool} ${args.join(' ')} failed: ${error.message}\n${stderr}${stdout}`));
      else resolve(stdout);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Temporary directories, ports, processes

/** A base directory the server user can reach: every ancestor must be searchable by others. */
function temporaryBase(): string {
  const base = tmpdir();
  if (serverUser() === null) return base;
  for (let dir = base; ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return '/tmp';
    if (dirname(dir) === dir) return base;
  }
}

function makeRoot(prefix = 'exwallet-pg-'): string {
  const root = mkdtempSync(join(temporaryBase(), prefix));
  const user = serverUser();
  if (user !== null) chownSync(root, user.uid, user.gid);
  return root;
}

/** Writes a file owned by the server user, so the server (and pg_basebackup) treat it like their own. */
function writeServerFile(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  const user = serverUser();
  if (user !== null) chownSync(path, user.uid, user.gid);
}

/** A loopback port nobody was listening on a moment ago (bound with port 0, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function signal(pid: number, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every process in `/proc`: its pid and the fields of its `stat` line after "(comm) " (state,
 * ppid, pgrp, … utime is `fields[11]`). A process that exits while it is read is passed over.
 */
export function* processStats(): Generator<{ readonly pid: number; readonly fields: readonly string[] }> {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    yield { pid: Number(entry), fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') };
  }
}

/** Whether any live (non-zombie) process is left in the process group. */
function groupAlive(pgid: number): boolean {
  if (!existsSync('/proc/self/stat')) return signal(-pgid, 0);
  for (const { fields } of processStats()) {
    const [state, , pgrp] = fields;
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}

async function waitUntil(what: string, timeoutMs: number, done: () => boolean | Promise<boolean>, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${detail()}`);
    await delay(20);
  }
}

/**
 * Servers whose processes or directories may still exist: killed and removed when this process
 * exits. (In a jest test file `process` is a sandbox copy whose 'exit' never fires: there the
 * watchdogs do it, once the worker process is gone.)
 */
const live = new Set<{ destroyNow(): void }>();
let exitHookInstalled = false;

function track(server: { destroyNow(): void }): void {
  live.add(server);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const each of live) each.destroyNow();
  });
}

/**
 * A shell that outlives us if we are SIGKILLed (a jest worker force-exited, a crashed run): once
 * this process is gone it SIGKILLs the server's process group and removes its directory.
 */
function watchdog(pgid: number | undefined, root: string): ChildProcess {
  const script = 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; [ -z "$2" ] || kill -s KILL -- "-$2" 2>/dev/null; sleep 1; rm -rf -- "$3"';
  const child = spawn('sh', ['-c', script, 'exwallet-pg-watchdog', String(process.pid), pgid === undefined ? '' : String(pgid), root], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child;
}

async function query<T>(url: string, run: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, connect_timeout: 10, onnotice: () => {} });
  try {
    return await run(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function settingsText(settings: ServerSettings): string {
  return Object.entries(settings)
    .map(([key, value]) => `${key} = '${String(value).replaceAll("'", "''")}'\n`)
    .join('');
}

// ---------------------------------------------------------------------------------------------
// One server

class LocalServer implements PgServer {
  readonly host = HOST;
  readonly dataDir: string;
  readonly logFile: string;
  #port = 0;
  #settings: ServerSettings = {};
  #readyTimeoutMs: number;
  #child: ChildProcess | undefined;
  #alive = false;
  /** The process group of the last start, until it is known to be empty (then the number may be reused). */
  #pgid: number | undefined;
  #exited: Promise<void> = Promise.resolve();
  #watchdog: ChildProcess | undefined;
  #removed = false;

  constructor(
    readonly root: string,
    readyTimeoutMs: number,
  ) {
    this.dataDir = join(root, 'data');
    this.logFile = join(root, 'server.log');
    this.#readyTimeoutMs = readyTimeoutMs;
    track(this);
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `postgres://${SUPERUSER}@${HOST}:${this.#port}/postgres`;
  }

  /** Sets port and settings; they live in exwallet.conf, included from postgresql.conf. */
  configure(port: number, settings: ServerSettings): void {
    this.#port = port;
    this.#settings = settings;
    const own = { listen_addresses: HOST, port, unix_socket_directories: this.root };
    writeServerFile(join(this.dataDir, 'exwallet.conf'), settingsText({ ...settings, ...own }));
  }

  /** Starts on a free port; picks another if someone took it in the meantime. */
  async startOnFreePort(settings: ServerSettings): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      this.configure(await freePort(), settings);
      try {
        await this.start();
        return;
      } catch (error) {
        const portTaken = /could not bind|could not create any TCP\/IP sockets/.test(this.log());
        if (!portTaken || attempt === 5) throw error;
      }
    }
  }

  pid(): number {
    const pid = this.#pidFile()?.pid;
    if (pid === undefined) throw new Error(`No postmaster.pid in ${this.dataDir}`);
    return pid;
  }

  running(): boolean {
    return this.#alive;
  }

  kill9(): void {
    // Checked first: a stale postmaster.pid may name a pid that now belongs to someone else.
    if (!this.#alive) throw new Error(`The server on port ${this.#port} is not running`);
    process.kill(this.pid(), 'SIGKILL');
  }

  exited(): Promise<void> {
    this.#child?.ref(); // Keep the process alive for whoever waits.
    return this.#exited;
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  async start(): Promise<void> {
    if (this.#removed) throw new Error('This server was stopped and removed');
    if (this.running()) throw new Error(`The server on port ${this.#port} is already running`);
    await this.#reapGroup();
    const previousPid = this.#pidFile()?.pid;
    const [file, args] = asServerUser(join(postgresBinDir(), 'postgres'), ['-D', this.dataDir]);
    const log = openSync(this.logFile, 'a');
    // Its own process group, so the postmaster and its backends can be killed together.
    const child = spawn(file, args, { cwd: this.root, env: serverEnv(this.root), detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    child.unref();
    this.#child = child;
    this.#alive = child.pid !== undefined;
    this.#pgid = child.pid;
    this.#exited = new Promise((resolve) => {
      const ended = (): void => {
        this.#alive = false;
        resolve();
      };
      child.once('exit', ended);
      child.once('error', (error) => {
        appendFileSync(this.logFile, `${error.message}\n`);
        ended();
      });
    });
    if (child.pid !== undefined) this.#watchdog = watchdog(child.pid, this.root);
    const ready = (): boolean => {
      if (!this.running()) throw new Error(`PostgreSQL exited while starting on port ${this.#port}:\n${this.log().slice(-3000)}`);
      const state = this.#pidFile();
      return state !== undefined && state.pid !== previousPid && (state.status === 'ready' || state.status === 'standby');
    };
    try {
      await waitUntil(`PostgreSQL to accept connections on port ${this.#port}`, this.#readyTimeoutMs, ready, () => `\n${this.log().slice(-3000)}`);
      await query(this.url, (sql) => sql`select 1`);
    } catch (error) {
      await this.shutdown();
      throw error;
    }
  }

  async shutdown(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    if (this.#alive) {
      // SIGINT to the postmaster is a fast shutdown: roll back sessions, checkpoint, exit.
      const postmaster = this.#pidFile()?.pid;
      signal(postmaster !== undefined && postmaster > 0 ? postmaster : (child.pid ?? 0), 'SIGINT');
      // The child is unref'd; without this, a process with nothing else to do (jest's global
      // teardown) would exit before the server has shut down.
      child.ref();
      const timedOut = await Promise.race([this.#exited.then(() => false), delay(60_000, true, { ref: false })]);
      if (timedOut && child.pid !== undefined) signal(-child.pid, 'SIGKILL');
      await this.#exited;
    }
    await this.#reapGroup();
    this.#watchdog?.kill('SIGKILL');
    this.#watchdog = undefined;
  }

  async stop(): Promise<void> {
    if (this.#removed) return;
    await this.shutdown();
    rmSync(this.root, { recursive: true, force: true });
    this.#removed = true;
    live.delete(this);
  }

  /** Synchronous last resort, on process exit. */
  destroyNow(): void {
    if (this.#pgid !== undefined) signal(-this.#pgid, 'SIGKILL');
    try {
      rmSync(this.root, { recursive: true, force: true });
    } catch {
      // A backend may still be writing; the watchdog removes the directory a moment later.
    }
  }

  /** After a crash the backends notice the postmaster is gone and exit; make sure none is left. */
  async #reapGroup(): Promise<void> {
    const pgid = this.#pgid;
    if (pgid === undefined) return;
    if (groupAlive(pgid)) signal(-pgid, 'SIGKILL');
    await waitUntil(`the processes of the server on port ${this.#port} to exit`, 10_000, () => !groupAlive(pgid));
    this.#pgid = undefined;
  }

  #pidFile(): { pid: number; status: string } | undefined {
    try {
      // Line 1: postmaster pid; line 8: status ("starting", "ready", "standby", "stopping").
      const lines = readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n');
      return { pid: Number(lines[0]), status: (lines[7] ?? '').trim() };
    } catch {
      return undefined;
    }
  }

  get settings(): ServerSettings {
    return this.#settings;
  }
}

const DEFAULT_SETTINGS: ServerSettings = {
  shared_buffers: '128MB',
  max_connections: 200,
  // Durable by default: crash and failover tests count on what was acknowledged being on disk.
  fsync: 'on',
  synchronous_commit: 'on',
  logging_collector: 'off',
};

let template: Promise<string> | undefined;

/**
 * The data directory of a fresh cluster that every server starts as a copy of: copying is several
 * times faster than initdb, and tests of crashes start many servers. The jest global setup makes
 * one for the whole run and hands it to the workers in EXWALLET_PG_TEMPLATE; elsewhere it is made
 * on first use. Never started itself.
 */
export function clusterTemplate(): Promise<string> {
  const shared = process.env.EXWALLET_PG_TEMPLATE;
  if (shared && existsSync(join(shared, 'PG_VERSION'))) return Promise.resolve(shared);
  template ??= (async () => {
    const root = makeRoot('exwallet-pg-template-');
    const guard = watchdog(undefined, root);
    track({
      destroyNow() {
        guard.kill('SIGKILL');
        rmSync(root, { recursive: true, force: true });
      },
    });
    const dataDir = join(root, 'data');
    await runTool(root, 'initdb', [
      '-D',
      dataDir,
      '-U',
      SUPERUSER,
      '--auth-local=trust',
      '--auth-host=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    appendFileSync(join(dataDir, 'postgresql.conf'), "\ninclude 'exwallet.conf'\n");
    return dataDir;
  })().catch((error: unknown) => {
    template = undefined;
    throw error;
  });
  return template;
}

/**
 * Starts a PostgreSQL server of its own: a fresh cluster (trust authentication on loopback and
 * the Unix socket, superuser `postgres`, UTF8, C locale) in a fresh temporary directory, listening
 * on 127.0.0.1 at a free port, and resolves once it accepts connections. Call `stop()` when done
 * (in `afterAll` or `finally`); if this process dies first, the server is killed and its
 * directory removed anyway.
 */
export async function startPostgres(options: StartOptions = {}): Promise<PgServer> {
  const server = new LocalServer(makeRoot(), options.readyTimeoutMs ?? 60_000);
  try {
    const source = await clusterTemplate();
    // cp -a keeps the server user's ownership and the 0700 mode PostgreSQL insists on.
    await new Promise<void>((resolve, reject) =>
      execFile('cp', ['-a', source, server.dataDir], (error) => (error ? reject(error) : resolve())),
    );
    await server.startOnFreePort({ ...DEFAULT_SETTINGS, ...options.settings });
    return server;
  } catch (error) {
    await server.stop();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Replication

/**
 * Starts a primary and a hot standby made from it with pg_basebackup, streaming through a
 * replication slot, and resolves once the standby is synchronous: with the default settings a
 * commit on the primary returns only after the standby has flushed it (`synchronous_commit = on`,
 * `synchronous_standby_names = 'FIRST 1 (standby1)'`; with ANY, pg_stat_replication would say
 * `quorum` rather than `sync`). `settings` apply to both servers; the standby never waits for a
 * standby of its own, so it takes writes at once when promoted.
 */
export async function startReplicatedPair(options: StartOptions = {}): Promise<ReplicatedPair> {
  const primary = (await startPostgres({
    ...options,
    settings: {
      wal_level: 'replica',
      max_wal_senders: 10,
      max_replication_slots: 10,
      hot_standby: 'on',
      synchronous_standby_names: `FIRST 1 (${STANDBY_NAME})`,
      synchronous_commit: 'on',
      ...options.settings,
    },
  })) as LocalServer;
  const standby = new LocalServer(makeRoot(), options.readyTimeoutMs ?? 60_000);
  try {
    const conninfo = `host=${HOST} port=${primary.port} user=${SUPERUSER} application_name=${STANDBY_NAME}`;
    // -R writes primary_conninfo and standby.signal; -C -S keeps the WAL a stopped standby still needs.
    const args = ['-D', standby.dataDir, '-d', conninfo, '-R', '-X', 'stream', '-C', '-S', STANDBY_NAME, '--checkpoint=fast', '--no-sync'];
    await runTool(standby.root, 'pg_basebackup', args);
    // The copied exwallet.conf is the primary's: replace it (port, socket, no synchronous standby of its own).
    await standby.startOnFreePort({
      ...primary.settings,
      cluster_name: STANDBY_NAME,
      hot_standby: 'on',
      synchronous_standby_names: '',
    });
  } catch (error) {
    await Promise.all([standby.stop(), primary.stop()]);
    throw error;
  }
  const pair: ReplicatedPair = {
    primary,
    standby,
    urlBoth: `postgres://${SUPERUSER}@${HOST}:${primary.port},${HOST}:${standby.port}/postgres?target_session_attrs=read-write`,
    async promoteStandby() {
      await runTool(standby.root, 'pg_ctl', ['promote', '-D', standby.dataDir, '-w', '-t', '60']);
      await query(standby.url, (sql) =>
        waitUntil('the promoted standby to leave recovery', 60_000, async () => {
          const [row] = await sql<{ recovering: boolean }[]>`select pg_is_in_recovery() as recovering`;
          return row?.recovering === false;
        }),
      );
    },
    stopStandby: () => standby.shutdown(),
    startStandby: () => standby.start(),
    async waitSynchronous(timeoutMs = 30_000) {
      let seen = 'not connected';
      await query(primary.url, (sql) =>
        waitUntil(
          `${STANDBY_NAME} to be a synchronous standby of the primary`,
          timeoutMs,
          async () => {
            const rows = await sql<{ sync_state: string }[]>`
              select sync_state from pg_stat_replication where application_name = ${STANDBY_NAME}`;
            seen = rows[0]?.sync_state ?? 'not connected';
            return seen === 'sync';
          },
          () => ` (last seen: ${seen})`,
        ),
      );
    },
    async stop() {
      await Promise.all([standby.stop(), primary.stop()]);
    },
  };
  try {
    await pair.waitSynchronous();
  } catch (error) {
    await pair.stop();
    throw error;
  }
  return pair;
}

// ---------------------------------------------------------------------------------------------
// Databases on the shared test server

/** The shared test server's URL (set by the jest global setup, or by you for an existing server). */
export function testServerUrl(): string {
  const url = process.env.EXWALLET_TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      'EXWALLET_TEST_DATABASE_URL is not set: run the tests through jest (its global setup starts a server) ' +
        'or point it at an existing PostgreSQL server whose role may CREATE DATABASE.',
    );
  }
  return url;
}

let databaseCount = 0;

/** Creates a new, empty database with a unique name on the test server (from template0). */
export async function freshDatabase(serverUrl: string = testServerUrl()): Promise<FreshDatabase> {
  databaseCount += 1;
  const name = `exwallet_test_${process.pid}_${Date.now().toString(36)}_${databaseCount}`;
  await query(serverUrl, (sql) => sql`create database ${sql(name)} template template0`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      await query(serverUrl, (sql) => sql`drop database if exists ${sql(name)} with (force)`);
      dropped = true;
    },
  };
}
