import fc from 'fast-check';
import { uuid } from './random.js';

/** Soak runs (`npm run test:soak`) multiply every property's run count by this. */
export const RUN_FACTOR = Number(process.env.EXWALLET_SOAK ?? '1');
/** Every property test starts from this seed, so a failure replays exactly. */
export const SEED = Number(process.env.EXWALLET_SEED ?? '20261125');

export type Json = Record<string, unknown>;
export type MoneyOperation = 'bet' | 'win' | 'rollback' | 'deposit' | 'withdraw';

export const USERS = ['u1', 'u2', 'u3'] as const;
/** A user who keeps euros, created with USERS; `u5` (created by some steps) keeps euros too. */
export const EURO_USER = { user: 'e1', currency: 'EUR', balance: 5_000 } as const;
/** The users every sequence starts with. */
export const OPENING_USERS: readonly unknown[] = [...USERS, EURO_USER];
/** The currency a generated call of `user` is usually sent in: the user's own. */
const currencyOf = (user: unknown): string => (user === 'e1' || user === 'u5' ? 'EUR' : 'USD');

/**
 * Small pools make ids collide often: replays, reuses and references to real bets. Every id has
 * hex letters, so that its upper-case form differs from it.
 */
const transactionIds = Array.from({ length: 40 }, (_, i) => uuid(0xfacade000000 + i + 1));
/** References favour a few ids, so wins and rollbacks often find the bets they name. */
const referencedIds = transactionIds.slice(0, 10);
const requestIds = Array.from({ length: 6 }, (_, i) => uuid(1000 + i));

const sometimes = <T, U>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<U>): fc.Arbitrary<T | U> =>
  fc.oneof({ weight: 12, arbitrary: usual }, { weight: 1, arbitrary: odd });

const user = sometimes(fc.constantFrom<string>(...USERS, ...USERS, ...USERS, 'e1', 'u4', 'u5'), fc.constantFrom<unknown>('ghost', '', 7, null));
const oddId = fc.constantFrom<unknown>('not-a-uuid', `{${transactionIds[0]}}`, 12, undefined);
/** UUIDs are case-insensitive: one id in four is sent in upper case. */
const anyCase = (ids: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(ids, fc.nat(3)).map(([id, roll]) => (roll === 0 ? id.toUpperCase() : id));
const transactionId = sometimes(anyCase(fc.oneof(fc.constantFrom(...referencedIds), fc.constantFrom(...transactionIds))), oddId);
const referenceId = sometimes(anyCase(fc.constantFrom(...referencedIds)), oddId);
const requestId = sometimes(fc.constantFrom(...requestIds), fc.constantFrom<unknown>('r-1', undefined));
/** `OWN` stands for the user's own currency, filled in once the user is known. */
const OWN = Symbol('own currency');
const currency = sometimes(fc.constant(OWN), fc.constantFrom<unknown>('EUR', 'USD', 'usd', 840, undefined));
const amount = sometimes(
  fc.oneof(fc.integer({ min: 0, max: 40_000 }), fc.constantFrom(0, 100_000)),
  fc.constantFrom<unknown>(-1, 2.5, '10', Number.NaN, 2 ** 53, Number.MAX_SAFE_INTEGER, undefined),
);
const meta = fc.option(fc.record({ spin: fc.integer({ min: 0, max: 1 }) }), { nil: undefined });

/** A bet, win or rollback body, mostly well formed. */
export const moneyCall = fc
  .record({
    operation: fc.constantFrom<MoneyOperation>('bet', 'bet', 'win', 'rollback'),
    user,
    transaction_uuid: transactionId,
    request_uuid: requestId,
    reference_transaction_uuid: referenceId,
    currency,
    amount,
    meta,
  })
  .map(({ operation, ...fields }) => {
    const body = withoutUndefined(fields);
    if (operation === 'bet') delete body.reference_transaction_uuid;
    if (operation === 'rollback') {
      delete body.currency;
      delete body.amount;
    }
    return { operation, body };
  });

/**
 * A cashier's deposit or withdrawal: its ids come from the pools of the money calls, so that
 * they collide with bets, wins and rollbacks; some deposits are large enough to pass 2^53.
 */
export const cashierCall = fc
  .record({
    operation: fc.constantFrom<MoneyOperation>('deposit', 'withdraw'),
    user,
    transaction_uuid: transactionId,
    request_uuid: requestId,
    currency,
    amount: fc.oneof({ weight: 8, arbitrary: amount }, { weight: 1, arbitrary: fc.constantFrom(Number.MAX_SAFE_INTEGER - 1, 2 ** 52) }),
    meta,
  })
  .map(({ operation, ...fields }) => ({ operation, body: withoutUndefined(fields) }));

/** A bet, win or rollback now and then a deposit or withdrawal. */
export const anyCall = fc.oneof({ weight: 8, arbitrary: moneyCall }, { weight: 1, arbitrary: cashierCall });

/** The fields that are defined, with OWN turned into the user's currency. */
function withoutUndefined(fields: Record<string, unknown>): Json {
  const body: Json = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) body[key] = value === OWN ? currencyOf(fields.user) : value;
  return body;
}

export type Step =
  | { readonly kind: 'call'; readonly operation: MoneyOperation; readonly body: Json }
  | { readonly kind: 'balance'; readonly body: Json }
  | { readonly kind: 'create'; readonly users: readonly unknown[] }
  /** The operator disables or enables a user (or a name that is no user). */
  | { readonly kind: 'disable'; readonly user: string; readonly disabled: boolean }
  /**
   * Sends an earlier call again, with a fresh request_uuid or the same one, and sometimes with
   * its transaction_uuid and reference_transaction_uuid upper- or lower-cased.
   */
  | { readonly kind: 'repeat'; readonly back: number; readonly requestUuid: string | undefined; readonly recase: 'upper' | 'lower' | undefined }
  /** Sends several calls at once, without waiting between them. */
  | { readonly kind: 'burst'; readonly calls: ReadonlyArray<{ operation: MoneyOperation; body: Json }> };

/** The body with its transaction ids in the given case; other fields, request_uuid included, as they were. */
export function recased(body: Json, recase: 'upper' | 'lower' | undefined): Json {
  if (recase === undefined) return body;
  const copy: Json = { ...body };
  for (const key of ['transaction_uuid', 'reference_transaction_uuid']) {
    const value = copy[key];
    if (typeof value === 'string') copy[key] = recase === 'upper' ? value.toUpperCase() : value.toLowerCase();
  }
  return copy;
}

/**
 * Lists for createUsers: plain names, items with their own currency and balance (u5 keeps
 * euros, u4 may open empty), invalid items, and items naming users that exist already.
 */
const CREATE_LISTS: ReadonlyArray<unknown[]> = [
  ['u4'],
  ['ghost', ''],
  ['u1', 'u4', 'u4'],
  [{ user: 'u5', currency: 'EUR', balance: 700 }],
  [{ user: 'u4', balance: 0 }, 'u4'],
  [{ user: 'u5', currency: 'eur' }, { user: 'u4', balance: -1 }, { user: 'u4', balance: 2 ** 53 }, { user: 'u4', currency: 'EURO' }],
  [{ user: 'u1', currency: 'EUR', balance: 1 }, { user: 'e1', balance: 0 }],
];

export const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 10, arbitrary: anyCall.map((call) => ({ kind: 'call' as const, ...call })) },
  { weight: 1, arbitrary: fc.record({ user, request_uuid: requestId }).map((body) => ({ kind: 'balance' as const, body })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown[]>(...CREATE_LISTS).map((users) => ({ kind: 'create' as const, users })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ user: fc.constantFrom('u1', 'u2', 'e1', 'u4', 'ghost', ''), disabled: fc.boolean() })
      .map((change) => ({ kind: 'disable' as const, ...change })),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({
        back: fc.nat(30),
        requestUuid: fc.option(fc.constantFrom(...requestIds), { nil: undefined }),
        recase: fc.constantFrom(undefined, undefined, 'upper' as const, 'lower' as const),
      })
      .map((repeat) => ({ kind: 'repeat' as const, ...repeat })),
  },
  { weight: 2, arbitrary: fc.array(anyCall, { minLength: 2, maxLength: 12 }).map((calls) => ({ kind: 'burst' as const, calls })) },
);
