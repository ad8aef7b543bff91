/**
 * The cost of sessions and limits, quickly: `node --expose-gc --import tsx bench/guarded.ts [rounds]`.
 *
 * Paired rounds, as `npm run bench` runs them: bet+win over 100,000 users with 1,000 in flight,
 * on an engine without tokens or limits, then on one with `requireToken`, a session open for every
 * user and a daily wager and loss limit on each (never reached), so that every bet pays the token
 * check, the limit check and the period sums. The ratio guarded / plain within each round, and its
 * median. Prints one line per round and one JSON line with the medians.
 */
import { betsAndWins, drive, engineWith, guardedEngineWith, userNames } from './workloads.js';

const ROUNDS = Math.max(1, Number(process.argv[2] ?? process.env.EXWALLET_BENCH_RUNS ?? 5));
const PAIRS = 100_000;
const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => {});
const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const users = userNames(100_000);
const plainRequests = betsAndWins(PAIRS, users);
const rates = { plain: [] as number[], guarded: [] as number[], ratio: [] as number[] };
for (let round = 0; round < ROUNDS; round += 1) {
  gc();
  const w = await engineWith(users);
  await drive(w, betsAndWins(5_000, users, 9), 1_000); // warm-up, other ids
  let began = performance.now();
  await drive(w, plainRequests, 1_000);
  const plain = plainRequests.length / ((performance.now() - began) / 1000);
  await w.stop();

  gc();
  const guarded = await guardedEngineWith(users);
  const requests = betsAndWins(PAIRS, users, 0, guarded.tokens);
  await drive(guarded.w, betsAndWins(5_000, users, 9, guarded.tokens), 1_000);
  began = performance.now();
  await drive(guarded.w, requests, 1_000);
  const withChecks = requests.length / ((performance.now() - began) / 1000);
  await guarded.w.stop();

  rates.plain.push(plain);
  rates.guarded.push(withChecks);
  rates.ratio.push(withChecks / plain);
  console.log(`round ${round + 1}: plain ${Math.round(plain)} ops/s, tokens and limits ${Math.round(withChecks)} ops/s, ratio ${(withChecks / plain).toFixed(2)}`);
}
console.log(JSON.stringify({ plain: Math.round(median(rates.plain)), guarded: Math.round(median(rates.guarded)), ratio: median(rates.ratio) }));
