/**
 * Throughput of the engine against the transactions it already holds, up to 10^7 (more than
 * `npm run bench` preloads, whose bare core could not hold them): `node --expose-gc --import tsx
 * bench/growth.ts 10000,10000000`. An engine is preloaded with each count (bets and their wins)
 * and warmed up with replays; then, in each of five rounds, every engine serves 20,000 fresh
 * operations with 1,000 in flight, one engine after another, so that load which comes and goes
 * on a shared machine moves every count alike. Each figure is the median over rounds, and each
 * ratio the median of the ratios within a round. Prints one line per count: stored, ops/s,
 * ratio, memory; with `--json` after the counts, one JSON line for them all instead (what
 * `npm run bench` reads).
 */
import type { Wallet } from '../lib/index.js';
import { betsAndWins, drive, engineWith, userNames } from './workloads.js';

const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => {});
const users = userNames(100_000);
const counts = (process.argv[2] ?? '10000,1000000').split(',').map(Number);
const json = process.argv[3] === '--json';
const PRELOAD_CHUNK = 500_000;
const ROUNDS = 5;
const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const engines: Wallet[] = [];
const memory: string[] = [];
for (const stored of counts) {
  const w = await engineWith(users);
  // In chunks (ids apart by their epoch), so that the preload's bodies never all live at once.
  for (let done = 0, epoch = 20; done < stored / 2; done += PRELOAD_CHUNK, epoch += 1) {
    await drive(w, betsAndWins(Math.min(PRELOAD_CHUNK, stored / 2 - done), users, epoch), 1_000);
  }
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  memory.push(`heap ${Math.round(heapUsed / 2 ** 20)} MiB, ArrayBuffers ${Math.round(arrayBuffers / 2 ** 20)} MiB in the process`);
  engines.push(w);
}
for (const w of engines) await drive(w, betsAndWins(20_000, users, 20), 1_000); // replays: warm, and store nothing

const rates: number[][] = counts.map(() => []);
const ratios: number[][] = counts.map(() => []);
for (let round = 0; round < ROUNDS; round += 1) {
  const batch = betsAndWins(10_000, users, 10 + round);
  const inRound = engines.map(() => 0);
  for (const [i, w] of engines.entries()) {
    gc();
    const started = performance.now();
    await drive(w, batch, 1_000);
    inRound[i] = batch.length / ((performance.now() - started) / 1000);
    rates[i]?.push(inRound[i] as number);
  }
  for (const [i, rate] of inRound.entries()) ratios[i]?.push(rate / (inRound[0] as number));
}
const results = counts.map((stored, i) => ({ stored, opsPerSecond: median(rates[i] as number[]), ratio: median(ratios[i] as number[]) }));
for (const w of engines) await w.stop();
if (json) process.stdout.write(`${JSON.stringify(results)}\n`);
else for (const [i, r] of results.entries()) console.log(`${r.stored.toLocaleString('en')} stored: ${Math.round(r.opsPerSecond).toLocaleString('en')} ops/s (${r.ratio.toFixed(2)} x the first), ${memory[i]}`);
