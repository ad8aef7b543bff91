/**
 * The back office's HTTP routes (issue 23) on this run's store: each behind the admin token,
 * JSON unless `.csv`, CSV as RFC 4180 with a header row, reconciliation from a CSV body, and the
 * support page's files.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { Status, start as startEngine, type Wallet } from '../../lib/index.js';
import { buildServer } from '../../lib/http/index.js';
import { CSV_COLUMNS } from '../../lib/http/backoffice.js';
import { onStore, start, STORE } from '../support/stores.js';
import { testServerUrl } from '../../test-support/postgres.js';

const TOKEN = 'back-office-token-0123456789abcdef';
const T0 = Date.UTC(2026, 4, 20, 8, 0, 0);
const AUTH = { authorization: `Bearer ${TOKEN}` };

let app: FastifyInstance | undefined;
let wallet: Wallet | undefined;
afterEach(async () => {
  await app?.close();
  await wallet?.stop();
  app = undefined;
  wallet = undefined;
});

function uuid(tag: number, n: number): string {
  return `00000000-${tag.toString(16).padStart(4, '0')}-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

let serial = 0;
let now = T0;

/** A service over an engine of this run's store (clock `now`) with alice and bob, and the admin token. */
async function service(retentionDays?: number): Promise<{ app: FastifyInstance; w: Wallet }> {
  now = T0;
  const clock = (): number => now;
  const retention = retentionDays === undefined ? {} : { retentionDays };
  const w = STORE === 'postgres' ? startEngine({ database: { url: testServerUrl(), schema: `bo_http_${randomBytes(6).toString('hex')}`, poolSize: 2, clock, ...retention } }) : start({ clock, ...retention });
  wallet = w;
  await w.createUsers(['alice', 'bob']);
  app = buildServer({ wallet: w, adminToken: TOKEN, verifySignatures: false, logLevel: 'silent' });
  await app.ready();
  return { app, w };
}

async function bet(w: Wallet, user: string, amount: number, extra: Record<string, unknown> = {}): Promise<string> {
  serial += 1;
  const id = uuid(1, serial);
  const response = await w.bet({ user, transaction_uuid: id, request_uuid: uuid(2, serial), currency: 'USD', amount, ...extra } as never);
  expect(response.status).toBe(Status.OK);
  now += 1_000;
  return id;
}

async function get(server: FastifyInstance, url: string, headers: Record<string, string> = AUTH) {
  return server.inject({ method: 'GET', url, headers });
}

describe(onStore('every back-office route asks for the admin token'), () => {
  it('answers 401 without it or with another, and serves the page itself without one', async () => {
    const { app: server } = await service();
    const routes = ['/admin/transactions/' + uuid(1, 1), '/admin/users/alice/transactions', '/admin/users/alice/transactions.csv', '/admin/rounds/r1', '/admin/rounds?status=open', '/admin/reports/daily?date=2026-05-20', '/admin/reports/transactions.csv'];
    for (const url of routes) {
      expect((await get(server, url, {})).statusCode).toBe(401);
      expect((await get(server, url, { authorization: 'Bearer not-the-token-at-all-000' })).statusCode).toBe(401);
    }
    expect((await server.inject({ method: 'POST', url: '/admin/reconcile', payload: 'transaction_uuid,kind,user,amount,currency\n' })).statusCode).toBe(401);
    expect((await get(server, '/admin/ui', {})).statusCode).toBe(200);
  });
});

describe(onStore('GET /admin/transactions/:transaction_uuid answers the record'), () => {
  it('finds an id in either case, with created_at in ISO-8601 UTC; 404 for an unknown one', async () => {
    const { app: server, w } = await service();
    const id = await bet(w, 'alice', 25, { round: 'r1', game_code: 'g1' });
    const found = await get(server, `/admin/transactions/${id.toUpperCase()}`);
    expect(found.statusCode).toBe(200);
    expect(found.json()).toMatchObject({ transaction_uuid: id, kind: 'bet', user: 'alice', amount: 25, currency: 'USD', balance: 99_975, round: 'r1', game_code: 'g1', state: 'open', created_at: new Date(T0).toISOString() });
    expect((await get(server, `/admin/transactions/${uuid(9, 9)}`)).statusCode).toBe(404);
    expect((await get(server, '/admin/transactions/nonsense')).statusCode).toBe(404);
  });
});

describe(onStore("GET /admin/users/:user/transactions pages a user's history"), () => {
  it('answers { items, next_cursor } newest first, follows the cursor to a null one, 404 for an unknown user, 400 naming a bad parameter', async () => {
    const { app: server, w } = await service();
    const made = [await bet(w, 'alice', 1), await bet(w, 'alice', 2), await bet(w, 'alice', 3)];
    const first = await get(server, '/admin/users/alice/transactions?limit=2');
    expect(first.statusCode).toBe(200);
    const page = first.json<{ items: Array<{ transaction_uuid: string }>; next_cursor: string }>();
    expect(page.items.map((r) => r.transaction_uuid)).toEqual([made[2], made[1]]);
    const second = (await get(server, `/admin/users/alice/transactions?limit=2&cursor=${encodeURIComponent(page.next_cursor)}`)).json<{ items: Array<{ transaction_uuid: string }>; next_cursor: null }>();
    expect(second).toEqual({ items: [expect.objectContaining({ transaction_uuid: made[0] })], next_cursor: null });
    expect((await get(server, '/admin/users/alice/transactions?kind=win')).json()).toEqual({ items: [], next_cursor: null });
    expect((await get(server, '/admin/users/nobody/transactions')).statusCode).toBe(404);
    for (const [query, parameter] of [['limit=5000', 'limit'], ['kind=jackpot', 'kind'], ['from=soon', 'from'], ['cursor=@@', 'cursor']] as const) {
      const refused = await get(server, `/admin/users/alice/transactions?${query}`);
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({ parameter });
    }
  });
});

describe(onStore('GET /admin/rounds/:round answers a round'), () => {
  it('answers the totals and transactions, 400 when users share the value and none is named, 404 for none', async () => {
    const { app: server, w } = await service();
    await bet(w, 'alice', 10, { round: 'shared' });
    await bet(w, 'bob', 20, { round: 'shared' });
    await bet(w, 'alice', 5, { round: 'solo', round_closed: true });
    const solo = (await get(server, '/admin/rounds/solo')).json();
    expect(solo).toMatchObject({ round: 'solo', user: 'alice', status: 'closed', bet_amount: 5, win_amount: 0, refunded_amount: 0, first_at: new Date(T0 + 2_000).toISOString(), last_at: new Date(T0 + 2_000).toISOString() });
    expect(Object.keys(solo as object)).toEqual(['round', 'user', 'status', 'bet_amount', 'win_amount', 'refunded_amount', 'first_at', 'last_at', 'transactions']);
    const ambiguous = await get(server, '/admin/rounds/shared');
    expect(ambiguous.statusCode).toBe(400);
    expect(ambiguous.json()).toMatchObject({ parameter: 'user' });
    expect((await get(server, '/admin/rounds/shared?user=bob')).json()).toMatchObject({ user: 'bob', bet_amount: 20 });
    expect((await get(server, '/admin/rounds/none')).statusCode).toBe(404);
  });
});

describe(onStore('GET /admin/rounds?status=open lists stuck rounds'), () => {
  it('answers open rounds idle for idle_minutes, with a cursor', async () => {
    const { app: server, w } = await service();
    await bet(w, 'alice', 10, { round: 'a' });
    await bet(w, 'bob', 10, { round: 'b' });
    now += 90 * 60_000;
    await bet(w, 'alice', 10, { round: 'c' });
    const page = (await get(server, '/admin/rounds?status=open&idle_minutes=60&limit=1')).json<{ items: Array<{ round: string }>; next_cursor: string }>();
    expect(page.items.map((r) => r.round)).toEqual(['a']);
    const rest = (await get(server, `/admin/rounds?status=open&idle_minutes=60&limit=1&cursor=${encodeURIComponent(page.next_cursor)}`)).json();
    expect(rest).toMatchObject({ items: [{ round: 'b', user: 'bob', status: 'open', bet_amount: 10 }], next_cursor: null });
    expect((await get(server, '/admin/rounds?status=open&idle_minutes=-1')).statusCode).toBe(400);
  });
});

describe(onStore('GET /admin/reports/daily totals a UTC day'), () => {
  it('answers per currency with ggr, and 400 for a bad date', async () => {
    const { app: server, w } = await service();
    await bet(w, 'alice', 100);
    await bet(w, 'bob', 40, { is_free: true });
    const report = (await get(server, '/admin/reports/daily?date=2026-05-20')).json();
    expect(report).toEqual({
      date: '2026-05-20',
      currencies: [{ currency: 'USD', bets: { count: 2, amount: 140 }, wins: { count: 0, amount: 0 }, refunds: { count: 0, amount: 0 }, deposits: { count: 0, amount: 0 }, withdrawals: { count: 0, amount: 0 }, free_bets: { count: 1 }, ggr: 140 }],
    });
    const refused = await get(server, '/admin/reports/daily?date=20-05-2026');
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ parameter: 'date' });
  });
});

describe(onStore('the CSV routes answer RFC 4180 with a header row'), () => {
  it('exports a user\'s history and a period, quoting what needs it, with CRLF line ends', async () => {
    const { app: server, w } = await service();
    const a = await bet(w, 'alice', 7, { round: 'has "quotes", commas\nand a line' });
    const b = await bet(w, 'bob', 8);
    now += 3_600_000;
    const c = await bet(w, 'alice', 9);
    const user = await get(server, '/admin/users/alice/transactions.csv');
    expect(user.statusCode).toBe(200);
    expect(user.headers['content-type']).toMatch(/^text\/csv/);
    expect(user.body.startsWith(`${CSV_COLUMNS.join(',')}\r\n`)).toBe(true);
    const rows = parse(user.body, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.transaction_uuid)).toEqual([c, a]);
    expect(rows[1]).toMatchObject({ round: 'has "quotes", commas\nand a line', amount: '7', is_free: 'false', state: 'open', reference_transaction_uuid: '' });
    expect((await get(server, '/admin/users/nobody/transactions.csv')).statusCode).toBe(404);
    const period = await get(server, `/admin/reports/transactions.csv?from=${new Date(T0).toISOString()}&to=${T0 + 3_600_000}`);
    expect((parse(period.body, { columns: true }) as Array<Record<string, string>>).map((r) => r.transaction_uuid).sort()).toEqual([a, b].sort());
    expect((await get(server, '/admin/reports/transactions.csv?from=later')).statusCode).toBe(400);
  });
});

describe(onStore("POST /admin/reconcile compares an aggregator's CSV"), () => {
  it('lists exactly the injected differences, and refuses a file without the required columns', async () => {
    const { app: server, w } = await service();
    const a = await bet(w, 'alice', 10);
    const b = await bet(w, 'bob', 20);
    const c = await bet(w, 'alice', 30);
    const extra = uuid(7, 7);
    const csv = ['currency,amount,user,kind,transaction_uuid,note', `USD,10,alice,bet,${a},x`, `USD,21,bob,bet,${b},"y, z"`, `USD,1,alice,bet,${extra},`].join('\r\n');
    const answer = await server.inject({ method: 'POST', url: '/admin/reconcile', headers: { ...AUTH, 'content-type': 'text/csv' }, payload: csv });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ matched: 1, missing_in_wallet: [extra], missing_in_file: [c], mismatched: [{ transaction_uuid: b, differences: [{ field: 'amount', wallet: 20, file: '21' }] }] });
    const refused = await server.inject({ method: 'POST', url: '/admin/reconcile', headers: { ...AUTH, 'content-type': 'text/csv' }, payload: 'transaction_uuid,kind\r\nx,bet' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ parameter: 'file' });
  });
});

describe(onStore('GET /admin/ui serves the support page with no secret in it'), () => {
  it('serves the page, its script and its style, with a policy that allows nothing from elsewhere', async () => {
    const { app: server } = await service();
    const page = await get(server, '/admin/ui', {});
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.body).not.toContain(TOKEN);
    expect(page.body).toContain('/admin/ui/app.js');
    const script = await get(server, '/admin/ui/app.js', {});
    expect(script.statusCode).toBe(200);
    expect(script.body).toContain('sessionStorage');
    expect(script.body).not.toMatch(/https?:\/\//);
    expect((await get(server, '/admin/ui/style.css', {})).statusCode).toBe(200);
    expect((await get(server, '/admin/ui/secret.txt', {})).statusCode).toBe(404);
  });
});

describe(onStore('records dropped by retention are gone from every route'), () => {
  it('answers 404 for a dropped id and round, and leaves them out of pages, reports and CSV', async () => {
    const { app: server, w } = await service(1);
    const gone = await bet(w, 'alice', 10, { round: 'old' });
    serial += 1;
    const paid = uuid(1, serial);
    expect((await w.win({ user: 'alice', transaction_uuid: paid, request_uuid: uuid(2, serial), reference_transaction_uuid: gone, currency: 'USD', amount: 1, round: 'old' } as never)).status).toBe(Status.OK);
    now += 3 * 86_400_000;
    const kept = await bet(w, 'alice', 20, { round: 'new' });
    expect(await w.purge()).toBe(2);
    expect((await get(server, `/admin/transactions/${gone}`)).statusCode).toBe(404);
    expect((await get(server, `/admin/transactions/${paid}`)).statusCode).toBe(404);
    expect((await get(server, '/admin/rounds/old')).statusCode).toBe(404);
    expect((await get(server, '/admin/users/alice/transactions')).json()).toEqual({ items: [expect.objectContaining({ transaction_uuid: kept })], next_cursor: null });
    expect((await get(server, '/admin/reports/daily?date=2026-05-20')).json()).toEqual({ date: '2026-05-20', currencies: [] });
    const csv = parse((await get(server, '/admin/reports/transactions.csv')).body, { columns: true }) as Array<Record<string, string>>;
    expect(csv.map((r) => r.transaction_uuid)).toEqual([kept]);
    expect((await get(server, '/admin/rounds?status=open&idle_minutes=0')).json()).toMatchObject({ items: [{ round: 'new' }] });
  });
});
