import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { start } from '../../lib/index.js';
import { parseConfig, type ServiceConfig } from '../../lib/http/config.js';

const WORKER = fileURLToPath(new URL('./memory/guard-worker.ts', import.meta.url));

/** What the worker saw (see spec/faults/memory/guard-worker.ts). */
interface GuardRun {
  readonly refused: string | undefined;
  readonly stored: number;
  readonly replayed: boolean;
  readonly balance: string;
  readonly dropped: number;
  readonly resumed: string;
  readonly warnings: readonly string[];
  readonly peakResident: number;
  readonly memoryLimit: number | undefined;
}

/** Runs the worker in `mode` with the node flags given; resolves to its report, or rejects with how it died. */
function run(mode: 'heap' | 'resident', flags: readonly string[]): Promise<GuardRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, '--import', 'tsx', WORKER, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(JSON.parse(out) as GuardRun);
      else reject(new Error(`the worker died (code ${String(code)}, signal ${String(signal)}): ${err.split('\n').find((line) => /FATAL|Error/.test(line)) ?? err.slice(-500)}`));
    });
  });
}

const WARNINGS = [expect.stringMatching(/memory nearly full: new transactions refused/), expect.stringMatching(/memory below its limits again: new transactions accepted/)];

describe('the memory guard refuses new transactions before the process runs out of memory, and resumes once memory is freed', () => {
  it('with a small heap, refuses once the side maps of mixed-case request_uuids fill it, still replays and answers balances, and takes bets again after a retention pass', async () => {
    // The semi-space size pinned at V8's default, which the guard assumes, on every Node version.
    const seen = await run('heap', ['--max-old-space-size=64', '--max-semi-space-size=16']);
    // Not refused early: a 64 MiB heap holds about 390,000 (Node 24) to 460,000 (Node 20) such records.
    expect(seen.stored).toBeGreaterThan(300_000);
    expect(seen.dropped).toBeGreaterThan(seen.stored - 1_000); // all but the bets whose win was refused
  });

  it('with memoryLimit, refuses once the resident set would pass it, and takes bets again once retention freed rows to reuse', async () => {
    const seen = await run('resident', []);
    // Memory is looked at every 1,000 new transactions: the heap may grow past the limit by what
    // the last of them allocated besides the registry's rows (history, garbage not yet collected),
    // a few hundred KiB; the registry's next rows are counted before they are allocated.
    expect(seen.peakResident).toBeLessThan((seen.memoryLimit as number) + 4 * 2 ** 20);
    expect(seen.stored).toBeGreaterThan(50_000);
    expect(seen.dropped).toBeGreaterThan(seen.stored - 1_000); // all but the bets whose win was refused
  });
});

describe('memoryLimit is a positive whole number of bytes, from the option or --memory-limit / EXWALLET_MEMORY_LIMIT', () => {
  it.each([0, -1, 1.5, Number.NaN])('start refuses memoryLimit %p with RangeError', (memoryLimit) => {
    expect(() => start({ memoryLimit })).toThrow(RangeError);
  });

  it('reads the flag, then the variable, and has no limit by default', () => {
    const limit = (argv: string[], env: NodeJS.ProcessEnv = {}): number | undefined => (parseConfig(['--in-memory', ...argv], env) as ServiceConfig).memoryLimit;
    expect(limit(['--memory-limit', '536870912'], { EXWALLET_MEMORY_LIMIT: '1' })).toBe(536_870_912);
    expect(limit([], { EXWALLET_MEMORY_LIMIT: '1073741824' })).toBe(1_073_741_824);
    expect(limit([])).toBeUndefined();
  });

  it('refuses a limit that is not a whole number, or one given with PostgreSQL, with one line', () => {
    expect(() => parseConfig(['--in-memory', '--memory-limit', '512M'], {})).toThrow(/^--memory-limit must be a whole number from 1 to \d+, got "512M"$/);
    expect(() => parseConfig(['--database-url', 'postgres://localhost/wallet', '--memory-limit', '1000'], {})).toThrow(/^--memory-limit guards the embedded store/);
  });
});
