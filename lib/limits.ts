/**
 * Responsible-gambling limits (SPEC 12), as pure functions of a user's limit state, period sums
 * and the time: every store keeps the same three values and asks these what a bet may do.
 */
import { InvalidFieldError } from './errors.js';
import type { LimitName, Limits, LimitsReport, PendingLimit } from './types.js';

/** The six limits in the order they are listed, answered and stored. */
export const LIMIT_NAMES: readonly LimitName[] = ['wager_day', 'wager_week', 'wager_month', 'loss_day', 'loss_week', 'loss_month'];

/** No limit at all: a user's limits until the operator sets one. */
export const NO_LIMITS: Limits = { wager_day: null, wager_week: null, wager_month: null, loss_day: null, loss_week: null, loss_month: null };

/** How long a raise (or a removal) waits before it applies: the cooling-off. */
export const COOLING_OFF_MS = 86_400_000;
const DAY_MS = 86_400_000;

/** A raise waiting out its cooling-off, as the stores keep it: the value and when it applies (ms since the epoch). */
export interface PendingRaise {
  readonly value: number | null;
  readonly at: number;
}

/** A user's limits as stored: those in force when last set, and the raises waiting. */
export interface LimitState {
  readonly limits: Limits;
  readonly pending: { readonly [name in LimitName]?: PendingRaise };
}

/**
 * The sums of a user's current periods: which UTC day, ISO week and month they are of (see
 * {@link periodsOf}), and per period the wager (bets less cancelled bets) and the wins paid.
 * Kept for every user, so that a first limit counts what the period already holds.
 */
export interface Usage {
  readonly day: number;
  readonly week: number;
  readonly month: number;
  readonly wagerDay: number;
  readonly wagerWeek: number;
  readonly wagerMonth: number;
  readonly winsDay: number;
  readonly winsWeek: number;
  readonly winsMonth: number;
}

/** The periods a time falls in: days since the epoch, ISO weeks since the one of the epoch (from Monday 00:00 UTC), months since year 0. */
export interface Periods {
  readonly day: number;
  readonly week: number;
  readonly month: number;
}

/** The periods of the day last asked for: every bet of a day asks for the same ones. */
let lastPeriods: Periods = { day: Number.NaN, week: Number.NaN, month: Number.NaN };

/** The UTC day, ISO week and month of `time` (ms since the epoch). */
export function periodsOf(time: number): Periods {
  const day = Math.floor(time / DAY_MS);
  if (day === lastPeriods.day) return lastPeriods;
  const date = new Date(time);
  // 1970-01-01 was a Thursday: day 4 (a Monday) starts week 1.
  lastPeriods = { day, week: Math.floor((day + 3) / 7), month: date.getUTCFullYear() * 12 + date.getUTCMonth() };
  return lastPeriods;
}

/** Empty sums for the periods of `time`. */
export function emptyUsage(time: number): Usage {
  const { day, week, month } = periodsOf(time);
  return usageOf(day, week, month, 0, 0, 0, 0, 0, 0);
}

/**
 * A usage record from its nine fields. Every record is built here, in one order, so that all
 * share one object shape: the sums change on every bet and win, and spreads would cost more.
 */
function usageOf(day: number, week: number, month: number, wagerDay: number, wagerWeek: number, wagerMonth: number, winsDay: number, winsWeek: number, winsMonth: number): Usage {
  return { day, week, month, wagerDay, wagerWeek, wagerMonth, winsDay, winsWeek, winsMonth };
}

/** `usage` moved to the periods of `time`: the sums of a period that has ended start again at 0. */
export function usageAt(usage: Usage | undefined, time: number): Usage {
  if (usage === undefined) return emptyUsage(time);
  const { day, week, month } = periodsOf(time);
  if (day === usage.day && week === usage.week && month === usage.month) return usage;
  const sameDay = day === usage.day;
  const sameWeek = week === usage.week;
  const sameMonth = month === usage.month;
  return usageOf(
    day,
    week,
    month,
    sameDay ? usage.wagerDay : 0,
    sameWeek ? usage.wagerWeek : 0,
    sameMonth ? usage.wagerMonth : 0,
    sameDay ? usage.winsDay : 0,
    sameWeek ? usage.winsWeek : 0,
    sameMonth ? usage.winsMonth : 0,
  );
}

/** The sums after a bet of `amount` at `time`. */
export function countBet(usage: Usage | undefined, amount: number, time: number): Usage {
  const n = usageAt(usage, time);
  return usageOf(n.day, n.week, n.month, n.wagerDay + amount, n.wagerWeek + amount, n.wagerMonth + amount, n.winsDay, n.winsWeek, n.winsMonth);
}

/** The sums after a win of `amount` paid at `time`. */
export function countWin(usage: Usage | undefined, amount: number, time: number): Usage {
  const n = usageAt(usage, time);
  return usageOf(n.day, n.week, n.month, n.wagerDay, n.wagerWeek, n.wagerMonth, n.winsDay + amount, n.winsWeek + amount, n.winsMonth + amount);
}

/**
 * The sums after the bet of `amount` made at `betTime` is cancelled at `time`: its amount leaves
 * the wager of each current period it was made in (a period that has ended is no longer summed).
 */
export function uncountBet(usage: Usage | undefined, amount: number, betTime: number, time: number): Usage {
  const n = usageAt(usage, time);
  const made = periodsOf(betTime);
  return usageOf(
    n.day,
    n.week,
    n.month,
    made.day === n.day ? n.wagerDay - amount : n.wagerDay,
    made.week === n.week ? n.wagerWeek - amount : n.wagerWeek,
    made.month === n.month ? n.wagerMonth - amount : n.wagerMonth,
    n.winsDay,
    n.winsWeek,
    n.winsMonth,
  );
}

/** Each limit's sum now: `wager_day` the wager of this day, `loss_day` its wager less its wins, ... */
export function sums(usage: Usage): { readonly [name in LimitName]: number } {
  return {
    wager_day: usage.wagerDay,
    wager_week: usage.wagerWeek,
    wager_month: usage.wagerMonth,
    loss_day: usage.wagerDay - usage.winsDay,
    loss_week: usage.wagerWeek - usage.winsWeek,
    loss_month: usage.wagerMonth - usage.winsMonth,
  };
}

/** The limits in force at `time`: those set, with every raise whose cooling-off has passed. */
export function limitsAt(state: LimitState | undefined, time: number): LimitState {
  if (state === undefined) return { limits: NO_LIMITS, pending: {} };
  let limits: Record<LimitName, number | null> | undefined;
  let pending: Partial<Record<LimitName, PendingRaise>> | undefined;
  for (const name of LIMIT_NAMES) {
    const raise = state.pending[name];
    if (raise === undefined || raise.at > time) continue;
    limits ??= { ...state.limits };
    pending ??= { ...state.pending };
    limits[name] = raise.value;
    delete pending[name];
  }
  return limits === undefined ? state : { limits, pending: pending ?? {} };
}

/** Whether a bet of `amount` would take any current period past its limit in force, counting it. */
export function exceeds(state: LimitState | undefined, usage: Usage | undefined, amount: number, time: number): boolean {
  if (state === undefined) return false;
  const { limits } = limitsAt(state, time);
  // Field by field rather than through sums(): this runs on every bet of a user with limits.
  const now = usageAt(usage, time);
  return (
    over(limits.wager_day, now.wagerDay, amount) ||
    over(limits.wager_week, now.wagerWeek, amount) ||
    over(limits.wager_month, now.wagerMonth, amount) ||
    over(limits.loss_day, now.wagerDay - now.winsDay, amount) ||
    over(limits.loss_week, now.wagerWeek - now.winsWeek, amount) ||
    over(limits.loss_month, now.wagerMonth - now.winsMonth, amount)
  );
}

function over(limit: number | null, sum: number, amount: number): boolean {
  return limit !== null && sum + amount > limit;
}

/**
 * The limit state after the operator sets `update` at `time`: a first limit or a lower one
 * applies at once (and drops a raise of it that was waiting); a higher one, or `null` over a
 * limit, waits {@link COOLING_OFF_MS} from now, the limit in force holding until then (a raise
 * sent while another waits replaces it and waits from now).
 */
export function setLimits(state: LimitState | undefined, update: Partial<Limits>, time: number): LimitState {
  const current = limitsAt(state, time);
  const limits: Record<LimitName, number | null> = { ...current.limits };
  const pending: Partial<Record<LimitName, PendingRaise>> = { ...current.pending };
  for (const name of LIMIT_NAMES) {
    if (!(name in update)) continue;
    const value = update[name] as number | null;
    const inForce = limits[name] as number | null;
    delete pending[name];
    if (inForce === null || (value !== null && value <= inForce)) limits[name] = value;
    else pending[name] = { value, at: time + COOLING_OFF_MS };
  }
  return { limits, pending };
}

/** Reads a `setLimits` body: any of the six names, each a non-negative safe integer or `null`. Throws {@link InvalidFieldError}. */
export function parseLimits(body: unknown): Partial<Limits> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidFieldError('limits', 'expected an object of limits');
  const update: Partial<Record<LimitName, number | null>> = {};
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (!(LIMIT_NAMES as readonly string[]).includes(name)) throw new InvalidFieldError(name, `not a limit; the limits are ${LIMIT_NAMES.join(', ')}`);
    if (value !== null && !(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) {
      throw new InvalidFieldError(name, `a limit is a non-negative safe integer or null, got ${JSON.stringify(value) ?? typeof value}`);
    }
    update[name as LimitName] = value as number | null;
  }
  return update;
}

/** The answer of `getLimits` and `setLimits` for `user` at `time`. */
export function limitsReport(user: string, state: LimitState | undefined, usage: Usage | undefined, time: number): LimitsReport {
  const { limits, pending } = limitsAt(state, time);
  const waiting: Partial<Record<LimitName, PendingLimit>> = {};
  for (const name of LIMIT_NAMES) {
    const raise = pending[name];
    if (raise !== undefined) waiting[name] = { value: raise.value, applies_at: new Date(raise.at).toISOString() };
  }
  return { user, limits: { ...limits }, pending: waiting, usage: sums(usageAt(usage, time)) };
}

/** Whether a limit state limits nothing and waits for nothing: such a user is kept without one. */
export function isUnlimited(state: LimitState): boolean {
  return LIMIT_NAMES.every((name) => state.limits[name] === null && state.pending[name] === undefined);
}
