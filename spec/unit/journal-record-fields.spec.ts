import { describe, expect, it } from '@jest/globals';
import { declaredFormat, fromDisk, toDisk, type FileRecord } from '../../lib/journal/records.js';

/**
 * Every field of every record of the journal's format, one at a time: what recovery reads back
 * must be what was written, and a field missing or of the wrong type makes the line no record
 * (recovery then treats it as damage) rather than a record with a hole in it.
 */

type Field = 'string' | 'integer' | 'count' | 'boolean' | 'limit';

/** Values that are not of each kind of field. */
const WRONG: Record<Field, readonly unknown[]> = {
  string: [7, null, true, ['a']],
  integer: [1.5, '1', null, Number.MAX_SAFE_INTEGER + 1],
  count: [-1, 1.5, '1', null],
  boolean: ['true', 1, null],
  limit: [-1, 1.5, '1', false],
};

/** A record with every field it may have, and the kind of each field the format checks. */
interface Sample {
  readonly record: FileRecord;
  readonly required: Readonly<Record<string, Field>>;
  readonly optional: Readonly<Record<string, Field>>;
}

const LIMITS = { wager_day: 100, wager_week: null, wager_month: 0, loss_day: null, loss_week: 50, loss_month: null };
const INFO = { country: 'EE', jurisdiction: 'MT', sub_partner_id: 'sp', birth_date: '1990-01-31', registration_date: '2024-02-29', tags: ['vip', 'new'], sex: 'FEMALE', affiliate_id: 'a1' } as const;
const DETAILS = { isFree: false, round: 'r1', roundClosed: true, gameCode: 'g' } as const;
const DETAIL_FIELDS = { isFree: 'boolean', round: 'string', roundClosed: 'boolean', gameCode: 'string' } as const;
const IDS = { user: 'string', transactionUuid: 'string', requestUuid: 'string', fingerprint: 'string' } as const;

const SAMPLES: Readonly<Record<string, Sample>> = {
  settings: { record: { type: 'settings', format: 3, currency: 'USD', initialBalance: 0 }, required: { currency: 'string', initialBalance: 'count' }, optional: {} },
  user: {
    record: { type: 'user', user: 'bob', balance: -7, currency: 'EUR', disabled: false, info: INFO, limits: LIMITS, pending: { wager_day: { value: null, at: 1 }, loss_month: { value: 9, at: -2 } }, usage: { day: 20_791, week: 2_970, month: 683, wagerDay: 1, wagerWeek: 2, wagerMonth: 3, winsDay: 4, winsWeek: 5, winsMonth: -6 } },
    required: { user: 'string', balance: 'integer' },
    optional: { currency: 'string', disabled: 'boolean' },
  },
  disabled: { record: { type: 'disabled', user: 'alice', disabled: true }, required: { user: 'string', disabled: 'boolean' }, optional: {} },
  bet: {
    record: { type: 'command', user: 'alice', operation: 'bet', transactionUuid: 't', requestUuid: 'r', currency: 'USD', amount: 0, fingerprint: 'f', ...DETAILS, at: 60_000 },
    required: { ...IDS, currency: 'string', amount: 'count' },
    optional: { ...DETAIL_FIELDS, at: 'integer' },
  },
  win: {
    record: { type: 'command', user: 'alice', operation: 'win', transactionUuid: 't', requestUuid: 'r', referenceUuid: 'b', currency: 'USD', amount: 3, fingerprint: 'f', ...DETAILS, at: -1 },
    required: { ...IDS, referenceUuid: 'string', currency: 'string', amount: 'count' },
    optional: { ...DETAIL_FIELDS, at: 'integer' },
  },
  rollback: {
    record: { type: 'command', user: 'alice', operation: 'rollback', transactionUuid: 't', requestUuid: 'r', referenceUuid: 'b', fingerprint: 'f', ...DETAILS, at: 0 },
    required: { ...IDS, referenceUuid: 'string' },
    optional: { ...DETAIL_FIELDS, at: 'integer' },
  },
  deposit: { record: { type: 'command', user: 'alice', operation: 'deposit', transactionUuid: 't', requestUuid: '', currency: 'USD', amount: 5, fingerprint: '' }, required: { ...IDS, currency: 'string', amount: 'count' }, optional: {} },
  withdraw: { record: { type: 'command', user: 'alice', operation: 'withdraw', transactionUuid: 't', requestUuid: 'r', currency: 'USD', amount: 5, fingerprint: 'f' }, required: { ...IDS, currency: 'string', amount: 'count' }, optional: {} },
  entry: {
    record: { type: 'entry', transactionUuid: 't', user: 'alice', kind: 'reserved', fingerprint: 'f', requestUuid: 'r', balance: -9, state: -1, created: 0, free: true, amount: 0, at: -5, referenceUuid: 'b', ...DETAILS },
    required: { transactionUuid: 'string', user: 'string', fingerprint: 'string', requestUuid: 'string', balance: 'integer', state: 'integer' },
    optional: { created: 'count', free: 'boolean', amount: 'count', at: 'integer', referenceUuid: 'string', ...DETAIL_FIELDS },
  },
  time: { record: { type: 'time', minutes: 0 }, required: { minutes: 'count' }, optional: {} },
  session: { record: { type: 'session', token: 'tok', user: 'alice', gameCode: 'g', expiresAt: -1 }, required: { token: 'string', user: 'string', expiresAt: 'integer' }, optional: { gameCode: 'string' } },
  'session-closed': { record: { type: 'session-closed', token: 'tok' }, required: { token: 'string' }, optional: {} },
  info: { record: { type: 'info', user: 'alice', info: INFO }, required: { user: 'string' }, optional: {} },
  limits: { record: { type: 'limits', user: 'alice', limits: LIMITS, pending: { loss_week: { value: 60, at: 3 } } }, required: { user: 'string' }, optional: {} },
  end: { record: { type: 'end', records: 0 }, required: { records: 'count' }, optional: {} },
};

/** The record as a file holds it: written, then parsed. */
const onDisk = (record: FileRecord): Record<string, unknown> => JSON.parse(JSON.stringify(toDisk(record))) as Record<string, unknown>;

const without = (value: Record<string, unknown>, field: string): Record<string, unknown> => {
  const { [field]: _, ...rest } = value;
  return rest;
};

/** Every object inside `value`, itself included. */
function objectsIn(value: unknown): object[] {
  if (typeof value !== 'object' || value === null) return [];
  return [value, ...Object.values(value).flatMap(objectsIn)];
}

describe('every field of every record is read back as it was written', () => {
  it.each(Object.entries(SAMPLES))('a %s record with every field it may have', (_, { record }) => {
    expect(fromDisk(onDisk(record))).toStrictEqual(record);
  });

  it.each(Object.entries(SAMPLES))('a %s record is written with no key left without a value', (_, { record }) => {
    for (const object of objectsIn(toDisk(record))) expect(Object.values(object)).not.toContain(undefined);
  });

  it.each(Object.entries(SAMPLES).flatMap(([name, { record, optional }]) => Object.keys(optional).map((field) => [name, field, record] as const)))(
    'a %s record without its optional %s is read back without it',
    (_, field, record) => {
      const lacking = without(record as unknown as Record<string, unknown>, field) as unknown as FileRecord;
      expect(toDisk(lacking)).not.toHaveProperty(field);
      expect(fromDisk(onDisk(lacking))).toStrictEqual(lacking);
    },
  );

  it('a settings line without a format (version 1) is read as one', () => {
    expect(toDisk({ type: 'settings', currency: 'USD', initialBalance: 5 })).toStrictEqual({ type: 'settings', currency: 'USD', initialBalance: 5 });
    expect(fromDisk({ type: 'settings', currency: 'USD', initialBalance: 5 })).toStrictEqual({ type: 'settings', currency: 'USD', initialBalance: 5 });
    expect(fromDisk({ type: 'settings', format: 1, currency: 'USD', initialBalance: 5 })).toStrictEqual({ type: 'settings', format: 1, currency: 'USD', initialBalance: 5 });
  });

  it('a session without a game, and a user without info, limits, raises or usage, are read back without them', () => {
    expect(fromDisk(onDisk({ type: 'session', token: 't', user: 'u', expiresAt: 5 }))).toStrictEqual({ type: 'session', token: 't', user: 'u', expiresAt: 5 });
    expect(fromDisk(onDisk({ type: 'user', user: 'u', balance: 5 }))).toStrictEqual({ type: 'user', user: 'u', balance: 5 });
    expect(fromDisk(onDisk({ type: 'info', user: 'u', info: {} }))).toStrictEqual({ type: 'info', user: 'u', info: {} });
    expect(fromDisk(onDisk({ type: 'limits', user: 'u', limits: LIMITS, pending: {} }))).toStrictEqual({ type: 'limits', user: 'u', limits: LIMITS, pending: {} });
  });

  it.each(Object.keys(INFO))('info with only its %s is read back with only that', (field) => {
    const info = { [field]: INFO[field as keyof typeof INFO] };
    expect(toDisk({ type: 'info', user: 'u', info })).toStrictEqual({ type: 'info', user: 'u', info });
    expect(fromDisk(onDisk({ type: 'info', user: 'u', info }))).toStrictEqual({ type: 'info', user: 'u', info });
  });

  it('an info of a male player is read back as one', () => {
    expect(fromDisk({ type: 'info', user: 'u', info: { sex: 'MALE' } })).toStrictEqual({ type: 'info', user: 'u', info: { sex: 'MALE' } });
  });

  it('a field an operation does not have is neither written nor read: the reference of a bet, the currency and amount of a rollback', () => {
    const bet = { ...SAMPLES.bet!.record, referenceUuid: 'b' } as FileRecord;
    expect(toDisk(bet)).not.toHaveProperty('referenceUuid');
    expect(fromDisk({ ...onDisk(SAMPLES.bet!.record), referenceUuid: 'b' })).toStrictEqual(SAMPLES.bet!.record);
    const rollback = { ...SAMPLES.rollback!.record, currency: 'USD', amount: 5 } as FileRecord;
    expect(toDisk(rollback)).not.toHaveProperty('currency');
    expect(toDisk(rollback)).not.toHaveProperty('amount');
    expect(fromDisk({ ...onDisk(SAMPLES.rollback!.record), currency: 'USD', amount: 5 })).toStrictEqual(SAMPLES.rollback!.record);
  });

  it('an entry marked not free is written and read without the mark, as a row that was never free', () => {
    const paid = { ...SAMPLES.entry!.record, free: false } as FileRecord;
    expect(toDisk(paid)).not.toHaveProperty('free');
    expect(fromDisk({ ...onDisk(SAMPLES.entry!.record), free: false })).not.toHaveProperty('free');
  });

  it.each(['bet', 'win', 'rollback', 'deposit', 'withdraw', 'reserved'])('an entry of kind %s is read', (kind) => {
    expect(fromDisk({ ...onDisk(SAMPLES.entry!.record), kind })).toMatchObject({ kind });
  });
});

describe('a field missing or of the wrong type makes the line no record', () => {
  const cases = Object.entries(SAMPLES).flatMap(([name, { record, required, optional }]) => {
    const disk = onDisk(record);
    return [
      ...Object.keys(required).map((field) => [`a ${name} record without its ${field}`, without(disk, field)] as const),
      ...Object.entries({ ...required, ...optional }).flatMap(([field, kind]) =>
        WRONG[kind].map((value) => [`a ${name} record whose ${field} is ${JSON.stringify(value)}`, { ...disk, [field]: value }] as const),
      ),
    ];
  });

  it.each(cases)('%s', (_, value) => {
    expect(fromDisk(value)).toBeUndefined();
  });

  const user = onDisk(SAMPLES.user!.record);
  const limits = onDisk(SAMPLES.limits!.record);
  it.each<[string, unknown]>([
    ['no object', 'user'],
    ['null', null],
    ['an array', [{ type: 'time', minutes: 1 }]],
    ['a record without a type', { minutes: 1 }],
    ['a command of no operation', without(onDisk(SAMPLES.bet!.record), 'operation')],
    ['an entry of no kind', without(onDisk(SAMPLES.entry!.record), 'kind')],
    ['a settings record whose format is 0', { ...onDisk(SAMPLES.settings!.record), format: 0 }],
    ['a settings record whose format is 2.5', { ...onDisk(SAMPLES.settings!.record), format: 2.5 }],
    ['a settings record whose format is "3"', { ...onDisk(SAMPLES.settings!.record), format: '3' }],
    ['info that is no object', { type: 'info', user: 'u', info: 'EE' }],
    ['info that is an array', { type: 'info', user: 'u', info: [] }],
    ['info that is null', { type: 'info', user: 'u', info: null }],
    ['info whose sex is in lower case', { type: 'info', user: 'u', info: { sex: 'male' } }],
    ['info whose tags are no array', { type: 'info', user: 'u', info: { tags: 'vip' } }],
    ['info whose tags hold a number', { type: 'info', user: 'u', info: { tags: ['vip', 1] } }],
    ...Object.keys(INFO)
      .filter((field) => field !== 'tags' && field !== 'sex')
      .map((field): [string, unknown] => [`info whose ${field} is a number`, { type: 'info', user: 'u', info: { [field]: 1 } }]),
    ['a user whose info is damaged', { ...user, info: { country: 1 } }],
    ['a user whose limits are damaged', { ...user, limits: { ...LIMITS, loss_day: 'none' } }],
    ['a user whose raises are damaged', { ...user, pending: { wager_day: { value: 1, at: 'now' } } }],
    ['a user whose usage is no object', { ...user, usage: 5 }],
    ...['day', 'week', 'month'].map((field): [string, unknown] => [`a user whose usage ${field} is no integer`, { ...user, usage: { ...(user.usage as object), [field]: 0.5 } }]),
    ...['wager', 'wins'].flatMap((field): Array<[string, unknown]> => [
      [`a user whose usage ${field} is no array`, { ...user, usage: { ...(user.usage as object), [field]: { 0: 1, 1: 2, 2: 3, length: 3 } } }],
      [`a user whose usage ${field} has four numbers`, { ...user, usage: { ...(user.usage as object), [field]: [1, 2, 3, 4] } }],
      [`a user whose usage ${field} holds a fraction`, { ...user, usage: { ...(user.usage as object), [field]: [1, 2.5, 3] } }],
    ]),
    ['limits that are no object', { ...limits, limits: 5 }],
    ...Object.keys(LIMITS).map((name): [string, unknown] => [`limits whose ${name} is a fraction`, { ...limits, limits: { ...LIMITS, [name]: 0.5 } }]),
    ...Object.keys(LIMITS).map((name): [string, unknown] => [`limits without ${name}`, { ...limits, limits: without(LIMITS, name) }]),
    ['raises that are no object', { ...limits, pending: 'soon' }],
    ['raises that are missing', without(limits, 'pending')],
    ['a raise that is no object', { ...limits, pending: { wager_day: 5 } }],
    ['a raise to a negative limit', { ...limits, pending: { wager_day: { value: -1, at: 0 } } }],
    ['a raise at a time that is no integer', { ...limits, pending: { wager_day: { value: 1, at: 0.5 } } }],
    ['a limits record whose user is missing', without(limits, 'user')],
  ])('%s', (_, value) => {
    expect(fromDisk(value)).toBeUndefined();
  });
});

describe('the format a first line declares is its format, or 1', () => {
  it.each<[string, unknown, number]>([
    ['a settings line of format 3', { type: 'settings', format: 3, currency: 'USD', initialBalance: 0 }, 3],
    ['a settings line of a future format', { type: 'settings', format: 9 }, 9],
    ['a settings line without a format', { type: 'settings', currency: 'USD', initialBalance: 0 }, 1],
    ['a settings line whose format is text', { type: 'settings', format: '3' }, 1],
    ['a line of another type with a format', { type: 'user', format: 3 }, 1],
    ['no object', 3, 1],
    ['null', null, 1],
    ['an array', [{ type: 'settings', format: 3 }], 1],
  ])('%s declares format %d', (_, value, format) => {
    expect(declaredFormat(value)).toBe(format);
  });
});
