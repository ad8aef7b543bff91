import { afterEach, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { Status, type Wallet } from '../../../lib/index.js';
import { buildServer } from '../../../lib/http/index.js';
import { balanceOf, betBody, Ids, setup } from '../../support/helpers.js';
import { onStore, STORE } from '../../support/stores.js';
import { ADMIN_TOKEN, HUB88_PUBLIC, METRICS_TOKEN } from '../../support/http.js';

/** The admin routes and a body each accepts (the toggles take none). */
const ADMIN_ROUTES: ReadonlyArray<readonly [string, unknown]> = [
  ['/admin/users', { users: ['mallory'] }],
  ['/admin/deposit', { user: 'alice', transaction_uuid: '2f1d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b', request_uuid: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', currency: 'USD', amount: 500 }],
  ['/admin/withdraw', { user: 'alice', transaction_uuid: '2f1d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b', request_uuid: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', currency: 'USD', amount: 500 }],
  ['/admin/users/alice/disable', undefined],
  ['/admin/users/alice/enable', undefined],
];

let app: FastifyInstance | undefined;
let wallet: Wallet | undefined;
afterEach(async () => {
  await app?.close();
  await wallet?.stop();
  app = undefined;
  wallet = undefined;
});

/**
 * A service over an engine of this run's store (embedded or PostgreSQL) with alice and bob,
 * verifying Hub88 signatures: the admin routes answer to the bearer token, not to Hub88's key.
 */
async function admin(): Promise<{ app: FastifyInstance; w: Wallet; ids: Ids }> {
  const { w, ids } = await setup(['alice', 'bob']);
  wallet = w;
  app = buildServer({ wallet: w, hub88PublicKey: HUB88_PUBLIC, adminToken: ADMIN_TOKEN, metricsToken: METRICS_TOKEN, logLevel: 'silent' });
  await app.ready();
  return { app, w, ids };
}

/** POSTs as the operator's back office: with the bearer token unless `authorization` says otherwise (`null`: none). */
function post(server: FastifyInstance, url: string, payload?: unknown, authorization: string | null = `Bearer ${ADMIN_TOKEN}`) {
  return server.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...(authorization === null ? {} : { authorization }) },
    ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
  });
}

/** A cashier body for alice; fields can be overridden. */
function cashier(ids: Ids, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { user: 'alice', transaction_uuid: ids.next(), request_uuid: ids.next(), currency: 'USD', amount: 500, ...fields };
}

/** What a refused admin request must leave alone: the counts and the balances. */
async function snapshot(w: Wallet) {
  return { stats: await w.stats(), alice: await balanceOf(w, 'alice'), bob: await balanceOf(w, 'bob') };
}

describe(onStore('every admin route needs the bearer token: 401 with a JSON error otherwise, and nothing changes'), () => {
  const refused = [null, 'Bearer wrong-token-0123456789', ADMIN_TOKEN, `Basic ${ADMIN_TOKEN}`, `Bearer ${ADMIN_TOKEN}x`, 'Bearer '];
  it.each(ADMIN_ROUTES)('refuses %s without the right token', async (url, body) => {
    const { app, w } = await admin();
    for (const authorization of refused) {
      const response = await post(app, url, body, authorization);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ error: expect.any(String) });
    }
    expect(await w.stats()).toEqual({ users: 2, transactions: 0 });
    expect(await balanceOf(w, 'alice')).toBe(100_000);
    // alice was never disabled: her bet goes through.
    expect((await w.handle('bet', betBody(new Ids(), { amount: 0 }))).status).toBe(Status.OK);
  });

  it.each(ADMIN_ROUTES)('answers %s with 404 when the service has no admin token', async (url, body) => {
    const { w } = await setup(['alice']);
    wallet = w;
    app = buildServer({ wallet: w, verifySignatures: false, logLevel: 'silent' });
    expect((await post(app, url, body)).statusCode).toBe(404);
  });
});

describe(onStore('POST /admin/users creates every item of a valid list and nothing of an invalid one'), () => {
  it('creates names and { user, currency, balance } items, answering how many were created and the total', async () => {
    const { app, w } = await admin();
    const response = await post(app, '/admin/users', { users: ['carol', { user: 'dave', currency: 'EUR', balance: 7 }, { user: 'erin' }, 'alice', 'carol'] });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ created: 3, users: 5 });
    expect(await w.balance({ user: 'dave', request_uuid: 'r' })).toMatchObject({ status: Status.OK, currency: 'EUR', balance: 7 });
    expect(await balanceOf(w, 'carol')).toBe(100_000);
    expect(await balanceOf(w, 'erin')).toBe(100_000);
  });

  it('never changes an existing user', async () => {
    const { app, w } = await admin();
    const response = await post(app, '/admin/users', { users: [{ user: 'alice', currency: 'EUR', balance: 1 }] });
    expect(response.json()).toEqual({ created: 0, users: 2 });
    expect(await w.balance({ user: 'alice', request_uuid: 'r' })).toMatchObject({ currency: 'USD', balance: 100_000 });
  });

  it.each([
    ['an empty name', '', /name must not be empty/],
    ['a number', 1, /a user is a name or/],
    ['null', null, /a user is a name or/],
    ['an array', ['frank'], /a user is a name or/],
    ['an empty user', { user: '' }, /user must be a non-empty string/],
    ['a lower-case currency', { user: 'frank', currency: 'usd' }, /currency must be three upper-case letters/],
    ['a four-letter currency', { user: 'frank', currency: 'EURO' }, /currency must be three upper-case letters/],
    ['a negative balance', { user: 'frank', balance: -1 }, /balance must be a non-negative safe integer/],
    ['a fractional balance', { user: 'frank', balance: 1.5 }, /balance must be a non-negative safe integer/],
    ['an unsafe balance', { user: 'frank', balance: 2 ** 53 }, /balance must be a non-negative safe integer/],
    ['a balance in a string', { user: 'frank', balance: '100' }, /balance must be a non-negative safe integer/],
  ])('refuses a list with %s with 400 naming the item, creating none of it', async (_what, item, why) => {
    const { app, w } = await admin();
    const before = await snapshot(w);
    const response = await post(app, '/admin/users', { users: ['carol', item, 'dave'] });
    expect(response.statusCode).toBe(400);
    const error = response.json<{ error: string; index: number }>();
    expect(error.index).toBe(1);
    expect(error.error).toMatch(/^users\[1\]: /);
    expect(error.error).toMatch(why);
    expect(await balanceOf(w, 'carol')).toBeUndefined();
    expect(await snapshot(w)).toEqual(before);
  });

  it.each(['{"users": ["carol",', '', 'users=carol', '[]', '["carol"]', 'null', '"carol"', '{}', '{"users": "carol"}', '{"users": {"0": "carol"}}'])(
    'refuses the body %p with 400',
    async (payload) => {
      const { app, w } = await admin();
      const before = await snapshot(w);
      const response = await post(app, '/admin/users', payload);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ error: expect.any(String) });
      expect(await snapshot(w)).toEqual(before);
    },
  );
});

describe(onStore('POST /admin/deposit and /admin/withdraw answer like a wallet route: HTTP 200 and the engine response'), () => {
  it('credits and debits, answering the new balance', async () => {
    const { app } = await admin();
    const ids = new Ids();
    const deposit = await post(app, '/admin/deposit', cashier(ids, { amount: 2_500 }));
    expect(deposit.statusCode).toBe(200);
    expect(deposit.headers['content-type']).toMatch(/^application\/json/);
    expect(deposit.json()).toMatchObject({ user: 'alice', status: Status.OK, currency: 'USD', balance: 102_500 });
    const withdrawal = await post(app, '/admin/withdraw', cashier(ids, { amount: 10_000 }));
    expect(withdrawal.json()).toMatchObject({ status: Status.OK, balance: 92_500 });
  });

  it('replays a retried deposit byte for byte and credits it once', async () => {
    const { app, w } = await admin();
    const body = cashier(new Ids());
    const first = await post(app, '/admin/deposit', body);
    const again = await post(app, '/admin/deposit', body);
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
    expect(await balanceOf(w, 'alice')).toBe(100_500);
    expect((await w.stats()).transactions).toBe(1);
  });

  it.each([
    ['a negative amount', { amount: -1 }, Status.UNKNOWN],
    ['a fractional amount', { amount: 1.5 }, Status.WRONG_TYPES],
    ['an amount in a string', { amount: '500' }, Status.WRONG_TYPES],
    ['an unsafe amount', { amount: 2 ** 53 }, Status.WRONG_TYPES],
    ["a currency other than the user's", { currency: 'EUR' }, Status.WRONG_CURRENCY],
    ['an unknown user', { user: 'nobody' }, Status.UNKNOWN],
  ])('answers %s with HTTP 200 and its status, changing nothing', async (_what, fields, status) => {
    const { app, w, ids } = await admin();
    const before = await snapshot(w);
    for (const url of ['/admin/deposit', '/admin/withdraw']) {
      const response = await post(app, url, cashier(ids, fields));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ status });
    }
    expect(await snapshot(w)).toEqual(before);
  });

  it('answers a withdrawal past the balance RS_ERROR_NOT_ENOUGH_MONEY with the balance', async () => {
    const { app, w, ids } = await admin();
    const response = await post(app, '/admin/withdraw', cashier(ids, { amount: 100_001 }));
    expect(response.json()).toMatchObject({ status: Status.NOT_ENOUGH_MONEY, balance: 100_000 });
    expect(await balanceOf(w, 'alice')).toBe(100_000);
  });

  it.each(['{"user": "alice",', '', 'amount=500'])('refuses the body %p, which is not JSON, with 400', async (payload) => {
    const { app, w } = await admin();
    const before = await snapshot(w);
    for (const url of ['/admin/deposit', '/admin/withdraw']) {
      const response = await post(app, url, payload);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ error: expect.any(String) });
    }
    expect(await snapshot(w)).toEqual(before);
  });

  it.each(['null', '[1]', '"alice"', '42'])('passes the JSON %p, not an object, to the engine: RS_ERROR_WRONG_SYNTAX', async (payload) => {
    const { app, w } = await admin();
    const before = await snapshot(w);
    for (const url of ['/admin/deposit', '/admin/withdraw']) {
      const response = await post(app, url, payload);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ user: '', status: Status.WRONG_SYNTAX, request_uuid: '' });
    }
    expect(await snapshot(w)).toEqual(before);
  });
});

describe(onStore('POST /admin/users/:user/disable and /enable switch new bets off and on'), () => {
  it("disables a user's new bets and enables them again", async () => {
    const { app, w, ids } = await admin();
    const disabled = await post(app, '/admin/users/alice/disable');
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json()).toEqual({ user: 'alice', disabled: true });
    expect((await w.handle('bet', betBody(ids))).status).toBe(Status.USER_DISABLED);
    // A disabled player is still paid.
    expect((await post(app, '/admin/deposit', cashier(ids))).json()).toMatchObject({ status: Status.OK });

    const enabled = await post(app, '/admin/users/alice/enable', '{}');
    expect(enabled.json()).toEqual({ user: 'alice', disabled: false });
    expect((await w.handle('bet', betBody(ids))).status).toBe(Status.OK);
    expect((await w.handle('bet', betBody(ids, { user: 'bob' }))).status).toBe(Status.OK);
  });

  it.each(['disable', 'enable'])('answers %s of an unknown user with 404 and creates nobody', async (action) => {
    const { app, w } = await admin();
    const before = await snapshot(w);
    const response = await post(app, `/admin/users/nobody/${action}`);
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: expect.stringContaining('nobody') });
    expect(await snapshot(w)).toEqual(before);
  });

  it('decodes the user name from the path', async () => {
    const { app, w, ids } = await admin();
    await post(app, '/admin/users', { users: ['ana maría'] });
    const response = await post(app, `/admin/users/${encodeURIComponent('ana maría')}/disable`);
    expect(response.json()).toEqual({ user: 'ana maría', disabled: true });
    expect((await w.handle('bet', betBody(ids, { user: 'ana maría' }))).status).toBe(Status.USER_DISABLED);
  });
});

describe(onStore("GET /healthz and the /metrics gauges do not count the store's tables on every call"), () => {
  const gauge = async (server: FastifyInstance, name: string): Promise<number | undefined> => {
    const scrape = await server.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const line = scrape.body.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.slice(name.length + 1));
  };

  it('gives counts on /healthz with the embedded store only, and current ones on /metrics', async () => {
    const { app, w } = await admin();
    const health = (await app.inject({ method: 'GET', url: '/healthz' })).json<Record<string, unknown>>();
    expect(health).toEqual(STORE !== 'postgres' ? { status: 'ok', store: 'memory', users: 2, transactions: 0 } : { status: 'ok', store: 'postgres' });
    expect(await gauge(app, 'exwallet_users')).toBe(2);
    await w.createUsers(['carol']);
    // PostgreSQL's count is reused for 10 s; the embedded store's is always current.
    expect(await gauge(app, 'exwallet_users')).toBe(STORE !== 'postgres' ? 3 : 2);
  });
});
