/**
 * The longest event-loop block while a snapshot of 10^6 records is written, idle and while
 * bets and wins keep arriving, and the heap the snapshot needs beyond the steady one. Run in its
 * own process: `node --expose-gc --import tsx bench/snapshot.ts [records] [users]`. Prints one
 * JSON line. The block is the largest delay of `perf_hooks.monitorEventLoopDelay` (1 ms
 * resolution) over the snapshot; under load it includes the engine's own work on each batch of
 * requests (and the garbage collector's), which is measured alone first (`loadOnlyMs`) so that
 * the two can be told apart. `startMs` is the synchronous part of the call that begins the
 * snapshot. Heap figures are heap plus ArrayBuffers (the registry's rows), sampled every 5 ms,
 * against the steady state after a garbage collection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { start, type JournalControl, type Wallet } from '../lib/index.js';
import { betsAndWins, drive, userNames } from './workloads.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

const records = Number(process.argv[2] ?? 1_000_000);
const users = userNames(Number(process.argv[3] ?? 100_000));
const PRELOAD_CHUNK = 250_000;
/** Requests in flight while a snapshot is written under load: a small batch, so that each turn of the engine is short. */
const IN_FLIGHT = 100;

const directory = mkdtempSync(join(tmpdir(), 'exwallet-snapshot-'));
const w: Wallet = start({ journal: directory, snapshotEvery: Number.MAX_SAFE_INTEGER });
const journal = w.journal as JournalControl; // started with a journal, so it has one
try {
  await w.createUsers(users);
  for (let done = 0, epoch = 30; done < records / 2; done += PRELOAD_CHUNK, epoch += 1) {
    await drive(w, betsAndWins(Math.min(PRELOAD_CHUNK, records / 2 - done), users, epoch), 1_000);
  }
  await journal.snapshot(); // the preload's journal becomes a snapshot: what follows is steady state
  gc();
  const used = (): number => {
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return heapUsed + arrayBuffers;
  };
  const steadyHeap = used();

  /** Longest delay in milliseconds while `during` runs, and the peak heap. */
  const watch = async (during: () => Promise<unknown>): Promise<{ blockMs: number; peakHeap: number }> => {
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    let peakHeap = 0;
    const sampler = setInterval(() => {
      peakHeap = Math.max(peakHeap, used());
    }, 5);
    histogram.enable();
    await new Promise((resolve) => setTimeout(resolve, 20)); // the histogram's timer runs: a block from now on is seen
    await during();
    histogram.disable();
    clearInterval(sampler);
    return { blockMs: histogram.max / 1e6, peakHeap };
  };

  /** Bets and wins, {@link IN_FLIGHT} at a time with a turn of the event loop between batches, until `stop()`. */
  const load = async (epoch: number, stop: () => boolean): Promise<void> => {
    for (let round = 0; !stop(); round += 1) {
      await drive(w, betsAndWins(IN_FLIGHT / 2, users, epoch * 1_000 + round), IN_FLIGHT);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };

  let startMs = 0;
  const idle = await watch(() => {
    const started = performance.now();
    const written = journal.snapshot();
    startMs = performance.now() - started;
    return written;
  });
  gc();
  const loadOnly = await watch(() => {
    const until = performance.now() + 2_000;
    return load(100, () => performance.now() > until);
  });
  gc();
  const underLoad = await watch(async () => {
    let written = false;
    const sending = load(200, () => written);
    await journal.snapshot();
    written = true;
    await sending;
  });
  const result = {
    records: w.transactionCount,
    users: users.length,
    idleBlockMs: idle.blockMs,
    startMs,
    loadOnlyMs: loadOnly.blockMs,
    underLoadBlockMs: underLoad.blockMs,
    idlePeakRatio: idle.peakHeap / steadyHeap,
    loadOnlyPeakRatio: loadOnly.peakHeap / steadyHeap,
    underLoadPeakRatio: underLoad.peakHeap / steadyHeap,
    steadyMiB: steadyHeap / 2 ** 20,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await w.stop();
  rmSync(directory, { recursive: true, force: true });
}
