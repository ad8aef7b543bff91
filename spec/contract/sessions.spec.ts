/**
 * SPEC 10: sessions and tokens. Every engine here reads a clock the test moves by hand.
 */
import { describe, expect, it } from '@jest/globals';
import {
  closeSession,
  InvalidFieldError,
  openSession,
  setLimits,
  setUserDisabled,
  Status,
  type Session,
  type UserSpec,
  type Wallet,
} from '../../lib/index.js';
import { onStore, start } from '../support/stores.js';
import { RESTART_STORE, startRestartable } from '../support/restart.js';
import { balanceOf, betBody, Ids, rollbackBody, uuid, winBody } from '../support/helpers.js';

/** Monday 2026-12-07, 12:00 UTC. */
const START = Date.UTC(2026, 11, 7, 12);
const SECOND = 1000;

interface Clock {
  now: number;
}

/** An engine (tokens required unless told) on this run's store, its clock at START, alice and bob in USD and eve in EUR. */
async function engine(requireToken = true, users: readonly UserSpec[] = ['alice', 'bob', { user: 'eve', currency: 'EUR' }]) {
  const clock: Clock = { now: START };
  const w = start({ requireToken, clock: () => clock.now });
  await w.createUsers(users);
  return { w, clock, ids: new Ids() };
}

/** Opens a session that must open. */
async function opened(w: Wallet, ask: { user: string; game_code?: string; ttl_seconds?: number }): Promise<Session> {
  const session = await openSession(w, ask);
  if (session === undefined) throw new Error(`no session opened for ${ask.user}`);
  return session;
}

const iso = (time: number): string => new Date(time).toISOString();

/** The response of a known user's request refused with `status`, balance untouched. */
function refusal(user: string, status: string, requestUuid: string, balance: number, currency = 'USD') {
  return { user, status, request_uuid: requestUuid, currency, balance };
}

describe(onStore('openSession answers { token, user, currency, game_code?, expires_at } for a known user and undefined for an unknown one'), () => {
  it('answers the fields in that order, the currency of the user, expires_at 14,400 s from now by default', async () => {
    const { w } = await engine();
    const session = await opened(w, { user: 'eve', game_code: 'slot-1' });
    expect(Object.keys(session)).toEqual(['token', 'user', 'currency', 'game_code', 'expires_at']);
    expect(session).toEqual({ token: session.token, user: 'eve', currency: 'EUR', game_code: 'slot-1', expires_at: iso(START + 14_400 * SECOND) });
  });

  it('leaves game_code out when none was given', async () => {
    const { w } = await engine();
    const session = await opened(w, { user: 'alice', ttl_seconds: 600 });
    expect(Object.keys(session)).toEqual(['token', 'user', 'currency', 'expires_at']);
    expect(session.expires_at).toBe(iso(START + 600 * SECOND));
  });

  it('answers undefined for a user that does not exist', async () => {
    const { w } = await engine();
    expect(await openSession(w, { user: 'ghost' })).toBeUndefined();
  });

  it('is the same as the method on the wallet', async () => {
    const { w, ids } = await engine();
    const session = (await w.openSession({ user: 'alice' })) as Session;
    expect(session.user).toBe('alice');
    expect((await w.bet(betBody(ids, { token: session.token }))).status).toBe(Status.OK);
    expect(await w.closeSession(session.token)).toBe(true);
  });
});

describe(onStore('a token is 32 to 64 URL-safe characters and never repeats'), () => {
  it('gives 300 sessions 300 different tokens of the URL-safe alphabet', async () => {
    const { w } = await engine(true, ['alice']);
    const tokens: string[] = [];
    for (let i = 0; i < 300; i += 1) tokens.push((await opened(w, { user: 'alice' })).token);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{32,64}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('draws the characters evenly enough that no token shares a 12-character prefix with another', async () => {
    const { w } = await engine(true, ['alice']);
    const prefixes = new Set<string>();
    for (let i = 0; i < 200; i += 1) prefixes.add((await opened(w, { user: 'alice' })).token.slice(0, 12));
    expect(prefixes.size).toBe(200);
  });
});

describe(onStore('ttl_seconds is an integer from 60 to 604,800 and game_code a string of at most 255 characters; anything else rejects with InvalidFieldError naming the field'), () => {
  it.each([60, 61, 14_400, 604_799, 604_800])('opens a session of %d seconds, expiring that long after now', async (ttl) => {
    const { w } = await engine();
    expect((await opened(w, { user: 'alice', ttl_seconds: ttl })).expires_at).toBe(iso(START + ttl * SECOND));
  });

  it.each<[string, unknown]>([
    ['59', 59],
    ['0', 0],
    ['-60', -60],
    ['604,801', 604_801],
    ['a fraction', 60.5],
    ['a string', '600'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('rejects ttl_seconds of %s', async (_, ttl) => {
    const { w } = await engine();
    const opening = openSession(w, { user: 'alice', ttl_seconds: ttl as number });
    await expect(opening).rejects.toBeInstanceOf(InvalidFieldError);
    await expect(opening).rejects.toMatchObject({ code: 'EXWALLET_INVALID_FIELD', field: 'ttl_seconds' });
  });

  it('accepts a game_code of 255 characters', async () => {
    const { w } = await engine();
    const code = 'g'.repeat(255);
    expect((await opened(w, { user: 'alice', game_code: code })).game_code).toBe(code);
  });

  it.each<[string, unknown]>([
    ['of 256 characters', 'g'.repeat(256)],
    ['that is a number', 7],
    ['that is null', null],
  ])('rejects a game_code %s', async (_, code) => {
    const { w } = await engine();
    await expect(openSession(w, { user: 'alice', game_code: code as string })).rejects.toMatchObject({ code: 'EXWALLET_INVALID_FIELD', field: 'game_code' });
  });
});

describe(onStore('with tokens required, a bet whose token is missing, not a string, unknown, closed or of another user gets RS_ERROR_INVALID_TOKEN with the balance, and nothing changes'), () => {
  const cases: ReadonlyArray<[string, (sessions: { own: Session; closed: Session; bobs: Session }) => Record<string, unknown>]> = [
    ['no token', () => ({})],
    ['a numeric token', () => ({ token: 7 })],
    ['a null token', () => ({ token: null })],
    ['an empty token', () => ({ token: '' })],
    ['an unknown token', ({ own }) => ({ token: `${own.token.slice(0, -1)}${own.token.endsWith('A') ? 'B' : 'A'}` })],
    ['an upper-cased token', ({ own }) => ({ token: own.token.toUpperCase() === own.token ? own.token.toLowerCase() : own.token.toUpperCase() })],
    ['a closed session', ({ closed }) => ({ token: closed.token })],
    ["another user's session", ({ bobs }) => ({ token: bobs.token })],
  ];
  it.each(cases)('refuses a bet with %s', async (_, field) => {
    const { w, ids } = await engine();
    const own = await opened(w, { user: 'alice' });
    const closed = await opened(w, { user: 'alice' });
    const bobs = await opened(w, { user: 'bob' });
    expect(await closeSession(w, closed.token)).toBe(true);
    const fields = field({ own, closed, bobs });
    expect(fields.token).not.toBe(own.token);
    const body = { ...betBody(ids), ...fields };
    expect(await w.handle('bet', body)).toEqual(refusal('alice', Status.INVALID_TOKEN, body.request_uuid, 100_000));
    expect(await balanceOf(w)).toBe(100_000);
    // The refused id recorded nothing: the same id with the session's token is a new bet.
    expect(await w.bet({ ...betBody(ids, { transaction_uuid: body.transaction_uuid }), token: own.token })).toMatchObject({ status: Status.OK, balance: 99_900 });
  });

  it("accepts a bet carrying the token of an open session of the bet's user", async () => {
    const { w, ids } = await engine();
    const session = await opened(w, { user: 'eve' });
    const body = betBody(ids, { user: 'eve', currency: 'EUR', token: session.token });
    expect(await w.bet(body)).toEqual({ user: 'eve', status: Status.OK, request_uuid: body.request_uuid, currency: 'EUR', balance: 99_900 });
  });
});

describe(onStore('a session expires at expires_at: from that instant its bets and balance calls get RS_ERROR_TOKEN_EXPIRED with the balance'), () => {
  it('accepts a bet 1 ms before expires_at and refuses one at expires_at and after', async () => {
    const { w, clock, ids } = await engine();
    const session = await opened(w, { user: 'alice', ttl_seconds: 60 });
    clock.now = START + 60 * SECOND - 1;
    expect((await w.bet(betBody(ids, { token: session.token }))).status).toBe(Status.OK);
    clock.now = START + 60 * SECOND;
    const late = betBody(ids, { token: session.token });
    expect(await w.bet(late)).toEqual(refusal('alice', Status.TOKEN_EXPIRED, late.request_uuid, 99_900));
    clock.now += 3_600 * SECOND;
    expect((await w.bet(betBody(ids, { token: session.token }))).status).toBe(Status.TOKEN_EXPIRED);
    expect(await balanceOf(w)).toBe(99_900);
  });

  it('answers a balance call with an expired token RS_ERROR_TOKEN_EXPIRED with the balance', async () => {
    const { w, clock } = await engine();
    const session = await opened(w, { user: 'alice', ttl_seconds: 60 });
    clock.now = START + 60 * SECOND;
    expect(await w.balance({ user: 'alice', request_uuid: 'r', token: session.token })).toEqual(refusal('alice', Status.TOKEN_EXPIRED, 'r', 100_000));
  });

  it('still answers RS_ERROR_TOKEN_EXPIRED, not RS_ERROR_INVALID_TOKEN, 23 hours after the expiry', async () => {
    const { w, clock, ids } = await engine();
    const session = await opened(w, { user: 'alice', ttl_seconds: 60 });
    clock.now = START + 60 * SECOND + 23 * 3_600 * SECOND;
    expect((await w.bet(betBody(ids, { token: session.token }))).status).toBe(Status.TOKEN_EXPIRED);
  });

  it('counts the time to live from the opening, whatever the clock read before', async () => {
    const { w, clock, ids } = await engine();
    clock.now = START + 5 * 86_400 * SECOND;
    const session = await opened(w, { user: 'alice', ttl_seconds: 120 });
    expect(session.expires_at).toBe(iso(clock.now + 120 * SECOND));
    clock.now += 119 * SECOND;
    expect((await w.bet(betBody(ids, { token: session.token }))).status).toBe(Status.OK);
  });
});

describe(onStore('the token is checked after idempotency: an exact retry of an earlier bet replays even once its session is closed or expired'), () => {
  it('replays a bet whose session was closed since, and refuses a differing reuse of its id as a duplicate', async () => {
    const { w, ids } = await engine();
    const session = await opened(w, { user: 'alice' });
    const body = betBody(ids, { token: session.token });
    const original = await w.bet(body);
    expect(original.status).toBe(Status.OK);
    await closeSession(w, session.token);
    expect(await w.bet({ ...body, request_uuid: ids.next() })).toEqual(original);
    const changed = { ...body, amount: 101, request_uuid: ids.next() };
    expect((await w.bet(changed)).status).toBe(Status.DUPLICATE_TRANSACTION);
    expect(await balanceOf(w)).toBe(99_900);
  });

  it('replays a bet whose session expired since', async () => {
    const { w, clock, ids } = await engine();
    const session = await opened(w, { user: 'alice', ttl_seconds: 60 });
    const body = betBody(ids, { token: session.token });
    const original = await w.bet(body);
    clock.now = START + 3_600 * SECOND;
    expect(await w.bet({ ...body, request_uuid: ids.next() })).toEqual(original);
  });

  it('answers RS_ERROR_TRANSACTION_ROLLED_BACK, not a token status, to a bet whose id a rollback cancelled in advance', async () => {
    const { w, ids } = await engine();
    const late = ids.next();
    expect((await w.rollback(rollbackBody(ids, late))).status).toBe(Status.OK);
    expect((await w.handle('bet', betBody(ids, { transaction_uuid: late }))).status).toBe(Status.TRANSACTION_ROLLED_BACK);
  });
});

describe(onStore('the token is checked after checks 1 to 4 and before the disabled-user, currency, limit and balance checks'), () => {
  it('answers checks 1 to 4 first', async () => {
    const { w, ids } = await engine();
    expect(await w.handle('bet', null)).toEqual({ user: '', status: Status.WRONG_SYNTAX, request_uuid: '' });
    expect(await w.handle('bet', betBody(ids, { user: 'ghost' }))).toMatchObject({ user: 'ghost', status: Status.UNKNOWN });
    expect((await w.handle('bet', betBody(ids, { transaction_uuid: 'not-a-uuid' }))).status).toBe(Status.WRONG_TYPES);
    expect((await w.handle('bet', betBody(ids, { amount: -1 }))).status).toBe(Status.UNKNOWN);
  });

  it('answers RS_ERROR_INVALID_TOKEN before RS_ERROR_USER_DISABLED, and a good token then meets the disabled check', async () => {
    const { w, ids } = await engine();
    const session = await opened(w, { user: 'alice' });
    await setUserDisabled(w, 'alice', true);
    expect((await w.bet(betBody(ids))).status).toBe(Status.INVALID_TOKEN);
    expect((await w.bet(betBody(ids, { token: session.token }))).status).toBe(Status.USER_DISABLED);
  });

  it('answers RS_ERROR_TOKEN_EXPIRED before RS_ERROR_USER_DISABLED', async () => {
    const { w, clock, ids } = await engine();
    const session = await opened(w, { user: 'alice', ttl_seconds: 60 });
    await setUserDisabled(w, 'alice', true);
    clock.now += 60 * SECOND;
    expect((await w.bet(betBody(ids, { token: session.token }))).status).toBe(Status.TOKEN_EXPIRED);
  });

  it('answers RS_ERROR_INVALID_TOKEN before RS_ERROR_WRONG_CURRENCY, RS_ERROR_LIMIT_REACHED and RS_ERROR_NOT_ENOUGH_MONEY', async () => {
    const { w, ids } = await engine();
    const session = await opened(w, { user: 'alice' });
    await setLimits(w, 'alice', { wager_day: 50 });
    expect((await w.bet(betBody(ids, { currency: 'EUR' }))).status).toBe(Status.INVALID_TOKEN);
    expect((await w.bet(betBody(ids, { amount: 60 }))).status).toBe(Status.INVALID_TOKEN);
    expect((await w.bet(betBody(ids, { amount: 200_000 }))).status).toBe(Status.INVALID_TOKEN);
    // With the token, each meets its own check.
    expect((await w.bet(betBody(ids, { currency: 'EUR', token: session.token }))).status).toBe(Status.WRONG_CURRENCY);
    expect((await w.bet(betBody(ids, { amount: 60, token: session.token }))).status).toBe(Status.LIMIT_REACHED);
    expect(await balanceOf(w)).toBe(100_000);
  });
});

describe(onStore('wins and rollbacks never check the token'), () => {
  it('pays a win and cancels a bet whose session was closed, with no token, a bogus one or an expired one', async () => {
    const { w, clock, ids } = await engine();
    const session = await opened(w, { user: 'alice', ttl_seconds: 60 });
    const first = betBody(ids, { token: session.token });
    const second = betBody(ids, { token: session.token });
    const third = betBody(ids, { token: session.token });
    for (const bet of [first, second, third]) expect((await w.bet(bet)).status).toBe(Status.OK);
    await closeSession(w, session.token);
    expect(await w.win(winBody(ids, first.transaction_uuid))).toMatchObject({ status: Status.OK, balance: 99_700 + 250 });
    expect((await w.rollback(rollbackBody(ids, second.transaction_uuid, { token: 'bogus' }))).status).toBe(Status.OK);
    clock.now += 3_600 * SECOND;
    expect((await w.win(winBody(ids, third.transaction_uuid, { token: session.token }))).status).toBe(Status.OK);
    expect(await balanceOf(w)).toBe(100_000 - 300 + 250 + 100 + 250);
  });

  it('cancels in advance a bet that never arrived, with no token', async () => {
    const { w, ids } = await engine();
    expect((await w.rollback(rollbackBody(ids, uuid(0xabc)))).status).toBe(Status.OK);
  });
});

describe(onStore('with tokens required, a balance call checks the token after check 2'), () => {
  it('answers RS_OK with the token of an open session of the user', async () => {
    const { w } = await engine();
    const session = await opened(w, { user: 'alice' });
    expect(await w.balance({ user: 'alice', request_uuid: 'r', token: session.token })).toEqual(refusal('alice', Status.OK, 'r', 100_000));
  });

  it.each<[string, unknown]>([
    ['no token', undefined],
    ['a numeric token', 12],
    ['an unknown token', 'x'.repeat(32)],
  ])('answers RS_ERROR_INVALID_TOKEN with the balance for %s', async (_, token) => {
    const { w } = await engine();
    await opened(w, { user: 'alice' });
    const body = token === undefined ? { user: 'alice', request_uuid: 'r' } : { user: 'alice', request_uuid: 'r', token };
    expect(await w.handle('balance', body)).toEqual(refusal('alice', Status.INVALID_TOKEN, 'r', 100_000));
  });

  it("answers RS_ERROR_INVALID_TOKEN for another user's token and for a closed session", async () => {
    const { w } = await engine();
    const bobs = await opened(w, { user: 'bob' });
    const closed = await opened(w, { user: 'alice' });
    await closeSession(w, closed.token);
    expect((await w.balance({ user: 'alice', request_uuid: 'r', token: bobs.token })).status).toBe(Status.INVALID_TOKEN);
    expect((await w.balance({ user: 'alice', request_uuid: 'r', token: closed.token })).status).toBe(Status.INVALID_TOKEN);
  });

  it('answers checks 1 and 2 before the token', async () => {
    const { w } = await engine();
    const session = await opened(w, { user: 'alice' });
    expect(await w.handle('balance', [])).toEqual({ user: '', status: Status.WRONG_SYNTAX, request_uuid: '' });
    expect(await w.balance({ user: 'ghost', request_uuid: 'r', token: session.token })).toEqual({ user: 'ghost', status: Status.UNKNOWN, request_uuid: 'r' });
  });

  it('serves the balance call of a disabled user whose token is good', async () => {
    const { w } = await engine();
    const session = await opened(w, { user: 'alice' });
    await setUserDisabled(w, 'alice', true);
    expect((await w.balance({ user: 'alice', request_uuid: 'r', token: session.token })).status).toBe(Status.OK);
  });
});

describe(onStore('closeSession ends one session: true the first time, false for a token unknown or already closed'), () => {
  it('answers true, then false, and the token is refused from then on', async () => {
    const { w, ids } = await engine();
    const session = await opened(w, { user: 'alice' });
    expect(await closeSession(w, session.token)).toBe(true);
    expect(await closeSession(w, session.token)).toBe(false);
    expect(await closeSession(w, 'no-such-token')).toBe(false);
    expect((await w.bet(betBody(ids, { token: session.token }))).status).toBe(Status.INVALID_TOKEN);
  });

  it('closes an expired session too, which then answers RS_ERROR_INVALID_TOKEN', async () => {
    const { w, clock, ids } = await engine();
    const session = await opened(w, { user: 'alice', ttl_seconds: 60 });
    clock.now += 120 * SECOND;
    expect(await closeSession(w, session.token)).toBe(true);
    expect((await w.bet(betBody(ids, { token: session.token }))).status).toBe(Status.INVALID_TOKEN);
  });
});

describe(onStore('a user may hold several sessions at once, each valid until it is closed or expires'), () => {
  it('accepts bets on each; closing or expiring one leaves the others valid', async () => {
    const { w, clock, ids } = await engine();
    const short = await opened(w, { user: 'alice', ttl_seconds: 60, game_code: 'a' });
    const long = await opened(w, { user: 'alice', ttl_seconds: 7_200, game_code: 'b' });
    const third = await opened(w, { user: 'alice' });
    for (const session of [short, long, third]) expect((await w.bet(betBody(ids, { token: session.token }))).status).toBe(Status.OK);
    await closeSession(w, third.token);
    clock.now += 60 * SECOND;
    expect((await w.bet(betBody(ids, { token: short.token }))).status).toBe(Status.TOKEN_EXPIRED);
    expect((await w.bet(betBody(ids, { token: third.token }))).status).toBe(Status.INVALID_TOKEN);
    expect((await w.bet(betBody(ids, { token: long.token }))).status).toBe(Status.OK);
  });

  it("takes a bet of another game than the session's: game_code is informational", async () => {
    const { w, ids } = await engine();
    const session = await opened(w, { user: 'alice', game_code: 'slot-1' });
    expect((await w.bet(betBody(ids, { token: session.token, game_code: 'slot-2' }))).status).toBe(Status.OK);
  });
});

describe(onStore('without requireToken no token is checked'), () => {
  it('accepts bets and balance calls with no token, a bogus one, or that of a closed session', async () => {
    const { w, ids } = await engine(false);
    const session = await opened(w, { user: 'alice' });
    await closeSession(w, session.token);
    expect((await w.bet(betBody(ids))).status).toBe(Status.OK);
    expect((await w.bet(betBody(ids, { token: 'bogus' }))).status).toBe(Status.OK);
    expect((await w.bet(betBody(ids, { token: session.token }))).status).toBe(Status.OK);
    expect((await w.balance({ user: 'alice', request_uuid: 'r' })).status).toBe(Status.OK);
  });
});

describe(onStore('retention passes keep a session until a day after it expired, then drop it'), () => {
  it('keeps an open session through a pass, and an expired one answering RS_ERROR_TOKEN_EXPIRED through a pass 23 hours after its expiry', async () => {
    const { w, clock, ids } = await engine();
    const open = await opened(w, { user: 'alice', ttl_seconds: 604_800 });
    const short = await opened(w, { user: 'alice', ttl_seconds: 60 });
    clock.now = START + 60 * SECOND + 23 * 3_600 * SECOND;
    await w.purge();
    expect((await w.bet(betBody(ids, { token: short.token }))).status).toBe(Status.TOKEN_EXPIRED);
    clock.now = START + 6 * 86_400 * SECOND;
    await w.purge();
    expect((await w.bet(betBody(ids, { token: open.token }))).status).toBe(Status.OK);
  });

  it('drops a session that expired more than a day before the pass: its token is then unknown', async () => {
    const { w, clock, ids } = await engine();
    const short = await opened(w, { user: 'alice', ttl_seconds: 60 });
    clock.now = START + 60 * SECOND + 25 * 3_600 * SECOND;
    await w.purge();
    expect((await w.bet(betBody(ids, { token: short.token }))).status).toBe(Status.INVALID_TOKEN);
    expect(await closeSession(w, short.token)).toBe(false);
  });
});

describe(onStore(`a session opened before a restart holds after it (${RESTART_STORE})`), () => {
  it('accepts its token after the restart, refuses a session closed before it, and expires at the same time', async () => {
    // Not on a minute: the session expires to the millisecond after the restart too.
    const clock: Clock = { now: START + 1_234 };
    const settings = { requireToken: true, clock: () => clock.now };
    const engine = startRestartable(settings);
    await engine.w.createUsers(['alice']);
    const session = await opened(engine.w, { user: 'alice', ttl_seconds: 3_600 });
    const closed = await opened(engine.w, { user: 'alice' });
    await closeSession(engine.w, closed.token);
    const ids = new Ids();
    const bet = betBody(ids, { token: session.token });
    const original = await engine.w.bet(bet);

    const w = await engine.restart();
    expect((await w.bet(betBody(ids, { token: session.token }))).status).toBe(Status.OK);
    expect((await w.bet(betBody(ids, { token: closed.token }))).status).toBe(Status.INVALID_TOKEN);
    expect(await w.bet({ ...bet, request_uuid: ids.next() })).toEqual(original);
    expect(session.expires_at).toBe(iso(START + 1_234 + 3_600 * SECOND));
    clock.now = START + 1_234 + 3_600 * SECOND - 1;
    expect((await w.balance({ user: 'alice', request_uuid: 'r', token: session.token })).status).toBe(Status.OK);
    clock.now = START + 1_234 + 3_600 * SECOND;
    expect((await w.balance({ user: 'alice', request_uuid: 'r', token: session.token })).status).toBe(Status.TOKEN_EXPIRED);
  });

  it('keeps a session closed after the restart closed after a second one', async () => {
    const clock: Clock = { now: START };
    const engine = startRestartable({ requireToken: true, clock: () => clock.now });
    await engine.w.createUsers(['alice']);
    const session = await opened(engine.w, { user: 'alice' });
    let w = await engine.restart();
    expect(await closeSession(w, session.token)).toBe(true);
    w = await engine.restart();
    expect(await closeSession(w, session.token)).toBe(false);
    expect((await w.balance({ user: 'alice', request_uuid: 'r', token: session.token })).status).toBe(Status.INVALID_TOKEN);
  });
});
