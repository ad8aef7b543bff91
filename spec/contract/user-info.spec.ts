/**
 * SPEC 11: player information, set by createUsers items and setUserInfo, answered by Hub88's
 * POST /user/info (library `userInfo`).
 */
import { describe, expect, it } from '@jest/globals';
import { InvalidFieldError, openSession, setUserInfo, Status, userInfo, type UserInfo, type UserSpec, type Wallet } from '../../lib/index.js';
import { onStore, start } from '../support/stores.js';
import { RESTART_STORE, startRestartable } from '../support/restart.js';
import { balanceOf, betBody, Ids } from '../support/helpers.js';

/** Every field, set. */
const FULL: UserInfo = {
  country: 'EE',
  jurisdiction: 'MT',
  sub_partner_id: 'partner-7',
  birth_date: '1990-02-28',
  registration_date: '2026-12-01',
  tags: ['vip', 'high-roller'],
  sex: 'FEMALE',
  affiliate_id: 'aff-42',
};
/** The order SPEC 11 lists the fields in, which /user/info answers them in. */
const ORDER = ['country', 'jurisdiction', 'sub_partner_id', 'birth_date', 'registration_date', 'tags', 'sex', 'affiliate_id'] as const;

async function engine(users: readonly UserSpec[] = ['alice', 'bob'], requireToken = false): Promise<Wallet> {
  const w = start({ requireToken });
  await w.createUsers(users);
  return w;
}

/** `info` with its keys in reverse order, to show that the answer's order is not the order set. */
function reversed(info: UserInfo): UserInfo {
  return Object.fromEntries(Object.entries(info).reverse()) as UserInfo;
}

/** Expects setUserInfo to reject naming `field`, and the stored info to be what it was. */
async function expectRefused(w: Wallet, info: unknown, field: string): Promise<void> {
  const before = JSON.stringify(await userInfo(w, { user: 'alice', request_uuid: 'r' }));
  const setting = setUserInfo(w, 'alice', info as UserInfo);
  await expect(setting).rejects.toBeInstanceOf(InvalidFieldError);
  await expect(setting).rejects.toMatchObject({ code: 'EXWALLET_INVALID_FIELD', field });
  expect(JSON.stringify(await userInfo(w, { user: 'alice', request_uuid: 'r' }))).toBe(before);
}

describe(onStore('userInfo answers { user, status: RS_OK, request_uuid, ...the info fields set } with the fields in the order SPEC 11 lists them'), () => {
  it('answers every field in order, whatever the order they were set in', async () => {
    const w = await engine();
    expect(await setUserInfo(w, 'alice', reversed(FULL))).toEqual(FULL);
    const answer = await userInfo(w, { user: 'alice', request_uuid: 'req-1' });
    expect(JSON.stringify(answer)).toBe(JSON.stringify({ user: 'alice', status: 'RS_OK', request_uuid: 'req-1', ...FULL }));
    expect(Object.keys(answer)).toEqual(['user', 'status', 'request_uuid', ...ORDER]);
  });

  it('answers only the fields that are set, still in order', async () => {
    const w = await engine();
    await setUserInfo(w, 'alice', { affiliate_id: 'a', country: 'DE', sex: 'MALE' });
    expect(JSON.stringify(await userInfo(w, { user: 'alice', request_uuid: 'r' }))).toBe(
      JSON.stringify({ user: 'alice', status: 'RS_OK', request_uuid: 'r', country: 'DE', sex: 'MALE', affiliate_id: 'a' }),
    );
  });

  it('answers { user, status, request_uuid } alone for a user with no info', async () => {
    const w = await engine();
    expect(JSON.stringify(await userInfo(w, { user: 'bob', request_uuid: 'r' }))).toBe(JSON.stringify({ user: 'bob', status: 'RS_OK', request_uuid: 'r' }));
  });

  it('is the same as the method on the wallet', async () => {
    const w = await engine();
    await w.setUserInfo('alice', { country: 'EE' });
    expect(await w.userInfo({ user: 'alice', request_uuid: 'r' })).toEqual({ user: 'alice', status: 'RS_OK', request_uuid: 'r', country: 'EE' });
  });
});

describe(onStore('userInfo makes checks 1 and 2 only, never rejects, checks no token and records nothing'), () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [{ user: 'alice' }]],
    ['a string', 'alice'],
    ['undefined', undefined],
  ])('answers RS_ERROR_WRONG_SYNTAX to %s', async (_, body) => {
    const w = await engine();
    expect(await userInfo(w, body)).toEqual({ user: '', status: Status.WRONG_SYNTAX, request_uuid: '' });
  });

  it.each<[string, unknown, string, string]>([
    ['an unknown user', { user: 'ghost', request_uuid: 'r' }, 'ghost', 'r'],
    ['an empty user', { user: '', request_uuid: 'r' }, '', 'r'],
    ['a numeric user, a numeric request_uuid', { user: 7, request_uuid: 8 }, '', ''],
    ['no user', { request_uuid: 'r' }, '', 'r'],
  ])('answers RS_ERROR_UNKNOWN to %s', async (_, body, user, requestUuid) => {
    const w = await engine();
    expect(JSON.stringify(await userInfo(w, body))).toBe(JSON.stringify({ user, status: Status.UNKNOWN, request_uuid: requestUuid }));
  });

  it('echoes a request_uuid that is not UUID-shaped, and a non-string one as ""', async () => {
    const w = await engine();
    expect(await userInfo(w, { user: 'alice', request_uuid: 'not-a-uuid' })).toEqual({ user: 'alice', status: Status.OK, request_uuid: 'not-a-uuid' });
    expect(await userInfo(w, { user: 'alice', request_uuid: 5 })).toEqual({ user: 'alice', status: Status.OK, request_uuid: '' });
  });

  it('answers RS_OK with tokens required and no token sent', async () => {
    const w = await engine(['alice'], true);
    await openSession(w, { user: 'alice' });
    expect((await userInfo(w, { user: 'alice', request_uuid: 'r' })).status).toBe(Status.OK);
  });

  it('records nothing: the transaction count and the balance stay as they were', async () => {
    const w = await engine();
    const before = await w.stats();
    for (let i = 0; i < 5; i += 1) await userInfo(w, { user: 'alice', request_uuid: 'r' });
    expect(await w.stats()).toEqual(before);
    expect(await balanceOf(w)).toBe(100_000);
  });
});

describe(onStore('setUserInfo replaces the info and resolves to what is stored; undefined for an unknown user'), () => {
  it('replaces every field: fields left out of the new info are gone', async () => {
    const w = await engine();
    await setUserInfo(w, 'alice', FULL);
    expect(await setUserInfo(w, 'alice', { jurisdiction: 'UKGC' })).toEqual({ jurisdiction: 'UKGC' });
    expect(await userInfo(w, { user: 'alice', request_uuid: 'r' })).toEqual({ user: 'alice', status: 'RS_OK', request_uuid: 'r', jurisdiction: 'UKGC' });
    expect(await setUserInfo(w, 'alice', {})).toEqual({});
    expect(await userInfo(w, { user: 'alice', request_uuid: 'r' })).toEqual({ user: 'alice', status: 'RS_OK', request_uuid: 'r' });
  });

  it("changes only the named user's info", async () => {
    const w = await engine();
    await setUserInfo(w, 'alice', { country: 'EE' });
    await setUserInfo(w, 'bob', { country: 'FI' });
    expect((await userInfo(w, { user: 'alice', request_uuid: 'r' })).country).toBe('EE');
  });

  it('answers undefined for a user that does not exist, and creates none', async () => {
    const w = await engine();
    expect(await setUserInfo(w, 'ghost', { country: 'EE' })).toBeUndefined();
    expect((await userInfo(w, { user: 'ghost', request_uuid: 'r' })).status).toBe(Status.UNKNOWN);
  });

  it('keeps a copy: changing the object or the tags array given afterwards changes nothing stored', async () => {
    const w = await engine();
    const info = { country: 'EE', tags: ['a'] };
    await setUserInfo(w, 'alice', info);
    info.country = 'FI';
    info.tags.push('b');
    expect(await userInfo(w, { user: 'alice', request_uuid: 'r' })).toEqual({ user: 'alice', status: 'RS_OK', request_uuid: 'r', country: 'EE', tags: ['a'] });
  });
});

describe(onStore('each info field has its shape: strings of at most 64 characters, country ISO 3166-1 alpha-2, dates YYYY-MM-DD, sex MALE or FEMALE, at most 32 tags; anything else rejects naming the field and changes nothing'), () => {
  it('accepts strings of 64 characters, 32 tags of 64 characters, and the boundary values of each field', async () => {
    const w = await engine();
    const long = 'x'.repeat(64);
    const info: UserInfo = {
      country: 'ZA',
      jurisdiction: long,
      sub_partner_id: long,
      birth_date: '2000-02-29',
      registration_date: '1999-12-31',
      tags: Array.from({ length: 32 }, (_, i) => `${i}`.padEnd(64, 't')),
      sex: 'MALE',
      affiliate_id: long,
    };
    expect(await setUserInfo(w, 'alice', info)).toEqual(info);
    expect(await userInfo(w, { user: 'alice', request_uuid: 'r' })).toEqual({ user: 'alice', status: 'RS_OK', request_uuid: 'r', ...info });
  });

  it('accepts an empty tag list', async () => {
    const w = await engine();
    expect(await setUserInfo(w, 'alice', { tags: [] })).toEqual({ tags: [] });
  });

  const bad: ReadonlyArray<[string, Record<string, unknown>, string]> = [
    ['a jurisdiction of 65 characters', { jurisdiction: 'x'.repeat(65) }, 'jurisdiction'],
    ['a sub_partner_id of 65 characters', { sub_partner_id: 'x'.repeat(65) }, 'sub_partner_id'],
    ['an affiliate_id of 65 characters', { affiliate_id: 'x'.repeat(65) }, 'affiliate_id'],
    ['a numeric jurisdiction', { jurisdiction: 7 }, 'jurisdiction'],
    ['a numeric affiliate_id', { affiliate_id: 42 }, 'affiliate_id'],
    ['a null sub_partner_id', { sub_partner_id: null }, 'sub_partner_id'],
    ['a three-letter country', { country: 'EST' }, 'country'],
    ['a one-letter country', { country: 'E' }, 'country'],
    ['a numeric country code', { country: '23' }, 'country'],
    ['a numeric country', { country: 233 }, 'country'],
    ['a lower-case country', { country: 'ee' }, 'country'],
    ['a birth_date with a one-digit month', { birth_date: '1990-2-28' }, 'birth_date'],
    ['a birth_date day first', { birth_date: '28-02-1990' }, 'birth_date'],
    ['a birth_date with slashes', { birth_date: '1990/02/28' }, 'birth_date'],
    ['a birth_date with a time', { birth_date: '1990-02-28T00:00:00Z' }, 'birth_date'],
    ['a birth_date as a number', { birth_date: 19900228 }, 'birth_date'],
    ['a registration_date of month 13', { registration_date: '2026-13-01' }, 'registration_date'],
    ['a registration_date of February 30', { registration_date: '2026-02-30' }, 'registration_date'],
    ['a registration_date of February 29 in a common year', { registration_date: '2026-02-29' }, 'registration_date'],
    ['a registration_date of day 00', { registration_date: '2026-01-00' }, 'registration_date'],
    ['sex in lower case', { sex: 'male' }, 'sex'],
    ['sex OTHER', { sex: 'OTHER' }, 'sex'],
    ['an empty sex', { sex: '' }, 'sex'],
    ['tags as a string', { tags: 'vip' }, 'tags'],
    ['33 tags', { tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, 'tags'],
    ['a numeric fourth tag', { tags: ['a', 'b', 'c', 4] }, 'tags[3]'],
    ['a first tag of 65 characters', { tags: ['x'.repeat(65)] }, 'tags[0]'],
    ['an unknown field', { nickname: 'al' }, 'nickname'],
  ];
  it.each(bad)('rejects %s', async (_, info, field) => {
    const w = await engine();
    await setUserInfo(w, 'alice', FULL);
    await expectRefused(w, info, field);
  });

  it('rejects an info that mixes valid fields with one bad field, changing nothing', async () => {
    const w = await engine();
    await setUserInfo(w, 'alice', { country: 'EE' });
    await expectRefused(w, { country: 'FI', jurisdiction: 'MT', sex: 'X' }, 'sex');
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [{ country: 'EE' }]],
    ['a string', 'EE'],
  ])('rejects an info that is %s', async (_, info) => {
    const w = await engine();
    await expect(setUserInfo(w, 'alice', info as UserInfo)).rejects.toBeInstanceOf(InvalidFieldError);
  });
});

describe(onStore('createUsers items take an info; an item whose info is invalid is ignored like any invalid item'), () => {
  it('opens users with their info, and users without one answer no fields', async () => {
    const w = await engine([{ user: 'eve', currency: 'EUR', info: reversed(FULL) }, { user: 'gus', info: { tags: ['x'] } }, 'tom']);
    expect(JSON.stringify(await userInfo(w, { user: 'eve', request_uuid: 'r' }))).toBe(JSON.stringify({ user: 'eve', status: 'RS_OK', request_uuid: 'r', ...FULL }));
    expect(await userInfo(w, { user: 'gus', request_uuid: 'r' })).toEqual({ user: 'gus', status: 'RS_OK', request_uuid: 'r', tags: ['x'] });
    expect(await userInfo(w, { user: 'tom', request_uuid: 'r' })).toEqual({ user: 'tom', status: 'RS_OK', request_uuid: 'r' });
  });

  it('ignores an item with an invalid info and creates the valid items of the same list', async () => {
    const w = await engine([{ user: 'eve', info: { sex: 'X' } } as unknown as UserSpec, { user: 'ann', info: { country: 'EE' } }]);
    expect((await userInfo(w, { user: 'eve', request_uuid: 'r' })).status).toBe(Status.UNKNOWN);
    expect((await w.balance({ user: 'eve', request_uuid: 'r' })).status).toBe(Status.UNKNOWN);
    expect((await userInfo(w, { user: 'ann', request_uuid: 'r' })).country).toBe('EE');
  });

  it('never changes the info of a user that exists already', async () => {
    const w = await engine([{ user: 'eve', info: { country: 'EE' } }]);
    await w.createUsers([{ user: 'eve', info: { country: 'FI' } }]);
    expect((await userInfo(w, { user: 'eve', request_uuid: 'r' })).country).toBe('EE');
  });

  it('leaves the money calls of a user with info as they were', async () => {
    const w = await engine([{ user: 'alice', info: FULL }]);
    expect(await w.bet(betBody(new Ids()))).toMatchObject({ status: Status.OK, balance: 99_900 });
  });
});

describe(onStore(`player information set before a restart holds after it (${RESTART_STORE})`), () => {
  it('answers the info set by createUsers and by setUserInfo after the restart', async () => {
    const engine = startRestartable();
    await engine.w.createUsers([{ user: 'eve', info: FULL }, 'tom', 'sam']);
    await setUserInfo(engine.w, 'tom', { country: 'EE', tags: ['a', 'b'] });
    await setUserInfo(engine.w, 'sam', { country: 'EE' });
    await setUserInfo(engine.w, 'sam', {});
    const w = await engine.restart();
    expect(JSON.stringify(await userInfo(w, { user: 'eve', request_uuid: 'r' }))).toBe(JSON.stringify({ user: 'eve', status: 'RS_OK', request_uuid: 'r', ...FULL }));
    expect(await userInfo(w, { user: 'tom', request_uuid: 'r' })).toEqual({ user: 'tom', status: 'RS_OK', request_uuid: 'r', country: 'EE', tags: ['a', 'b'] });
    expect(await userInfo(w, { user: 'sam', request_uuid: 'r' })).toEqual({ user: 'sam', status: 'RS_OK', request_uuid: 'r' });
  });
});
