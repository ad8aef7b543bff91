import fc from 'fast-check';
import { uuid } from '../helpers.js';

/** Soak runs (`npm run test:soak`) multiply every property's run count by this. */
export const RUN_FACTOR = Number(process.env.EXWALLET_SOAK ?? '1');
/** Every property test starts from this seed, so a failure replays exactly. */
export const SEED = Number(process.env.EXWALLET_SEED ?? '20261125');

export type Json = Record<string, unknown>;
export type MoneyOperation = 'bet' | 'win' | 'rollback';

export const USERS = ['u1', 'u2', 'u3'] as const;

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

const user = sometimes(fc.constantFrom<string>(...USERS), fc.constantFrom<unknown>('ghost', '', 7, null));
const oddId = fc.constantFrom<unknown>('not-a-uuid', `{${transactionIds[0]}}`, 12, undefined);
/** UUIDs are case-insensitive: one id in four is sent in upper case. */
const anyCase = (ids: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(ids, fc.nat(3)).map(([id, roll]) => (roll === 0 ? id.toUpperCase() : id));
const transactionId = sometimes(anyCase(fc.oneof(fc.constantFrom(...referencedIds), fc.constantFrom(...transactionIds))), oddId);
const referenceId = sometimes(anyCase(fc.constantFrom(...referencedIds)), oddId);
const requestId = sometimes(fc.constantFrom(...requestIds), fc.constantFrom<unknown>('r-1', undefined));
const currency = sometimes(fc.constant('USD'), fc.constantFrom<unknown>('EUR', 'usd', 840, undefined));
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
    const body: Json = {};
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) body[key] = value;
    if (operation === 'bet') delete body.reference_transaction_uuid;
    if (operation === 'rollback') {
      delete body.currency;
      delete body.amount;
    }
    return { operation, body };
  });

export type Step =
  | { readonly kind: 'call'; readonly operation: MoneyOperation; readonly body: Json }
  | { readonly kind: 'balance'; readonly body: Json }
  | { readonly kind: 'create'; readonly users: readonly unknown[] }
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

export const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 10, arbitrary: moneyCall.map((call) => ({ kind: 'call' as const, ...call })) },
  { weight: 1, arbitrary: fc.record({ user, request_uuid: requestId }).map((body) => ({ kind: 'balance' as const, body })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown[]>(['u4'], ['ghost', ''], ['u1', 'u4', 'u4']).map((users) => ({ kind: 'create' as const, users })) },
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
  { weight: 2, arbitrary: fc.array(moneyCall, { minLength: 2, maxLength: 12 }).map((calls) => ({ kind: 'burst' as const, calls })) },
);
