import { describe, expect, it } from '@jest/globals';
import { runInNewContext } from 'node:vm';
import { Status, type Wallet } from '../../lib/index.js';
import { onStore, start } from '../support/stores.js';
import { balanceOf, betBody, Ids, OPERATIONS, rollbackBody, setup, uuid, winBody } from '../support/helpers.js';

const operations = OPERATIONS;

/** Asserts that a request failed with `status` and left the balance and its id untouched. */
async function expectRefused(w: Wallet, ids: Ids, body: Record<string, unknown>, status: string): Promise<void> {
  const before = await balanceOf(w, body.user as string);
  const response = await w.handle('bet', body);
  expect(response.status).toBe(status);
  expect(await balanceOf(w, body.user as string)).toBe(before);
  // The failed id records nothing: a valid bet may use it now.
  const retry = await w.handle('bet', betBody(ids, { user: body.user, transaction_uuid: body.transaction_uuid }));
  expect(retry.status).toBe(Status.OK);
}

describe(onStore('check 1: the body is a plain object, else RS_ERROR_WRONG_SYNTAX'), () => {
  class Request {
    user = 'alice';
  }
  const bodies: ReadonlyArray<[string, unknown]> = [
    ['null', null],
    ['undefined', undefined],
    ['a string', 'alice'],
    ['a number', 42],
    ['a boolean', true],
    ['an array', [{ user: 'alice' }]],
    ['a Date', new Date(0)],
    ['a Map', new Map([['user', 'alice']])],
    ['a class instance', new Request()],
    ['a function', () => ({ user: 'alice' })],
  ];
  for (const [name, call] of operations) {
    it.each(bodies)(`${name} refuses %s`, async (_, body) => {
      const { w } = await setup();
      expect(await call(w, body)).toEqual({ user: '', status: Status.WRONG_SYNTAX, request_uuid: '' });
    });
  }

  it('accepts an object without a prototype', async () => {
    const { w, ids } = await setup();
    const body = Object.assign(Object.create(null) as object, betBody(ids));
    expect((await w.bet(body)).status).toBe(Status.OK);
  });

  it('accepts a plain object from another realm', async () => {
    const { w, ids } = await setup();
    const body: unknown = runInNewContext('({})');
    Object.assign(body as object, betBody(ids));
    expect((await w.handle('bet', body)).status).toBe(Status.OK);
  });

  it('refuses a body whose getter throws, and changes nothing', async () => {
    const { w, ids } = await setup();
    const body = betBody(ids);
    Object.defineProperty(body, 'amount', { enumerable: true, get: () => { throw new Error('boom'); } });
    expect((await w.bet(body)).status).toBe(Status.WRONG_SYNTAX);
    expect(await balanceOf(w)).toBe(100_000);
  });

  it('refuses a proxy whose traps throw', async () => {
    const { w } = await setup();
    const body = new Proxy({}, { ownKeys: () => { throw new Error('boom'); } });
    expect((await w.handle('balance', body)).status).toBe(Status.WRONG_SYNTAX);
  });
});

describe(onStore('check 2: user names an existing user, else RS_ERROR_UNKNOWN'), () => {
  for (const [name, call] of operations) {
    it.each<[string, Record<string, unknown>]>([
      ['missing', {}],
      ['empty', { user: '' }],
      ['unknown', { user: 'mallory' }],
      ['not a string', { user: ['alice'] }],
    ])(`${name} refuses a user that is %s`, async (_, fields) => {
      const { w, ids } = await setup();
      const { user: _alice, ...rest } = winBody(ids, uuid(9999));
      const body: Record<string, unknown> = { ...rest, ...fields };
      expect(await call(w, body)).toEqual({
        user: typeof fields.user === 'string' ? fields.user : '',
        status: Status.UNKNOWN,
        request_uuid: body.request_uuid,
      });
    });
  }

  it('comes before the type checks', async () => {
    const { w } = await setup();
    expect((await w.handle('bet', { user: 'mallory', transaction_uuid: 1, amount: 'x' })).status).toBe(Status.UNKNOWN);
  });
});

describe(onStore('check 3: ids are UUID-shaped, currency a string, amount a safe integer, else RS_ERROR_WRONG_TYPES'), () => {
  it.each([
    ['a missing transaction_uuid', { transaction_uuid: undefined }],
    ['a numeric transaction_uuid', { transaction_uuid: 12345 }],
    ['a transaction_uuid without dashes', { transaction_uuid: '00000000000040008000000000000001' }],
    ['a transaction_uuid with a non-hex digit', { transaction_uuid: '00000000-0000-4000-8000-00000000000g' }],
    ['a transaction_uuid with braces', { transaction_uuid: '{00000000-0000-4000-8000-000000000001}' }],
    ['a transaction_uuid with a trailing newline', { transaction_uuid: `${uuid(1)}\n` }],
    ['a missing request_uuid', { request_uuid: undefined }],
    ['a request_uuid that is not UUID-shaped', { request_uuid: 'r-1' }],
    ['a missing currency', { currency: undefined }],
    ['a numeric currency', { currency: 840 }],
    ['a missing amount', { amount: undefined }],
    ['an amount as a string', { amount: '100' }],
    ['a fractional amount', { amount: 10.5 }],
    ['a NaN amount', { amount: Number.NaN }],
    ['an infinite amount', { amount: Number.POSITIVE_INFINITY }],
    ['an amount of 2^53', { amount: 2 ** 53 }],
    ['a bigint amount', { amount: 100n }],
    ['a boxed amount', { amount: Object(100) as unknown }],
    ['a negative fractional amount', { amount: -0.5 }],
  ])('bet refuses %s', async (_, fields) => {
    const { w, ids } = await setup();
    const body = { ...betBody(ids), ...fields };
    expect((await w.handle('bet', body)).status).toBe(Status.WRONG_TYPES);
    expect(await balanceOf(w)).toBe(100_000);
  });

  it('win refuses a reference_transaction_uuid that is not UUID-shaped', async () => {
    const { w, ids } = await setup();
    expect((await w.win(winBody(ids, 'bet-1'))).status).toBe(Status.WRONG_TYPES);
  });

  it('rollback refuses a missing reference_transaction_uuid', async () => {
    const { w, ids } = await setup();
    const { reference_transaction_uuid: _, ...body } = rollbackBody(ids, uuid(1));
    expect((await w.handle('rollback', body)).status).toBe(Status.WRONG_TYPES);
  });

  it('accepts upper-case UUIDs and makes no version or variant check', async () => {
    const { w, ids } = await setup();
    const transaction_uuid = 'ABCDEF01-2345-F789-0ABC-DEF012345678';
    expect((await w.bet(betBody(ids, { transaction_uuid }))).status).toBe(Status.OK);
  });

  it('reads neither currency nor amount of a rollback', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids);
    await w.bet(bet);
    const response = await w.rollback(rollbackBody(ids, bet.transaction_uuid as string, { currency: 5, amount: 'x' }));
    expect(response).toMatchObject({ status: Status.OK, balance: 100_000 });
  });
});

describe(onStore('check 4: amount is not negative, else RS_ERROR_UNKNOWN'), () => {
  it('refuses a negative bet and a negative win', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids);
    await w.bet(bet);
    expect((await w.bet(betBody(ids, { amount: -1 }))).status).toBe(Status.UNKNOWN);
    expect((await w.win(winBody(ids, bet.transaction_uuid as string, { amount: -5 }))).status).toBe(Status.UNKNOWN);
    expect(await balanceOf(w)).toBe(99_900);
  });

  it('accepts a free bet of 0 and a closing win of 0', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { amount: 0 });
    expect(await w.bet(bet)).toMatchObject({ status: Status.OK, balance: 100_000 });
    expect(await w.win(winBody(ids, bet.transaction_uuid as string, { amount: 0 }))).toMatchObject({
      status: Status.OK,
      balance: 100_000,
    });
  });

  it('comes after the type checks', async () => {
    const { w, ids } = await setup();
    expect((await w.handle('bet', betBody(ids, { amount: -1, currency: null }))).status).toBe(Status.WRONG_TYPES);
  });
});

describe(onStore('check 6: currency equals the user currency exactly, else RS_ERROR_WRONG_CURRENCY'), () => {
  it.each(['EUR', 'usd', 'USD ', ''])('refuses a bet in %p and records nothing', async (currency) => {
    const { w, ids } = await setup();
    await expectRefused(w, ids, betBody(ids, { currency }), Status.WRONG_CURRENCY);
  });

  it('refuses a win in another currency', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids);
    await w.bet(bet);
    expect((await w.win(winBody(ids, bet.transaction_uuid as string, { currency: 'EUR' }))).status).toBe(
      Status.WRONG_CURRENCY,
    );
    expect(await balanceOf(w)).toBe(99_900);
  });

  it('comes after idempotency: a reused id in another currency is a duplicate', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids);
    await w.bet(bet);
    expect((await w.bet({ ...bet, currency: 'EUR' })).status).toBe(Status.DUPLICATE_TRANSACTION);
  });
});

describe(onStore('check 7 (bet): amount is at most the balance, else RS_ERROR_NOT_ENOUGH_MONEY'), () => {
  it('refuses a bet over the balance and answers the actual balance', async () => {
    const { w, ids } = await setup();
    await w.bet(betBody(ids, { amount: 60_000 }));
    const body = betBody(ids, { amount: 40_001 });
    expect(await w.bet(body)).toMatchObject({ status: Status.NOT_ENOUGH_MONEY, balance: 40_000 });
    expect(await balanceOf(w)).toBe(40_000);
  });

  it('accepts a bet of the whole balance', async () => {
    const { w, ids } = await setup();
    expect(await w.bet(betBody(ids, { amount: 100_000 }))).toMatchObject({ status: Status.OK, balance: 0 });
    expect(await w.bet(betBody(ids, { amount: 1 }))).toMatchObject({ status: Status.NOT_ENOUGH_MONEY, balance: 0 });
  });

  it('records nothing, so the id works once the money is there', async () => {
    const { w, ids } = await setup();
    await expectRefused(w, ids, betBody(ids, { amount: 100_001 }), Status.NOT_ENOUGH_MONEY);
  });
});

describe(onStore('check 7 (win): the referenced bet exists, is open and has no win yet'), () => {
  it('refuses a win for an unknown bet with RS_ERROR_TRANSACTION_DOES_NOT_EXIST', async () => {
    const { w, ids } = await setup();
    expect((await w.win(winBody(ids, uuid(777)))).status).toBe(Status.TRANSACTION_DOES_NOT_EXIST);
  });

  it("refuses a win for another user's bet with RS_ERROR_TRANSACTION_DOES_NOT_EXIST", async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { user: 'bob' });
    await w.bet(bet);
    expect((await w.win(winBody(ids, bet.transaction_uuid as string))).status).toBe(Status.TRANSACTION_DOES_NOT_EXIST);
    expect(await balanceOf(w, 'alice')).toBe(100_000);
  });

  it('refuses a win that references a win or a failed bet', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids);
    await w.bet(bet);
    const first = winBody(ids, bet.transaction_uuid as string);
    await w.win(first);
    expect((await w.win(winBody(ids, first.transaction_uuid as string))).status).toBe(Status.TRANSACTION_DOES_NOT_EXIST);
    const failed = betBody(ids, { amount: 10 ** 9 });
    await w.bet(failed);
    expect((await w.win(winBody(ids, failed.transaction_uuid as string))).status).toBe(Status.TRANSACTION_DOES_NOT_EXIST);
  });

  it('refuses a win for a cancelled bet with RS_ERROR_TRANSACTION_ROLLED_BACK', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids);
    await w.bet(bet);
    await w.rollback(rollbackBody(ids, bet.transaction_uuid as string));
    expect((await w.win(winBody(ids, bet.transaction_uuid as string))).status).toBe(Status.TRANSACTION_ROLLED_BACK);
    expect(await balanceOf(w)).toBe(100_000);
  });

  it('refuses a second win for one bet with RS_ERROR_UNKNOWN', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids);
    await w.bet(bet);
    await w.win(winBody(ids, bet.transaction_uuid as string, { amount: 300 }));
    expect((await w.win(winBody(ids, bet.transaction_uuid as string, { amount: 300 }))).status).toBe(Status.UNKNOWN);
    expect(await balanceOf(w)).toBe(100_200);
  });
});

describe(onStore('check 8: the new balance stays a safe integer, else RS_ERROR_UNKNOWN'), () => {
  it('refuses a win that would pass Number.MAX_SAFE_INTEGER', async () => {
    const w = start({ initialBalance: Number.MAX_SAFE_INTEGER - 10 });
    await w.createUsers(['alice']);
    const ids = new Ids();
    const bet = betBody(ids, { amount: 0 });
    await w.bet(bet);
    const tooMuch = winBody(ids, bet.transaction_uuid as string, { amount: 11 });
    expect((await w.win(tooMuch)).status).toBe(Status.UNKNOWN);
    expect(await balanceOf(w)).toBe(Number.MAX_SAFE_INTEGER - 10);
    const exact = winBody(ids, bet.transaction_uuid as string, { amount: 10 });
    expect(await w.win(exact)).toMatchObject({ status: Status.OK, balance: Number.MAX_SAFE_INTEGER });
  });

  it('refuses a refund that would pass Number.MAX_SAFE_INTEGER', async () => {
    const w = start({ initialBalance: Number.MAX_SAFE_INTEGER - 10 });
    await w.createUsers(['alice']);
    const ids = new Ids();
    const cancelled = betBody(ids, { amount: 5 });
    const settled = betBody(ids, { amount: 0 });
    await w.bet(cancelled);
    await w.bet(settled);
    await w.win(winBody(ids, settled.transaction_uuid as string, { amount: 15 }));
    expect((await w.rollback(rollbackBody(ids, cancelled.transaction_uuid as string))).status).toBe(Status.UNKNOWN);
    expect(await balanceOf(w)).toBe(Number.MAX_SAFE_INTEGER);
  });
});
