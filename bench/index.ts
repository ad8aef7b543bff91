/**
 * `npm run bench`: every workload of the engine, as a ratio to the bare core measured in the
 * same run. Prints a table, writes bench/results.json and bench/chart.svg.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { start, type Wallet } from '../lib/index.js';
import { BareCore, LeanCore } from './bare-core.js';
import { renderChart } from './chart.js';
import { betsAndWins, drive, driveCore, driveLean, engineWith, guardedEngineWith, userNames, type Request } from './workloads.js';

/** Iterations per measurement; every figure is their median. */
const RUNS = Math.max(3, Number(process.env.EXWALLET_BENCH_RUNS ?? 5));
/** Iterations for the workloads that preload up to a million transactions or write a journal. */
const LONG_RUNS = Math.min(RUNS, 3);
const OPERATIONS = 200_000;
const interactive = process.stderr.isTTY && process.env.CI === undefined;

/**
 * Collects the garbage an untimed preparation left (a previous engine, preload bodies), so
 * that no measurement pays for another's heap. `npm run bench` runs node with --expose-gc.
 */
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? ((): void => {});

function progress(message: string): void {
  if (interactive) process.stderr.write(`\r\x1b[K${message}`);
}

/**
 * Median operations per second of `run` over {@link RUNS} iterations. Before each, untimed:
 * `prepare`, a garbage collection, then `warmUp`.
 */
async function opsPerSecond(
  label: string,
  operations: number,
  run: () => unknown,
  prepare?: () => unknown,
  warmUp?: () => unknown,
  runs = RUNS,
): Promise<number> {
  progress(`${label} …`);
  const bench = new Bench({ iterations: runs, time: 0, warmupIterations: 1, warmupTime: 0 });
  bench.add(label, async () => {
    await run();
  }, {
    beforeEach: async () => {
      await prepare?.();
      collectGarbage();
      await warmUp?.();
    },
  });
  await bench.run();
  const result = bench.tasks[0]?.result;
  if (result === undefined || !('latency' in result)) throw new Error(`${label} did not complete`);
  return operations / (result.latency.p50 / 1000);
}

/** Median throughput of the engine and of the bare core on the same requests. */
async function compare(
  label: string,
  requests: readonly Request[],
  users: readonly string[],
  inFlight: number,
  initialBalance = 100_000,
): Promise<{ engine: number; core: number }> {
  let w: Wallet | undefined;
  let core: BareCore | undefined;
  const engine = await opsPerSecond(`${label}: engine`, requests.length, () => drive(w as Wallet, requests, inFlight), async () => {
    w = await engineWith(users, initialBalance);
  });
  const bare = await opsPerSecond(`${label}: bare core`, requests.length, () => driveCore(core as BareCore, requests), () => {
    core = new BareCore(users, initialBalance);
  });
  return { engine, core: bare };
}

/** Median throughput of the lean core on `requests`. */
function leanOpsPerSecond(label: string, requests: readonly Request[], users: readonly string[]): Promise<number> {
  let lean: LeanCore | undefined;
  return opsPerSecond(`${label}: lean core`, requests.length, () => driveLean(lean as LeanCore, requests), () => {
    lean = new LeanCore(users, 100_000);
  });
}

interface Row {
  readonly workload: string;
  readonly opsPerSecond: number;
  readonly coreOpsPerSecond: number;
  readonly ratio: number;
  /** Throughput of the lean core on the same requests, where measured. */
  readonly leanOpsPerSecond?: number;
  readonly leanRatio?: number;
}
const rows: Row[] = [];
const byName = (prefix: string): Row => rows.find((r) => r.workload.startsWith(prefix)) as Row;
function row(workload: string, engine: number, core: number, lean?: number): void {
  const base = { workload, opsPerSecond: Math.round(engine), coreOpsPerSecond: Math.round(core), ratio: engine / core };
  rows.push(lean === undefined ? base : { ...base, leanOpsPerSecond: Math.round(lean), leanRatio: engine / lean });
}

// (a) 200,000 operations, half bets and half the wins that settle them.
const inFlightSeries: number[] = [];
const inFlightCore: number[] = [];
for (const userCount of [1_000, 100_000]) {
  const users = userNames(userCount);
  const requests = betsAndWins(OPERATIONS / 2, users);
  for (const inFlight of [1, 100, 1_000]) {
    const label = `${userCount} users, ${inFlight} in flight`;
    const { engine, core } = await compare(label, requests, users, inFlight);
    const lean = userCount === 100_000 && inFlight === 1_000 ? await leanOpsPerSecond(label, requests, users) : undefined;
    row(`bet+win, ${userCount.toLocaleString('en')} users, ${inFlight} in flight`, engine, core, lean);
    if (userCount === 100_000) {
      inFlightSeries.push(engine);
      inFlightCore.push(core);
    }
  }
}

// (b) Exact duplicates of 100,000 processed bets, against the same bets fresh.
{
  const users = userNames(1_000);
  const bets = betsAndWins(100_000, users).filter((request) => request.operation === 'bet');
  const fresh = await compare('fresh bets', bets, users, 1_000);
  row('fresh bets, 1,000 in flight', fresh.engine, fresh.core);
  const w = await engineWith(users);
  await drive(w, bets, 1_000);
  const replay = await opsPerSecond('duplicate replay', bets.length, () => drive(w, bets, 1_000));
  row('duplicate replay of 100,000 bets, 1,000 in flight', replay, fresh.core);
}

// (c) 2,000 bets in flight at once on one hot user.
{
  const hot = ['hot-player'];
  const bets = betsAndWins(40_000, hot).filter((request) => request.operation === 'bet');
  const { engine, core } = await compare('hot user', bets, hot, 2_000, 1e9);
  row('one hot user, 2,000 bets in flight', engine, core);
}

// Cost growth: fresh operations on an engine already holding 10^4, 10^5, 10^6 transactions.
// After the preload and its garbage collection, exact duplicates of the first preloaded
// requests warm the heap back up without storing anything, so the figure is the steady state.
const growth: Array<{ stored: number; engine: number; core: number }> = [];
{
  const users = userNames(100_000);
  const measured = betsAndWins(10_000, users, 1);
  const warmUp = betsAndWins(5_000, users, 0);
  for (const stored of [10_000, 100_000, 1_000_000]) {
    let w: Wallet | undefined;
    let core: BareCore | undefined;
    const label = `${stored.toLocaleString('en')} stored`;
    const engine = await opsPerSecond(`${label}: engine`, measured.length, () => drive(w as Wallet, measured, 1_000), async () => {
      w = await engineWith(users);
      await drive(w, betsAndWins(stored / 2, users, 0), 1_000);
    }, () => drive(w as Wallet, warmUp, 1_000), LONG_RUNS);
    const bare = await opsPerSecond(`${label}: bare core`, measured.length, () => driveCore(core as BareCore, measured), () => {
      core = new BareCore(users, 100_000);
      driveCore(core, betsAndWins(stored / 2, users, 0));
    }, () => driveCore(core as BareCore, warmUp), LONG_RUNS);
    growth.push({ stored, engine, core: bare });
    row(`bet+win with ${label} transactions, 1,000 in flight`, engine, bare);
  }
}

// Durability: the same 200,000 operations with a write-ahead journal, and recovery speed.
let journaled = 0;
interface Recovery {
  readonly journal: { readonly records: number; readonly recordsPerSecond: number; readonly first: number };
  readonly snapshot: { readonly records: number; readonly recordsPerSecond: number; readonly first: number };
}
let recovery: Recovery | undefined;
{
  const users = userNames(100_000);
  const requests = betsAndWins(OPERATIONS / 2, users);
  const directories: string[] = [];
  let w: Wallet | undefined;
  journaled = await opsPerSecond('journaled', requests.length, () => drive(w as Wallet, requests, 1_000), async () => {
    await w?.stop();
    const directory = mkdtempSync(join(tmpdir(), 'exwallet-bench-'));
    directories.push(directory);
    w = start({ journal: directory });
    await w.createUsers(users);
  }, undefined, LONG_RUNS);
  await w?.stop();
  // Recovery as a restart meets it: in a process of its own (bench/recovery.ts), not in this heap full of request bodies.
  progress('recovery …');
  recovery = child<Recovery>('recovery.ts', [directories.at(-1) as string]);
  if (recovery.journal.records !== users.length + requests.length) throw new Error('recovery lost records');
  for (const used of directories) rmSync(used, { recursive: true, force: true });
  const inMemory = byName('bet+win, 100,000 users, 1000 in flight');
  rows.push({ workload: 'bet+win with the journal, 100,000 users, 1000 in flight', opsPerSecond: Math.round(journaled), coreOpsPerSecond: inMemory.coreOpsPerSecond, ratio: journaled / inMemory.coreOpsPerSecond });
}

/** Runs another bench script in a process of its own (a clean heap) and reads the JSON line it prints. */
function child<T>(script: string, args: readonly string[] = [], env: Record<string, string> = {}): T {
  const output = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(new URL(script, import.meta.url)), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, ...env },
  });
  return JSON.parse(output) as T;
}

// (d) Memory (heap and ArrayBuffers) per stored transaction and per idle user.
progress('memory …');
const memory = child<{ bytesPerTransaction: number; bytesPerTransactionWithRounds: number; bytesPerUser: number }>('memory.ts');

// (e) Throughput with 10^7 transactions stored, against 10^4 in the same process, round by round (bench/growth.ts).
progress('10^7 stored …');
const [, huge] = child<[unknown, { opsPerSecond: number; ratio: number }]>('growth.ts', ['10000,10000000', '--json']);
const tenMillion = { opsPerSecond: huge.opsPerSecond, ratio: huge.ratio };

// (f) A snapshot of 10^6 transactions and 100,000 users, idle and while requests keep coming (bench/snapshot.ts).
progress('snapshot at 10^6 records …');
const snapshot = child<{ records: number; idleBlockMs: number; underLoadBlockMs: number; loadOnlyMs: number; idlePeakRatio: number; underLoadPeakRatio: number; loadOnlyPeakRatio: number }>('snapshot.ts', ['1000000', '100000']);

// (g) One client in a closed loop on the journaled engine against one bare append + fdatasync (bench/journal.ts).
progress('journal, one client …');
const { closedLoop } = child<{ closedLoop: { journalP50: number; bareP50: number; ratio: number } }>('journal.ts', [String(LONG_RUNS)], { EXWALLET_JOURNAL_BENCH: 'loop' });
progress('');

// The two ratios the lean-core and journal targets name, measured round by round: in each round
// the engine, the lean core and the journaled engine run one after another on the same requests,
// and each ratio is the median over rounds of the ratio within a round, so that load which comes
// and goes on a shared machine moves both sides of a ratio alike.
const paired = { leanRatio: 0, journalRatio: 0, guardedRatio: 0, engine: 0, lean: 0, journal: 0, guarded: 0 };
{
  const users = userNames(100_000);
  const requests = betsAndWins(OPERATIONS / 2, users);
  const timed = async (run: () => unknown): Promise<number> => {
    collectGarbage();
    const started = performance.now();
    await run();
    return requests.length / ((performance.now() - started) / 1000);
  };
  const engines: number[] = [];
  const leans: number[] = [];
  const journals: number[] = [];
  const leanRatios: number[] = [];
  const journalRatios: number[] = [];
  const guardeds: number[] = [];
  const guardedRatios: number[] = [];
  for (let round = 0; round < RUNS; round += 1) {
    progress(`paired round ${round + 1}/${RUNS} …`);
    const w = await engineWith(users);
    await drive(w, betsAndWins(5_000, users, 9), 1_000); // warm-up, other ids
    const engine = await timed(() => drive(w, requests, 1_000));
    await w.stop();
    const lean = new LeanCore(users, 100_000);
    driveLean(lean, betsAndWins(5_000, users, 9));
    const leanRate = await timed(() => driveLean(lean, requests));
    const directory = mkdtempSync(join(tmpdir(), 'exwallet-bench-'));
    const j = start({ journal: directory });
    await j.createUsers(users);
    await drive(j, betsAndWins(5_000, users, 9), 1_000);
    const journal = await timed(() => drive(j, requests, 1_000));
    await j.stop();
    rmSync(directory, { recursive: true, force: true });
    // Sessions required and a limit set on every user: the checks of SPEC 10 and 12 on every bet.
    const guarded = await guardedEngineWith(users);
    const signed = betsAndWins(OPERATIONS / 2, users, 0, guarded.tokens);
    await drive(guarded.w, betsAndWins(5_000, users, 9, guarded.tokens), 1_000);
    const guardedRate = await timed(() => drive(guarded.w, signed, 1_000));
    await guarded.w.stop();
    guardeds.push(guardedRate);
    guardedRatios.push(guardedRate / engine);
    engines.push(engine);
    leans.push(leanRate);
    journals.push(journal);
    leanRatios.push(engine / leanRate);
    journalRatios.push(journal / engine);
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  Object.assign(paired, {
    leanRatio: median(leanRatios),
    journalRatio: median(journalRatios),
    guardedRatio: median(guardedRatios),
    engine: median(engines),
    lean: median(leans),
    journal: median(journals),
    guarded: median(guardeds),
  });
}

const recovered = recovery as Recovery;
const hotPath = byName('bet+win, 100,000 users, 1000 in flight');
const fresh = byName('fresh bets');
const replay = byName('duplicate replay');
const first = growth[0] as { engine: number };
const last = growth[growth.length - 1] as { engine: number };
const targets = [
  { target: 'throughput, 1,000 in flight over 100,000 users', value: hotPath.ratio, goal: 0.7, unit: 'x bare core', higher: true },
  { target: 'throughput, 1,000 in flight over 100,000 users (paired rounds)', value: paired.leanRatio, goal: 0.6, unit: 'x lean core', higher: true },
  { target: 'duplicate replay against fresh bets', value: replay.opsPerSecond / fresh.opsPerSecond, goal: 1, unit: 'x fresh', higher: true },
  { target: 'memory per stored transaction with a 36-character round (heap + ArrayBuffers)', value: memory.bytesPerTransactionWithRounds, goal: 160, unit: 'bytes', higher: false },
  { target: 'memory per idle user (heap + ArrayBuffers)', value: memory.bytesPerUser, goal: 200, unit: 'bytes', higher: false },
  { target: 'throughput at 10^6 stored against 10^4', value: last.engine / first.engine, goal: 0.8, unit: 'x', higher: true },
  { target: 'throughput at 10^7 stored against 10^4 (bench/growth.ts)', value: tenMillion.ratio, goal: 0.8, unit: 'x', higher: true },
  { target: 'longest event-loop block during a snapshot of 10^6 records, idle', value: snapshot.idleBlockMs, goal: 50, unit: 'ms', higher: false },
  { target: 'longest event-loop block during a snapshot of 10^6 records, under load', value: snapshot.underLoadBlockMs, goal: 50, unit: 'ms', higher: false },
  { target: 'peak heap + ArrayBuffers during a snapshot, idle, against steady', value: snapshot.idlePeakRatio, goal: 1.2, unit: 'x', higher: false },
  { target: 'journaled throughput against in-memory, 1,000 in flight (paired rounds)', value: paired.journalRatio, goal: 0.85, unit: 'x in-memory', higher: true },
  { target: 'journaled, one client in a closed loop: p50 against one bare append + fdatasync (bench/journal.ts)', value: closedLoop.ratio, goal: 1.4, unit: 'x', higher: false },
  { target: 'tokens required and a limit set, against neither, 1,000 in flight (paired rounds)', value: paired.guardedRatio, goal: 0.9, unit: 'x without', higher: true },
  { target: 'recovery speed from a journal (bench/recovery.ts)', value: recovered.journal.recordsPerSecond, goal: 1_000_000, unit: 'records/s', higher: true },
  { target: 'recovery speed from a snapshot (bench/recovery.ts)', value: recovered.snapshot.recordsPerSecond, goal: 1_000_000, unit: 'records/s', higher: true },
].map((t) => ({ ...t, met: t.higher ? t.value >= t.goal : t.value <= t.goal }));

const format = (n: number, digits = 0): string => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
console.log(`Exwallet benchmarks: medians of ${RUNS} runs (${LONG_RUNS} for stored-transaction and journal workloads), Node ${process.version}, ${cpus().length} cores\n`);
console.log('| workload | engine ops/s | bare core ops/s | ratio |');
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.workload} | ${format(r.opsPerSecond)} | ${format(r.coreOpsPerSecond)} | ${format(r.ratio, 2)} |`);
for (const r of rows) {
  if (r.leanOpsPerSecond !== undefined) console.log(`\nLean core, ${r.workload}: ${format(r.leanOpsPerSecond)} ops/s; engine ${format(r.leanRatio ?? 0, 2)} x lean core.`);
}
console.log(
  `\nPaired rounds, bet+win, 100,000 users, 1000 in flight (medians of ${RUNS}): engine ${format(paired.engine)} ops/s, lean core ${format(paired.lean)} ops/s, journaled engine ${format(paired.journal)} ops/s, with tokens and limits ${format(paired.guarded)} ops/s; engine ${format(paired.leanRatio, 2)} x lean core, journal ${format(paired.journalRatio, 2)} x in-memory, tokens and limits ${format(paired.guardedRatio, 2)} x without.`,
);
console.log(
  `\nThroughput with 10^7 transactions stored: ${format(tenMillion.opsPerSecond)} ops/s, ${format(tenMillion.ratio, 2)} x 10^4 in the same process.` +
    `\nSnapshot of ${format(snapshot.records)} records: longest event-loop block ${format(snapshot.idleBlockMs)} ms idle, ${format(snapshot.underLoadBlockMs)} ms under load (the load alone: ${format(snapshot.loadOnlyMs)} ms); ` +
    `peak heap + ArrayBuffers ${format(snapshot.idlePeakRatio, 2)} x steady idle, ${format(snapshot.underLoadPeakRatio, 2)} x under load (the load alone: ${format(snapshot.loadOnlyPeakRatio, 2)} x).` +
    `\nRecovery of ${format(recovered.journal.records)} records in a fresh process (medians of 3): ${format(recovered.journal.recordsPerSecond)} records/s from a journal (first, cold: ${format(recovered.journal.first)}), ` +
    `${format(recovered.snapshot.recordsPerSecond)} from a snapshot (first: ${format(recovered.snapshot.first)}).` +
    `\nJournaled, one client in a closed loop (medians of ${LONG_RUNS} rounds): p50 ${format(closedLoop.journalP50)} µs a request, one bare append + fdatasync ${format(closedLoop.bareP50)} µs; ${format(closedLoop.ratio, 2)} x.`,
);
console.log('\n| target | measured | goal | met |');
console.log('|---|---:|---:|:---:|');
for (const t of targets) {
  const digits = t.unit === 'bytes' || t.unit === 'records/s' || t.unit === 'ms' ? 0 : 2;
  console.log(`| ${t.target} | ${format(t.value, digits)} ${t.unit} | ${t.higher ? '>=' : '<='} ${t.goal} | ${t.met ? 'yes' : 'no'} |`);
}

const results = { node: process.version, cpus: cpus().length, runs: RUNS, workloads: rows, paired, growth, tenMillion, snapshot, memory, recovery: recovered, closedLoop, targets };
writeFileSync(new URL('results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(
  new URL('chart.svg', import.meta.url),
  renderChart([
    {
      title: 'Throughput against stored transactions',
      categories: growth.map((g) => `${format(g.stored)} stored`),
      series: [
        { name: 'engine (1,000 in flight)', values: growth.map((g) => g.engine) },
        { name: 'bare core', values: growth.map((g) => g.core) },
      ],
    },
    {
      title: 'Throughput against requests in flight',
      categories: ['1', '100', '1,000'].map((n) => `${n} in flight`),
      series: [
        { name: 'engine (100,000 users)', values: inFlightSeries },
        { name: 'bare core', values: inFlightCore },
      ],
    },
  ]),
);
console.log('\nWrote bench/results.json and bench/chart.svg');
