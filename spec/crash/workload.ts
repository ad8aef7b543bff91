import { randomWorkload, type WorkloadRequest } from '../model/workload.js';

export const CRASH_USERS = ['c1', 'c2', 'c3', 'c4', 'c5'];
export const REQUESTS_PER_CYCLE = 2_000;

/** The requests of one cycle: the same for the worker that sends them and the test that checks them. */
export function crashWorkload(seed: number, cycle: number): WorkloadRequest[] {
  return randomWorkload(seed * 1_000 + cycle, CRASH_USERS, REQUESTS_PER_CYCLE, cycle * 1_000_000);
}
