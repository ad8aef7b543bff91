import { randomWorkload, type WorkloadRequest } from '../../support/model/workload.js';

export const CRASH_USERS = ['c1', 'c2', 'c3', 'c4', 'c5'];
export const REQUESTS_PER_CYCLE = 2_000;

/** The requests of one cycle, one in ten a deposit or withdrawal: the same for the worker that sends them and the test that checks them. */
export function crashWorkload(seed: number, cycle: number): WorkloadRequest[] {
  return randomWorkload(seed * 1_000 + cycle, CRASH_USERS, REQUESTS_PER_CYCLE, cycle * 1_000_000, { cashier: 0.1 });
}

/**
 * The user the operator disables before cycle `cycle` starts (the one of the cycle before is
 * enabled again at the same time), so that every cycle has a disabled user whose new bets are
 * refused while the rest of its requests are served.
 */
export function disabledIn(cycle: number): string {
  return CRASH_USERS[cycle % CRASH_USERS.length] as string;
}
