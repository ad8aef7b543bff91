/**
 * Deterministic ids and randomness for generated workloads, shared by spec/ and bench/. Free of
 * jest and of the engine, so that processes outside jest (the crash test's worker, bench:pg's
 * load) can build the same workloads.
 */

/** Deterministic UUIDs: the n-th id of a test is always the same. */
export function uuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** A small seeded PRNG (mulberry32), so generated workloads are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
