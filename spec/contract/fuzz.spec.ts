import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Status, type Wallet, type WalletResponse } from '../../lib/index.js';
import { onStore, runs, start } from '../support/stores.js';
import { betBody, Ids, OPERATIONS, uuid, winBody } from '../support/helpers.js';
import { RUN_FACTOR, SEED } from '../support/model/arbitraries.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HUGE = 'x'.repeat(1 << 20);

/** Keys that have tripped JavaScript code before, mixed with the wallet's own field names. */
const key = fc.oneof(
  fc.string(),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'then'),
  fc.constantFrom('user', 'amount', 'currency', 'transaction_uuid', 'request_uuid', 'reference_transaction_uuid', 'meta'),
);

function throwingGetter(): object {
  const value = {};
  Object.defineProperty(value, 'user', { enumerable: true, get: () => { throw new Error('getter'); } });
  return value;
}

function hostileProxy(): object {
  const fail = (): never => {
    throw new Error('trap');
  };
  return new Proxy({}, { get: fail, ownKeys: fail, getPrototypeOf: fail, getOwnPropertyDescriptor: fail, has: fail });
}

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/**
 * A value that throws when read. fast-check reads the values it generates, so it generates this
 * marker and the test builds the hostile value from it with {@link materialize}.
 */
class Hostile {
  constructor(readonly make: () => object) {}
}

/** The value to send: hostile markers, at the top or one level down, become the real thing. */
function materialize(value: unknown): unknown {
  if (value instanceof Hostile) return value.make();
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const copy = {};
  for (const [name, field] of Object.entries(value)) {
    const real = field instanceof Hostile ? field.make() : field;
    Object.defineProperty(copy, name, { value: real, enumerable: true, configurable: true, writable: true });
  }
  return copy;
}

/** Any value at all, leaning on the ones that break naive code. */
const garbage: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({
    key,
    maxDepth: 3,
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
  }),
  fc.constantFrom(
    Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0.1, 2 ** 53, -(2 ** 53), 1e308, HUGE,
    Symbol('s'), () => 1, new Error('e'), Promise.resolve(1), /re/, new Date(Number.NaN),
  ),
  fc.constantFrom(new Hostile(throwingGetter), new Hostile(hostileProxy), new Hostile(revokedProxy)),
);


/** An engine with money on the move: alice has an open bet, so wins and rollbacks have a target. */
async function busyWallet(): Promise<{ w: Wallet; ids: Ids; openBet: string }> {
  const w = start();
  await w.createUsers(['alice', 'bob']);
  const ids = new Ids();
  const bet = betBody(ids, { amount: 500 });
  await w.bet(bet);
  return { w, ids, openBet: bet.transaction_uuid as string };
}

async function snapshot(w: Wallet): Promise<string> {
  const alice = await w.balance({ user: 'alice', request_uuid: '' });
  const bob = await w.balance({ user: 'bob', request_uuid: '' });
  return JSON.stringify([alice, bob, (await w.stats()).transactions]);
}

function expectWellFormed(response: WalletResponse): void {
  expect(Object.values(Status)).toContain(response.status);
  expect(typeof response.user).toBe('string');
  expect(typeof response.request_uuid).toBe('string');
}

describe(onStore('any value as a body gets an RS_ERROR_* response and changes nothing'), () => {
  for (const [name, call] of OPERATIONS) {
    it(`${name} survives arbitrary bodies`, async () => {
      const { w } = await busyWallet();
      const before = await snapshot(w);
      await fc.assert(
        fc.asyncProperty(fc.oneof(garbage, fc.dictionary(key, garbage, { maxKeys: 8 })), async (body) => {
          const response = await call(w, materialize(body));
          expectWellFormed(response);
          // balance answers RS_OK for a readable body naming a user; nothing else may succeed.
          if (name !== 'balance' || response.user === '') expect(response.status).not.toBe(Status.OK);
        }),
        { seed: SEED, numRuns: runs(300) * RUN_FACTOR },
      );
      expect(await snapshot(w)).toBe(before);
    });
  }
});

describe(onStore('a valid body with one field made invalid is refused and changes nothing'), () => {
  const notUuid = garbage.filter((value) => typeof value !== 'string' || !UUID.test(value));
  const invalid: Record<string, fc.Arbitrary<unknown>> = {
    user: garbage.filter((value) => value !== 'alice' && value !== 'bob'),
    transaction_uuid: notUuid,
    request_uuid: notUuid,
    reference_transaction_uuid: notUuid,
    currency: garbage.filter((value) => value !== 'USD'),
    amount: garbage.filter((value) => !Number.isSafeInteger(value) || (value as number) < 0),
  };
  for (const operation of ['bet', 'win'] as const) {
    it(`${operation} refuses a broken field`, async () => {
      const { w, ids, openBet } = await busyWallet();
      const before = await snapshot(w);
      const broken = fc.constantFrom(...Object.keys(invalid)).chain((field) =>
        (invalid[field] as fc.Arbitrary<unknown>).map((value) => ({ field, value })),
      );
      await fc.assert(
        fc.asyncProperty(broken, async ({ field, value }) => {
          const body = operation === 'bet' ? betBody(ids) : winBody(ids, openBet);
          if (field === 'reference_transaction_uuid' && operation === 'bet') return;
          Object.defineProperty(body, field, { value: materialize(value), enumerable: true, configurable: true, writable: true });
          const response = await w.handle(operation, body);
          expectWellFormed(response);
          expect(response.status).not.toBe(Status.OK);
        }),
        { seed: SEED, numRuns: runs(300) * RUN_FACTOR },
      );
      expect(await snapshot(w)).toBe(before);
    });
  }
});

describe(onStore('extra fields of any kind never break a valid request'), () => {
  it('applies the bet once, or refuses an unreadable body, and replays it exactly', async () => {
    const extras = fc.dictionary(
      key.filter((name) => !['user', 'amount', 'currency', 'transaction_uuid', 'request_uuid'].includes(name)),
      garbage,
      { maxKeys: 4 },
    );
    await fc.assert(
      fc.asyncProperty(extras, async (extra) => {
        const w = start();
        await w.createUsers(['alice']);
        const body = betBody(new Ids(), { amount: 300 });
        for (const [name, value] of Object.entries(extra)) {
          Object.defineProperty(body, name, { value: materialize(value), enumerable: true, configurable: true, writable: true });
        }
        const first = await w.bet(body);
        expect([Status.OK, Status.WRONG_SYNTAX]).toContain(first.status);
        const again = await w.bet({ ...body, request_uuid: uuid(999) });
        const expected = first.status === Status.OK ? 99_700 : 100_000;
        expect(await w.balance({ user: 'alice', request_uuid: '' })).toMatchObject({ balance: expected });
        if (first.status === Status.OK) expect(again).toEqual(first);
        await w.stop();
      }),
      { seed: SEED, numRuns: runs(300) * RUN_FACTOR },
    );
  });
});
