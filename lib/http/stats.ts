import type { StoreStats, Wallet } from '../index.js';

/**
 * How long PostgreSQL's counts are reused: each count scans the wallets and transactions
 * tables, which grow without bound between retention passes.
 */
export const STATS_MAX_AGE_MS = 10_000;

/**
 * The engine's counts of users and stored transactions, cheap to ask for on every scrape. The
 * embedded store counts in memory, so its counts are always current. PostgreSQL's are counted
 * at most once per {@link STATS_MAX_AGE_MS}: the first call waits for a count, later calls answer
 * at once with the last one and start a new count in the background once it is older than that.
 */
export class StatsCache {
  readonly #wallet: Wallet;
  readonly #maxAgeMs: number;
  #last: { readonly stats: StoreStats; readonly at: number } | undefined;
  #counting: Promise<StoreStats> | undefined;

  constructor(wallet: Wallet, maxAgeMs: number = STATS_MAX_AGE_MS) {
    this.#wallet = wallet;
    this.#maxAgeMs = maxAgeMs;
  }

  /** True when the store keeps its counts current and free to read (the embedded store). */
  get live(): boolean {
    return this.#wallet.counts() !== undefined;
  }

  /** The counts: current with the embedded store, at most a little stale with PostgreSQL. */
  async get(): Promise<StoreStats> {
    const counts = this.#wallet.counts();
    if (counts !== undefined) return counts;
    const last = this.#last;
    if (last === undefined) return this.#count();
    // A failed background count keeps the last one; the next call tries again.
    if (performance.now() - last.at >= this.#maxAgeMs) this.#count().catch(() => undefined);
    return last.stats;
  }

  #count(): Promise<StoreStats> {
    this.#counting ??= this.#wallet
      .stats()
      .then((stats) => {
        this.#last = { stats, at: performance.now() };
        return stats;
      })
      .finally(() => {
        this.#counting = undefined;
      });
    return this.#counting;
  }
}
