/**
 * `--require-token` end to end: the exwallet command over a real socket, where the operator
 * opens a session through `POST /admin/sessions` and Hub88 sends its token back with each bet
 * and balance call (SPEC 10). Wins and rollbacks are never refused on session grounds.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { parseConfig, signBody } from '../../../lib/http/index.js';
import { HELP } from '../../../lib/http/config.js';
import { buildServer } from '../../../lib/http/index.js';
import { start, Status, type Wallet } from '../../../lib/index.js';
import { betBody, Ids, rollbackBody, winBody } from '../../support/helpers.js';
import { ADMIN_TOKEN, HUB88_PRIVATE, HUB88_PUBLIC, signedPost } from '../../support/http.js';
import { exwallet, type Service } from '../../support/process.js';

const HUB88_PUBLIC_FILE = fileURLToPath(new URL('../../fixtures/hub88-public.pem', import.meta.url));

describe('--require-token (EXWALLET_REQUIRE_TOKEN) turns the token check on; it is off by default', () => {
  it('reads the flag, then the variable, and defaults to off', () => {
    const store = ['--in-memory'];
    expect(parseConfig(store, {})).toMatchObject({ requireToken: false });
    expect(parseConfig([...store, '--require-token'], {})).toMatchObject({ requireToken: true });
    expect(parseConfig(store, { EXWALLET_REQUIRE_TOKEN: '1' })).toMatchObject({ requireToken: true });
    expect(parseConfig(store, { EXWALLET_REQUIRE_TOKEN: '' })).toMatchObject({ requireToken: false });
  });

  it('is described by --help with its variable', () => {
    expect(HELP).toMatch(/--require-token\s+bets and balance calls must carry the token/);
    expect(HELP).toContain('EXWALLET_REQUIRE_TOKEN=1');
  });
});

describe('with --require-token a bet needs the token of an open session of its user; a win never does', () => {
  let service: Service | undefined;
  afterEach(() => {
    service?.kill();
    service = undefined;
  });

  it('refuses a bet without a token with RS_ERROR_INVALID_TOKEN, takes it with a session token, and pays the win without one', async () => {
    service = exwallet(['--port', '0', '--in-memory', '--demo-users', '2', '--log-level', 'silent', '--hub88-public-key', HUB88_PUBLIC_FILE, '--require-token'], {
      EXWALLET_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    const { url } = await service.listening();
    expect(service.stderr).toContain('Session tokens: required');
    /** A request as Hub88 sends it: signed. */
    const hub88 = async (path: string, body: object): Promise<Record<string, unknown>> => {
      const payload = JSON.stringify(body);
      const response = await fetch(`${url}${path}`, { method: 'POST', body: payload, headers: { 'content-type': 'application/json', 'x-hub88-signature': signBody(payload, HUB88_PRIVATE) } });
      expect(response.status).toBe(200);
      return (await response.json()) as Record<string, unknown>;
    };
    const ids = new Ids();
    const user = 'demo-1';

    const bet = betBody(ids, { user, amount: 1_000 });
    expect(await hub88('/transaction/bet', bet)).toEqual({ user, status: Status.INVALID_TOKEN, request_uuid: bet.request_uuid, currency: 'USD', balance: 100_000 });
    expect(await hub88('/user/balance', { user, request_uuid: ids.next() })).toMatchObject({ status: Status.INVALID_TOKEN, balance: 100_000 });

    const opened = await fetch(`${url}/admin/sessions`, {
      method: 'POST',
      body: JSON.stringify({ user, game_code: 'slots-7' }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(opened.status).toBe(201);
    const { token } = (await opened.json()) as { token: string };

    expect(await hub88('/transaction/bet', { ...bet, token })).toMatchObject({ status: Status.OK, balance: 99_000 });
    expect(await hub88('/user/balance', { user, request_uuid: ids.next(), token })).toMatchObject({ status: Status.OK, balance: 99_000 });
    // demo-2 cannot use demo-1's session.
    expect(await hub88('/transaction/bet', betBody(ids, { user: 'demo-2', token }))).toMatchObject({ status: Status.INVALID_TOKEN, balance: 100_000 });
    expect(await hub88('/transaction/win', winBody(ids, bet.transaction_uuid, { user, amount: 2_500 }))).toMatchObject({ status: Status.OK, balance: 101_500 });

    service.child.kill('SIGTERM');
    expect((await service.exited).code).toBe(0);
  });
});

describe('an expired session: its bets get RS_ERROR_TOKEN_EXPIRED, its round is still paid and refunded', () => {
  let app: FastifyInstance | undefined;
  let wallet: Wallet | undefined;
  afterEach(async () => {
    await app?.close();
    await wallet?.stop();
    app = undefined;
    wallet = undefined;
  });

  it('refuses a bet once expires_at is reached, and serves the win and the rollback of bets made before', async () => {
    const time = { now: Date.UTC(2026, 11, 4, 20, 0, 0) };
    wallet = start({ requireToken: true, clock: () => time.now });
    await wallet.createUsers(['alice']);
    app = buildServer({ wallet, hub88PublicKey: HUB88_PUBLIC, adminToken: ADMIN_TOKEN, logLevel: 'silent' });
    await app.ready();
    const opened = await app.inject({
      method: 'POST',
      url: '/admin/sessions',
      payload: JSON.stringify({ user: 'alice', ttl_seconds: 60 }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const { token, expires_at } = opened.json<{ token: string; expires_at: string }>();
    expect(expires_at).toBe(new Date(time.now + 60_000).toISOString());
    const ids = new Ids();
    const won = betBody(ids, { token, amount: 1_000 });
    const cancelled = betBody(ids, { token, amount: 500 });
    expect((await signedPost(app, '/transaction/bet', won)).json()).toMatchObject({ status: Status.OK, balance: 99_000 });
    expect((await signedPost(app, '/transaction/bet', cancelled)).json()).toMatchObject({ status: Status.OK, balance: 98_500 });

    time.now += 60_000;
    expect((await signedPost(app, '/transaction/bet', betBody(ids, { token }))).json()).toMatchObject({ status: Status.TOKEN_EXPIRED, balance: 98_500 });
    expect((await signedPost(app, '/user/balance', { user: 'alice', request_uuid: ids.next(), token })).json()).toMatchObject({ status: Status.TOKEN_EXPIRED });
    // An exact retry of a bet taken before still replays: the token check comes after idempotency.
    expect((await signedPost(app, '/transaction/bet', won)).json()).toMatchObject({ status: Status.OK, balance: 99_000 });
    expect((await signedPost(app, '/transaction/win', winBody(ids, won.transaction_uuid, { amount: 3_000 }))).json()).toMatchObject({ status: Status.OK, balance: 101_500 });
    expect((await signedPost(app, '/transaction/rollback', rollbackBody(ids, cancelled.transaction_uuid))).json()).toMatchObject({ status: Status.OK, balance: 102_000 });
  });
});
