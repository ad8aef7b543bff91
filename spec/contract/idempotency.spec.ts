import { describe, expect, it } from '@jest/globals';
import { Status } from '../../lib/index.js';
import { balanceOf, betBody, type Ids, resent, rollbackBody, setup, winBody } from '../support/helpers.js';
import { onStore } from '../support/stores.js';

describe(onStore('requirement 2: bets and wins are applied once per transaction_uuid'), () => {
  it('applies a retried bet once', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { amount: 700 });
    for (let attempt = 0; attempt < 5; attempt += 1) await w.bet(resent(bet, ids));
    expect(await balanceOf(w)).toBe(99_300);
    expect((await w.stats()).transactions).toBe(1);
  });

  it('applies a retried win once', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { amount: 700 });
    await w.bet(bet);
    const win = winBody(ids, bet.transaction_uuid as string, { amount: 2000 });
    for (let attempt = 0; attempt < 5; attempt += 1) await w.win(resent(win, ids));
    expect(await balanceOf(w)).toBe(101_300);
  });
});

describe(onStore('requirement 3: a duplicate request gets the original response'), () => {
  it('replays the stored response byte for byte, with the original request_uuid and balance', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { amount: 500 });
    const original = await w.bet(bet);
    await w.bet(betBody(ids, { amount: 1000 }));
    const replay = await w.bet(resent(bet, ids));
    expect(JSON.stringify(replay)).toBe(JSON.stringify(original));
    expect(replay).toMatchObject({ request_uuid: bet.request_uuid, balance: 99_500 });
    expect(await balanceOf(w)).toBe(98_500);
  });

  it('replays wins and rollbacks too', async () => {
    const { w, ids } = await setup();
    const first = betBody(ids);
    const second = betBody(ids);
    await w.bet(first);
    await w.bet(second);
    const win = winBody(ids, first.transaction_uuid as string);
    const rollback = rollbackBody(ids, second.transaction_uuid as string);
    const wonAt = await w.win(win);
    const rolledAt = await w.rollback(rollback);
    await w.bet(betBody(ids, { amount: 1 }));
    expect(await w.win(resent(win, ids))).toEqual(wonAt);
    expect(await w.rollback(resent(rollback, ids))).toEqual(rolledAt);
  });

  it('does not care about key order', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { meta: { a: 1, b: [1, 2] } });
    const original = await w.bet(bet);
    const reordered = Object.fromEntries(Object.entries(bet).reverse());
    reordered.meta = { b: [1, 2], a: 1 };
    expect(await w.handle('bet', reordered)).toEqual(original);
  });

  it('replays the same answer even if a caller changed the response it was given', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids);
    const original = (await w.bet(bet)) as { balance: number };
    original.balance = 1;
    expect(await w.bet(bet)).toMatchObject({ balance: 99_900 });
  });
});

describe(onStore('requirement 4: a reused transaction_uuid with other parameters is refused'), () => {
  it.each([
    ['amount', { amount: 101 }],
    ['currency', { currency: 'EUR' }],
    ['a nested meta value', { meta: { spin: 2 } }],
    ['an extra field', { round: 'r-2' }],
  ])('refuses a bet whose %s changed with RS_ERROR_DUPLICATE_TRANSACTION', async (_, changed) => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { meta: { spin: 1 } });
    await w.bet(bet);
    const response = await w.bet({ ...bet, ...changed, request_uuid: ids.next() });
    expect(response.status).toBe(Status.DUPLICATE_TRANSACTION);
    expect(await balanceOf(w)).toBe(99_900);
  });

  it('answers a duplicate with the current balance and its own request_uuid', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids);
    await w.bet(bet);
    await w.bet(betBody(ids, { amount: 50 }));
    const reused = { ...bet, amount: 1, request_uuid: ids.next() };
    expect(await w.bet(reused)).toEqual({
      user: 'alice',
      status: Status.DUPLICATE_TRANSACTION,
      request_uuid: reused.request_uuid,
      currency: 'USD',
      balance: 99_850,
    });
  });

  it('keeps ids unique across users', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids);
    await w.bet(bet);
    expect((await w.bet({ ...bet, user: 'bob' })).status).toBe(Status.DUPLICATE_TRANSACTION);
    expect(await balanceOf(w, 'bob')).toBe(100_000);
  });

  it('keeps ids unique across operations', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids);
    await w.bet(bet);
    const win = winBody(ids, bet.transaction_uuid as string, { transaction_uuid: bet.transaction_uuid });
    expect((await w.win(win)).status).toBe(Status.DUPLICATE_TRANSACTION);
    const rollback = rollbackBody(ids, bet.transaction_uuid as string, { transaction_uuid: bet.transaction_uuid });
    expect((await w.rollback(rollback)).status).toBe(Status.DUPLICATE_TRANSACTION);
    expect(await balanceOf(w)).toBe(99_900);
  });
});

describe(onStore('ids compare case-insensitively: an id in upper case names the same transaction'), () => {
  /** A fresh id with hex letters in it, so that upper-casing it changes it. */
  const lettered = (ids: Ids): string => ids.next().replace(/^0{8}/, 'abcdef00');
  const upper = (id: string): string => id.toUpperCase();

  it('replays an upper-cased retry of a bet byte for byte and debits once', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { transaction_uuid: lettered(ids), amount: 700 });
    const original = await w.bet(bet);
    const retry = await w.bet({ ...bet, transaction_uuid: upper(bet.transaction_uuid), request_uuid: ids.next() });
    expect(JSON.stringify(retry)).toBe(JSON.stringify(original));
    expect(await balanceOf(w)).toBe(99_300);
    expect((await w.stats()).transactions).toBe(1);
  });

  it('replays a lower-cased retry of an upper-case bet, and of a win whose reference changed case', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { transaction_uuid: upper(lettered(ids)) });
    const original = await w.bet(bet);
    expect(await w.bet(resent({ ...bet, transaction_uuid: bet.transaction_uuid.toLowerCase() }, ids))).toEqual(original);
    const win = winBody(ids, bet.transaction_uuid, { transaction_uuid: lettered(ids) });
    const paid = await w.win(win);
    expect(paid).toMatchObject({ status: Status.OK, balance: 100_150 });
    expect(await w.win(resent({ ...win, reference_transaction_uuid: win.reference_transaction_uuid.toLowerCase() }, ids))).toEqual(paid);
    expect((await w.stats()).transactions).toBe(2);
  });

  it('refuses an upper-cased reuse with other parameters as a duplicate', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { transaction_uuid: lettered(ids) });
    await w.bet(bet);
    const reused = await w.bet({ ...bet, transaction_uuid: upper(bet.transaction_uuid), amount: 101, request_uuid: ids.next() });
    expect(reused.status).toBe(Status.DUPLICATE_TRANSACTION);
    expect(await balanceOf(w)).toBe(99_900);
  });

  it('pays a win whose reference names the bet in upper case, once', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { transaction_uuid: lettered(ids) });
    await w.bet(bet);
    expect(await w.win(winBody(ids, upper(bet.transaction_uuid)))).toMatchObject({ status: Status.OK, balance: 100_150 });
    expect((await w.win(winBody(ids, bet.transaction_uuid))).status).toBe(Status.UNKNOWN);
    expect(await balanceOf(w)).toBe(100_150);
  });

  it('refunds a bet that a rollback names in upper case, and the bet can no longer be won', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { transaction_uuid: lettered(ids), amount: 700 });
    await w.bet(bet);
    expect(await w.rollback(rollbackBody(ids, upper(bet.transaction_uuid)))).toMatchObject({ status: Status.OK, balance: 100_000 });
    expect((await w.win(winBody(ids, bet.transaction_uuid))).status).toBe(Status.TRANSACTION_ROLLED_BACK);
    expect(await balanceOf(w)).toBe(100_000);
  });

  it('reserves an unknown id a rollback names in upper case against a later bet in lower case', async () => {
    const { w, ids } = await setup();
    const late = lettered(ids);
    expect((await w.rollback(rollbackBody(ids, upper(late)))).status).toBe(Status.OK);
    expect((await w.bet(betBody(ids, { transaction_uuid: late }))).status).toBe(Status.TRANSACTION_ROLLED_BACK);
    expect(await balanceOf(w)).toBe(100_000);
  });

  it('does not let a rollback name itself in another case', async () => {
    const { w, ids } = await setup();
    const own = lettered(ids);
    const response = await w.rollback(rollbackBody(ids, upper(own), { transaction_uuid: own }));
    expect(response.status).toBe(Status.TRANSACTION_DOES_NOT_EXIST);
  });

  it('echoes request_uuid exactly as it was sent', async () => {
    const { w, ids } = await setup();
    const request_uuid = upper(lettered(ids));
    const bet = betBody(ids, { transaction_uuid: lettered(ids), request_uuid });
    expect((await w.bet(bet)).request_uuid).toBe(request_uuid);
    const mixed = 'AbCdEf00-0000-4000-8000-00000000000a';
    expect((await w.bet({ ...bet, amount: 5, request_uuid: mixed })).request_uuid).toBe(mixed);
    expect((await w.balance({ user: 'alice', request_uuid: mixed })).request_uuid).toBe(mixed);
  });
});

describe(onStore('requirement 7: a failed request records nothing, so its transaction_uuid can be used again'), () => {
  it('accepts the same bet once the balance covers it', async () => {
    const { w, ids } = await setup();
    const big = betBody(ids, { amount: 100_000 });
    const small = betBody(ids, { amount: 1 });
    await w.bet(small);
    expect((await w.bet(big)).status).toBe(Status.NOT_ENOUGH_MONEY);
    const win = winBody(ids, small.transaction_uuid as string, { amount: 1 });
    await w.win(win);
    expect(await w.bet(resent(big, ids))).toMatchObject({ status: Status.OK, balance: 0 });
  });

  it('accepts the id with corrected parameters', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { currency: 'EUR' });
    expect((await w.bet(bet)).status).toBe(Status.WRONG_CURRENCY);
    expect((await w.bet({ ...bet, currency: 'USD', request_uuid: ids.next() })).status).toBe(Status.OK);
  });

  it('accepts the id of a failed win for a different operation', async () => {
    const { w, ids } = await setup();
    const win = winBody(ids, ids.next());
    expect((await w.win(win)).status).toBe(Status.TRANSACTION_DOES_NOT_EXIST);
    expect((await w.bet(betBody(ids, { transaction_uuid: win.transaction_uuid }))).status).toBe(Status.OK);
  });

  it('judges a retried failure afresh', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { amount: 100_001 });
    expect((await w.bet(bet)).status).toBe(Status.NOT_ENOUGH_MONEY);
    expect((await w.bet(resent(bet, ids))).status).toBe(Status.NOT_ENOUGH_MONEY);
    expect((await w.stats()).transactions).toBe(0);
  });
});

describe(onStore('balance records nothing'), () => {
  it('leaves every id free', async () => {
    const { w, ids } = await setup();
    const id = ids.next();
    await w.balance({ user: 'alice', request_uuid: id, transaction_uuid: id });
    expect((await w.bet(betBody(ids, { transaction_uuid: id }))).status).toBe(Status.OK);
    expect((await w.stats()).transactions).toBe(1);
  });
});

describe(onStore('SPEC 9: other string fields are kept and fingerprinted exactly as sent, on every store'), () => {
  // PostgreSQL text cannot hold NUL and would alter a lone surrogate: a store must not refuse or change such a value.
  const odd = { round: 'r\u0000\ud800', game_code: 'g\udfff', meta: { note: 'a\u0000b\ud800c', list: ['\u0000', '\udc00x'] } };

  it('replays a bet whose round, game_code and meta hold NUL and lone surrogates byte for byte, and debits once', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { amount: 300, ...odd });
    const original = await w.bet(bet);
    expect(original.status).toBe(Status.OK);
    await w.bet(betBody(ids, { amount: 1 }));
    expect(JSON.stringify(await w.bet(resent(bet, ids)))).toBe(JSON.stringify(original));
    const win = winBody(ids, bet.transaction_uuid, odd);
    const won = await w.win(win);
    expect(JSON.stringify(await w.win(resent(win, ids)))).toBe(JSON.stringify(won));
    expect(await balanceOf(w)).toBe(100_000 - 300 - 1 + 250);
  });

  it('refuses as a duplicate a retry whose NUL or lone surrogate changed', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { amount: 300, ...odd });
    await w.bet(bet);
    const changed = [
      { round: 'r\u0001\ud800' },
      { round: 'r\u0000\ud801' },
      { round: 'r\u0000\ufffd' },
      { game_code: 'g\udffe' },
      { meta: { ...odd.meta, note: 'a\u0000b\udbffc' } },
      { meta: { ...odd.meta, list: ['\u0000', '\udc01x'] } },
    ];
    for (const fields of changed) expect((await w.bet({ ...resent(bet, ids), ...fields })).status).toBe(Status.DUPLICATE_TRANSACTION);
    expect(await balanceOf(w)).toBe(100_000 - 300);
  });
});
