/**
 * Throughput of the engine against the transactions it already holds, up to 10^7 (more than
 * `npm run bench` preloads, whose bare core could not hold them): `node --expose-gc --import tsx
 * bench/growth.ts 10000,10000000`. For each count: preload that many (bets and their wins), a
 * garbage collection, a warm-up of replays, then the median of three runs of 20,000 fresh
 * operations with 1,000 in flight. Prints one line per count: stored, ops/s, memory; with
 * `--json` after the counts, one JSON line for them all instead (what `npm run bench` reads).
 */
import { betsAndWins, drive, engineWith, userNames } from './workloads.js';

const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => {});
const users = userNames(100_000);
const counts = (process.argv[2] ?? '10000,1000000').split(',').map(Number);
const PRELOAD_CHUNK = 500_000;
const json = process.argv[3] === '--json';
const results: Array<{ stored: number; opsPerSecond: number }> = [];
let base: number | undefined;
for (const stored of counts) {
  const w = await engineWith(users);
  // In chunks (ids apart by their epoch), so that the preload's bodies never all live at once.
  for (let done = 0, epoch = 20; done < stored / 2; done += PRELOAD_CHUNK, epoch += 1) {
    await drive(w, betsAndWins(Math.min(PRELOAD_CHUNK, stored / 2 - done), users, epoch), 1_000);
  }
  gc();
  await drive(w, betsAndWins(5_000, users, 20), 1_000); // replays: warm, and store nothing
  const rates: number[] = [];
  for (let run = 0; run < 3; run += 1) {
    const batch = betsAndWins(10_000, users, 10 + run);
    const started = performance.now();
    await drive(w, batch, 1_000);
    rates.push(batch.length / ((performance.now() - started) / 1000));
  }
  const median = rates.sort((a, b) => a - b)[1] as number;
  base ??= median;
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  results.push({ stored, opsPerSecond: median });
  if (!json) console.log(`${stored.toLocaleString('en')} stored: ${Math.round(median).toLocaleString('en')} ops/s (${(median / base).toFixed(2)} x the first), heap ${Math.round(heapUsed / 2 ** 20)} MiB, ArrayBuffers ${Math.round(arrayBuffers / 2 ** 20)} MiB`);
  await w.stop();
  gc();
}
if (json) process.stdout.write(`${JSON.stringify(results)}\n`);
