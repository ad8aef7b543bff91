import { describe, expect, it } from '@jest/globals';
import { createUsers, deposit, setUserDisabled, Status, withdraw, type UserSpec, type Wallet } from '../../lib/index.js';
import { onStore, start } from '../support/stores.js';
import { balanceOf, betBody, Ids, resent, rollbackBody, setup, uuid, winBody, type With } from '../support/helpers.js';

interface CashierShape {
  user: string;
  transaction_uuid: string;
  request_uuid: string;
  currency: string;
  amount: number;
}

/** A valid deposit or withdrawal body for alice; fields can be overridden. */
function cashierBody<F extends object = {}>(ids: Ids, fields?: F): With<CashierShape, F> {
  const base: CashierShape = { user: 'alice', transaction_uuid: ids.next(), request_uuid: ids.next(), currency: 'USD', amount: 500 };
  return { ...base, ...fields } as unknown as With<CashierShape, F>;
}

/** An engine with the given users (names or items) and a source of fresh ids. */
async function withUsers(users: readonly UserSpec[]): Promise<{ w: Wallet; ids: Ids }> {
  const w = start();
  await createUsers(w, users);
  return { w, ids: new Ids() };
}

const KEYS = ['user', 'status', 'request_uuid', 'currency', 'balance'];

describe(onStore('createUsers takes items { user, currency?, balance? } with their own currency and opening balance'), () => {
  it('opens each user with the currency and balance of its item, the engine defaults for what it leaves out', async () => {
    const w = start();
    await createUsers(w, [{ user: 'eve', currency: 'EUR', balance: 500 }, { user: 'ann', balance: 0 }, { user: 'gus', currency: 'GBP' }, { user: 'sam' }, 'tom']);
    const opened = await Promise.all(['eve', 'ann', 'gus', 'sam', 'tom'].map((user) => w.balance({ user, request_uuid: 'r' })));
    expect(opened.map((response) => 'balance' in response && [response.user, response.currency, response.balance])).toEqual([
      ['eve', 'EUR', 500],
      ['ann', 'USD', 0],
      ['gus', 'GBP', 100_000],
      ['sam', 'USD', 100_000],
      ['tom', 'USD', 100_000],
    ]);
  });

  it("accepts the engine's own currency even when it is not three upper-case letters", async () => {
    const w = start({ currency: 'mBTC' });
    await createUsers(w, [{ user: 'eve', currency: 'mBTC', balance: 7 }]);
    expect(await w.balance({ user: 'eve', request_uuid: 'r' })).toMatchObject({ status: Status.OK, currency: 'mBTC', balance: 7 });
  });

  it('opens a balance as large as Number.MAX_SAFE_INTEGER', async () => {
    const w = start();
    await createUsers(w, [{ user: 'eve', balance: Number.MAX_SAFE_INTEGER }]);
    expect(await balanceOf(w, 'eve')).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe(onStore('createUsers ignores an invalid item and creates the valid ones of the list'), () => {
  it.each<[string, unknown]>([
    ['a lower-case currency', { user: 'eve', currency: 'usd' }],
    ['a four-letter currency', { user: 'eve', currency: 'EURO' }],
    ['a two-letter currency', { user: 'eve', currency: 'EU' }],
    ['a numeric currency', { user: 'eve', currency: 1 }],
    ['an empty currency', { user: 'eve', currency: '' }],
    ['a negative balance', { user: 'eve', balance: -1 }],
    ['a fractional balance', { user: 'eve', balance: 1.5 }],
    ['a balance of 2^53', { user: 'eve', balance: 2 ** 53 }],
    ['a balance as a string', { user: 'eve', balance: '100' }],
    ['a NaN balance', { user: 'eve', balance: Number.NaN }],
    ['an empty user', { user: '' }],
    ['a numeric user', { user: 7 }],
    ['no user', { currency: 'EUR', balance: 5 }],
  ])('ignores an item with %s', async (_, item) => {
    const w = start();
    await createUsers(w, [item, 'carol'] as UserSpec[]);
    expect((await w.stats()).users).toBe(1);
    expect(await w.balance({ user: 'eve', request_uuid: 'r' })).toEqual({ user: 'eve', status: Status.UNKNOWN, request_uuid: 'r' });
    expect(await balanceOf(w, 'carol')).toBe(100_000);
  });

  it('lets a valid item create a user that an earlier invalid item named', async () => {
    const w = start();
    await createUsers(w, [{ user: 'eve', currency: 'eur', balance: 1 }, { user: 'eve', currency: 'EUR', balance: 2 }]);
    expect(await w.balance({ user: 'eve', request_uuid: 'r' })).toMatchObject({ currency: 'EUR', balance: 2 });
  });
});

describe(onStore('createUsers never changes an existing user'), () => {
  it('keeps the currency and balance of a user that a later item names with others', async () => {
    const { w, ids } = await withUsers([{ user: 'alice', currency: 'USD', balance: 1_000 }]);
    await w.bet(betBody(ids, { amount: 400 }));
    await createUsers(w, [{ user: 'alice', currency: 'EUR', balance: 5 }, { user: 'alice', balance: 0 }, 'alice']);
    expect(await w.balance({ user: 'alice', request_uuid: 'r' })).toMatchObject({ currency: 'USD', balance: 600 });
    expect((await w.stats()).users).toBe(1);
  });

  it('keeps a disabled user disabled', async () => {
    const { w, ids } = await withUsers(['alice']);
    await setUserDisabled(w, 'alice', true);
    await createUsers(w, [{ user: 'alice', currency: 'USD', balance: 100_000 }]);
    expect((await w.bet(betBody(ids))).status).toBe(Status.USER_DISABLED);
  });
});

describe(onStore('the first of two items naming one user wins'), () => {
  it('creates the user from the first item of the list', async () => {
    const w = start();
    await createUsers(w, [{ user: 'eve', currency: 'EUR', balance: 1 }, { user: 'eve', currency: 'GBP', balance: 2 }, 'eve']);
    expect(await w.balance({ user: 'eve', request_uuid: 'r' })).toMatchObject({ currency: 'EUR', balance: 1 });
    expect((await w.stats()).users).toBe(1);
  });

  it('lets a plain name listed first win over a later item', async () => {
    const w = start();
    await createUsers(w, ['eve', { user: 'eve', currency: 'EUR', balance: 1 }]);
    expect(await w.balance({ user: 'eve', request_uuid: 'r' })).toMatchObject({ currency: 'USD', balance: 100_000 });
  });
});

describe(onStore("a bet or win in another currency than the user's is RS_ERROR_WRONG_CURRENCY"), () => {
  it("refuses a bet in the engine's currency from a user opened in another, and takes one in the user's", async () => {
    const { w, ids } = await withUsers([{ user: 'alice', currency: 'EUR', balance: 1_000 }, 'bob']);
    expect(await w.bet(betBody(ids))).toMatchObject({ status: Status.WRONG_CURRENCY, currency: 'EUR', balance: 1_000 });
    expect(await w.bet(betBody(ids, { currency: 'EUR' }))).toMatchObject({ status: Status.OK, currency: 'EUR', balance: 900 });
    expect((await w.bet(betBody(ids, { user: 'bob', currency: 'EUR' }))).status).toBe(Status.WRONG_CURRENCY);
  });

  it("refuses a win in another currency than the user's, and pays one in the user's", async () => {
    const { w, ids } = await withUsers([{ user: 'alice', currency: 'EUR', balance: 1_000 }]);
    const bet = betBody(ids, { currency: 'EUR' });
    await w.bet(bet);
    expect((await w.win(winBody(ids, bet.transaction_uuid))).status).toBe(Status.WRONG_CURRENCY);
    expect(await w.win(winBody(ids, bet.transaction_uuid, { currency: 'EUR' }))).toMatchObject({ status: Status.OK, balance: 1_150 });
  });
});

describe(onStore('deposit credits and withdraw debits the amount, answered as { user, status, request_uuid, currency, balance }'), () => {
  it('credits a deposit and debits a withdrawal, keys in the contract order', async () => {
    const { w, ids } = await setup(['alice']);
    const credit = cashierBody(ids, { amount: 700 });
    const answer = await deposit(w, credit);
    expect(answer).toEqual({ user: 'alice', status: Status.OK, request_uuid: credit.request_uuid, currency: 'USD', balance: 100_700 });
    expect(Object.keys(answer)).toEqual(KEYS);
    const debit = cashierBody(ids, { amount: 200 });
    const after = await withdraw(w, debit);
    expect(after).toEqual({ user: 'alice', status: Status.OK, request_uuid: debit.request_uuid, currency: 'USD', balance: 100_500 });
    expect(Object.keys(after)).toEqual(KEYS);
    expect(await balanceOf(w)).toBe(100_500);
    expect((await w.stats()).transactions).toBe(2);
  });

  it('answers the same through the methods and the untyped door', async () => {
    const { w, ids } = await setup(['alice']);
    expect(await w.deposit(cashierBody(ids, { amount: 1 }))).toMatchObject({ status: Status.OK, balance: 100_001 });
    expect(await w.handle('deposit', cashierBody(ids, { amount: 2 }))).toMatchObject({ status: Status.OK, balance: 100_003 });
    expect(await w.withdraw(cashierBody(ids, { amount: 3 }))).toMatchObject({ status: Status.OK, balance: 100_000 });
    expect(await w.handle('withdraw', cashierBody(ids, { amount: 4 }))).toMatchObject({ status: Status.OK, balance: 99_996 });
  });

  it("moves money in the user's own currency", async () => {
    const { w, ids } = await withUsers([{ user: 'alice', currency: 'EUR', balance: 10 }]);
    expect(await deposit(w, cashierBody(ids, { currency: 'EUR', amount: 5 }))).toMatchObject({ status: Status.OK, currency: 'EUR', balance: 15 });
    expect(await withdraw(w, cashierBody(ids, { currency: 'EUR', amount: 15 }))).toMatchObject({ status: Status.OK, currency: 'EUR', balance: 0 });
  });

  it('accepts an amount of 0, which moves nothing and is recorded', async () => {
    const { w, ids } = await setup(['alice']);
    expect(await deposit(w, cashierBody(ids, { amount: 0 }))).toMatchObject({ status: Status.OK, balance: 100_000 });
    expect(await withdraw(w, cashierBody(ids, { amount: 0 }))).toMatchObject({ status: Status.OK, balance: 100_000 });
    expect((await w.stats()).transactions).toBe(2);
  });

  it('lets a deposited amount be bet', async () => {
    const { w, ids } = await withUsers([{ user: 'alice', balance: 0 }]);
    expect((await w.bet(betBody(ids, { amount: 300 }))).status).toBe(Status.NOT_ENOUGH_MONEY);
    await deposit(w, cashierBody(ids, { amount: 300 }));
    expect(await w.bet(betBody(ids, { amount: 300 }))).toMatchObject({ status: Status.OK, balance: 0 });
  });
});

describe(onStore('deposit and withdraw are idempotent by transaction_uuid'), () => {
  it.each(['deposit', 'withdraw'] as const)('%s: an exact retry replays the original answer byte for byte and moves nothing', async (operation) => {
    const { w, ids } = await setup(['alice']);
    const body = cashierBody(ids, { amount: 500 });
    const original = await w.handle(operation, body);
    await w.bet(betBody(ids, { amount: 10 })); // the balance moves on; the replay keeps the old one
    const retry = await w.handle(operation, resent(body, ids));
    expect(JSON.stringify(retry)).toBe(JSON.stringify(original));
    expect(retry.request_uuid).toBe(body.request_uuid);
    const upperCased = await w.handle(operation, { ...resent(body, ids), transaction_uuid: body.transaction_uuid.toUpperCase() });
    expect(JSON.stringify(upperCased)).toBe(JSON.stringify(original));
    expect(await balanceOf(w)).toBe(operation === 'deposit' ? 100_490 : 99_490);
    expect((await w.stats()).transactions).toBe(2);
  });

  it.each(['deposit', 'withdraw'] as const)('%s: a reused id with another amount is RS_ERROR_DUPLICATE_TRANSACTION with its own request_uuid', async (operation) => {
    const { w, ids } = await setup(['alice']);
    const body = cashierBody(ids, { amount: 500 });
    const original = await w.handle(operation, body);
    const other = { ...resent(body, ids), amount: 501 };
    expect(await w.handle(operation, other)).toEqual({ ...original, status: Status.DUPLICATE_TRANSACTION, request_uuid: other.request_uuid });
    expect((await w.handle(operation, { ...resent(body, ids), meta: { note: 'x' } })).status).toBe(Status.DUPLICATE_TRANSACTION);
    expect(await balanceOf(w)).toBe('balance' in original ? original.balance : undefined);
  });

  it('refuses an id reused by another operation with the same fields: the operation is in the fingerprint', async () => {
    const { w, ids } = await setup(['alice']);
    const credit = cashierBody(ids, { amount: 100 });
    const debit = cashierBody(ids, { amount: 100 });
    const bet = betBody(ids, { amount: 100 });
    await deposit(w, credit);
    await withdraw(w, debit);
    await w.bet(bet);
    expect((await withdraw(w, resent(credit, ids))).status).toBe(Status.DUPLICATE_TRANSACTION);
    expect((await w.bet(resent(credit, ids))).status).toBe(Status.DUPLICATE_TRANSACTION);
    expect((await deposit(w, resent(debit, ids))).status).toBe(Status.DUPLICATE_TRANSACTION);
    expect((await deposit(w, resent(bet, ids))).status).toBe(Status.DUPLICATE_TRANSACTION);
    expect((await withdraw(w, resent(bet, ids))).status).toBe(Status.DUPLICATE_TRANSACTION);
    expect((await w.win(winBody(ids, uuid(900), { transaction_uuid: credit.transaction_uuid }))).status).toBe(Status.DUPLICATE_TRANSACTION);
    expect(await balanceOf(w)).toBe(99_900);
    expect((await w.stats()).transactions).toBe(3);
  });

  it("refuses an id used by another user's deposit", async () => {
    const { w, ids } = await setup(['alice', 'bob']);
    const credit = cashierBody(ids);
    await deposit(w, credit);
    expect(await deposit(w, { ...resent(credit, ids), user: 'bob' })).toMatchObject({ status: Status.DUPLICATE_TRANSACTION, balance: 100_000 });
  });

  it('records nothing for a failed deposit or withdrawal, so its id is judged afresh', async () => {
    const { w, ids } = await setup(['alice']);
    const credit = cashierBody(ids, { currency: 'EUR' });
    expect((await deposit(w, credit)).status).toBe(Status.WRONG_CURRENCY);
    expect(await deposit(w, { ...resent(credit, ids), currency: 'USD' })).toMatchObject({ status: Status.OK, balance: 100_500 });
    const debit = cashierBody(ids, { amount: 100_501 });
    expect((await withdraw(w, debit)).status).toBe(Status.NOT_ENOUGH_MONEY);
    expect(await w.bet(betBody(ids, { transaction_uuid: debit.transaction_uuid, amount: 1 }))).toMatchObject({ status: Status.OK, balance: 100_499 });
    expect((await w.stats()).transactions).toBe(2);
  });

  it('refuses an id a rollback reserved with RS_ERROR_TRANSACTION_ROLLED_BACK', async () => {
    const { w, ids } = await setup(['alice']);
    const reserved = uuid(0xabc);
    await w.rollback(rollbackBody(ids, reserved));
    expect((await deposit(w, cashierBody(ids, { transaction_uuid: reserved }))).status).toBe(Status.TRANSACTION_ROLLED_BACK);
    expect((await withdraw(w, cashierBody(ids, { transaction_uuid: reserved }))).status).toBe(Status.TRANSACTION_ROLLED_BACK);
    expect(await balanceOf(w)).toBe(100_000);
  });
});

describe(onStore('deposit and withdraw pass checks 1 to 6, in order'), () => {
  const operations = ['deposit', 'withdraw'] as const;

  it.each(operations)('%s: check 1, a body that is no plain object is RS_ERROR_WRONG_SYNTAX', async (operation) => {
    const { w } = await setup(['alice']);
    for (const body of [null, 'alice', [{ user: 'alice' }], new Date(0)]) {
      expect(await w.handle(operation, body)).toEqual({ user: '', status: Status.WRONG_SYNTAX, request_uuid: '' });
    }
  });

  it.each(operations)('%s: check 2, an unknown user is RS_ERROR_UNKNOWN without a balance, before the type checks', async (operation) => {
    const { w, ids } = await setup(['alice']);
    const body = cashierBody(ids, { user: 'mallory', amount: 'x' });
    expect(await w.handle(operation, body)).toEqual({ user: 'mallory', status: Status.UNKNOWN, request_uuid: body.request_uuid });
  });

  it.each(
    operations.flatMap((operation) =>
      (
        [
          ['a transaction_uuid that is not UUID-shaped', { transaction_uuid: 'dep-1' }],
          ['a missing request_uuid', { request_uuid: undefined }],
          ['a numeric currency', { currency: 840 }],
          ['a missing currency', { currency: undefined }],
          ['an amount as a string', { amount: '100' }],
          ['a fractional amount', { amount: 1.5 }],
          ['a NaN amount', { amount: Number.NaN }],
          ['an amount of 2^53', { amount: 2 ** 53 }],
          ['a missing amount', { amount: undefined }],
          ['a negative fractional amount in another currency', { amount: -1.5, currency: 'EUR' }],
        ] as const
      ).map(([name, fields]) => [operation, name, fields] as const),
    ),
  )('%s: check 3 refuses %s with RS_ERROR_WRONG_TYPES', async (operation, _, fields) => {
    const { w, ids } = await setup(['alice']);
    const response = await w.handle(operation, { ...cashierBody(ids), ...fields });
    expect(response).toMatchObject({ status: Status.WRONG_TYPES, balance: 100_000 });
    expect(Object.keys(response)).toEqual(KEYS);
  });

  it.each(operations)('%s: check 4, a negative amount is RS_ERROR_UNKNOWN, before the currency check', async (operation) => {
    const { w, ids } = await setup(['alice']);
    expect(await w.handle(operation, cashierBody(ids, { amount: -1 }))).toMatchObject({ status: Status.UNKNOWN, balance: 100_000 });
    expect(await w.handle(operation, cashierBody(ids, { amount: -1, currency: 'EUR' }))).toMatchObject({ status: Status.UNKNOWN, balance: 100_000 });
  });

  it.each(operations)('%s: check 5 comes before check 6, a reused id in another currency is a duplicate', async (operation) => {
    const { w, ids } = await setup(['alice']);
    const body = cashierBody(ids, { amount: 1 });
    await w.handle(operation, body);
    expect((await w.handle(operation, { ...resent(body, ids), currency: 'EUR' })).status).toBe(Status.DUPLICATE_TRANSACTION);
  });

  it.each(operations.flatMap((operation) => ['EUR', 'usd', 'USD ', ''].map((currency) => [operation, currency] as const)))(
    '%s: check 6 refuses currency %p with RS_ERROR_WRONG_CURRENCY and records nothing',
    async (operation, currency) => {
      const { w, ids } = await setup(['alice']);
      const body = cashierBody(ids, { currency, amount: 10 });
      expect(await w.handle(operation, body)).toMatchObject({ status: Status.WRONG_CURRENCY, balance: 100_000 });
      expect((await w.handle(operation, { ...body, currency: 'USD' })).status).toBe(Status.OK);
    },
  );
});

describe(onStore('a withdrawal larger than the balance is RS_ERROR_NOT_ENOUGH_MONEY with the actual balance'), () => {
  it('refuses one unit more than the balance and takes the whole balance', async () => {
    const { w, ids } = await setup(['alice']);
    await w.bet(betBody(ids, { amount: 60_000 }));
    expect(await withdraw(w, cashierBody(ids, { amount: 40_001 }))).toMatchObject({ status: Status.NOT_ENOUGH_MONEY, balance: 40_000 });
    expect(await balanceOf(w)).toBe(40_000);
    expect(await withdraw(w, cashierBody(ids, { amount: 40_000 }))).toMatchObject({ status: Status.OK, balance: 0 });
    expect(await withdraw(w, cashierBody(ids, { amount: 1 }))).toMatchObject({ status: Status.NOT_ENOUGH_MONEY, balance: 0 });
  });
});

describe(onStore('a deposit that would leave the safe-integer range is RS_ERROR_UNKNOWN'), () => {
  it('refuses one unit past Number.MAX_SAFE_INTEGER and takes a deposit up to it', async () => {
    const { w, ids } = await withUsers([{ user: 'alice', balance: Number.MAX_SAFE_INTEGER - 10 }]);
    const tooMuch = cashierBody(ids, { amount: 11 });
    expect(await deposit(w, tooMuch)).toMatchObject({ status: Status.UNKNOWN, balance: Number.MAX_SAFE_INTEGER - 10 });
    expect(await deposit(w, cashierBody(ids, { amount: Number.MAX_SAFE_INTEGER }))).toMatchObject({ status: Status.UNKNOWN });
    expect(await deposit(w, { ...tooMuch, amount: 10 })).toMatchObject({ status: Status.OK, balance: Number.MAX_SAFE_INTEGER });
    expect((await w.stats()).transactions).toBe(1);
  });
});

describe(onStore('a win or rollback naming a deposit or withdrawal is RS_ERROR_TRANSACTION_DOES_NOT_EXIST'), () => {
  it.each(['deposit', 'withdraw'] as const)('%s: neither a rollback nor a win can name it, and nothing moves', async (operation) => {
    const { w, ids } = await setup(['alice']);
    const body = cashierBody(ids, { amount: 500 });
    const original = await w.handle(operation, body);
    const balance = 'balance' in original ? original.balance : undefined;
    expect(await w.rollback(rollbackBody(ids, body.transaction_uuid))).toMatchObject({ status: Status.TRANSACTION_DOES_NOT_EXIST, balance });
    expect(await w.rollback(rollbackBody(ids, body.transaction_uuid.toUpperCase()))).toMatchObject({ status: Status.TRANSACTION_DOES_NOT_EXIST });
    expect(await w.win(winBody(ids, body.transaction_uuid))).toMatchObject({ status: Status.TRANSACTION_DOES_NOT_EXIST, balance });
    // Still the deposit it was: an exact retry replays it.
    expect(JSON.stringify(await w.handle(operation, resent(body, ids)))).toBe(JSON.stringify(original));
    expect((await w.stats()).transactions).toBe(1);
  });
});

describe(onStore("a disabled user's new bet is RS_ERROR_USER_DISABLED and records nothing"), () => {
  it('refuses the bet with the unchanged balance, and takes the same id once the user is enabled', async () => {
    const { w, ids } = await setup(['alice']);
    expect(await setUserDisabled(w, 'alice', true)).toBe(true);
    const bet = betBody(ids, { amount: 100 });
    const refused = await w.bet(bet);
    expect(refused).toEqual({ user: 'alice', status: Status.USER_DISABLED, request_uuid: bet.request_uuid, currency: 'USD', balance: 100_000 });
    expect(Object.keys(refused)).toEqual(KEYS);
    expect(await balanceOf(w)).toBe(100_000);
    expect((await w.stats()).transactions).toBe(0);
    expect(await setUserDisabled(w, 'alice', false)).toBe(true);
    expect(await w.bet(bet)).toMatchObject({ status: Status.OK, balance: 99_900 });
  });

  it('refuses a free bet, a bet past the balance and a bet in another currency alike', async () => {
    const { w, ids } = await setup(['alice']);
    await setUserDisabled(w, 'alice', true);
    for (const body of [betBody(ids, { amount: 0 }), betBody(ids, { amount: 100_001 }), betBody(ids, { currency: 'EUR' })]) {
      expect((await w.bet(body)).status).toBe(Status.USER_DISABLED);
    }
  });

  it('disables only the user named', async () => {
    const { w, ids } = await setup(['alice', 'bob']);
    await setUserDisabled(w, 'alice', true);
    expect((await w.bet(betBody(ids, { user: 'bob' }))).status).toBe(Status.OK);
  });
});

describe(onStore('a disabled user is judged by checks 1 to 5 first'), () => {
  it('replays an exact retry of a bet made before the user was disabled', async () => {
    const { w, ids } = await setup(['alice']);
    const bet = betBody(ids, { amount: 100 });
    const original = await w.bet(bet);
    await setUserDisabled(w, 'alice', true);
    const retry = await w.bet(resent(bet, ids));
    expect(JSON.stringify(retry)).toBe(JSON.stringify(original));
    expect(await balanceOf(w)).toBe(99_900);
  });

  it('answers a reused id with other parameters RS_ERROR_DUPLICATE_TRANSACTION', async () => {
    const { w, ids } = await setup(['alice']);
    const bet = betBody(ids, { amount: 100 });
    await w.bet(bet);
    await setUserDisabled(w, 'alice', true);
    expect((await w.bet({ ...resent(bet, ids), amount: 101 })).status).toBe(Status.DUPLICATE_TRANSACTION);
    const credit = cashierBody(ids);
    await deposit(w, credit);
    expect((await w.bet(resent(credit, ids))).status).toBe(Status.DUPLICATE_TRANSACTION);
  });

  it('answers a bet on an id a rollback reserved RS_ERROR_TRANSACTION_ROLLED_BACK', async () => {
    const { w, ids } = await setup(['alice']);
    const reserved = uuid(0xabc);
    await w.rollback(rollbackBody(ids, reserved));
    await setUserDisabled(w, 'alice', true);
    expect((await w.bet(betBody(ids, { transaction_uuid: reserved }))).status).toBe(Status.TRANSACTION_ROLLED_BACK);
  });

  it('answers malformed bets by checks 1 to 4', async () => {
    const { w, ids } = await setup(['alice']);
    await setUserDisabled(w, 'alice', true);
    expect((await w.handle('bet', betBody(ids, { amount: '1' }))).status).toBe(Status.WRONG_TYPES);
    expect((await w.handle('bet', betBody(ids, { transaction_uuid: 'bet-1' }))).status).toBe(Status.WRONG_TYPES);
    expect((await w.bet(betBody(ids, { amount: -1 }))).status).toBe(Status.UNKNOWN);
    expect(await w.handle('bet', [])).toEqual({ user: '', status: Status.WRONG_SYNTAX, request_uuid: '' });
  });
});

describe(onStore('a disabled user is still paid and served: wins, rollbacks, deposits, withdrawals and balance'), () => {
  it('serves every operation but a new bet as usual', async () => {
    const { w, ids } = await setup(['alice']);
    const won = betBody(ids, { amount: 100 });
    const cancelled = betBody(ids, { amount: 200 });
    await w.bet(won);
    await w.bet(cancelled);
    await setUserDisabled(w, 'alice', true);
    expect(await w.win(winBody(ids, won.transaction_uuid, { amount: 1_000 }))).toMatchObject({ status: Status.OK, balance: 100_700 });
    expect(await w.rollback(rollbackBody(ids, cancelled.transaction_uuid))).toMatchObject({ status: Status.OK, balance: 100_900 });
    expect(await w.rollback(rollbackBody(ids, uuid(0xdead)))).toMatchObject({ status: Status.OK, balance: 100_900 });
    expect(await deposit(w, cashierBody(ids, { amount: 100 }))).toMatchObject({ status: Status.OK, balance: 101_000 });
    expect(await withdraw(w, cashierBody(ids, { amount: 1_000 }))).toMatchObject({ status: Status.OK, balance: 100_000 });
    expect(await w.balance({ user: 'alice', request_uuid: 'r' })).toEqual({ user: 'alice', status: Status.OK, request_uuid: 'r', currency: 'USD', balance: 100_000 });
    expect((await w.stats()).transactions).toBe(7);
  });
});

describe(onStore('enabling a user again restores bets'), () => {
  it('takes bets after the user is enabled, and disabling or enabling twice changes nothing more', async () => {
    const { w, ids } = await setup(['alice']);
    expect(await setUserDisabled(w, 'alice', true)).toBe(true);
    expect(await setUserDisabled(w, 'alice', true)).toBe(true);
    expect((await w.bet(betBody(ids))).status).toBe(Status.USER_DISABLED);
    expect(await setUserDisabled(w, 'alice', false)).toBe(true);
    expect(await setUserDisabled(w, 'alice', false)).toBe(true);
    expect(await w.bet(betBody(ids))).toMatchObject({ status: Status.OK, balance: 99_900 });
    expect(await w.setUserDisabled('alice', true)).toBe(true);
    expect((await w.bet(betBody(ids))).status).toBe(Status.USER_DISABLED);
  });

  it('applies a change in order with the bets sent around it', async () => {
    const { w, ids } = await setup(['alice']);
    const [before, disabled, during, enabled, after] = await Promise.all([
      w.bet(betBody(ids)),
      setUserDisabled(w, 'alice', true),
      w.bet(betBody(ids)),
      setUserDisabled(w, 'alice', false),
      w.bet(betBody(ids)),
    ]);
    expect([before.status, disabled, during.status, enabled, after.status]).toEqual([Status.OK, true, Status.USER_DISABLED, true, Status.OK]);
  });
});

describe(onStore('setUserDisabled on an unknown user resolves false and creates nothing'), () => {
  it.each(['mallory', ''])('answers false for %p', async (user) => {
    const { w, ids } = await setup(['alice']);
    expect(await setUserDisabled(w, user, true)).toBe(false);
    expect(await setUserDisabled(w, user, false)).toBe(false);
    expect((await w.stats()).users).toBe(1);
    expect(await w.balance({ user, request_uuid: 'r' })).toEqual({ user, status: Status.UNKNOWN, request_uuid: 'r' });
    await createUsers(w, [user]);
    expect((await w.bet(betBody(ids, { user }))).status).toBe(user === '' ? Status.UNKNOWN : Status.OK);
  });
});

describe(onStore('after stop the operator operations change nothing'), () => {
  it('answers deposits and withdrawals RS_ERROR_UNKNOWN without a balance, and setUserDisabled false', async () => {
    const { w, ids } = await setup(['alice']);
    await w.stop();
    const credit = cashierBody(ids);
    expect(await deposit(w, credit)).toEqual({ user: 'alice', status: Status.UNKNOWN, request_uuid: credit.request_uuid });
    const debit = cashierBody(ids);
    expect(await withdraw(w, debit)).toEqual({ user: 'alice', status: Status.UNKNOWN, request_uuid: debit.request_uuid });
    expect(await setUserDisabled(w, 'alice', true)).toBe(false);
    await expect(createUsers(w, [{ user: 'eve', balance: 5 }])).resolves.toBeUndefined();
  });
});
