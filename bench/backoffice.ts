/**
 * The back office's lookups against one user with 1,000,000 transactions (and 1,000,000 more of
 * other users) on the embedded store: how long each takes, and the longest the event loop was
 * held meanwhile (measured by a timer that asks for a turn every millisecond). Every lookup must
 * hold it for less than 20 ms.
 *
 *   node --import tsx bench/backoffice.ts [transactionsOfTheUser] [otherTransactions]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { start } from '../lib/index.js';
import { id } from './workloads.js';

const own = Number(process.argv[2] ?? 1_000_000);
const others = Number(process.argv[3] ?? 1_000_000);
let now = Date.UTC(2026, 0, 1);
const w = start({ initialBalance: 1e15, clock: () => now, retentionDays: 0 });
await w.createUsers(['whale', ...Array.from({ length: 1_000 }, (_, i) => `p${i}`)]);
let n = 0;
for (let i = 0; i < own + others; i += 1) {
  const user = i % 2 === 0 && i / 2 < own ? 'whale' : `p${i % 1_000}`;
  n += 1;
  await w.bet({ user, transaction_uuid: id(1, n), request_uuid: id(2, n), currency: 'USD', amount: 1, round: id(3, n), game_code: 'starburst' } as never);
  if (n % 1_000 === 0) now += 1_000;
}

/** Runs `lookup` while a 1 ms timer asks for turns: the time it took, and the longest turn the loop was held (ms). */
async function measure(name: string, lookup: () => Promise<unknown>): Promise<{ name: string; totalMs: number; longestHoldMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const t = performance.now();
    longest = Math.max(longest, t - last);
    last = t;
  }, 1);
  histogram.enable();
  const started = performance.now();
  await lookup();
  const totalMs = performance.now() - started;
  // One more turn, so that a hold at the very end is seen.
  await new Promise((resolve) => setTimeout(resolve, 2));
  clearInterval(timer);
  histogram.disable();
  const held = Math.max(longest - 1, histogram.max / 1e6 - 1);
  return { name, totalMs: Math.round(totalMs), longestHoldMs: Math.round(held * 10) / 10 };
}

const first = await w.history('whale', { limit: 1_000 });
const results = [
  await measure('history, first page of 1,000', () => w.history('whale', { limit: 1_000 })),
  await measure('history, a later page', () => w.history('whale', { limit: 1_000, cursor: first?.next_cursor })),
  await measure('history, a filter that matches only the oldest (walks the whole chain)', () => w.history('whale', { round: id(3, 1), limit: 10 })),
  await measure('transaction by id', () => w.transaction(id(1, 1))),
  await measure("round, the user named (walks the user's chain)", () => w.round(id(3, 1), 'whale')),
  await measure('round, no user (scans every row)', () => w.round(id(3, 1))),
  await measure('stuck rounds (scans every row)', () => w.stuckRounds({ idle_minutes: 0, limit: 100 })),
  await measure('daily report (scans every row)', () => w.dailyReport('2026-01-01')),
];
process.stdout.write(`${JSON.stringify({ transactionsOfTheUser: own, otherTransactions: others, results }, null, 2)}\n`);
await w.stop();
