import { describe, expect, it } from '@jest/globals';
import { Status } from '../../lib/index.js';
import { balanceOf, betBody, resent, rollbackBody, setup, winBody } from '../support/helpers.js';
import { onStore } from '../support/stores.js';

describe(onStore('requests for one user are applied in arrival order'), () => {
  it('never overdraws under many concurrent bets', async () => {
    const { w, ids } = await setup();
    const responses = await Promise.all(Array.from({ length: 1000 }, () => w.bet(betBody(ids, { amount: 1000 }))));
    expect(responses.filter((r) => r.status === Status.OK)).toHaveLength(100);
    expect(responses.filter((r) => r.status === Status.NOT_ENOUGH_MONEY)).toHaveLength(900);
    // The first hundred to arrive are the ones applied.
    expect(responses.slice(0, 100).every((r) => r.status === Status.OK)).toBe(true);
    expect(await balanceOf(w)).toBe(0);
  });

  it('applies a bet, its win and a late rollback in the order sent', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { amount: 100 });
    const [placed, won, refused] = await Promise.all([
      w.bet(bet),
      w.win(winBody(ids, bet.transaction_uuid as string, { amount: 500 })),
      w.rollback(rollbackBody(ids, bet.transaction_uuid as string)),
    ]);
    expect([placed.status, won.status, refused.status]).toEqual([Status.OK, Status.OK, Status.UNKNOWN]);
    expect(await balanceOf(w)).toBe(100_400);
  });

  it('lets a rollback sent before its bet cancel it', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { amount: 100 });
    const [rolled, late] = await Promise.all([w.rollback(rollbackBody(ids, bet.transaction_uuid as string)), w.bet(bet)]);
    expect([rolled.status, late.status]).toEqual([Status.OK, Status.TRANSACTION_ROLLED_BACK]);
    expect(await balanceOf(w)).toBe(100_000);
  });
});

describe(onStore('a transaction_uuid in flight more than once is applied once'), () => {
  it('gives identical copies sent at once one answer, applied once', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { amount: 250 });
    const responses = await Promise.all(Array.from({ length: 50 }, () => w.bet(resent(bet, ids))));
    const first = responses[0];
    expect(first?.status).toBe(Status.OK);
    for (const response of responses) expect(response).toEqual(first);
    expect(await balanceOf(w)).toBe(99_750);
  });

  it('applies one id sent for two users at once for the first only', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { amount: 250 });
    const [alice, bob] = await Promise.all([w.bet(bet), w.bet({ ...bet, user: 'bob' })]);
    expect([alice.status, bob.status]).toEqual([Status.OK, Status.DUPLICATE_TRANSACTION]);
    expect(await balanceOf(w, 'alice')).toBe(99_750);
    expect(await balanceOf(w, 'bob')).toBe(100_000);
  });

  it('pays one win sent many times at once', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { amount: 100 });
    await w.bet(bet);
    const win = winBody(ids, bet.transaction_uuid as string, { amount: 1000 });
    const responses = await Promise.all(Array.from({ length: 20 }, () => w.win(resent(win, ids))));
    expect(new Set(responses.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(await balanceOf(w)).toBe(100_900);
  });
});

describe(onStore('stop'), () => {
  it('answers requests sent before it, then refuses new ones with RS_ERROR_UNKNOWN and reads no state', async () => {
    const { w, ids } = await setup();
    const before = w.bet(betBody(ids, { amount: 10 }));
    const users = await w.stats();
    await w.stop();
    expect((await before).status).toBe(Status.OK);
    const late = betBody(ids, { amount: 10 });
    expect(await w.bet(late)).toEqual({ user: 'alice', status: Status.UNKNOWN, request_uuid: late.request_uuid });
    expect(await w.balance({ user: 'alice', request_uuid: 'r' })).toEqual({ user: 'alice', status: Status.UNKNOWN, request_uuid: 'r' });
    await w.createUsers(['carol']);
    await expect(w.stop()).resolves.toBeUndefined();
    expect(users.users).toBe(2);
  });
});
