/**
 * The journal's two targets, quickly: `node --expose-gc --import tsx bench/journal.ts [rounds]`.
 *
 * 1. Paired rounds: bet+win over 100,000 users with 1,000 in flight, the in-memory engine and the
 *    journaled engine one after another on the same requests (as `npm run bench` does); the ratio
 *    journaled / in-memory within each round, and its median.
 * 2. One client in a closed loop on the journaled engine: the p50 of a request's latency against
 *    the p50 of one bare append + `fdatasync` of a line about as long, on a file in the same
 *    directory, each request followed by one bare append; the ratio within each round, and its
 *    median; and when each hop of a commit came back (median microseconds since the request was
 *    sent: the write asked for, written, synced, checked in place, answered).
 *
 * Prints a table of the rounds and one JSON line with the medians.
 */
import { close, fdatasync, mkdtempSync, open, rmSync, write } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start } from '../lib/index.js';
import { nodeFileSystem, type JournalFileSystem } from '../lib/journal/append-log.js';
import { MemoryStore } from '../lib/memory-store.js';
import { Supervisor } from '../lib/supervisor.js';
import { betsAndWins, drive, engineWith, userNames } from './workloads.js';

const ROUNDS = Math.max(1, Number(process.argv[2] ?? process.env.EXWALLET_BENCH_RUNS ?? 5));
const PAIRS = 100_000;
const LOOP = Number(process.env.EXWALLET_LOOP_REQUESTS ?? 3_000);
const only = process.env.EXWALLET_JOURNAL_BENCH; // 'paired' or 'loop' to run one part only
const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => {});
const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const scratch = (): string => mkdtempSync(join(process.env.EXWALLET_BENCH_DIR ?? tmpdir(), 'exwallet-journal-bench-'));

const users = userNames(100_000);
const requests = betsAndWins(PAIRS, users);
const warmUp = betsAndWins(5_000, users, 9);

async function timed(run: () => Promise<unknown>, operations: number): Promise<number> {
  gc();
  const started = performance.now();
  await run();
  return operations / ((performance.now() - started) / 1000);
}

async function pairedRound(): Promise<{ memory: number; journal: number; ratio: number }> {
  const w = await engineWith(users);
  await drive(w, warmUp, 1_000);
  const memory = await timed(() => drive(w, requests, 1_000), requests.length);
  await w.stop();
  const directory = scratch();
  const j = start({ journal: directory });
  await j.createUsers(users);
  await drive(j, warmUp, 1_000);
  const journal = await timed(() => drive(j, requests, 1_000), requests.length);
  await j.stop();
  rmSync(directory, { recursive: true, force: true });
  return { memory, journal, ratio: journal / memory };
}

/** The hops of one commit, in microseconds since the request was sent. */
interface Hops {
  write: number;
  written: number;
  synced: number;
  checked: number;
  answered: number;
}

/**
 * `node:fs` for the journal, noting when the last write was asked for and when each call of the
 * commit it belongs to came back (the in-place check: its `stat`).
 */
function timingFs(): { fs: JournalFileSystem; marks: { write: number; written: number; synced: number; checked: number } } {
  const marks = { write: 0, written: 0, synced: 0, checked: 0 };
  const fs: JournalFileSystem = {
    ...nodeFileSystem,
    write(fd, buffer, offset, length, position, callback) {
      marks.write = performance.now();
      nodeFileSystem.write(fd, buffer, offset, length, position, (error, written) => {
        marks.written = performance.now();
        callback(error, written);
      });
    },
    fdatasync(fd, callback) {
      nodeFileSystem.fdatasync(fd, (error) => {
        marks.synced = performance.now();
        callback(error);
      });
    },
    statSync(path, options) {
      const stats = nodeFileSystem.statSync(path, options);
      marks.checked = performance.now();
      return stats;
    },
  };
  return { fs, marks };
}

const settle = <T>(call: (done: (error: NodeJS.ErrnoException | null, result: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => call((error, result) => (error === null ? resolve(result) : reject(error))));

/** One bare append of `line` and its `fdatasync`, in microseconds. */
async function bareAppend(fd: number, line: Buffer): Promise<number> {
  const started = performance.now();
  await settle<number>((done) => write(fd, line, 0, line.length, null, done));
  await settle<void>((done) => fdatasync(fd, (error) => done(error, undefined)));
  return (performance.now() - started) * 1000;
}

/**
 * One client in a closed loop on a journaled engine (built as `start` builds it, journaling
 * through a file system that notes each hop), each request followed by one bare append +
 * `fdatasync` of a line as long on a file beside the journal, so that both meet the same load.
 */
async function loopRound(round: number): Promise<{ bare: number; journal: number; ratio: number; journalP90: number; bareP90: number; hops: Hops }> {
  const directory = scratch();
  const { fs, marks } = timingFs();
  const settings = { currency: 'USD', initialBalance: 100_000 };
  const w = new Supervisor(new MemoryStore('USD', { directory, snapshotEvery: 10_000_000, ...settings, fs }), settings);
  await w.createUsers(users.slice(0, 1_000));
  const fd = await settle<number>((done) => open(join(directory, 'bare.log'), 'a', 0o600, done));
  const line = Buffer.alloc(240, 0x61);
  line[line.length - 1] = 0x0a;
  const loop = betsAndWins(LOOP / 2 + 200, users.slice(0, 1_000), 40 + round);
  const bare: number[] = [];
  const journal: number[] = [];
  const hops: Hops[] = [];
  for (const [i, request] of loop.entries()) {
    const started = performance.now();
    await w.handle(request.operation, request.body);
    const answered = performance.now();
    const bareTime = await bareAppend(fd, line);
    if (i < 200) continue; // warm-up
    journal.push((answered - started) * 1000);
    bare.push(bareTime);
    const since = (at: number): number => (at - started) * 1000;
    hops.push({ write: since(marks.write), written: since(marks.written), synced: since(marks.synced), checked: since(marks.checked), answered: since(answered) });
  }
  close(fd, () => {});
  await w.stop();
  rmSync(directory, { recursive: true, force: true });
  const p90 = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)] as number;
  const hop = (key: keyof Hops): number => median(hops.map((h) => h[key]));
  return {
    bare: median(bare),
    journal: median(journal),
    ratio: median(journal) / median(bare),
    journalP90: p90(journal),
    bareP90: p90(bare),
    hops: { write: hop('write'), written: hop('written'), synced: hop('synced'), checked: hop('checked'), answered: hop('answered') },
  };
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const result: Record<string, unknown> = { rounds: ROUNDS };
if (only !== 'loop') {
  const rounds = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const r = await pairedRound();
    rounds.push(r);
    process.stderr.write(`paired ${round + 1}/${ROUNDS}: in-memory ${fmt(r.memory)} ops/s, journaled ${fmt(r.journal)} ops/s, ratio ${fmt(r.ratio, 3)}\n`);
  }
  result.paired = { memory: median(rounds.map((r) => r.memory)), journal: median(rounds.map((r) => r.journal)), ratio: median(rounds.map((r) => r.ratio)), ratios: rounds.map((r) => Number(r.ratio.toFixed(3))) };
}
if (only !== 'paired') {
  const rounds = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const r = await loopRound(round);
    rounds.push(r);
    const h = r.hops;
    process.stderr.write(
      `closed loop ${round + 1}/${ROUNDS}: p50 journaled request ${fmt(r.journal)} µs (p90 ${fmt(r.journalP90)}), bare append+fdatasync ${fmt(r.bare)} µs (p90 ${fmt(r.bareP90)}), ratio ${fmt(r.ratio, 2)}; ` +
        `medians since sent: write asked ${fmt(h.write)}, written ${fmt(h.written)}, synced ${fmt(h.synced)}, checked ${fmt(h.checked)}, answered ${fmt(h.answered)} µs\n`,
    );
  }
  result.closedLoop = {
    journalP50: median(rounds.map((r) => r.journal)),
    bareP50: median(rounds.map((r) => r.bare)),
    ratio: median(rounds.map((r) => r.ratio)),
    ratios: rounds.map((r) => Number(r.ratio.toFixed(2))),
    hops: rounds.map((r) => r.hops),
  };
}
process.stdout.write(`${JSON.stringify(result)}\n`);
