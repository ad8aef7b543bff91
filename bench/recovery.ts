/**
 * Recovery speed, as a restart meets it: in a process of its own, with a heap holding nothing
 * else. `node --expose-gc --import tsx bench/recovery.ts DIR` recovers the journal in DIR (left
 * by `npm run bench`'s journaled workload: 100,000 users and 200,000 bets and wins) three times,
 * then writes a snapshot of that state and recovers from it three times. Prints one JSON line:
 * the records read and the median records per second of each, and the first (cold) run of the
 * journal's.
 */
import { start } from '../lib/index.js';

const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => {});
const directory = process.argv[2];
if (directory === undefined) throw new Error('usage: recovery.ts DIR');
const RUNS = 3;

async function recover(): Promise<{ records: number; recordsPerSecond: number }> {
  gc();
  const w = start({ journal: directory as string });
  const report = w.journal?.recovery;
  await w.stop();
  if (report === undefined) throw new Error('no recovery report');
  return { records: report.records, recordsPerSecond: report.records / report.seconds };
}

async function medianOf(): Promise<{ records: number; recordsPerSecond: number; first: number }> {
  const runs: Array<{ records: number; recordsPerSecond: number }> = [];
  for (let run = 0; run < RUNS; run += 1) runs.push(await recover());
  const rates = runs.map((r) => r.recordsPerSecond).sort((a, b) => a - b);
  return { records: (runs[0] as { records: number }).records, recordsPerSecond: rates[Math.floor(RUNS / 2)] as number, first: (runs[0] as { recordsPerSecond: number }).recordsPerSecond };
}

const journal = await medianOf();
const w = start({ journal: directory });
await w.journal?.snapshot();
await w.stop();
const snapshot = await medianOf();
process.stdout.write(`${JSON.stringify({ journal, snapshot })}\n`);
