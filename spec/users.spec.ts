import { describe, expect, it } from '@jest/globals';
import { createUsers, Status } from '../lib/index.js';
import { start } from './support/stores.js';
import { balanceOf, betBody, Ids, setup } from './helpers.js';

describe('start gives an isolated engine', () => {
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

describe('createUsers makes USD users with 100000', () => {
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

  it('accepts any non-empty string as a name, prototype keys included', async () => {
    const w = start();
    await createUsers(w, ['__proto__', 'constructor', 'toString', ' ']);
    expect((await w.stats()).users).toBe(4);
    expect(await balanceOf(w, '__proto__')).toBe(100_000);
    expect(await balanceOf(w, 'hasOwnProperty')).toBeUndefined();
  });
});
