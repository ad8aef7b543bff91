/**
 * `exwallet --workers N --database-url URL`: one port served by N processes (node:cluster), as
 * an operator runs it, over real connections.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { Service } from './http/process.js';
import { HttpClient } from './pg/http-client.js';
import { alive, banners, bannersOf, killAll, startService, waitFor, withSql, within } from './pg/services.js';
import { parse } from './pg/wallet-checks.js';
import { freshDatabase, type FreshDatabase } from './support/postgres.js';

const databases: FreshDatabase[] = [];
const clients: HttpClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  killAll();
  await Promise.all(databases.splice(0).map((database) => database.drop()));
});

async function database(): Promise<FreshDatabase> {
  const fresh = await freshDatabase();
  databases.push(fresh);
  return fresh;
}

/** Balance calls for the demo users, all queued at once on a client of `connections` sockets; each must be RS_OK. */
async function balances(url: string, connections: number, count: number): Promise<void> {
  const http = new HttpClient(url, connections);
  clients.push(http);
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) => http.wallet('/user/balance', { user: `demo-${(i % 5) + 1}`, request_uuid: '00000000-0000-4000-8000-0000000000b1' })),
  );
  expect(new Set(answers.map((text) => parse(text).status))).toEqual(new Set(['RS_OK']));
  http.close();
}

/** The pids in the request log lines (pino JSON, one per answered request) printed so far. */
function servingPids(service: Service): Set<number> {
  const pids = new Set<number>();
  // Complete lines only: the last one may still be arriving.
  for (const line of service.stdout.split('\n').slice(0, -1)) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; pid?: number };
    if (entry.msg === 'request' && entry.pid !== undefined) pids.add(entry.pid);
  }
  return pids;
}

function parentOf(pid: number): number {
  // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after its ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe('--workers 2 serves one port from two worker processes of one primary', () => {
  it('spreads connections over both workers, creates each demo user once, and stops both with exit code 0 on SIGTERM to the primary', async () => {
    const db = await database();
    const { service, url, pids } = await startService(db.url, ['--workers', '2', '--demo-users', '5', '--log-level', 'info'], 2);
    const primary = service.child.pid as number;
    expect(new Set(pids).size).toBe(2);
    for (const pid of pids) expect(parentOf(pid)).toBe(primary);
    expect(new Set(bannersOf(service).map((banner) => banner.url))).toEqual(new Set([url]));

    await balances(url, 16, 200);
    await waitFor('request log lines from both workers', () => servingPids(service).size === 2);
    expect(servingPids(service)).toEqual(new Set(pids));

    // Both workers created the demo users at start, at the same time: each exists once, as created.
    const wallets = await withSql(db.url, (sql) => sql<Array<{ name: string; balance: string }>>`SELECT name, balance FROM exwallet.wallets ORDER BY name`);
    expect(wallets.map(({ name, balance }) => [name, Number(balance)])).toEqual([1, 2, 3, 4, 5].map((i) => [`demo-${i}`, 100_000]));

    service.child.kill('SIGTERM');
    expect(await within(15_000, 'the primary to exit', service.exited, service)).toEqual({ code: 0, signal: null });
    for (const pid of pids) expect({ pid, alive: alive(pid) }).toEqual({ pid, alive: false });
    expect(service.stderr.match(/^Closed$/gm)).toHaveLength(2);
  });
});

describe('--workers: a worker that dies while serving is replaced', () => {
  it('starts another worker after a SIGKILL, and the port keeps answering', async () => {
    const db = await database();
    const { service, url, pids } = await startService(db.url, ['--workers', '2', '--demo-users', '5', '--log-level', 'info'], 2);
    const [victim, survivor] = pids as [number, number];
    process.kill(victim, 'SIGKILL');
    await within(10_000, 'the primary to notice the dead worker', service.output(new RegExp(`worker ${victim} exited \\(SIGKILL\\); starting another`), 'stderr'), service);
    await balances(url, 8, 40);

    const replacement = (await banners(service, 3))[2]?.pid as number;
    expect([victim, survivor]).not.toContain(replacement);
    expect(parentOf(replacement)).toBe(service.child.pid);
    await balances(url, 16, 200);
    await waitFor('request log lines from the replacement worker', () => servingPids(service).has(replacement));

    service.child.kill('SIGTERM');
    await within(15_000, 'the primary to exit', service.exited, service);
    for (const pid of [survivor, replacement]) expect({ pid, alive: alive(pid) }).toEqual({ pid, alive: false });
  });
});
