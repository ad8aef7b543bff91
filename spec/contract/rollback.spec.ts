import { describe, expect, it } from '@jest/globals';
import { Status } from '../../lib/index.js';
import { balanceOf, betBody, resent, rollbackBody, setup, uuid, winBody } from '../support/helpers.js';
import { onStore } from '../support/stores.js';

describe(onStore('rollback of an open bet refunds it and cancels it'), () => {
  it('refunds the amount with RS_OK', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { amount: 800 });
    await w.bet(bet);
    expect(await w.rollback(rollbackBody(ids, bet.transaction_uuid as string))).toMatchObject({
      status: Status.OK,
      balance: 100_000,
    });
  });

  it('cancels only the bet it names, even within one round', async () => {
    const { w, ids } = await setup();
    const first = betBody(ids, { amount: 100, round: 'r1' });
    const second = betBody(ids, { amount: 200, round: 'r1' });
    await w.bet(first);
    await w.bet(second);
    await w.rollback(rollbackBody(ids, first.transaction_uuid as string, { round: 'r1' }));
    expect(await balanceOf(w)).toBe(99_800);
    expect((await w.win(winBody(ids, second.transaction_uuid as string, { amount: 50 }))).status).toBe(Status.OK);
  });

  it('refunds a free bet of 0', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { amount: 0 });
    await w.bet(bet);
    expect((await w.rollback(rollbackBody(ids, bet.transaction_uuid as string))).status).toBe(Status.OK);
    expect((await w.win(winBody(ids, bet.transaction_uuid as string))).status).toBe(Status.TRANSACTION_ROLLED_BACK);
  });
});

describe(onStore('rollback of a bet that is already cancelled answers RS_OK and changes nothing'), () => {
  it('does not refund twice', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { amount: 800 });
    await w.bet(bet);
    await w.rollback(rollbackBody(ids, bet.transaction_uuid as string));
    await w.bet(betBody(ids, { amount: 10 }));
    expect(await w.rollback(rollbackBody(ids, bet.transaction_uuid as string))).toMatchObject({
      status: Status.OK,
      balance: 99_990,
    });
  });
});

describe(onStore('rollback of an unknown id answers RS_OK and reserves the id as cancelled'), () => {
  it('changes no balance', async () => {
    const { w, ids } = await setup();
    expect(await w.rollback(rollbackBody(ids, uuid(5000)))).toMatchObject({ status: Status.OK, balance: 100_000 });
  });

  it('refuses a late bet with that id with RS_ERROR_TRANSACTION_ROLLED_BACK', async () => {
    const { w, ids } = await setup();
    const late = betBody(ids, { amount: 900 });
    await w.rollback(rollbackBody(ids, late.transaction_uuid as string));
    expect(await w.bet(late)).toMatchObject({ status: Status.TRANSACTION_ROLLED_BACK, balance: 100_000 });
    expect(await w.bet(late)).toMatchObject({ status: Status.TRANSACTION_ROLLED_BACK, balance: 100_000 });
  });

  it('refuses any request that uses the id as its own, for any user', async () => {
    const { w, ids } = await setup();
    const reserved = ids.next();
    await w.rollback(rollbackBody(ids, reserved));
    expect((await w.bet(betBody(ids, { user: 'bob', transaction_uuid: reserved }))).status).toBe(
      Status.TRANSACTION_ROLLED_BACK,
    );
    const open = betBody(ids);
    await w.bet(open);
    expect((await w.win(winBody(ids, open.transaction_uuid as string, { transaction_uuid: reserved }))).status).toBe(
      Status.TRANSACTION_ROLLED_BACK,
    );
    expect((await w.rollback(rollbackBody(ids, uuid(6000), { transaction_uuid: reserved }))).status).toBe(
      Status.TRANSACTION_ROLLED_BACK,
    );
    expect(await balanceOf(w)).toBe(99_900);
  });

  it('refuses a win for the reserved bet with RS_ERROR_TRANSACTION_ROLLED_BACK', async () => {
    const { w, ids } = await setup();
    const reserved = ids.next();
    await w.rollback(rollbackBody(ids, reserved));
    expect((await w.win(winBody(ids, reserved))).status).toBe(Status.TRANSACTION_ROLLED_BACK);
  });

  it('answers a second rollback of the same id by the same user with RS_OK', async () => {
    const { w, ids } = await setup();
    const reserved = ids.next();
    await w.rollback(rollbackBody(ids, reserved));
    expect((await w.rollback(rollbackBody(ids, reserved))).status).toBe(Status.OK);
  });
});

describe(onStore('rollback of a bet that already has a win answers RS_ERROR_UNKNOWN'), () => {
  it('keeps the settled bet and its win', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { amount: 100 });
    await w.bet(bet);
    await w.win(winBody(ids, bet.transaction_uuid as string, { amount: 300 }));
    expect(await w.rollback(rollbackBody(ids, bet.transaction_uuid as string))).toMatchObject({
      status: Status.UNKNOWN,
      balance: 100_200,
    });
  });
});

describe(onStore('rollback of anything else answers RS_ERROR_TRANSACTION_DOES_NOT_EXIST'), () => {
  it("refuses another user's bet", async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { user: 'bob' });
    await w.bet(bet);
    expect((await w.rollback(rollbackBody(ids, bet.transaction_uuid as string))).status).toBe(
      Status.TRANSACTION_DOES_NOT_EXIST,
    );
    expect(await balanceOf(w, 'bob')).toBe(99_900);
    expect((await w.win(winBody(ids, bet.transaction_uuid as string, { user: 'bob' }))).status).toBe(Status.OK);
  });

  it("refuses an id another user's rollback reserved", async () => {
    const { w, ids } = await setup();
    const reserved = ids.next();
    await w.rollback(rollbackBody(ids, reserved, { user: 'bob' }));
    expect((await w.rollback(rollbackBody(ids, reserved))).status).toBe(Status.TRANSACTION_DOES_NOT_EXIST);
    expect((await w.win(winBody(ids, reserved))).status).toBe(Status.TRANSACTION_DOES_NOT_EXIST);
  });

  it('refuses a win and a rollback: wins are never rolled back', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids);
    const other = betBody(ids);
    await w.bet(bet);
    await w.bet(other);
    const win = winBody(ids, bet.transaction_uuid as string);
    await w.win(win);
    const rollback = rollbackBody(ids, other.transaction_uuid as string);
    await w.rollback(rollback);
    expect((await w.rollback(rollbackBody(ids, win.transaction_uuid as string))).status).toBe(
      Status.TRANSACTION_DOES_NOT_EXIST,
    );
    expect((await w.rollback(rollbackBody(ids, rollback.transaction_uuid as string))).status).toBe(
      Status.TRANSACTION_DOES_NOT_EXIST,
    );
    expect(await balanceOf(w)).toBe(100_150);
  });

  it('refuses a rollback that names itself', async () => {
    const { w, ids } = await setup();
    const id = ids.next();
    expect((await w.rollback(rollbackBody(ids, id, { transaction_uuid: id }))).status).toBe(
      Status.TRANSACTION_DOES_NOT_EXIST,
    );
    expect((await w.bet(betBody(ids, { transaction_uuid: id }))).status).toBe(Status.OK);
  });
});

describe(onStore('a successful rollback is recorded under its own transaction_uuid'), () => {
  it('replays the original response and refunds once', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { amount: 400 });
    await w.bet(bet);
    const rollback = rollbackBody(ids, bet.transaction_uuid as string);
    const original = await w.rollback(rollback);
    expect(await w.rollback(resent(rollback, ids))).toEqual(original);
    expect(await balanceOf(w)).toBe(100_000);
  });

  it('refuses its id reused for another bet with RS_ERROR_DUPLICATE_TRANSACTION', async () => {
    const { w, ids } = await setup();
    const first = betBody(ids);
    const second = betBody(ids);
    await w.bet(first);
    await w.bet(second);
    const rollback = rollbackBody(ids, first.transaction_uuid as string);
    await w.rollback(rollback);
    const reused = { ...rollback, reference_transaction_uuid: second.transaction_uuid, request_uuid: ids.next() };
    expect((await w.rollback(reused)).status).toBe(Status.DUPLICATE_TRANSACTION);
    expect(await balanceOf(w)).toBe(99_900);
  });

  it('records nothing when it fails', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids);
    await w.bet(bet);
    await w.win(winBody(ids, bet.transaction_uuid as string));
    const rollback = rollbackBody(ids, bet.transaction_uuid as string);
    expect((await w.rollback(rollback)).status).toBe(Status.UNKNOWN);
    const open = betBody(ids);
    await w.bet(open);
    const retry = { ...rollback, reference_transaction_uuid: open.transaction_uuid };
    expect((await w.rollback(retry)).status).toBe(Status.OK);
  });
});

describe(onStore('balance answers the current balance'), () => {
  it('answers RS_OK with the balance and echoes request_uuid', async () => {
    const { w, ids } = await setup();
    await w.bet(betBody(ids, { amount: 42 }));
    expect(await w.balance({ user: 'alice', request_uuid: uuid(1) })).toEqual({
      user: 'alice',
      status: Status.OK,
      request_uuid: uuid(1),
      currency: 'USD',
      balance: 99_958,
    });
  });

  it('answers "" for a request_uuid that is not a string', async () => {
    const { w } = await setup();
    expect((await w.handle('balance', { user: 'alice', request_uuid: 5 })).request_uuid).toBe('');
  });
});
