/**
 * Starting the service as an operator does: what it prints and where, and which mistakes stop
 * the start with one line and exit code 2 instead of a service that answers 503 for ever.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Status } from '../../../lib/index.js';
import { exwallet, ROOT, type Service } from '../../support/process.js';
import { within, withSql } from '../pg/services.js';
import { freePort, freshDatabase, startPostgres, testServerUrl, type FreshDatabase } from '../../../test-support/postgres.js';

const services: Service[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const service of services.splice(0)) service.kill();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function start(args: readonly string[], env: NodeJS.ProcessEnv = {}): Service {
  const service = exwallet(args, env);
  services.push(service);
  return service;
}

async function database(): Promise<FreshDatabase> {
  const fresh = await freshDatabase();
  cleanups.push(() => fresh.drop());
  return fresh;
}

/** The URL of `database` as user `user`, or on another port. */
function urlOf(database: FreshDatabase, change: { user?: string; port?: number; path?: string }): string {
  const url = new URL(database.url);
  if (change.user !== undefined) url.username = change.user;
  if (change.port !== undefined) url.port = String(change.port);
  if (change.path !== undefined) url.pathname = change.path;
  return url.toString();
}

/** The JSON log lines a service printed on standard output; throws on a line that is not JSON. */
function logLines(service: Service): Array<Record<string, unknown>> {
  return service.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Exit code 2 and exactly one line on standard error (plus the hint to --help), nothing on standard output. */
async function refusedInOneLine(service: Service): Promise<string> {
  expect((await within(20_000, 'the service to exit', service.exited, service)).code).toBe(2);
  const lines = service.stderr.split('\n').filter((line) => line !== '');
  expect(lines.filter((line) => line !== 'Try --help.')).toHaveLength(1);
  expect(service.stderr).not.toContain('listening');
  return lines[0] as string;
}

describe('--version and -h answer at once', () => {
  it('prints the version of the package', async () => {
    const service = start(['--version']);
    expect((await service.exited).code).toBe(0);
    expect(service.stdout).toMatch(/^exwallet \d+\.\d+\.\d+\S*\n$/);
  });

  it('prints the usage for -h', async () => {
    const service = start(['-h']);
    expect((await service.exited).code).toBe(0);
    expect(service.stdout).toMatch(/^Usage: exwallet \[options\]/);
    expect(service.stdout).toContain('--metrics-token-file FILE');
  });
});

describe('standard output carries only JSON log lines; the banner goes to standard error with the absolute journal path', () => {
  it('logs requests as JSON lines, and names the journal directory absolutely when given a relative one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'exwallet-banner-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const service = start(['--no-verify', '--port', '0', '--demo-users', '1', '--log-level', 'info', '--data-dir', relative(ROOT, dataDir)]);
    const { url } = await service.listening();
    const answer = await fetch(`${url}/user/balance`, { method: 'POST', body: JSON.stringify({ user: 'demo-1', request_uuid: 'r' }) });
    expect(await answer.json()).toMatchObject({ status: Status.OK });
    service.child.kill('SIGTERM');
    expect((await service.exited).code).toBe(0);

    expect(service.stderr).toContain(`Journal: ${dataDir} (recovered 0 records)`);
    const lines = logLines(service);
    expect(lines.some((line) => line.msg === 'request')).toBe(true);
  });
});

describe('a secret file that cannot be read stops the start in one line, exit code 2', () => {
  it('names the flag and the file', async () => {
    const missing = join(tmpdir(), `exwallet-no-such-token-${process.pid}`);
    const line = await refusedInOneLine(start(['--no-verify', '--in-memory', '--port', '0', '--admin-token-file', missing]));
    expect(line).toBe(`exwallet: --admin-token-file: cannot read ${missing}: ENOENT`);
  });
});

describe("outside --dev a start that does not name the state's place is refused", () => {
  it('exits 2 rather than open a journal in the working directory', async () => {
    const line = await refusedInOneLine(start(['--no-verify', '--port', '0']));
    expect(line).toMatch(/^exwallet: say where the state lives: --data-dir DIR, --in-memory or --database-url URL/);
  });
});

describe('a database the service cannot use as configured stops the start in one line, exit code 2', () => {
  it('refuses a database that does not exist', async () => {
    const db = await database();
    const line = await refusedInOneLine(start(['--no-verify', '--port', '0', '--database-url', urlOf(db, { path: `/${db.name}_missing` })]));
    expect(line).toMatch(new RegExp(`^exwallet: cannot use the database postgres://.*: database "${db.name}_missing" does not exist \\(3D000\\)$`));
  });

  it('refuses a login the server rejects', async () => {
    const db = await database();
    const line = await refusedInOneLine(start(['--no-verify', '--port', '0', '--database-url', urlOf(db, { user: 'no_such_exwallet_role' })]));
    expect(line).toMatch(/^exwallet: cannot use the database .*role "no_such_exwallet_role" does not exist \(28000\)$/);
  });

  it('refuses a user who may not create the store schema', async () => {
    const db = await database();
    const role = `exwallet_reader_${process.pid}`;
    await withSql(testServerUrl(), (sql) => sql.unsafe(`CREATE ROLE ${role} LOGIN`));
    cleanups.push(async () => {
      await db.drop();
      await withSql(testServerUrl(), (sql) => sql.unsafe(`DROP ROLE IF EXISTS ${role}`));
    });
    const line = await refusedInOneLine(start(['--no-verify', '--port', '0', '--database-url', urlOf(db, { user: role })]));
    expect(line).toMatch(new RegExp(`^exwallet: cannot use the database .*: permission denied: user "${role}" may not create the exwallet schema in database "${db.name}"`));
  });

  it('refuses a wrong password, and starts with the right one read from --database-password-file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exwallet-password-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    // A server of its own that asks this user for a password (the shared one trusts everyone).
    const hba = join(dir, 'pg_hba.conf');
    writeFileSync(hba, 'local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n', { mode: 0o644 });
    // The server may run as another user (postgres, when the tests run as root): it must read the file.
    chmodSync(dir, 0o755);
    const server = await startPostgres({ settings: { hba_file: hba } });
    cleanups.push(() => server.stop());
    await withSql(server.url, (sql) => sql.unsafe(`CREATE ROLE wallet LOGIN CREATEDB PASSWORD 'right-password'; GRANT CREATE ON DATABASE postgres TO wallet`));
    const url = `postgres://wallet@127.0.0.1:${server.port}/postgres`;

    const wrong = join(dir, 'wrong');
    writeFileSync(wrong, 'wrong-password\n', { mode: 0o600 });
    const line = await refusedInOneLine(start(['--no-verify', '--port', '0', '--database-url', url, '--database-password-file', wrong]));
    expect(line).toMatch(/^exwallet: cannot use the database postgres:\/\/wallet:\*\*\*@.*: password authentication failed for user "wallet" \(28P01\)$/);

    const right = join(dir, 'right');
    writeFileSync(right, 'right-password\n', { mode: 0o600 });
    const service = start(['--no-verify', '--port', '0', '--demo-users', '1', '--database-url', url, '--database-password-file', right]);
    const { url: served } = await within(30_000, 'the service to listen', service.listening(), service);
    const answer = await fetch(`${served}/user/balance`, { method: 'POST', body: JSON.stringify({ user: 'demo-1', request_uuid: 'r' }) });
    expect(await answer.json()).toMatchObject({ status: Status.OK, balance: 100_000 });
    expect(service.stderr).not.toContain('right-password');
    service.child.kill('SIGTERM');
    expect((await within(15_000, 'the service to exit', service.exited, service)).code).toBe(0);
  });

  it('names --database-url for a malformed URL, never a bare "Invalid URL"', async () => {
    const line = await refusedInOneLine(start(['--no-verify', '--port', '0', '--database-url', 'postgres://exwallet@127.0.0.1:99999/wallet']));
    expect(line).toBe('exwallet: --database-url: the port of "127.0.0.1:99999" must be a number from 1 to 65535');
  });
});

/** A TCP relay from `port` to the shared PostgreSQL server: the database "comes up" when it starts. */
async function relay(port: number): Promise<Server> {
  const target = new URL(testServerUrl());
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return server;
}

describe('a database server that cannot be reached yet is waited for, and the wait is logged', () => {
  it('logs each attempt, starts once the server answers, and serves', async () => {
    const db = await database();
    const port = await freePort();
    const service = start(['--no-verify', '--port', '0', '--demo-users', '1', '--log-level', 'info', '--database-url', urlOf(db, { port })]);
    const waits = (): Array<Record<string, unknown>> => logLines(service).filter((line) => line.msg === 'waiting for the database: it cannot be reached yet');
    await within(20_000, 'two logged attempts', service.output(/waiting for the database[^\n]*\n[^\n]*waiting for the database/), service);
    expect(waits()[0]).toMatchObject({ level: 40, attempt: 1, reason: expect.stringContaining('ECONNREFUSED') });
    expect(service.stderr).not.toContain('listening');

    await relay(port);
    const { url } = await within(30_000, 'the service to listen', service.listening(), service);
    const answer = await fetch(`${url}/user/balance`, { method: 'POST', body: JSON.stringify({ user: 'demo-1', request_uuid: 'r' }) });
    expect(await answer.json()).toMatchObject({ status: Status.OK, balance: 100_000 });
    expect(logLines(service).some((line) => line.msg === 'the database is reachable')).toBe(true);
    service.child.kill('SIGTERM');
    expect((await within(15_000, 'the service to exit', service.exited, service)).code).toBe(0);
  });

  it('stops waiting on SIGTERM, with exit code 0', async () => {
    const service = start(['--no-verify', '--port', '0', '--log-level', 'info', '--database-url', `postgres://postgres@127.0.0.1:${await freePort()}/wallet`]);
    await within(20_000, 'a logged attempt', service.output(/waiting for the database/), service);
    service.child.kill('SIGTERM');
    expect((await within(10_000, 'the service to exit', service.exited, service)).code).toBe(0);
  });
});
