/**
 * The operator's routes for sessions, player information and limits (SPEC 10-12), and Hub88's
 * `POST /user/info`, over HTTP: status codes, the bearer token, the signature check, and that a
 * refused request changes nothing.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { verify } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Status, type Wallet, type WalletOptions } from '../../../lib/index.js';
import { buildServer } from '../../../lib/http/index.js';
import { betBody, Ids } from '../../support/helpers.js';
import { onStore, start } from '../../support/stores.js';
import { freePort } from '../../../test-support/postgres.js';
import { ADMIN_TOKEN, HUB88_PUBLIC, INTRUDER_PRIVATE, LogLines, METRICS_TOKEN, OPERATOR_PRIVATE, OPERATOR_PUBLIC, signedPost } from '../../support/http.js';

/** The clock of every engine here: Friday 4 December 2026, 20:00 UTC. */
const NOW = Date.UTC(2026, 11, 4, 20, 0, 0);
const DAY = 86_400_000;
const TOKEN = /^[A-Za-z0-9_-]{32,64}$/;

const opened: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});

/**
 * A service over an engine of this run's store with alice and bob, its clock at {@link NOW}
 * (or as `time` says), verifying Hub88 signatures and signing responses.
 */
async function serve(options: WalletOptions = {}, time: { now: number } = { now: NOW }): Promise<{ app: FastifyInstance; w: Wallet; logs: LogLines }> {
  const w = start({ clock: () => time.now, ...options });
  await w.createUsers(['alice', 'bob']);
  const logs = new LogLines();
  const app = buildServer({ wallet: w, hub88PublicKey: HUB88_PUBLIC, privateKey: OPERATOR_PRIVATE, adminToken: ADMIN_TOKEN, metricsToken: METRICS_TOKEN, logDestination: logs });
  opened.push(async () => {
    await app.close();
    await w.stop();
  });
  await app.ready();
  return { app, w, logs };
}

type Method = 'POST' | 'PUT' | 'GET' | 'DELETE';

/** A request of the operator's back office: with the bearer token unless `authorization` says otherwise (`null`: none). */
function admin(app: FastifyInstance, method: Method, url: string, payload?: unknown, authorization: string | null = `Bearer ${ADMIN_TOKEN}`) {
  return app.inject({
    method,
    url,
    headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...(authorization === null ? {} : { authorization }) },
    ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
  });
}

async function openSession(app: FastifyInstance, body: unknown): Promise<{ token: string; expires_at: string }> {
  const response = await admin(app, 'POST', '/admin/sessions', body);
  expect(response.statusCode).toBe(201);
  return response.json();
}

/** What Hub88's `POST /user/info` answers for alice now. */
async function infoOf(app: FastifyInstance, user = 'alice'): Promise<Record<string, unknown>> {
  const response = await signedPost(app, '/user/info', { user, request_uuid: 'info-request' });
  expect(response.statusCode).toBe(200);
  return response.json();
}

async function limitsOf(app: FastifyInstance, user = 'alice'): Promise<unknown> {
  const response = await admin(app, 'GET', `/admin/users/${user}/limits`);
  expect(response.statusCode).toBe(200);
  return response.json();
}

const NO_LIMITS = { wager_day: null, wager_week: null, wager_month: null, loss_day: null, loss_week: null, loss_month: null };
const NO_USAGE = { wager_day: 0, wager_week: 0, wager_month: 0, loss_day: 0, loss_week: 0, loss_month: 0 };

/** Each new admin route, with a body it accepts. */
const ROUTES: ReadonlyArray<readonly [Method, string, unknown]> = [
  ['POST', '/admin/sessions', { user: 'alice' }],
  ['DELETE', '/admin/sessions/abcdefghijklmnopqrstuvwxyz012345', undefined],
  ['PUT', '/admin/users/alice/info', { country: 'EE' }],
  ['PUT', '/admin/users/alice/limits', { wager_day: 1_000 }],
  ['GET', '/admin/users/alice/limits', undefined],
];

describe(onStore('every session, info and limits route needs the admin bearer token: 401 otherwise, and nothing changes'), () => {
  const refused = [null, 'Bearer wrong-token-0123456789', ADMIN_TOKEN, `Bearer ${METRICS_TOKEN}`, 'Bearer '];

  it.each(ROUTES)('refuses %s %s without the right token', async (method, url, body) => {
    const { app } = await serve();
    for (const authorization of refused) {
      const response = await admin(app, method, url, body, authorization);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ error: expect.any(String) });
    }
    expect(await infoOf(app)).toEqual({ user: 'alice', status: Status.OK, request_uuid: 'info-request' });
    expect(await limitsOf(app)).toEqual({ user: 'alice', limits: NO_LIMITS, pending: {}, usage: NO_USAGE });
  });

  it.each(ROUTES)('answers %s %s with 404 when the service has no admin token', async (method, url, body) => {
    const w = start();
    await w.createUsers(['alice']);
    const app = buildServer({ wallet: w, verifySignatures: false, logLevel: 'silent' });
    opened.push(async () => {
      await app.close();
      await w.stop();
    });
    expect((await admin(app, method, url, body)).statusCode).toBe(404);
  });
});

describe(onStore('POST /admin/sessions opens a session: 201 with it, 400 naming a bad field, 404 for an unknown user'), () => {
  it('answers 201 with token, user, currency, game_code and expires_at, in that order', async () => {
    const { app } = await serve();
    const response = await admin(app, 'POST', '/admin/sessions', { user: 'alice', game_code: 'slots-7', ttl_seconds: 600 });
    expect(response.statusCode).toBe(201);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const session = response.json<Record<string, unknown>>();
    expect(Object.keys(session)).toEqual(['token', 'user', 'currency', 'game_code', 'expires_at']);
    expect(session).toEqual({ token: expect.stringMatching(TOKEN), user: 'alice', currency: 'USD', game_code: 'slots-7', expires_at: new Date(NOW + 600_000).toISOString() });
  });

  it('lasts 14,400 seconds by default, and gives every session a token of its own', async () => {
    const { app } = await serve();
    const first = await openSession(app, { user: 'alice' });
    const second = await openSession(app, { user: 'alice' });
    expect(first.expires_at).toBe(new Date(NOW + 14_400_000).toISOString());
    expect(first).not.toHaveProperty('game_code');
    expect(second.token).not.toBe(first.token);
  });

  it.each([
    [{ user: 'alice', ttl_seconds: 59 }, 'ttl_seconds'],
    [{ user: 'alice', ttl_seconds: 604_801 }, 'ttl_seconds'],
    [{ user: 'alice', ttl_seconds: 600.5 }, 'ttl_seconds'],
    [{ user: 'alice', ttl_seconds: '600' }, 'ttl_seconds'],
    [{ user: 'alice', game_code: 'g'.repeat(256) }, 'game_code'],
    [{ user: 'alice', game_code: 7 }, 'game_code'],
    [{ user: 42 }, 'user'],
    [{}, 'user'],
  ])('answers 400 naming the field for %j, and opens nothing', async (body, field) => {
    const { app } = await serve({ requireToken: true });
    const response = await admin(app, 'POST', '/admin/sessions', body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: expect.stringContaining(field), field });
  });

  it.each([['not json'], ['[]'], ['"alice"'], ['null']])('answers 400 for the body %s, which is not a JSON object', async (body) => {
    const { app } = await serve();
    const response = await admin(app, 'POST', '/admin/sessions', body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: expect.any(String) });
  });

  it('answers 404 for a user nobody created', async () => {
    const { app } = await serve();
    const response = await admin(app, 'POST', '/admin/sessions', { user: 'carol' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: expect.stringContaining('carol') });
  });
});

describe(onStore('DELETE /admin/sessions/:token closes a session: 204, then 404 for it as for any unknown token'), () => {
  it('closes the session: its token no longer lets a bet through', async () => {
    const { app } = await serve({ requireToken: true });
    const ids = new Ids();
    const { token } = await openSession(app, { user: 'alice' });
    expect((await signedPost(app, '/transaction/bet', betBody(ids, { token }))).json()).toMatchObject({ status: Status.OK });
    const closed = await admin(app, 'DELETE', `/admin/sessions/${token}`);
    expect(closed.statusCode).toBe(204);
    expect(closed.body).toBe('');
    expect((await signedPost(app, '/transaction/bet', betBody(ids, { token }))).json()).toMatchObject({ status: Status.INVALID_TOKEN });
    expect((await admin(app, 'DELETE', `/admin/sessions/${token}`)).statusCode).toBe(404);
  });

  it('answers 404 with a JSON error for a token it never issued', async () => {
    const { app } = await serve();
    const response = await admin(app, 'DELETE', '/admin/sessions/abcdefghijklmnopqrstuvwxyz012345');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: expect.any(String) });
  });
});

describe(onStore('PUT /admin/users/:user/info replaces the player information: 200 with it, 400 naming a bad field, 404'), () => {
  const full = {
    country: 'EE',
    jurisdiction: 'MGA',
    sub_partner_id: 'partner-9',
    birth_date: '1990-05-17',
    registration_date: '2026-01-02',
    tags: ['vip', 'sports'],
    sex: 'FEMALE',
    affiliate_id: 'aff-3',
  };

  it('answers 200 with the info stored, which POST /user/info then answers after the status', async () => {
    const { app } = await serve();
    const response = await admin(app, 'PUT', '/admin/users/alice/info', full);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(full);
    const info = await infoOf(app);
    expect(info).toEqual({ user: 'alice', status: Status.OK, request_uuid: 'info-request', ...full });
    expect(Object.keys(info)).toEqual(['user', 'status', 'request_uuid', ...Object.keys(full)]);
  });

  it('replaces the whole info: a field left out is gone', async () => {
    const { app } = await serve();
    await admin(app, 'PUT', '/admin/users/alice/info', full);
    const response = await admin(app, 'PUT', '/admin/users/alice/info', { country: 'LV' });
    expect(response.json()).toEqual({ country: 'LV' });
    expect(await infoOf(app)).toEqual({ user: 'alice', status: Status.OK, request_uuid: 'info-request', country: 'LV' });
  });

  it.each([
    [{ country: 'Estonia' }, 'country'],
    [{ birth_date: '1990-5-17' }, 'birth_date'],
    [{ sex: 'OTHER' }, 'sex'],
    [{ jurisdiction: 'j'.repeat(65) }, 'jurisdiction'],
    [{ tags: ['a', 'b', 'c', 4] }, 'tags[3]'],
    [{ tags: Array.from({ length: 33 }, (_, i) => `tag-${i}`) }, 'tags'],
    [{ nickname: 'ally' }, 'nickname'],
  ])('answers 400 naming the field for %j, and the stored info stays as it was', async (body, field) => {
    const { app } = await serve();
    await admin(app, 'PUT', '/admin/users/alice/info', { country: 'EE' });
    const response = await admin(app, 'PUT', '/admin/users/alice/info', body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: expect.any(String), field });
    expect(await infoOf(app)).toEqual({ user: 'alice', status: Status.OK, request_uuid: 'info-request', country: 'EE' });
  });

  it('answers 400 for a body that is not a JSON object, and 404 for a user nobody created', async () => {
    const { app } = await serve();
    expect((await admin(app, 'PUT', '/admin/users/alice/info', '["EE"]')).statusCode).toBe(400);
    expect((await admin(app, 'PUT', '/admin/users/alice/info', '{')).statusCode).toBe(400);
    const unknown = await admin(app, 'PUT', '/admin/users/carol/info', { country: 'EE' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: expect.stringContaining('carol') });
  });
});

describe(onStore('PUT and GET /admin/users/:user/limits: 200 with the limits report, 400 naming a bad field, 404'), () => {
  it('reports no limit, nothing pending and no usage for a new user', async () => {
    const { app } = await serve();
    expect(await limitsOf(app)).toEqual({ user: 'alice', limits: NO_LIMITS, pending: {}, usage: NO_USAGE });
  });

  it('applies a first limit at once: a signed bet past it is refused with RS_ERROR_LIMIT_REACHED, one within it is served', async () => {
    const { app } = await serve();
    const ids = new Ids();
    const response = await admin(app, 'PUT', '/admin/users/alice/limits', { wager_day: 1_000 });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ user: 'alice', limits: { ...NO_LIMITS, wager_day: 1_000 }, pending: {}, usage: NO_USAGE });
    expect((await signedPost(app, '/transaction/bet', betBody(ids, { amount: 600 }))).json()).toMatchObject({ status: Status.OK, balance: 99_400 });
    expect((await signedPost(app, '/transaction/bet', betBody(ids, { amount: 401 }))).json()).toMatchObject({ status: Status.LIMIT_REACHED, balance: 99_400 });
    expect(await limitsOf(app)).toMatchObject({ usage: { wager_day: 600, wager_week: 600, wager_month: 600, loss_day: 600 } });
  });

  it('holds a raise for 24 hours: the report shows it pending with the time it applies', async () => {
    const time = { now: NOW };
    const { app } = await serve({}, time);
    await admin(app, 'PUT', '/admin/users/alice/limits', { loss_week: 1_000 });
    time.now += 60_000;
    const raised = await admin(app, 'PUT', '/admin/users/alice/limits', { loss_week: 5_000, wager_month: 9_000 });
    expect(raised.statusCode).toBe(200);
    expect(raised.json()).toEqual({
      user: 'alice',
      limits: { ...NO_LIMITS, loss_week: 1_000, wager_month: 9_000 },
      pending: { loss_week: { value: 5_000, applies_at: new Date(NOW + 60_000 + DAY).toISOString() } },
      usage: NO_USAGE,
    });
    time.now += DAY;
    expect(await limitsOf(app)).toEqual({ user: 'alice', limits: { ...NO_LIMITS, loss_week: 5_000, wager_month: 9_000 }, pending: {}, usage: NO_USAGE });
  });

  it.each([
    [{ wager_day: -1 }, 'wager_day'],
    [{ loss_month: 1.5 }, 'loss_month'],
    [{ wager_week: '100' }, 'wager_week'],
    [{ wager_week: 2 ** 53 }, 'wager_week'],
    [{ daily: 100 }, 'daily'],
  ])('answers 400 naming the field for %j, and the limits stay as they were', async (body, field) => {
    const { app } = await serve();
    await admin(app, 'PUT', '/admin/users/alice/limits', { wager_day: 1_000 });
    const response = await admin(app, 'PUT', '/admin/users/alice/limits', { loss_day: 5, ...body });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: expect.any(String), field });
    expect(await limitsOf(app)).toEqual({ user: 'alice', limits: { ...NO_LIMITS, wager_day: 1_000 }, pending: {}, usage: NO_USAGE });
  });

  it('answers 400 for a body that is not a JSON object, and 404 on both methods for a user nobody created', async () => {
    const { app } = await serve();
    expect((await admin(app, 'PUT', '/admin/users/alice/limits', '[1000]')).statusCode).toBe(400);
    expect((await admin(app, 'PUT', '/admin/users/alice/limits', 'wager_day=1000')).statusCode).toBe(400);
    for (const method of ['PUT', 'GET'] as const) {
      const response = await admin(app, method, '/admin/users/carol/limits', method === 'PUT' ? { wager_day: 1 } : undefined);
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({ error: expect.stringContaining('carol') });
    }
  });
});

describe(onStore("POST /user/info checks Hub88's signature like every Hub88 route, and answers HTTP 200 with a status"), () => {
  it('refuses an unsigned request and one signed with another key with RS_ERROR_INVALID_SIGNATURE, telling nothing of the player', async () => {
    const { app } = await serve();
    await admin(app, 'PUT', '/admin/users/alice/info', { country: 'EE' });
    const body = { user: 'alice', request_uuid: 'r-1' };
    const unsigned = await app.inject({ method: 'POST', url: '/user/info', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const intruder = await signedPost(app, '/user/info', body, INTRUDER_PRIVATE);
    for (const response of [unsigned, intruder]) {
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ user: 'alice', status: Status.INVALID_SIGNATURE, request_uuid: 'r-1' });
    }
  });

  it("signs its answer with the operator's key", async () => {
    const { app } = await serve();
    const response = await signedPost(app, '/user/info', { user: 'alice', request_uuid: 'r-1' });
    const signature = response.headers['x-hub88-signature'];
    expect(typeof signature).toBe('string');
    expect(verify('sha256', Buffer.from(response.body), OPERATOR_PUBLIC, Buffer.from(signature as string, 'base64'))).toBe(true);
  });

  it('answers RS_ERROR_WRONG_SYNTAX for a signed body that is not an object or not JSON, and RS_ERROR_UNKNOWN for an unknown user', async () => {
    const { app } = await serve();
    expect((await signedPost(app, '/user/info', '{')).json()).toEqual({ user: '', status: Status.WRONG_SYNTAX, request_uuid: '' });
    expect((await signedPost(app, '/user/info', '[1]')).json()).toEqual({ user: '', status: Status.WRONG_SYNTAX, request_uuid: '' });
    expect((await signedPost(app, '/user/info', { user: 'carol', request_uuid: 'r-2' })).json()).toEqual({ user: 'carol', status: Status.UNKNOWN, request_uuid: 'r-2' });
  });

  it('answers RS_OK with no info fields for a user without info, and checks no token even when tokens are required', async () => {
    const { app } = await serve({ requireToken: true });
    expect(await infoOf(app, 'bob')).toEqual({ user: 'bob', status: Status.OK, request_uuid: 'info-request' });
  });
});

describe(onStore('a store that cannot commit answers 503 on the routes that change or read it'), () => {
  it.each(ROUTES)('%s %s answers 503 with a JSON error while the database cannot be reached', async (method, url, body) => {
    const port = await freePort();
    const w = start({ database: { url: `postgres://postgres@127.0.0.1:${port}/wallet`, commitTimeout: 1_000 } });
    const app = buildServer({ wallet: w, verifySignatures: false, adminToken: ADMIN_TOKEN, logLevel: 'silent' });
    opened.push(async () => {
      await app.close();
      await w.stop();
    });
    const response = await admin(app, method, url, body);
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ error: expect.stringMatching(/^the store cannot serve/) });
  });
});
