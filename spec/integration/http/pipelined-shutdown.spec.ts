/**
 * SPEC 9, "Stopping answers what it took": a service told to stop answers every request it had
 * taken (including the ones pipelined on a keep-alive connection), judges none it read after
 * that, and closes each connection once its last taken request is answered. For every bet:
 * debited if and only if answered. Checked over raw sockets with the money read back from the
 * store: in process on the in-memory store, and through the CLI on SIGTERM with a journal, on
 * PostgreSQL and with --workers.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { start, Status, type Wallet } from '../../../lib/index.js';
import { buildServer } from '../../../lib/http/index.js';
import { balanceOf, betBody, Ids } from '../../support/helpers.js';
import { killAll, startService, waitFor, withSql } from '../pg/services.js';
import { freshDatabase, type FreshDatabase } from '../../../test-support/postgres.js';
import { exwallet, rawPost, rawSocket, receivedMatching, type RawSocket, type Service } from '../../support/process.js';

/** Bets pipelined on each connection. */
const PIPELINED = 10;
/** Keep-alive connections of the load cases, one demo user each. */
const CONNECTIONS = 40;
const INITIAL_BALANCE = 100_000;

let app: FastifyInstance | undefined;
let service: Service | undefined;
const dataDirs: string[] = [];
const databases: FreshDatabase[] = [];
afterEach(async () => {
  await app?.close();
  app = undefined;
  service?.kill();
  service = undefined;
  killAll();
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  await Promise.all(databases.splice(0).map((database) => database.drop()));
});

/** `count` bets of 1 by `user`, as the raw bytes of one pipelined write. */
function bets(ids: Ids, user: string, count: number): string {
  return Array.from({ length: count }, () => rawPost('/transaction/bet', betBody(ids, { user, amount: 1 }), { Connection: 'keep-alive' })).join('');
}

/** The responses received on a connection, each as its head (lower case) and status. */
function responses(raw: RawSocket): Array<{ head: string; status: unknown }> {
  return [...raw.received().matchAll(/(HTTP\/1\.1 [^]*?)\r\n\r\n(\{[^]*?\})(?=HTTP\/1\.1|$)/g)].map((match) => ({
    head: (match[1] as string).toLowerCase(),
    status: (JSON.parse(match[2] as string) as { status?: unknown }).status,
  }));
}

/** The bets answered RS_OK on each connection. */
function answeredBets(sockets: readonly RawSocket[]): number[] {
  return sockets.map((raw) => responses(raw).filter(({ status }) => status === Status.OK).length);
}

/** The demo users of the load cases: demo-1 ... demo-N, one per connection. */
const DEMO_USERS = Array.from({ length: CONNECTIONS }, (_, i) => `demo-${i + 1}`);

/**
 * Opens a connection per demo user, writes {@link PIPELINED} bets on each in one write, sends
 * `signal` once the first answer is back (the service is busy with the rest), and waits for every
 * connection to close and the process to exit 0. Resolves with the bets answered on each.
 */
async function signalAmidPipelinedBets(stopping: Service, port: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<number[]> {
  const ids = new Ids();
  const sockets = await Promise.all(DEMO_USERS.map(() => rawSocket(port)));
  sockets.forEach((raw, i) => raw.socket.write(bets(ids, DEMO_USERS[i] as string, PIPELINED)));
  await Promise.any(sockets.map((raw) => receivedMatching(raw, /"status":"RS_OK"/)));
  stopping.child.kill(signal);
  await Promise.all(sockets.map((raw) => raw.closed));
  expect(await stopping.exited).toEqual({ code: 0, signal: null });
  const answered = answeredBets(sockets);
  expect(answered.reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
  return answered;
}

/** The amount debited from each demo user, as PostgreSQL holds it. */
async function debitedInDatabase(url: string): Promise<number[]> {
  const rows = await withSql(url, (sql) => sql<Array<{ name: string; balance: string }>>`SELECT name, balance FROM exwallet.wallets`);
  const balances = new Map(rows.map(({ name, balance }) => [name, Number(balance)]));
  return DEMO_USERS.map((user) => INITIAL_BALANCE - (balances.get(user) ?? Number.NaN));
}

/** An engine whose wallet calls wait for `released`; `judging` resolves once `count` of them have begun. */
function heldEngine(wallet: Wallet, count: number, released: Promise<void>): { held: Wallet; judging: Promise<void> } {
  let begun = 0;
  let allBegun: () => void = () => undefined;
  const judging = new Promise<void>((resolve) => (allBegun = resolve));
  const held = new Proxy(wallet, {
    get(target, key) {
      if (key === 'handle') {
        return async (...args: Parameters<Wallet['handle']>) => {
          if (++begun === count) allBegun();
          await released;
          return target.handle(...args);
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { held, judging };
}

/** A listening service without signature checks over `wallet` (not stopped by its close()). */
async function listening(wallet: Wallet): Promise<{ server: FastifyInstance; port: number }> {
  const server = buildServer({ wallet, verifySignatures: false, logLevel: 'silent' });
  app = server;
  await server.listen({ host: '127.0.0.1', port: 0 });
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

describe('stopping answers every request it took, pipelined ones included, then closes each connection', () => {
  it('answers all the bets pipelined on a connection that were being judged when close() began, the last one with Connection: close', async () => {
    const wallet = start();
    const users = ['alice', 'bob', 'carol'];
    await wallet.createUsers(users);
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const { held, judging } = heldEngine(wallet, users.length * PIPELINED, released);
    const { server, port } = await listening(held);
    const ids = new Ids();
    const sockets = await Promise.all(users.map(() => rawSocket(port)));
    sockets.forEach((raw, i) => raw.socket.write(bets(ids, users[i] as string, PIPELINED)));

    await judging;
    const closed = server.close();
    await waitFor('the service to stop listening', () => !server.server.listening);
    release();
    await closed;
    await Promise.all(sockets.map((raw) => raw.closed));

    for (const raw of sockets) {
      const answers = responses(raw);
      expect(answers.map(({ status }) => status)).toEqual(Array(PIPELINED).fill(Status.OK));
      expect(answers.map(({ head }) => head.includes('connection: close'))).toEqual([...Array(PIPELINED - 1).fill(false), true]);
    }
    for (const user of users) expect(await balanceOf(wallet, user)).toBe(INITIAL_BALANCE - PIPELINED);
    await wallet.stop();
  });

  it('does not judge requests read after close() began, even pipelined behind one it took: they change nothing and their connection closes', async () => {
    const wallet = start();
    await wallet.createUsers(['alice']);
    const { server, port } = await listening(wallet);
    const ids = new Ids();
    const first = rawPost('/transaction/bet', betBody(ids, { user: 'alice', amount: 1 }));
    const raw = await rawSocket(port);

    // The first bet's headers are read before close(); the end of its body arrives after, with
    // nine more bets pipelined behind it.
    const read = new Promise((resolve) => server.server.once('request', resolve));
    raw.socket.write(first.slice(0, -5));
    await read;
    const closed = server.close();
    await waitFor('the service to stop listening', () => !server.server.listening);
    raw.socket.write(first.slice(-5) + bets(ids, 'alice', PIPELINED - 1));
    await raw.closed;
    await closed;

    const answers = responses(raw);
    expect(answers.map(({ status }) => status)).toEqual([Status.OK]);
    expect(answers[0]?.head).toContain('connection: close');
    expect(await balanceOf(wallet, 'alice')).toBe(INITIAL_BALANCE - 1);
    await wallet.stop();
  });
});

describe('on SIGTERM or SIGINT amid pipelined bets, each bet is debited if and only if it is answered (every store, --workers)', () => {
  it.each<NodeJS.Signals>(['SIGTERM', 'SIGINT'])('with the journal, on %s: the bets a restart on the same journal finds debited are exactly those answered', async (signal) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'exwallet-pipelined-'));
    dataDirs.push(dataDir);
    const args = ['--dev', '--port', '0', '--data-dir', dataDir, '--log-level', 'silent', '--demo-users', String(CONNECTIONS)];
    service = exwallet(args);
    const answered = await signalAmidPipelinedBets(service, (await service.listening()).port, signal);

    service = exwallet(args);
    const { url } = await service.listening();
    const ids = new Ids();
    const debited: number[] = [];
    for (const user of DEMO_USERS) {
      const response = await fetch(`${url}/user/balance`, { method: 'POST', body: JSON.stringify({ user, request_uuid: ids.next() }) });
      debited.push(INITIAL_BALANCE - ((await response.json()) as { balance: number }).balance);
    }
    expect(debited).toEqual(answered);
  });

  it('on PostgreSQL: the bets the database holds debited are exactly those answered', async () => {
    const database = await freshDatabase();
    databases.push(database);
    const running = await startService(database.url, ['--demo-users', String(CONNECTIONS)]);
    const answered = await signalAmidPipelinedBets(running.service, Number(new URL(running.url).port));
    expect(await debitedInDatabase(database.url)).toEqual(answered);
  });

  it('with --workers 2 on PostgreSQL: the bets the database holds debited are exactly those answered', async () => {
    const database = await freshDatabase();
    databases.push(database);
    const running = await startService(database.url, ['--workers', '2', '--demo-users', String(CONNECTIONS)], 2);
    const answered = await signalAmidPipelinedBets(running.service, Number(new URL(running.url).port));
    expect(await debitedInDatabase(database.url)).toEqual(answered);
  });
});
