import { afterEach, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { Status } from '../../../lib/index.js';
import { buildServer, DEFAULT_BODY_LIMIT, signatureVerifier } from '../../../lib/http/index.js';
import { betBody, Ids, rollbackBody, uuid, winBody } from '../../support/helpers.js';
import { ADMIN_TOKEN, OPERATOR_PUBLIC, service, signedPost } from '../../support/http.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('each wallet route calls its engine operation and answers HTTP 200 with JSON', () => {
  it('serves balance, bet, win and rollback', async () => {
    const ready = await service();
    app = ready.app;
    const ids = new Ids();
    const bet = betBody(ids, { amount: 1000 });
    const win = winBody(ids, bet.transaction_uuid as string, { amount: 3000 });
    const second = betBody(ids, { amount: 500 });
    const steps: Array<[string, unknown, number]> = [
      ['/user/balance', { user: 'alice', request_uuid: uuid(1) }, 100_000],
      ['/transaction/bet', bet, 99_000],
      ['/transaction/win', win, 102_000],
      ['/transaction/bet', second, 101_500],
      ['/transaction/rollback', rollbackBody(ids, second.transaction_uuid as string), 102_000],
    ];
    for (const [url, body, balance] of steps) {
      const response = await signedPost(app, url, body);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.json()).toEqual({
        user: 'alice',
        status: Status.OK,
        request_uuid: (body as { request_uuid: string }).request_uuid,
        currency: 'USD',
        balance,
      });
    }
  });

  it('answers engine errors with HTTP 200 and their status', async () => {
    const ready = await service();
    app = ready.app;
    const response = await signedPost(app, '/transaction/bet', betBody(new Ids(), { amount: 10 ** 9 }));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: Status.NOT_ENOUGH_MONEY, balance: 100_000 });
  });

  it('replays a retried request byte for byte', async () => {
    const ready = await service();
    app = ready.app;
    const bet = betBody(new Ids());
    const first = await signedPost(app, '/transaction/bet', bet);
    const again = await signedPost(app, '/transaction/bet', bet);
    expect(again.body).toBe(first.body);
    expect(ready.wallet.transactionCount).toBe(1);
  });
});

describe('responses are signed with the operator key when one is configured', () => {
  it('signs the exact response body', async () => {
    const ready = await service();
    app = ready.app;
    const response = await signedPost(app, '/transaction/bet', betBody(new Ids()));
    const verify = signatureVerifier(OPERATOR_PUBLIC);
    const signature = String(response.headers['x-hub88-signature']);
    expect(await verify(Buffer.from(response.body), signature)).toBe(true);
    expect(await verify(Buffer.from(`${response.body} `), signature)).toBe(false);
  });

  it('sends no signature without a private key', async () => {
    const ready = await service({ privateKey: undefined as never });
    app = ready.app;
    const response = await signedPost(app, '/user/balance', { user: 'alice', request_uuid: uuid(1) });
    expect(response.headers['x-hub88-signature']).toBeUndefined();
  });
});

describe('malformed JSON answers RS_ERROR_WRONG_SYNTAX', () => {
  it.each(['{"user": "alice",', '', 'not json', '{"user":"alice"}}'])('refuses %p', async (payload) => {
    const ready = await service();
    app = ready.app;
    const response = await signedPost(app, '/transaction/bet', payload);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ user: '', status: Status.WRONG_SYNTAX, request_uuid: '' });
  });

  it('passes JSON that is not an object to the engine', async () => {
    const ready = await service();
    app = ready.app;
    for (const payload of ['null', '[1,2]', '"alice"', '42']) {
      expect((await signedPost(app, '/transaction/win', payload)).json()).toMatchObject({ status: Status.WRONG_SYNTAX });
    }
  });

  it('keeps a __proto__ key as plain data', async () => {
    const ready = await service();
    app = ready.app;
    const payload = JSON.stringify(betBody(new Ids())).replace('{', '{"__proto__":{"amount":1},');
    expect((await signedPost(app, '/transaction/bet', payload)).json()).toMatchObject({ status: Status.OK, balance: 99_900 });
  });
});

describe('request limits and unknown routes', () => {
  it('refuses a body over the limit with HTTP 413 and changes nothing', async () => {
    const ready = await service({ bodyLimit: 1024 });
    app = ready.app;
    const bet = betBody(new Ids(), { meta: 'x'.repeat(2048) });
    const response = await signedPost(app, '/transaction/bet', bet);
    expect(response.statusCode).toBe(413);
    expect(ready.wallet.transactionCount).toBe(0);
  });

  it('defaults the limit to 1 MiB', () => {
    expect(DEFAULT_BODY_LIMIT).toBe(1024 * 1024);
  });

  it.each([
    ['POST', '/transaction/deposit'],
    ['GET', '/transaction/bet'],
    ['POST', '/'],
  ] as const)('answers %s %s with 404', async (method, url) => {
    const ready = await service();
    app = ready.app;
    expect((await app.inject({ method, url })).statusCode).toBe(404);
  });
});

describe('admin and health', () => {
  it('creates users with the bearer token', async () => {
    const ready = await service();
    app = ready.app;
    const response = await app.inject({
      method: 'POST',
      url: '/admin/users',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      payload: { users: ['carol', 'alice', 'carol'] },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ created: 1, users: 3 });
  });

  it.each([undefined, 'Bearer wrong', ADMIN_TOKEN, `Basic ${ADMIN_TOKEN}`])('refuses authorization %p with 401', async (authorization) => {
    const ready = await service();
    app = ready.app;
    const response = await app.inject({
      method: 'POST',
      url: '/admin/users',
      headers: authorization === undefined ? {} : { authorization },
      payload: { users: ['mallory'] },
    });
    expect(response.statusCode).toBe(401);
    expect(ready.wallet.userCount).toBe(2);
  });

  it('refuses a body without a users list with 400', async () => {
    const ready = await service();
    app = ready.app;
    const response = await app.inject({ method: 'POST', url: '/admin/users', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: '{"user":"x"}' });
    expect(response.statusCode).toBe(400);
  });

  it.each(['', ' ', 'fifteen-chars!!', 'sixteen chars ok'])('refuses to build a server with the admin token %p', (adminToken) => {
    expect(() => buildServer({ verifySignatures: false, adminToken, logLevel: 'silent' })).toThrow(/admin token must be at least 16/);
  });

  it('has no admin route without a token', async () => {
    const ready = await service({ adminToken: undefined as never });
    app = ready.app;
    expect((await app.inject({ method: 'POST', url: '/admin/users', payload: '{}' })).statusCode).toBe(404);
  });

  it('answers /healthz', async () => {
    const ready = await service();
    app = ready.app;
    await signedPost(app, '/transaction/bet', betBody(new Ids()));
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok', store: 'memory', users: 2, transactions: 1 });
  });
});

describe('logs', () => {
  it('writes one line per request with its status and duration', async () => {
    const ready = await service();
    app = ready.app;
    await signedPost(app, '/transaction/bet', betBody(new Ids(), { currency: 'EUR' }));
    await app.inject({ method: 'GET', url: '/healthz' });
    const requests = ready.logs.lines.filter((line) => line.msg === 'request');
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ url: '/transaction/bet', statusCode: 200, status: Status.WRONG_CURRENCY });
    expect(typeof requests[0]?.durationMs).toBe('number');
    expect(requests[1]).toMatchObject({ url: '/healthz', statusCode: 200 });
  });
});
