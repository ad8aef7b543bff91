import { afterEach, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { createUsers, Status } from '../../lib/index.js';
import { buildServer } from '../../lib/http/index.js';
import { onStore, start } from '../support/stores.js';
import { balanceOf, betBody, Ids, setup } from '../support/helpers.js';
import { ADMIN_TOKEN, HUB88_PUBLIC } from '../support/http.js';

describe(onStore('start gives an isolated engine'), () => {
  it('shares no users between engines', async () => {
    const one = start();
    const two = start();
    await createUsers(one, ['alice']);
    expect(await balanceOf(one)).toBe(100_000);
    expect(await balanceOf(two)).toBeUndefined();
  });

  it('shares no transactions between engines', async () => {
    const one = start();
    const two = start();
    await createUsers(one, ['alice']);
    await createUsers(two, ['alice']);
    const body = betBody(new Ids());
    expect((await one.bet(body)).status).toBe(Status.OK);
    expect((await two.bet(body)).status).toBe(Status.OK);
    expect(await balanceOf(one)).toBe(99_900);
    expect(await balanceOf(two)).toBe(99_900);
  });

  it('takes the initial balance and currency from its options', async () => {
    const w = start({ initialBalance: 7, currency: 'EUR' });
    await createUsers(w, ['alice']);
    expect(await w.balance({ user: 'alice', request_uuid: 'r' })).toMatchObject({ currency: 'EUR', balance: 7 });
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 53])('refuses initial balance %p', (initialBalance) => {
    expect(() => start({ initialBalance })).toThrow(RangeError);
  });

  it('refuses an empty currency', () => {
    expect(() => start({ currency: '' })).toThrow(TypeError);
  });
});

describe(onStore('createUsers makes USD users with 100000'), () => {
  it('creates each listed user with currency USD and balance 100000', async () => {
    const w = start();
    await createUsers(w, ['alice', 'bob']);
    for (const user of ['alice', 'bob']) {
      expect(await w.balance({ user, request_uuid: 'r' })).toEqual({
        user,
        status: Status.OK,
        request_uuid: 'r',
        currency: 'USD',
        balance: 100_000,
      });
    }
  });

  it('ignores "" and values that are not strings', async () => {
    const w = start();
    await createUsers(w, ['', 42, null, undefined, { user: '' }, ['y'], 'carol'] as unknown as string[]);
    expect((await w.stats()).users).toBe(1);
    expect(await balanceOf(w, 'carol')).toBe(100_000);
  });

  it('counts a name listed twice once', async () => {
    const w = start();
    await createUsers(w, ['alice', 'alice', 'bob', 'alice']);
    expect((await w.stats()).users).toBe(2);
  });

  it('never resets the balance of an existing user', async () => {
    const { w, ids } = await setup(['alice']);
    await w.bet(betBody(ids, { amount: 400 }));
    await createUsers(w, ['alice']);
    expect(await balanceOf(w)).toBe(99_600);
  });

  it('ignores a list that is not an array', async () => {
    const w = start();
    await expect(createUsers(w, 'alice' as unknown as string[])).resolves.toBeUndefined();
    await expect(createUsers(w, null as unknown as string[])).resolves.toBeUndefined();
    expect((await w.stats()).users).toBe(0);
  });

  it('keeps the users read before a list throws, and does not throw itself', async () => {
    const w = start();
    const list = ['alice', 'bob'];
    Object.defineProperty(list, 1, { get: () => { throw new Error('boom'); } });
    await expect(createUsers(w, list)).resolves.toBeUndefined();
    expect((await w.stats()).users).toBe(1);
  });

  it('accepts any name within the rule, prototype keys included', async () => {
    const w = start();
    await createUsers(w, ['__proto__', 'constructor', 'toString', ' ']);
    expect((await w.stats()).users).toBe(4);
    expect(await balanceOf(w, '__proto__')).toBe(100_000);
    expect(await balanceOf(w, 'hasOwnProperty')).toBeUndefined();
  });
});

/** Names no user can have (SPEC 9), and why. */
const BAD_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['a NUL', 'x\u0000y'],
  ['a lone high surrogate', 's\ud800'],
  ['a lone low surrogate', '\udc00t'],
  ['surrogates in the wrong order', 'a\udc00\ud800'],
  ['256 ASCII bytes', 'a'.repeat(256)],
  ['256 UTF-8 bytes in 128 characters', '\u00e9'.repeat(128)],
  ['10 KB', 'n'.repeat(10_240)],
];

/** Names at the edges of the rule, each a user. */
const GOOD_NAMES = ['a'.repeat(255), `${'\u00e9'.repeat(127)}a`, '\u{1f600}'.repeat(63), 'tab\there', '\u00ff'];

describe(onStore('user names are 1 to 255 UTF-8 bytes, with no NUL and no lone surrogate'), () => {
  it('createUsers ignores any other name and still creates the valid items of the same call', async () => {
    const w = start();
    await createUsers(w, ['carol', ...BAD_NAMES.map(([, name]) => name), ...BAD_NAMES.map(([, name]) => ({ user: name })), ...GOOD_NAMES, 'dave']);
    expect((await w.stats()).users).toBe(2 + GOOD_NAMES.length);
    for (const user of ['carol', 'dave', ...GOOD_NAMES]) expect(await balanceOf(w, user)).toBe(100_000);
  });

  it.each(BAD_NAMES)('answers a request naming a name with %s as for an unknown user', async (_what, user) => {
    const { w, ids } = await setup(['alice', user]);
    const body = betBody(ids, { user });
    expect(await w.bet(body)).toEqual({ user, status: Status.UNKNOWN, request_uuid: body.request_uuid });
    expect(await w.balance({ user, request_uuid: body.request_uuid })).toEqual({ user, status: Status.UNKNOWN, request_uuid: body.request_uuid });
    expect((await w.stats()).transactions).toBe(0);
  });

  it.each(BAD_NAMES)('setUserDisabled answers false for a name with %s', async (_what, user) => {
    const { w } = await setup(['alice', user]);
    await expect(w.setUserDisabled(user, true)).resolves.toBe(false);
    await expect(w.setUserDisabled(user, false)).resolves.toBe(false);
  });

  it('serves names at the edges of the rule like any other', async () => {
    const { w, ids } = await setup(GOOD_NAMES);
    for (const user of GOOD_NAMES) {
      expect(await w.bet(betBody(ids, { user, amount: 1 }))).toMatchObject({ user, status: Status.OK, balance: 99_999 });
      await expect(w.setUserDisabled(user, true)).resolves.toBe(true);
    }
  });
});

describe(onStore('over HTTP, such names are refused: POST /admin/users 400 naming the item, the user routes 404'), () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function admin(): Promise<{ server: FastifyInstance; w: ReturnType<typeof start> }> {
    const { w } = await setup(['alice']);
    app = buildServer({ wallet: w, hub88PublicKey: HUB88_PUBLIC, adminToken: ADMIN_TOKEN, logLevel: 'silent' });
    await app.ready();
    return { server: app, w };
  }

  const post = (server: FastifyInstance, url: string, payload?: unknown) =>
    server.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });

  it.each(BAD_NAMES)('POST /admin/users with a name with %s answers 400 naming the item, and creates nothing', async (_what, name) => {
    const { server, w } = await admin();
    const response = await post(server, '/admin/users', { users: ['carol', { user: 'dave' }, name, 'erin'] });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: expect.stringMatching(/^users\[2\]: a user name is 1 to 255 UTF-8 bytes/), index: 2 });
    expect((await w.stats()).users).toBe(1);
  });

  it.each(['%00', 'x%00y'])('POST /admin/users/%s/disable answers 404', async (name) => {
    const { server } = await admin();
    for (const action of ['disable', 'enable']) {
      const response = await post(server, `/admin/users/${name}/${action}`);
      expect(response.statusCode).toBe(404);
    }
  });
});
