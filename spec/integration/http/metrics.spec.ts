import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { start, Status, type StoreStats, type Wallet } from '../../../lib/index.js';
import { buildServer } from '../../../lib/http/index.js';
import { StatsCache } from '../../../lib/http/stats.js';
import { balanceOf, betBody, Ids, uuid } from '../../support/helpers.js';
import { ADMIN_TOKEN, HUB88_PUBLIC, METRICS_TOKEN, service, signedPost } from '../../support/http.js';

const opened: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});

const bearer = { authorization: `Bearer ${METRICS_TOKEN}` };
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** The samples of a Prometheus text scrape, keyed by `name{labels}` as written. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    found.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return found;
}

async function scrape(app: FastifyInstance): Promise<Map<string, number>> {
  const response = await app.inject({ method: 'GET', url: '/metrics', headers: bearer });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return samples(response.body);
}

async function ready(): Promise<{ app: FastifyInstance; wallet: Wallet }> {
  const served = await service();
  opened.push(() => served.app.close());
  return served;
}

describe('GET /metrics counts requests by route, HTTP code and wallet status, and times them by route', () => {
  it('counts what was answered', async () => {
    const { app } = await ready();
    const ids = new Ids();
    await signedPost(app, '/transaction/bet', betBody(ids));
    await signedPost(app, '/transaction/bet', betBody(ids));
    await signedPost(app, '/transaction/bet', betBody(ids, { currency: 'EUR' }));
    await signedPost(app, '/user/balance', { user: 'alice', request_uuid: uuid(1) });
    await app.inject({ method: 'POST', url: '/admin/deposit', headers: admin, payload: { user: 'bob', transaction_uuid: ids.next(), request_uuid: ids.next(), currency: 'USD', amount: 5 } });
    await app.inject({ method: 'POST', url: '/admin/users', payload: { users: ['mallory'] } });
    await app.inject({ method: 'GET', url: '/healthz' });
    await app.inject({ method: 'GET', url: '/nowhere' });

    const found = await scrape(app);
    const requests = (method: string, route: string, code: number, status: string) =>
      found.get(`exwallet_http_requests_total{method="${method}",route="${route}",code="${code}",status="${status}"}`);
    expect(requests('POST', '/transaction/bet', 200, Status.OK)).toBe(2);
    expect(requests('POST', '/transaction/bet', 200, Status.WRONG_CURRENCY)).toBe(1);
    expect(requests('POST', '/user/balance', 200, Status.OK)).toBe(1);
    expect(requests('POST', '/admin/deposit', 200, Status.OK)).toBe(1);
    expect(requests('POST', '/admin/users', 401, '')).toBe(1);
    expect(requests('GET', '/healthz', 200, '')).toBe(1);
    expect(requests('GET', 'unmatched', 404, '')).toBe(1);
    expect(found.get('exwallet_http_request_duration_seconds_count{method="POST",route="/transaction/bet"}')).toBe(3);
    expect(found.get('exwallet_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/transaction/bet"}')).toBe(3);
    expect(found.get('exwallet_http_request_duration_seconds_sum{method="POST",route="/transaction/bet"}')).toBeGreaterThan(0);
    // The scrape counts itself once it is answered.
    expect(samples((await app.inject({ method: 'GET', url: '/metrics', headers: bearer })).body).get('exwallet_http_requests_total{method="GET",route="/metrics",code="200",status=""}')).toBe(1);
  });

  it('reports the users and stored transactions, and the process heap and event-loop lag', async () => {
    const { app, wallet } = await ready();
    await signedPost(app, '/transaction/bet', betBody(new Ids()));
    await wallet.createUsers(['carol']);
    const found = await scrape(app);
    expect(found.get('exwallet_users')).toBe(3);
    expect(found.get('exwallet_transactions')).toBe(1);
    expect(found.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(found.has('nodejs_eventloop_lag_seconds')).toBe(true);
    expect(found.has('process_cpu_user_seconds_total')).toBe(true);
  });

  it('keeps the counts of two servers in one process apart', async () => {
    const first = await ready();
    const second = await ready();
    await signedPost(first.app, '/transaction/bet', betBody(new Ids()));
    const key = `exwallet_http_requests_total{method="POST",route="/transaction/bet",code="200",status="${Status.OK}"}`;
    expect((await scrape(first.app)).get(key)).toBe(1);
    expect((await scrape(second.app)).has(key)).toBe(false);
  });
});

describe("GET /metrics reports the store's commits as counters, read on each scrape", () => {
  it('matches wallet.metrics() of an engine with a journal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exwallet-metrics-'));
    const wallet = start({ journal: dir });
    const app = buildServer({ wallet, hub88PublicKey: HUB88_PUBLIC, metricsToken: METRICS_TOKEN, logLevel: 'silent' });
    opened.push(async () => {
      await app.close();
      await wallet.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    await wallet.createUsers(['alice']);
    const ids = new Ids();
    for (let i = 0; i < 3; i++) await signedPost(app, '/transaction/bet', betBody(ids));
    const found = await scrape(app);
    const totals = wallet.metrics();
    expect(totals.commits).toBeGreaterThan(0);
    expect(found.get('exwallet_store_commits_total')).toBe(totals.commits);
    expect(found.get('exwallet_store_committed_requests_total')).toBe(totals.committedRequests);
    expect(found.get('exwallet_store_commit_seconds_total')).toBeCloseTo(totals.commitSeconds, 9);

    await signedPost(app, '/transaction/bet', betBody(ids));
    expect((await scrape(app)).get('exwallet_store_commits_total')).toBe(wallet.metrics().commits);
    expect(wallet.metrics().commits).toBeGreaterThan(totals.commits);
  });
});

describe('GET /metrics has its own token: whatever scrapes metrics cannot move money', () => {
  it('answers 401 without the metrics token, the admin token included', async () => {
    const { app } = await ready();
    for (const headers of [{}, { authorization: 'Bearer not-the-token-0123' }, admin]) {
      const response = await app.inject({ method: 'GET', url: '/metrics', headers });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ error: expect.any(String) });
    }
  });

  it('does not open the admin routes to the metrics token', async () => {
    const { app, wallet } = await ready();
    const ids = new Ids();
    const deposit = await app.inject({ method: 'POST', url: '/admin/deposit', headers: bearer, payload: { user: 'bob', transaction_uuid: ids.next(), request_uuid: ids.next(), currency: 'USD', amount: 5 } });
    expect(deposit.statusCode).toBe(401);
    expect(await balanceOf(wallet, 'bob')).toBe(100_000);
  });

  it('does not exist without a metrics token, even with an admin token', async () => {
    const served = await service({ metricsToken: undefined as never });
    opened.push(() => served.app.close());
    expect((await served.app.inject({ method: 'GET', url: '/metrics', headers: admin })).statusCode).toBe(404);
  });

  it('refuses a metrics token equal to the admin token, or shorter than 16 characters', () => {
    const wallet = start();
    opened.push(() => wallet.stop());
    expect(() => buildServer({ wallet, verifySignatures: false, adminToken: ADMIN_TOKEN, metricsToken: ADMIN_TOKEN })).toThrow(/metrics token must differ from the admin token/);
    expect(() => buildServer({ wallet, verifySignatures: false, metricsToken: 'short-token' })).toThrow(/metrics token must be at least 16/);
  });
});

/** A wallet whose counts cost a query, as PostgreSQL's do; each count answers one more user. */
function countingWallet(): { wallet: Wallet; counts: () => number; fail: (error?: Error) => void } {
  let counted = 0;
  let failure: Error | undefined;
  const fake = {
    counts: () => undefined,
    stats: (): Promise<StoreStats> => {
      counted++;
      return failure === undefined ? Promise.resolve({ users: counted, transactions: 10 * counted }) : Promise.reject(failure);
    },
  };
  return {
    wallet: fake as unknown as Wallet,
    counts: () => counted,
    fail: (error) => {
      failure = error;
    },
  };
}

describe('counts that cost a query are taken at most once per max age, never making a caller wait after the first', () => {
  it('answers from one count within the max age, concurrent first callers included', async () => {
    const { wallet, counts } = countingWallet();
    const cache = new StatsCache(wallet, 3_600_000);
    expect(cache.live).toBe(false);
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect(a).toEqual({ users: 1, transactions: 10 });
    expect(b).toEqual(a);
    expect(await cache.get()).toEqual(a);
    expect(counts()).toBe(1);
  });

  it('answers the last count at once when it is old, and counts again in the background', async () => {
    const { wallet, counts } = countingWallet();
    const cache = new StatsCache(wallet, 0);
    expect(await cache.get()).toEqual({ users: 1, transactions: 10 });
    expect(await cache.get()).toEqual({ users: 1, transactions: 10 });
    expect(counts()).toBe(2);
    // Let the background count settle (it resolves at once here), then its result is answered.
    await new Promise(setImmediate);
    expect(await cache.get()).toEqual({ users: 2, transactions: 20 });
  });

  it('keeps the last count when a new one fails', async () => {
    const { wallet, fail } = countingWallet();
    const cache = new StatsCache(wallet, 0);
    await cache.get();
    fail(new Error('database unreachable'));
    expect(await cache.get()).toEqual({ users: 1, transactions: 10 });
    expect(await cache.get()).toEqual({ users: 1, transactions: 10 });
  });

  it('reads the embedded store, whose counts are free, every time', async () => {
    const wallet = start();
    opened.push(() => wallet.stop());
    const cache = new StatsCache(wallet, 3_600_000);
    expect(cache.live).toBe(true);
    expect(await cache.get()).toEqual({ users: 0, transactions: 0 });
    await wallet.createUsers(['alice']);
    expect(await cache.get()).toEqual({ users: 1, transactions: 0 });
  });
});
