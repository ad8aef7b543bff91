/**
 * A child process for spec/faults/memory-guard.spec.ts, run with a small heap: sends bets and wins with
 * `request_uuid`s the registry keeps in its side maps (mixed case), or plain ones against a
 * `memoryLimit`, until the memory guard refuses one; then checks that replays and balance calls
 * are answered, frees memory with a retention pass and checks that service resumes. Prints one
 * JSON line with what it saw; dies (as the process did before the guard watched every memory)
 * if the guard never trips.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { start, Status, type WalletResponse } from '../../../lib/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const mode = process.argv[2] as 'heap' | 'resident';
const DAY = 86_400_000;
let now = Date.UTC(2026, 0, 1);
const warnings: string[] = [];
const baseline = process.memoryUsage.rss();
const memoryLimit = mode === 'resident' ? baseline + 48 * 2 ** 20 : undefined;
const w = start({
  clock: () => now,
  retentionDays: 1,
  initialBalance: 1e15,
  ...(memoryLimit === undefined ? {} : { memoryLimit }),
  logger: { warn: (_details, message) => warnings.push(message), error: () => {} },
});
await w.createUsers(['alice']);

const hex = (n: number): string => n.toString(16).padStart(8, '0');
/** A UUID; in heap mode in mixed case, which the registry keeps exactly, in a side map. */
const id = (kind: number, n: number): string => `${hex(n)}-000${kind}-4000-8000-00000000${mode === 'heap' ? 'ABcd' : 'abcd'}`;
const betOf = (n: number) => ({ user: 'alice', transaction_uuid: id(1, n), request_uuid: id(2, n), currency: 'USD', amount: 1 });

const first = betOf(0);
const firstAnswer = await w.bet(first);
let refused: WalletResponse | undefined;
let sent = 1;
let peakResident = 0;
// Bets settled by a win (so that a retention pass can drop both), a thousand at a time.
while (refused === undefined && sent < 5_000_000) {
  const answers: Array<Promise<WalletResponse>> = [];
  for (let i = 0; i < 1_000; i += 1, sent += 1) {
    const bet = betOf(sent);
    answers.push(w.bet(bet));
    answers.push(w.win({ user: 'alice', transaction_uuid: id(3, sent), request_uuid: id(4, sent), reference_transaction_uuid: bet.transaction_uuid, currency: 'USD', amount: 0 }));
  }
  for (const answer of await Promise.all(answers)) if (answer.status !== Status.OK) refused ??= answer;
  peakResident = Math.max(peakResident, process.memoryUsage.rss());
  if (memoryLimit !== undefined && peakResident > memoryLimit + 32 * 2 ** 20) break; // the guard failed: report it
}
const stored = w.transactionCount ?? 0;
const replay = await w.bet(first);
const balance = await w.balance({ user: 'alice', request_uuid: id(5, 0) });
now += 2 * DAY;
const dropped = await w.purge();
gc();
const resumed = (await w.bet(betOf(sent + 2))).status;
process.stdout.write(
  `${JSON.stringify({
    refused: refused?.status,
    stored,
    replayed: JSON.stringify(replay) === JSON.stringify(firstAnswer),
    balance: balance.status,
    dropped,
    resumed,
    warnings,
    peakResident,
    memoryLimit,
  })}\n`,
);
await w.stop();
