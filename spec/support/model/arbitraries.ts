import fc from 'fast-check';
import { uuid } from '../../../test-support/random.js';

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

// ---------------------------------------------------------------------------------------------
// Sequences with tokens required, a clock that moves, and limits (SPEC 10 and 12)

/** The clock of such a sequence starts on Sunday 2026-12-27 at 20:00 UTC: hours before a week ends, days before a month and a year end. */
export const CLOCK_START = Date.UTC(2026, 11, 27, 20);

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * A token as a generated body names it, resolved when the step runs (tokens come from the
 * engine): `@own:N` is the N-th session opened for the body's user (modulo their number), `@any:N`
 * the N-th session opened for anyone; closed and expired sessions stay on both lists.
 */
export type TokenRef = `@own:${number}` | `@any:${number}`;

/** Where a clock step moves the clock: by some milliseconds, or to (or 1 ms before) the next boundary of a period, the next expiry of a session, or the next raise of a limit. */
export type ClockMove = { readonly by: number } | { readonly to: 'day' | 'week' | 'month' | 'expiry' | 'raise'; readonly early: boolean };

export type SessionStep =
  | Step
  /** The operator opens a session (the user may not exist; ttl_seconds may be out of range). */
  | { readonly kind: 'open'; readonly ask: { user: string; game_code?: string; ttl_seconds?: number } }
  /** The operator closes the N-th session opened (modulo their number), or a token that never was. */
  | { readonly kind: 'close'; readonly session: number | undefined }
  | { readonly kind: 'clock'; readonly move: ClockMove }
  /** The operator sets some of a user's limits (some updates have a bad name or value). */
  | { readonly kind: 'limits'; readonly user: string; readonly update: Json }
  | { readonly kind: 'report'; readonly user: string };

const tokenRef = fc.oneof(
  { weight: 12, arbitrary: fc.nat(20).map((n): TokenRef => `@own:${n}`) },
  { weight: 2, arbitrary: fc.nat(20).map((n): TokenRef => `@any:${n}`) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, 'bogus-token', 7, null) },
);
/** `is_free` on a bet: mostly absent, sometimes true (counted by no limit), sometimes false. */
const isFree = fc.oneof({ weight: 8, arbitrary: fc.constant<unknown>(undefined) }, { weight: 2, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(false, 'true') });

/** A call as {@link anyCall} makes it, with a token (wins and rollbacks too, never checked) and, on a bet, sometimes is_free. */
export const tokenedCall = fc.tuple(anyCall, tokenRef, isFree).map(([call, token, free]) => {
  const body: Json = { ...call.body };
  if (token !== undefined) body.token = token;
  if (call.operation === 'bet' && free !== undefined) body.is_free = free;
  return { operation: call.operation, body };
});

const limitValue = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom<number | null>(0, 500, 5_000, 20_000, 40_000, 60_000, 150_000, null) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 120_000 }) },
);
const limitUpdate = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record(
      { wager_day: limitValue, wager_week: limitValue, wager_month: limitValue, loss_day: limitValue, loss_week: limitValue, loss_month: limitValue },
      { requiredKeys: [] },
    ) as fc.Arbitrary<Json>,
  },
  { weight: 1, arbitrary: fc.constantFrom<Json>({ wager_day: -1 }, { loss_week: 2.5 }, { deposit_day: 10 }, { wager_month: '100' }, { loss_day: 10, wager_week: -3 }) },
);
const operatorUser = fc.constantFrom('u1', 'u1', 'u2', 'u3', 'e1', 'u4', 'ghost');
const clockMove: fc.Arbitrary<ClockMove> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 10 * MINUTE_MS }).map((by) => ({ by })) },
  { weight: 3, arbitrary: fc.integer({ min: HOUR_MS, max: 30 * HOUR_MS }).map((by) => ({ by })) },
  { weight: 1, arbitrary: fc.constantFrom(DAY_MS - 1, DAY_MS, 7 * DAY_MS).map((by) => ({ by })) },
  {
    weight: 4,
    arbitrary: fc.record({ to: fc.constantFrom<'day' | 'week' | 'month' | 'expiry' | 'raise'>('day', 'week', 'month', 'expiry', 'expiry', 'raise', 'raise'), early: fc.boolean() }),
  },
);

/** A timed sequence starts with a week-long session for each opening user. */
export const OPENING_SESSIONS: readonly SessionStep[] = ['u1', 'u2', 'u3', 'e1'].map((name) => ({ kind: 'open' as const, ask: { user: name, ttl_seconds: 604_800 } }));

export const sessionStep: fc.Arbitrary<SessionStep> = fc.oneof(
  { weight: 12, arbitrary: tokenedCall.map((call) => ({ kind: 'call' as const, ...call })) },
  {
    weight: 2,
    arbitrary: fc.record({ user, request_uuid: requestId, token: tokenRef }).map((fields) => ({ kind: 'balance' as const, body: withoutUndefined(fields) })),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown[]>(...CREATE_LISTS).map((users) => ({ kind: 'create' as const, users })) },
  { weight: 1, arbitrary: fc.record({ user: fc.constantFrom('u1', 'u2', 'e1', 'ghost'), disabled: fc.boolean() }).map((change) => ({ kind: 'disable' as const, ...change })) },
  {
    weight: 3,
    arbitrary: fc
      .record({ back: fc.nat(30), requestUuid: fc.option(fc.constantFrom(...requestIds), { nil: undefined }), recase: fc.constantFrom(undefined, 'upper' as const) })
      .map((repeat) => ({ kind: 'repeat' as const, ...repeat })),
  },
  { weight: 2, arbitrary: fc.array(tokenedCall, { minLength: 2, maxLength: 8 }).map((calls) => ({ kind: 'burst' as const, calls })) },
  {
    weight: 5,
    arbitrary: fc
      .record(
        {
          user: operatorUser,
          game_code: fc.constantFrom('slot-1', 'roulette'),
          ttl_seconds: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(60, 61, 600, 3_600, 14_400, 86_400, 604_800) }, { weight: 1, arbitrary: fc.constantFrom(59, 604_801, 90.5) }),
        },
        { requiredKeys: ['user'] },
      )
      .map((ask) => ({ kind: 'open' as const, ask })),
  },
  { weight: 1, arbitrary: fc.option(fc.nat(30), { nil: undefined, freq: 6 }).map((session) => ({ kind: 'close' as const, session })) },
  { weight: 4, arbitrary: clockMove.map((move) => ({ kind: 'clock' as const, move })) },
  { weight: 3, arbitrary: fc.record({ user: operatorUser, update: limitUpdate }).map((change) => ({ kind: 'limits' as const, ...change })) },
  { weight: 1, arbitrary: operatorUser.map((name) => ({ kind: 'report' as const, user: name })) },
);
