/**
 * What a conformance check is and what it answers: the shapes every scenario, the runner and
 * the reporters share.
 */
import type { CheckContext } from './context.js';
import type { Exchange } from './exchange.js';

export { CheckFailure, type Exchange } from './exchange.js';

/** The categories of checks, in the order they run. */
export const CATEGORIES = ['basics', 'idempotency', 'rollback', 'errors', 'signatures', 'concurrency', 'load'] as const;

/** One of {@link CATEGORIES}. */
export type Category = (typeof CATEGORIES)[number];

/** One rule of the contract, checked over HTTP against the wallet. */
export interface Check {
  /** `category.rule`, stable: reports and CI histories key on it. */
  readonly name: string;
  readonly category: Category;
  /** The rule, as one sentence. */
  readonly rule: string;
  /** Players the check needs (default 1); with fewer `--users` it is skipped. */
  readonly players?: number;
  /** The check judges signatures, so it needs the private key; without one it is skipped. */
  readonly signed?: boolean;
  /** Runs the check; throws a {@link CheckFailure} on a breach; may answer a note (load figures). */
  run(context: CheckContext): Promise<string | void>;
}

/** A player's balance before and after a check, as the kit read them. */
export interface BalanceChange {
  readonly user: string;
  readonly before: number;
  readonly after: number | undefined;
}

/** The verdict on one check, with its evidence. */
export interface CheckResult {
  readonly name: string;
  readonly category: Category;
  readonly rule: string;
  readonly outcome: 'pass' | 'fail' | 'skip';
  readonly ms: number;
  /** Why it failed or was skipped, or the note of a pass. */
  readonly detail?: string;
  /** The exchange that showed the breach. */
  readonly failedExchange?: Exchange;
  /** Every request the check sent (the load check keeps only the ones that went wrong). */
  readonly exchanges: readonly Exchange[];
  readonly balances: readonly BalanceChange[];
}
