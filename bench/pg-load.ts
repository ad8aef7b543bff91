/**
 * The load of `npm run bench:pg`, shared by the bench process and its worker processes: closed
 * loops, each sending a bet, awaiting its answer, then the win that settles it, on a user drawn
 * at random. Every id is a fresh `crypto.randomUUID()`, so runs and processes never collide.
 */
import { randomUUID } from 'node:crypto';
import { Status, type StoreMetrics, type Wallet, type WalletResponse } from '../lib/index.js';
import { seededRandom as generator } from '../test-support/random.js';

/** What one process sends. */
export interface LoadPlan {
  /** The first user's number: users are `player-<first>` to `player-<first + count - 1>`. */
  readonly firstUser: number;
  readonly userCount: number;
  /** Requests outstanding at once (closed loops). */
  readonly inFlight: number;
  /** Requests to send, half bets and half wins. */
  readonly operations: number;
  /** Seeds the choice of users, so that processes draw different sequences. */
  readonly seed: number;
}

/** What one process measured. */
export interface LoadResult {
  readonly operations: number;
  readonly seconds: number;
  /** Milliseconds from sending each request to its answer, in completion order. */
  readonly latencies: Float64Array;
  /** Answers other than `RS_OK`, and the first of them. */
  readonly failures: number;
  readonly firstFailure: string | undefined;
}

/** The store's commit counters and the process's CPU time over one measured run. */
export interface RunCounters {
  readonly commits: number;
  readonly committedRequests: number;
  readonly commitSeconds: number;
  readonly cpuSeconds: number;
}

/** Messages between the bench and a worker process. */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly result: LoadResult; readonly counters: RunCounters }
  | { readonly type: 'failed'; readonly error: string };
export type ParentMessage = { readonly type: 'go' };

/** A worker's command line argument, as JSON. */
export interface WorkerPlan {
  readonly url: string;
  readonly schema: string;
  readonly warmUp: LoadPlan;
  readonly measured: LoadPlan;
}

export function userName(n: number): string {
  return `player-${n}`;
}

/** Sends `plan.operations` requests through `w`, `plan.inFlight` at a time, timing each. */
export async function runLoad(w: Wallet, plan: LoadPlan): Promise<LoadResult> {
  const pairs = Math.floor(plan.operations / 2);
  const latencies = new Float64Array(pairs * 2);
  const random = generator(plan.seed);
  let claimed = 0;
  let recorded = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const check = (response: WalletResponse): void => {
    if (response.status === Status.OK) return;
    failures += 1;
    firstFailure ??= JSON.stringify(response);
  };
  const loop = async (): Promise<void> => {
    while (claimed < pairs) {
      claimed += 1;
      const n = claimed;
      const user = userName(plan.firstUser + Math.floor(random() * plan.userCount));
      const bet = randomUUID();
      const amount = 1 + (n % 50);
      let sent = performance.now();
      check(await w.bet({ user, transaction_uuid: bet, request_uuid: randomUUID(), currency: 'USD', amount, round: bet, game_code: 'clt_dragonrising' }));
      latencies[recorded++] = performance.now() - sent;
      sent = performance.now();
      const win = { user, transaction_uuid: randomUUID(), request_uuid: randomUUID(), reference_transaction_uuid: bet, currency: 'USD', amount: n % 3 === 0 ? 2 * amount : 0, round: bet, game_code: 'clt_dragonrising' };
      check(await w.win(win));
      latencies[recorded++] = performance.now() - sent;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(plan.inFlight, pairs) }, loop));
  return { operations: pairs * 2, seconds: (performance.now() - started) / 1000, latencies, failures, firstFailure };
}

/** Runs `plan` and reports, besides the load's figures, what the store and this process spent on it. */
export async function measure(w: Wallet, plan: LoadPlan): Promise<{ result: LoadResult; counters: RunCounters }> {
  const before: StoreMetrics = w.metrics();
  const cpu = process.cpuUsage();
  const result = await runLoad(w, plan);
  const used = process.cpuUsage(cpu);
  const after = w.metrics();
  return {
    result,
    counters: {
      commits: after.commits - before.commits,
      committedRequests: after.committedRequests - before.committedRequests,
      commitSeconds: after.commitSeconds - before.commitSeconds,
      cpuSeconds: (used.user + used.system) / 1e6,
    },
  };
}
