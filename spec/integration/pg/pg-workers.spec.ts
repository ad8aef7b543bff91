/**
 * `exwallet --workers N --database-url URL`: one port served by N processes (node:cluster), as
 * an operator runs it, over real connections.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import type { Service } from '../../support/process.js';
import { HttpClient } from './http-client.js';
import { alive, banners, bannersOf, killAll, startService, waitFor, withSql, within } from './services.js';
import { parse } from './wallet-checks.js';
import { freshDatabase, type FreshDatabase } from '../../../test-support/postgres.js';

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

describe('--workers: a crashing worker is replaced after a pause that grows, and never stops the workers that serve', () => {
  it('replaces a worker killed right after its start, and its replacement killed right after its own, while the other worker keeps answering', async () => {
    const db = await database();
    const { service, url, pids } = await startService(db.url, ['--workers', '2', '--demo-users', '5', '--log-level', 'info'], 2);
    const [victim, survivor] = pids as [number, number];
    process.kill(victim, 'SIGKILL');
    await within(10_000, 'the primary to notice the dead worker', service.output(new RegExp(`worker ${victim} exited \\(SIGKILL\\); starting another in 500 ms`), 'stderr'), service);
    await balances(url, 8, 40);

    const replacement = (await banners(service, 3))[2]?.pid as number;
    expect([victim, survivor]).not.toContain(replacement);
    expect(parentOf(replacement)).toBe(service.child.pid);
    // Killed as soon as it listens: the crash loop is slowed down, the service is not stopped.
    process.kill(replacement, 'SIGKILL');
    await within(10_000, 'the second replacement to be scheduled', service.output(new RegExp(`worker ${replacement} exited \\(SIGKILL\\); starting another in 1000 ms`), 'stderr'), service);
    await balances(url, 8, 40);
    const third = (await banners(service, 4))[3]?.pid as number;
    expect(alive(service.child.pid as number)).toBe(true);
    expect(service.stderr).not.toContain('stopping');

    await balances(url, 16, 200);
    await waitFor('request log lines from the last replacement', () => servingPids(service).has(third));
    service.child.kill('SIGTERM');
    expect(await within(15_000, 'the primary to exit', service.exited, service)).toEqual({ code: 0, signal: null });
    for (const pid of [survivor, third]) expect({ pid, alive: alive(pid) }).toEqual({ pid, alive: false });
  });
});

const METRICS_TOKEN = 'pg-workers-metrics-token';

/** GET /metrics on a connection of its own, so that successive scrapes reach different workers. */
function scrape(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(`${url}/metrics`, { agent: false, headers: { authorization: `Bearer ${METRICS_TOKEN}` } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`GET /metrics answered ${res.statusCode}: ${text}`))));
    });
    req.on('error', reject);
  });
}

/** The value of one sample of a Prometheus scrape, `name{labels}` as written; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('--workers: one scrape of /metrics answers for the whole service', () => {
  it('sums the counters of every worker, so that they never go down from one scrape to the next, and labels each worker\'s process figures', async () => {
    const db = await database();
    const { service, url } = await startService(db.url, ['--workers', '2', '--demo-users', '5', '--metrics-token', METRICS_TOKEN], 2);
    const balancesAnswered = 'exwallet_http_requests_total{method="POST",route="/user/balance",code="200",status="RS_OK"}';
    let sent = 0;
    let last = 0;
    const workersSeen = new Set<string>();
    for (let round = 0; round < 12; round += 1) {
      await balances(url, 8, 20);
      sent += 20;
      const text = await scrape(url);
      const counted = sample(text, balancesAnswered) ?? 0;
      // Every request answered before the scrape is counted, whichever worker answered it.
      expect({ round, counted, atLeast: counted >= sent, notDown: counted >= last }).toEqual({ round, counted, atLeast: true, notDown: true });
      last = counted;
      for (const match of text.matchAll(/^process_cpu_user_seconds_total\{worker="(\d+)"\}/gm)) workersSeen.add(match[1] as string);
    }
    expect(workersSeen.size).toBe(2);
    expect(sample(await scrape(url), 'exwallet_users')).toBe(5);
    service.child.kill('SIGTERM');
    await within(15_000, 'the primary to exit', service.exited, service);
  });
});
