/**
 * The responsible-gambling limit state by itself (lib/limits.ts): the period numbers the stores
 * keep, raises waiting out their cooling-off side by side, what counts as a raise, what
 * `parseLimits` takes, and which states limit nothing.
 */
import { describe, expect, it } from '@jest/globals';
import { InvalidFieldError } from '../../lib/errors.js';
import { COOLING_OFF_MS, isUnlimited, limitsAt, limitsReport, NO_LIMITS, parseLimits, periodsOf, setLimits } from '../../lib/limits.js';

const HOUR = 3_600_000;
/** Monday 2026-12-07, 12:00 UTC. */
const T0 = Date.UTC(2026, 11, 7, 12);

/** The InvalidFieldError `call` throws. */
function invalidField(call: () => unknown): InvalidFieldError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidFieldError);
    return error as InvalidFieldError;
  }
  throw new Error('expected an InvalidFieldError, nothing was thrown');
}

describe('period numbers are days since the epoch, ISO weeks since the one of the epoch and months since year 0 (journals and snapshots store them)', () => {
  it('numbers Monday 2026-12-07 day 20794, week 2971 and month 2026 * 12 + 11', () => {
    expect(periodsOf(T0)).toEqual({ day: 20_794, week: 2_971, month: 2026 * 12 + 11 });
  });

  it('numbers January 2027 the month after December 2026, and March the month after February', () => {
    expect(periodsOf(Date.UTC(2027, 0, 1)).month).toBe(2027 * 12);
    expect(periodsOf(Date.UTC(2027, 0, 1)).month - periodsOf(Date.UTC(2026, 11, 31, 23, 59, 59, 999)).month).toBe(1);
    expect(periodsOf(Date.UTC(2027, 2, 1)).month - periodsOf(Date.UTC(2027, 1, 28)).month).toBe(1);
  });

  it('gives the periods of the time asked for, whichever time was asked for before', () => {
    const later = Date.UTC(2027, 5, 15, 8);
    expect(periodsOf(T0).day).toBe(20_794);
    expect(periodsOf(later)).toEqual({ day: Math.floor(later / 86_400_000), week: Math.floor((Math.floor(later / 86_400_000) + 3) / 7), month: 2027 * 12 + 5 });
    expect(periodsOf(T0 + 1).day).toBe(20_794);
  });
});

describe('each raise waits out its own cooling-off: the first one to apply leaves the others waiting', () => {
  it('applies the wager_day raise at its time and keeps the wager_week raise waiting until its own', () => {
    const set = setLimits(undefined, { wager_day: 100, wager_week: 1_000 }, T0);
    const dayRaised = setLimits(set, { wager_day: 200 }, T0 + HOUR);
    const bothRaised = setLimits(dayRaised, { wager_week: 2_000 }, T0 + 13 * HOUR);

    const first = limitsAt(bothRaised, T0 + HOUR + COOLING_OFF_MS);
    expect(first.limits).toMatchObject({ wager_day: 200, wager_week: 1_000 });
    expect(first.pending).toEqual({ wager_week: { value: 2_000, at: T0 + 13 * HOUR + COOLING_OFF_MS } });
    expect(limitsReport('alice', bothRaised, undefined, T0 + HOUR + COOLING_OFF_MS).pending).toEqual({
      wager_week: { value: 2_000, applies_at: new Date(T0 + 13 * HOUR + COOLING_OFF_MS).toISOString() },
    });

    const second = limitsAt(bothRaised, T0 + 13 * HOUR + COOLING_OFF_MS);
    expect(second.limits).toMatchObject({ wager_day: 200, wager_week: 2_000 });
    expect(second.pending).toEqual({});
  });

  it('keeps the waiting raise when a later call lowers another limit after the first raise applied', () => {
    const set = setLimits(undefined, { loss_day: 50, loss_month: 500 }, T0);
    const raised = setLimits(setLimits(set, { loss_day: 80 }, T0), { loss_month: 900 }, T0 + 12 * HOUR);
    const lowered = setLimits(raised, { wager_month: 10 }, T0 + COOLING_OFF_MS);
    expect(lowered.limits).toMatchObject({ loss_day: 80, loss_month: 500, wager_month: 10 });
    expect(lowered.pending).toEqual({ loss_month: { value: 900, at: T0 + 12 * HOUR + COOLING_OFF_MS } });
  });
});

describe('a limit set to the value in force is no raise: it holds at once and nothing waits', () => {
  it('leaves nothing pending when the same value is sent again', () => {
    const set = setLimits(undefined, { wager_day: 100 }, T0);
    const again = setLimits(set, { wager_day: 100 }, T0 + HOUR);
    expect(again).toEqual({ limits: { ...NO_LIMITS, wager_day: 100 }, pending: {} });
  });

  it('drops a raise that was waiting when the value in force is sent again, which then holds past the raise time', () => {
    const raised = setLimits(setLimits(undefined, { wager_day: 100 }, T0), { wager_day: 500 }, T0);
    const kept = setLimits(raised, { wager_day: 100 }, T0 + HOUR);
    expect(kept.pending).toEqual({});
    expect(limitsAt(kept, T0 + 2 * COOLING_OFF_MS).limits.wager_day).toBe(100);
  });
});

describe('parseLimits takes an object only: anything else is an InvalidFieldError naming "limits"', () => {
  it.each([
    ['null', null],
    ['a number', 5],
    ['a string', 'wager_day'],
    ['an array', [100]],
    ['a boolean', true],
    ['undefined', undefined],
  ])('refuses %s', (_, body) => {
    const error = invalidField(() => parseLimits(body));
    expect(error.field).toBe('limits');
    expect(error.message).toBe('limits: expected an object of limits');
  });

  it('takes an empty object as no change', () => {
    expect(parseLimits({})).toEqual({});
  });
});

describe("parseLimits's errors name the field and say what it takes", () => {
  it('lists the six limits for a name that is none of them', () => {
    const error = invalidField(() => parseLimits({ wager_day: 1, wager_year: 5 }));
    expect(error.field).toBe('wager_year');
    expect(error.message).toBe('wager_year: not a limit; the limits are wager_day, wager_week, wager_month, loss_day, loss_week, loss_month');
  });

  it.each([
    ['a string', '100', '"100"'],
    ['a negative number', -1, '-1'],
    ['a fraction', 1.5, '1.5'],
    ['an object', { value: 1 }, '{"value":1}'],
    ['undefined', undefined, 'undefined'],
  ])('shows %s it refuses as JSON', (_, value, shown) => {
    const error = invalidField(() => parseLimits({ loss_week: value }));
    expect(error.field).toBe('loss_week');
    expect(error.message).toBe(`loss_week: a limit is a non-negative safe integer or null, got ${shown}`);
  });
});

describe('a limit state limits nothing only when no limit is in force and none waits (such a user is kept without one)', () => {
  it('is unlimited with every limit null and nothing waiting', () => {
    expect(isUnlimited({ limits: NO_LIMITS, pending: {} })).toBe(true);
    expect(isUnlimited(limitsAt(undefined, T0))).toBe(true);
  });

  it('is unlimited again once every limit was removed and the removals applied', () => {
    const removed = setLimits(setLimits(undefined, { wager_day: 100 }, T0), { wager_day: null }, T0);
    expect(isUnlimited(removed)).toBe(false); // the removal waits
    expect(isUnlimited(limitsAt(removed, T0 + COOLING_OFF_MS))).toBe(true);
  });

  it('is limited by any one limit, 0 included', () => {
    for (const name of ['wager_day', 'wager_week', 'wager_month', 'loss_day', 'loss_week', 'loss_month'] as const) {
      expect({ name, unlimited: isUnlimited(setLimits(undefined, { [name]: 0 }, T0)) }).toEqual({ name, unlimited: false });
    }
  });

  it('is limited by a raise waiting even with no limit in force', () => {
    expect(isUnlimited({ limits: NO_LIMITS, pending: { loss_month: { value: 5, at: T0 } } })).toBe(false);
  });
});
