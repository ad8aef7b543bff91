/**
 * SPEC 12: responsible-gambling limits. Every engine here reads a clock the test moves by hand;
 * periods are calendar periods in UTC (the day, the ISO week from Monday 00:00, the month).
 */
import { describe, expect, it } from '@jest/globals';
import {
  closeSession,
  getLimits,
  InvalidFieldError,
  openSession,
  setLimits,
  setUserDisabled,
  Status,
  type LimitName,
  type LimitsReport,
  type Session,
  type Wallet,
} from '../../lib/index.js';
import { onStore, start } from '../support/stores.js';
import { RESTART_STORE, startRestartable } from '../support/restart.js';
import { balanceOf, betBody, Ids, rollbackBody, winBody } from '../support/helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Monday 2026-12-07, 12:00 UTC. */
const START = Date.UTC(2026, 11, 7, 12);
const LIMITS: readonly LimitName[] = ['wager_day', 'wager_week', 'wager_month', 'loss_day', 'loss_week', 'loss_month'];
const NONE = { wager_day: null, wager_week: null, wager_month: null, loss_day: null, loss_week: null, loss_month: null };
const ZERO = { wager_day: 0, wager_week: 0, wager_month: 0, loss_day: 0, loss_week: 0, loss_month: 0 };

interface Clock {
  now: number;
}

/** An engine on this run's store with alice and bob, its clock at `at`. */
async function engine(at = START, requireToken = false): Promise<{ w: Wallet; clock: Clock; ids: Ids }> {
  const clock: Clock = { now: at };
  const w = start({ clock: () => clock.now, requireToken });
  await w.createUsers(['alice', 'bob']);
  return { w, clock, ids: new Ids() };
}

async function report(w: Wallet, user = 'alice'): Promise<LimitsReport> {
  const answer = await getLimits(w, user);
  if (answer === undefined) throw new Error(`no limits for ${user}`);
  return answer;
}

async function usage(w: Wallet, user = 'alice'): Promise<LimitsReport['usage']> {
  return (await report(w, user)).usage;
}

const iso = (time: number): string => new Date(time).toISOString();

/** Places an alice bet of `amount` (plus fields); resolves to its body and status. */
async function bet(w: Wallet, ids: Ids, amount: number, fields: Record<string, unknown> = {}): Promise<{ body: ReturnType<typeof betBody>; status: string }> {
  const body = betBody(ids, { amount, ...fields });
  return { body, status: (await w.handle('bet', body)).status };
}

describe(onStore('each of the six limits refuses a bet that, counted, would take the current period past it: RS_ERROR_LIMIT_REACHED with the balance, nothing changed'), () => {
  it.each(LIMITS)('%s', async (name) => {
    const { w, ids } = await engine();
    await setLimits(w, 'alice', { [name]: 1_000 });
    const first = await bet(w, ids, 600);
    expect(first.status).toBe(Status.OK);
    const over = betBody(ids, { amount: 401 });
    expect(await w.bet(over)).toEqual({ user: 'alice', status: Status.LIMIT_REACHED, request_uuid: over.request_uuid, currency: 'USD', balance: 99_400 });
    expect(await balanceOf(w)).toBe(99_400);
    expect((await usage(w))[name]).toBe(600);
    // The refused id recorded nothing: another user may use it.
    expect((await w.bet(betBody(ids, { user: 'bob', transaction_uuid: over.transaction_uuid }))).status).toBe(Status.OK);
    // Up to the limit exactly is accepted; one unit more is not.
    expect((await bet(w, ids, 400)).status).toBe(Status.OK);
    expect((await bet(w, ids, 1)).status).toBe(Status.LIMIT_REACHED);
    expect(await w.win(winBody(ids, first.body.transaction_uuid, { amount: 300 }))).toMatchObject({ status: Status.OK });
    if (name.startsWith('loss')) {
      // A win lowers the loss, so 300 more may be lost.
      expect((await bet(w, ids, 300)).status).toBe(Status.OK);
    }
    expect((await bet(w, ids, 1)).status).toBe(Status.LIMIT_REACHED);
    expect((await usage(w))[name]).toBe(1_000);
  });

  it("limits only its own user: bob's bets are not counted against alice's limit", async () => {
    const { w, ids } = await engine();
    await setLimits(w, 'alice', { wager_day: 100 });
    expect((await w.bet(betBody(ids, { user: 'bob', amount: 5_000 }))).status).toBe(Status.OK);
    expect((await bet(w, ids, 100)).status).toBe(Status.OK);
    expect((await usage(w, 'bob')).wager_day).toBe(5_000);
  });

  it('refuses a bet that passes any one of several limits', async () => {
    const { w, clock, ids } = await engine();
    await setLimits(w, 'alice', { wager_day: 1_000, wager_week: 1_500 });
    expect((await bet(w, ids, 1_000)).status).toBe(Status.OK);
    clock.now += DAY;
    expect((await bet(w, ids, 600)).status).toBe(Status.LIMIT_REACHED);
    expect((await bet(w, ids, 500)).status).toBe(Status.OK);
  });

  it('with a limit of 0 refuses every bet of a positive amount', async () => {
    const { w, ids } = await engine();
    await setLimits(w, 'alice', { loss_month: 0 });
    expect((await bet(w, ids, 1)).status).toBe(Status.LIMIT_REACHED);
    expect(await balanceOf(w)).toBe(100_000);
  });
});

describe(onStore('the limit check comes after the currency check and before the balance check'), () => {
  it('answers RS_ERROR_WRONG_CURRENCY to a bet in another currency past the limit', async () => {
    const { w, ids } = await engine();
    await setLimits(w, 'alice', { wager_day: 10 });
    expect((await bet(w, ids, 50, { currency: 'EUR' })).status).toBe(Status.WRONG_CURRENCY);
  });

  it('answers RS_ERROR_LIMIT_REACHED, not RS_ERROR_NOT_ENOUGH_MONEY, to a bet past both the limit and the balance', async () => {
    const { w, ids } = await engine();
    await setLimits(w, 'alice', { wager_week: 10 });
    const body = betBody(ids, { amount: 200_000 });
    expect(await w.bet(body)).toEqual({ user: 'alice', status: Status.LIMIT_REACHED, request_uuid: body.request_uuid, currency: 'USD', balance: 100_000 });
  });

  it('answers RS_ERROR_USER_DISABLED to a disabled user past the limit, and checks 1 to 4 before that', async () => {
    const { w, ids } = await engine();
    await setLimits(w, 'alice', { wager_day: 10 });
    expect((await bet(w, ids, 50, { transaction_uuid: 'nope' })).status).toBe(Status.WRONG_TYPES);
    expect((await bet(w, ids, -50)).status).toBe(Status.UNKNOWN);
    await setUserDisabled(w, 'alice', true);
    expect((await bet(w, ids, 50)).status).toBe(Status.USER_DISABLED);
  });

  it('answers RS_ERROR_NOT_ENOUGH_MONEY to a bet within the limit but past the balance', async () => {
    const { w, ids } = await engine();
    await setLimits(w, 'alice', { wager_day: 500_000 });
    expect((await bet(w, ids, 100_001)).status).toBe(Status.NOT_ENOUGH_MONEY);
  });
});

describe(onStore('replays, wins and rollbacks are never refused by a limit'), () => {
  it('replays an exact retry of a bet accepted before its limit was reached, and answers a differing reuse of its id as a duplicate', async () => {
    const { w, ids } = await engine();
    const body = betBody(ids, { amount: 800 });
    const original = await w.bet(body);
    await setLimits(w, 'alice', { wager_day: 500, loss_day: 0 });
    expect(await w.bet({ ...body, request_uuid: ids.next() })).toEqual(original);
    expect((await w.bet({ ...body, amount: 1, request_uuid: ids.next() })).status).toBe(Status.DUPLICATE_TRANSACTION);
    expect((await usage(w)).wager_day).toBe(800);
    expect(await balanceOf(w)).toBe(99_200);
  });

  it('replays an exact retry with tokens required, the limit reached and the session closed', async () => {
    const { w, ids } = await engine(START, true);
    const { token } = (await openSession(w, { user: 'alice' })) as Session;
    const body = betBody(ids, { amount: 800, token });
    const original = await w.bet(body);
    expect(original.status).toBe(Status.OK);
    await setLimits(w, 'alice', { wager_day: 800 });
    await closeSession(w, token);
    expect(await w.bet({ ...body, request_uuid: ids.next() })).toEqual(original);
  });

  it('pays a win and cancels a bet with every limit at 0 and passed', async () => {
    const { w, ids } = await engine();
    const first = await bet(w, ids, 300);
    const second = await bet(w, ids, 200);
    await setLimits(w, 'alice', { ...ZERO });
    expect((await w.win(winBody(ids, first.body.transaction_uuid, { amount: 0 }))).status).toBe(Status.OK);
    expect((await w.rollback(rollbackBody(ids, second.body.transaction_uuid))).status).toBe(Status.OK);
    expect(await balanceOf(w)).toBe(99_700);
  });
});

describe(onStore('periods are calendar periods in UTC: a day ends at 24:00 UTC'), () => {
  it('counts a bet at 23:59:59.999 in its day, and starts the next day at 0 at 00:00', async () => {
    const { w, clock, ids } = await engine(Date.UTC(2026, 11, 8, 0, 0, 0));
    await setLimits(w, 'alice', { wager_day: 1_000, loss_day: 1_000 });
    expect((await bet(w, ids, 400)).status).toBe(Status.OK);
    clock.now = Date.UTC(2026, 11, 8, 23, 59, 59, 999);
    expect((await bet(w, ids, 600)).status).toBe(Status.OK);
    expect((await bet(w, ids, 1)).status).toBe(Status.LIMIT_REACHED);
    clock.now = Date.UTC(2026, 11, 9);
    expect(await usage(w)).toEqual({ ...ZERO, wager_week: 1_000, wager_month: 1_000, loss_week: 1_000, loss_month: 1_000 });
    expect((await bet(w, ids, 1_000)).status).toBe(Status.OK);
    expect((await bet(w, ids, 1)).status).toBe(Status.LIMIT_REACHED);
  });

  it('does not carry a negative loss of one day into the next', async () => {
    const { w, clock, ids } = await engine();
    await setLimits(w, 'alice', { loss_day: 100 });
    const first = await bet(w, ids, 100);
    await w.win(winBody(ids, first.body.transaction_uuid, { amount: 5_000 }));
    expect((await usage(w)).loss_day).toBe(-4_900);
    clock.now = Date.UTC(2026, 11, 8);
    expect((await usage(w)).loss_day).toBe(0);
    expect((await bet(w, ids, 101)).status).toBe(Status.LIMIT_REACHED);
  });
});

describe(onStore('periods are calendar periods in UTC: an ISO week starts on Monday 00:00 UTC'), () => {
  it('counts Monday to Sunday 23:59:59.999 in one week, and starts the next at 0 on Monday 00:00', async () => {
    const { w, clock, ids } = await engine(Date.UTC(2026, 11, 7));
    await setLimits(w, 'alice', { wager_week: 1_000, loss_week: 2_000 });
    expect((await bet(w, ids, 500)).status).toBe(Status.OK);
    clock.now = Date.UTC(2026, 11, 13, 23, 59, 59, 999); // Sunday
    expect((await bet(w, ids, 500)).status).toBe(Status.OK);
    expect((await bet(w, ids, 1)).status).toBe(Status.LIMIT_REACHED);
    clock.now = Date.UTC(2026, 11, 14); // Monday
    expect(await usage(w)).toEqual({ ...ZERO, wager_month: 1_000, loss_month: 1_000 });
    expect((await bet(w, ids, 1_000)).status).toBe(Status.OK);
    expect((await bet(w, ids, 1)).status).toBe(Status.LIMIT_REACHED);
  });

  it('keeps one week across a month boundary (Monday 2026-12-28 to Sunday 2027-01-03)', async () => {
    const { w, clock, ids } = await engine(Date.UTC(2026, 11, 28));
    await setLimits(w, 'alice', { wager_week: 1_000 });
    expect((await bet(w, ids, 700)).status).toBe(Status.OK);
    clock.now = Date.UTC(2027, 0, 3, 12);
    expect(await usage(w)).toEqual({ ...ZERO, wager_week: 700, loss_week: 700 });
    expect((await bet(w, ids, 301)).status).toBe(Status.LIMIT_REACHED);
    expect((await bet(w, ids, 300)).status).toBe(Status.OK);
  });

  it('starts ISO week 1 of 2026 on Monday 2025-12-29, not on January 1st', async () => {
    const { w, clock, ids } = await engine(Date.UTC(2025, 11, 29, 8));
    await setLimits(w, 'alice', { wager_week: 1_000 });
    expect((await bet(w, ids, 1_000)).status).toBe(Status.OK);
    clock.now = Date.UTC(2026, 0, 1, 8);
    expect((await bet(w, ids, 1)).status).toBe(Status.LIMIT_REACHED);
    clock.now = Date.UTC(2026, 0, 5);
    expect((await bet(w, ids, 1_000)).status).toBe(Status.OK);
  });
});

describe(onStore('periods are calendar periods in UTC: a month ends at the end of its last day'), () => {
  it('counts a bet on the 31st at 23:59:59.999 in December and starts January at 0', async () => {
    const { w, clock, ids } = await engine(Date.UTC(2026, 11, 1));
    await setLimits(w, 'alice', { wager_month: 1_000, loss_month: 1_000 });
    expect((await bet(w, ids, 400)).status).toBe(Status.OK);
    clock.now = Date.UTC(2026, 11, 31, 23, 59, 59, 999);
    expect((await bet(w, ids, 600)).status).toBe(Status.OK);
    expect((await bet(w, ids, 1)).status).toBe(Status.LIMIT_REACHED);
    clock.now = Date.UTC(2027, 0, 1);
    // Thursday the 31st and Friday the 1st are of one ISO week.
    expect(await usage(w)).toEqual({ ...ZERO, wager_week: 600, loss_week: 600 });
    expect((await bet(w, ids, 1_000)).status).toBe(Status.OK);
    expect((await bet(w, ids, 1)).status).toBe(Status.LIMIT_REACHED);
  });

  it('ends February on the 28th in 2027 and on the 29th in 2028', async () => {
    const { w, clock, ids } = await engine(Date.UTC(2027, 1, 28, 23));
    await setLimits(w, 'alice', { wager_month: 100 });
    expect((await bet(w, ids, 100)).status).toBe(Status.OK);
    clock.now = Date.UTC(2027, 2, 1);
    expect((await bet(w, ids, 100)).status).toBe(Status.OK);
    clock.now = Date.UTC(2028, 1, 28, 23);
    expect((await bet(w, ids, 100)).status).toBe(Status.OK);
    clock.now = Date.UTC(2028, 1, 29, 23);
    expect((await bet(w, ids, 1)).status).toBe(Status.LIMIT_REACHED);
  });
});

describe(onStore('usage is exact: wager = bets less cancelled bets, loss = wager less wins paid; free bets, cashier operations, refusals and replays count nowhere'), () => {
  it('sums bets, wins and rollbacks of the current periods exactly', async () => {
    const { w, ids } = await engine();
    const a = await bet(w, ids, 100);
    const b = await bet(w, ids, 200);
    await bet(w, ids, 400);
    await w.win(winBody(ids, a.body.transaction_uuid, { amount: 50 }));
    await w.rollback(rollbackBody(ids, b.body.transaction_uuid));
    const all = { wager_day: 500, wager_week: 500, wager_month: 500, loss_day: 450, loss_week: 450, loss_month: 450 };
    expect(await usage(w)).toEqual(all);
    // Replays of each, a rollback of the cancelled bet again, refused requests: nothing moves.
    await w.bet({ ...a.body, request_uuid: ids.next() });
    await w.rollback(rollbackBody(ids, b.body.transaction_uuid));
    await w.win(winBody(ids, a.body.transaction_uuid, { amount: 50 }));
    await w.bet(betBody(ids, { amount: 1_000_000 }));
    await w.bet(betBody(ids, { currency: 'EUR' }));
    expect(await usage(w)).toEqual(all);
  });

  it('lets the loss go negative when wins pass the wager', async () => {
    const { w, ids } = await engine();
    const a = await bet(w, ids, 100);
    await w.win(winBody(ids, a.body.transaction_uuid, { amount: 500 }));
    expect(await usage(w)).toEqual({ wager_day: 100, wager_week: 100, wager_month: 100, loss_day: -400, loss_week: -400, loss_month: -400 });
    await setLimits(w, 'alice', { loss_day: 0 });
    expect((await bet(w, ids, 401)).status).toBe(Status.LIMIT_REACHED);
    expect((await bet(w, ids, 400)).status).toBe(Status.OK);
    expect((await usage(w)).loss_day).toBe(0);
  });

  it('counts a free bet (is_free: true) and its win in neither wager nor loss, and a free bet passes a limit it would exceed', async () => {
    const { w, ids } = await engine();
    await setLimits(w, 'alice', { wager_day: 100, loss_day: 100 });
    const free = await bet(w, ids, 300, { is_free: true });
    expect(free.status).toBe(Status.OK);
    expect(await balanceOf(w)).toBe(99_700);
    await w.win(winBody(ids, free.body.transaction_uuid, { amount: 2_000 }));
    expect(await usage(w)).toEqual(ZERO);
    const other = await bet(w, ids, 50, { is_free: true });
    await w.rollback(rollbackBody(ids, other.body.transaction_uuid));
    expect(await usage(w)).toEqual(ZERO);
    expect((await bet(w, ids, 100)).status).toBe(Status.OK);
  });

  it('counts a bet with is_free: false like any bet', async () => {
    const { w, ids } = await engine();
    await bet(w, ids, 300, { is_free: false });
    expect((await usage(w)).wager_day).toBe(300);
  });

  it('counts deposits and withdrawals nowhere', async () => {
    const { w, ids } = await engine();
    await w.deposit({ user: 'alice', transaction_uuid: ids.next(), request_uuid: ids.next(), currency: 'USD', amount: 5_000 });
    await w.withdraw({ user: 'alice', transaction_uuid: ids.next(), request_uuid: ids.next(), currency: 'USD', amount: 7_000 });
    expect(await usage(w)).toEqual(ZERO);
    expect(await balanceOf(w)).toBe(98_000);
  });

  it('counts a win in the period it is paid in, not that of its bet', async () => {
    const { w, clock, ids } = await engine();
    const a = await bet(w, ids, 100);
    clock.now += DAY;
    await w.win(winBody(ids, a.body.transaction_uuid, { amount: 500 }));
    expect(await usage(w)).toEqual({ wager_day: 0, wager_week: 100, wager_month: 100, loss_day: -500, loss_week: -400, loss_month: -400 });
  });
});

describe(onStore("a rollback of a bet made in an earlier period reduces that period's sums, never the current period's"), () => {
  it('a bet of Monday cancelled on Tuesday leaves Tuesday at its own bets and takes it off the week and the month', async () => {
    const { w, clock, ids } = await engine();
    const monday = await bet(w, ids, 300);
    clock.now += DAY;
    await setLimits(w, 'alice', { wager_day: 100 });
    expect((await bet(w, ids, 100)).status).toBe(Status.OK);
    await w.rollback(rollbackBody(ids, monday.body.transaction_uuid));
    expect(await usage(w)).toEqual({ wager_day: 100, wager_week: 100, wager_month: 100, loss_day: 100, loss_week: 100, loss_month: 100 });
    // Tuesday is still at its limit: the rollback did not make room in it.
    expect((await bet(w, ids, 1)).status).toBe(Status.LIMIT_REACHED);
    expect(await balanceOf(w)).toBe(99_900);
  });

  it("a bet of last week cancelled this week leaves this week's sum alone", async () => {
    const { w, clock, ids } = await engine(Date.UTC(2026, 11, 13, 22)); // Sunday
    const sunday = await bet(w, ids, 300);
    clock.now = Date.UTC(2026, 11, 14, 1); // Monday
    await setLimits(w, 'alice', { wager_week: 200 });
    expect((await bet(w, ids, 200)).status).toBe(Status.OK);
    await w.rollback(rollbackBody(ids, sunday.body.transaction_uuid));
    expect(await usage(w)).toEqual({ wager_day: 200, wager_week: 200, wager_month: 200, loss_day: 200, loss_week: 200, loss_month: 200 });
    expect((await bet(w, ids, 1)).status).toBe(Status.LIMIT_REACHED);
  });

  it("a bet of December cancelled in January comes off the shared ISO week only, not January's month", async () => {
    const { w, clock, ids } = await engine(Date.UTC(2026, 11, 31, 20));
    const december = await bet(w, ids, 300);
    clock.now = Date.UTC(2027, 0, 1, 2);
    expect((await bet(w, ids, 100)).status).toBe(Status.OK);
    await w.rollback(rollbackBody(ids, december.body.transaction_uuid));
    expect(await usage(w)).toEqual({ wager_day: 100, wager_week: 100, wager_month: 100, loss_day: 100, loss_week: 100, loss_month: 100 });
  });

  it('a bet cancelled in its own period comes off all three', async () => {
    const { w, clock, ids } = await engine();
    const a = await bet(w, ids, 300);
    clock.now += HOUR;
    await w.rollback(rollbackBody(ids, a.body.transaction_uuid));
    expect(await usage(w)).toEqual(ZERO);
  });
});

describe(onStore('getLimits answers { user, limits, pending, usage }: the six limits in force, the raises waiting, the sums of the current periods; undefined for an unknown user'), () => {
  it('answers no limit, nothing pending and no usage for a new user', async () => {
    const { w } = await engine();
    const answer = await report(w);
    expect(Object.keys(answer)).toEqual(['user', 'limits', 'pending', 'usage']);
    expect(answer).toEqual({ user: 'alice', limits: NONE, pending: {}, usage: ZERO });
  });

  it('answers undefined for a user that does not exist, from getLimits and setLimits alike', async () => {
    const { w } = await engine();
    expect(await getLimits(w, 'ghost')).toBeUndefined();
    expect(await setLimits(w, 'ghost', { wager_day: 5 })).toBeUndefined();
  });

  it('setLimits resolves to the report getLimits then answers, and is the same as the method on the wallet', async () => {
    const { w } = await engine();
    const set = await w.setLimits('alice', { wager_day: 5, loss_month: 7 });
    expect(set).toEqual(await w.getLimits('alice'));
    expect(set?.limits).toEqual({ ...NONE, wager_day: 5, loss_month: 7 });
  });

  it('counts the usage of every user, before and without any limit', async () => {
    const { w, ids } = await engine();
    await bet(w, ids, 250);
    await setLimits(w, 'alice', { wager_day: 200 });
    expect((await usage(w)).wager_day).toBe(250);
    expect((await bet(w, ids, 0)).status).toBe(Status.LIMIT_REACHED);
  });
});

describe(onStore('a first limit or a lower one applies at once, and drops a raise of it that was waiting'), () => {
  it('applies a first limit at once', async () => {
    const { w, ids } = await engine();
    expect(await setLimits(w, 'alice', { wager_day: 500 })).toEqual({ user: 'alice', limits: { ...NONE, wager_day: 500 }, pending: {}, usage: ZERO });
    expect((await bet(w, ids, 501)).status).toBe(Status.LIMIT_REACHED);
  });

  it('applies a lower limit at once', async () => {
    const { w, clock, ids } = await engine();
    await setLimits(w, 'alice', { loss_week: 500 });
    clock.now += HOUR;
    expect((await setLimits(w, 'alice', { loss_week: 200 }))?.limits.loss_week).toBe(200);
    expect((await bet(w, ids, 201)).status).toBe(Status.LIMIT_REACHED);
  });

  it('drops a waiting raise when a lower limit is set, which then holds past the raise time', async () => {
    const { w, clock, ids } = await engine();
    await setLimits(w, 'alice', { wager_day: 500 });
    await setLimits(w, 'alice', { wager_day: 900 });
    clock.now += HOUR;
    expect(await setLimits(w, 'alice', { wager_day: 400 })).toEqual({ user: 'alice', limits: { ...NONE, wager_day: 400 }, pending: {}, usage: ZERO });
    clock.now = START + 2 * DAY + HOUR;
    expect((await report(w)).limits.wager_day).toBe(400);
    expect((await bet(w, ids, 401)).status).toBe(Status.LIMIT_REACHED);
  });

  it('leaves the limits not named in the update as they were', async () => {
    const { w } = await engine();
    await setLimits(w, 'alice', { wager_day: 500, loss_month: 900 });
    await setLimits(w, 'alice', { wager_week: 700 });
    expect((await report(w)).limits).toEqual({ ...NONE, wager_day: 500, wager_week: 700, loss_month: 900 });
  });
});

describe(onStore('a higher limit or null waits 24 hours (cooling-off); the old limit holds until then'), () => {
  it('reports the raise as pending with the time it applies, refuses by the old limit until then and by the new one from then', async () => {
    const { w, clock, ids } = await engine();
    await setLimits(w, 'alice', { wager_day: 500 });
    expect((await bet(w, ids, 500)).status).toBe(Status.OK);
    clock.now = START + HOUR;
    const raised = await setLimits(w, 'alice', { wager_day: 900 });
    expect(raised).toEqual({
      user: 'alice',
      limits: { ...NONE, wager_day: 500 },
      pending: { wager_day: { value: 900, applies_at: iso(START + HOUR + DAY) } },
      usage: { ...ZERO, wager_day: 500, wager_week: 500, wager_month: 500, loss_day: 500, loss_week: 500, loss_month: 500 },
    });
    clock.now = Date.UTC(2026, 11, 8, 12, 59, 59, 999); // the next day, 1 ms before the raise
    expect((await bet(w, ids, 500)).status).toBe(Status.OK);
    expect((await bet(w, ids, 1)).status).toBe(Status.LIMIT_REACHED);
    clock.now = START + HOUR + DAY;
    expect(await report(w)).toMatchObject({ limits: { ...NONE, wager_day: 900 }, pending: {} });
    expect((await bet(w, ids, 400)).status).toBe(Status.OK);
    expect((await bet(w, ids, 1)).status).toBe(Status.LIMIT_REACHED);
  });

  it('removes a limit (null) only after 24 hours', async () => {
    const { w, clock, ids } = await engine();
    await setLimits(w, 'alice', { loss_month: 100 });
    expect((await setLimits(w, 'alice', { loss_month: null }))?.pending).toEqual({ loss_month: { value: null, applies_at: iso(START + DAY) } });
    clock.now = START + DAY - 1;
    expect((await bet(w, ids, 101)).status).toBe(Status.LIMIT_REACHED);
    clock.now = START + DAY;
    expect((await report(w)).limits).toEqual(NONE);
    expect((await bet(w, ids, 50_000)).status).toBe(Status.OK);
  });

  it('replaces a waiting raise by a new one, which waits 24 hours from its own call', async () => {
    const { w, clock, ids } = await engine();
    await setLimits(w, 'alice', { wager_week: 100 });
    await setLimits(w, 'alice', { wager_week: 900 });
    clock.now = START + 2 * HOUR;
    expect((await setLimits(w, 'alice', { wager_week: 700 }))?.pending).toEqual({ wager_week: { value: 700, applies_at: iso(START + 2 * HOUR + DAY) } });
    clock.now = START + DAY;
    expect((await bet(w, ids, 101)).status).toBe(Status.LIMIT_REACHED);
    clock.now = START + 2 * HOUR + DAY;
    expect((await bet(w, ids, 700)).status).toBe(Status.OK);
    expect((await bet(w, ids, 1)).status).toBe(Status.LIMIT_REACHED);
  });

  it('waits for each raised limit on its own while lowering another at once', async () => {
    const { w, clock } = await engine();
    await setLimits(w, 'alice', { wager_day: 100, loss_day: 100 });
    clock.now += HOUR;
    const answer = await setLimits(w, 'alice', { wager_day: 50, loss_day: 200, loss_week: 1_000 });
    expect(answer?.limits).toEqual({ ...NONE, wager_day: 50, loss_day: 100, loss_week: 1_000 });
    expect(answer?.pending).toEqual({ loss_day: { value: 200, applies_at: iso(START + HOUR + DAY) } });
  });
});

describe(onStore('setLimits takes the six names only, each a non-negative safe integer or null; anything else rejects with InvalidFieldError naming it, nothing changed'), () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['a negative limit', { wager_day: -1 }, 'wager_day'],
    ['a fraction', { loss_week: 1.5 }, 'loss_week'],
    ['a string', { wager_month: '100' }, 'wager_month'],
    ['2^53', { loss_month: 2 ** 53 }, 'loss_month'],
    ['NaN', { loss_day: Number.NaN }, 'loss_day'],
    ['a boolean', { wager_week: true }, 'wager_week'],
    ['an unknown name', { deposit_day: 100 }, 'deposit_day'],
    ['a bad limit among good ones', { wager_day: 1, loss_day: 2, wager_month: -5 }, 'wager_month'],
  ])('rejects %s', async (_, update, field) => {
    const { w } = await engine();
    await setLimits(w, 'alice', { wager_day: 10, loss_day: 20 });
    const before = await report(w);
    const setting = setLimits(w, 'alice', update as never);
    await expect(setting).rejects.toBeInstanceOf(InvalidFieldError);
    await expect(setting).rejects.toMatchObject({ code: 'EXWALLET_INVALID_FIELD', field });
    expect(await report(w)).toEqual(before);
  });

  it('accepts Number.MAX_SAFE_INTEGER and 0', async () => {
    const { w } = await engine();
    expect((await setLimits(w, 'alice', { wager_day: Number.MAX_SAFE_INTEGER, loss_day: 0 }))?.limits).toEqual({ ...NONE, wager_day: Number.MAX_SAFE_INTEGER, loss_day: 0 });
  });
});

describe(onStore(`limits, their waiting raises and the period sums set before a restart hold after it (${RESTART_STORE})`), () => {
  it('reports the same limits, pending raises and usage, enforces them, and applies the raise at its time', async () => {
    const clock: Clock = { now: START };
    const engine = startRestartable({ clock: () => clock.now });
    await engine.w.createUsers(['alice']);
    const ids = new Ids();
    await setLimits(engine.w, 'alice', { wager_day: 1_000, loss_week: 3_000 });
    const a = betBody(ids, { amount: 600 });
    const b = betBody(ids, { amount: 300 });
    const free = betBody(ids, { amount: 50, is_free: true });
    for (const body of [a, b, free]) expect((await engine.w.bet(body)).status).toBe(Status.OK);
    await engine.w.win(winBody(ids, a.transaction_uuid, { amount: 200 }));
    await engine.w.win(winBody(ids, free.transaction_uuid, { amount: 999 }));
    // Not on a minute: the raise applies to the millisecond after the restart too.
    clock.now = START + HOUR + 1_234;
    await setLimits(engine.w, 'alice', { wager_day: 2_000 });
    const before = await report(engine.w);
    expect(before.usage).toEqual({ wager_day: 900, wager_week: 900, wager_month: 900, loss_day: 700, loss_week: 700, loss_month: 700 });

    let w = await engine.restart();
    expect(await report(w)).toEqual(before);
    expect((await w.bet(betBody(ids, { amount: 101 }))).status).toBe(Status.LIMIT_REACHED);
    // A rollback after the restart of a bet made before it comes off the sums.
    await w.rollback(rollbackBody(ids, b.transaction_uuid));
    expect((await report(w)).usage.wager_day).toBe(600);

    w = await engine.restart();
    expect((await report(w)).usage).toEqual({ wager_day: 600, wager_week: 600, wager_month: 600, loss_day: 400, loss_week: 400, loss_month: 400 });
    clock.now = START + HOUR + 1_233 + DAY;
    expect((await report(w)).limits.wager_day).toBe(1_000);
    clock.now = START + HOUR + 1_234 + DAY;
    expect((await report(w)).limits).toEqual({ ...NONE, wager_day: 2_000, loss_week: 3_000 });
    expect((await w.bet(betBody(ids, { amount: 2_000 }))).status).toBe(Status.OK);
    expect((await w.bet(betBody(ids, { amount: 1 }))).status).toBe(Status.LIMIT_REACHED);
  });

  it('takes a bet made before a restart off the period it was made in when it is cancelled after the restart in a later period', async () => {
    const clock: Clock = { now: Date.UTC(2026, 11, 7, 23, 59, 59, 999) }; // Monday, its last millisecond
    const engine = startRestartable({ clock: () => clock.now });
    await engine.w.createUsers(['alice']);
    const ids = new Ids();
    const monday = betBody(ids, { amount: 300 });
    expect((await engine.w.bet(monday)).status).toBe(Status.OK);
    clock.now = Date.UTC(2026, 11, 8, 0, 0, 0, 0); // Tuesday
    const w = await engine.restart();
    await setLimits(w, 'alice', { wager_day: 100 });
    expect((await w.bet(betBody(ids, { amount: 100 }))).status).toBe(Status.OK);
    expect((await w.rollback(rollbackBody(ids, monday.transaction_uuid))).status).toBe(Status.OK);
    expect((await report(w)).usage).toEqual({ wager_day: 100, wager_week: 100, wager_month: 100, loss_day: 100, loss_week: 100, loss_month: 100 });
    expect((await w.bet(betBody(ids, { amount: 1 }))).status).toBe(Status.LIMIT_REACHED);
  });

  it('starts the next period at 0 after a restart that crosses it', async () => {
    const clock: Clock = { now: Date.UTC(2026, 11, 13, 23) };
    const engine = startRestartable({ clock: () => clock.now });
    await engine.w.createUsers(['alice']);
    const ids = new Ids();
    await setLimits(engine.w, 'alice', { wager_week: 500 });
    expect((await engine.w.bet(betBody(ids, { amount: 500 }))).status).toBe(Status.OK);
    clock.now = Date.UTC(2026, 11, 14, 1);
    const w = await engine.restart();
    expect((await report(w)).usage).toEqual({ ...ZERO, wager_month: 500, loss_month: 500 });
    expect((await w.bet(betBody(ids, { amount: 500 }))).status).toBe(Status.OK);
  });
});
