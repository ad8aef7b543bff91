/**
 * The store the contract suite runs against. jest runs the contract spec files three times (see
 * jest.config.ts): on the embedded store in memory, on the embedded store with a journal (every
 * engine in a fresh data directory of its own), and on PostgreSQL, where every engine gets a
 * schema of its own on the shared test server, so engines share nothing there either.
 */
import { afterAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start as startEngine, type Wallet, type WalletOptions } from '../../lib/index.js';
import { testServerUrl } from '../../test-support/postgres.js';

/** The stores the contract suite runs on, as jest.config.ts names them in `EXWALLET_STORE`. */
export type ContractStore = 'memory' | 'journal' | 'postgres';

/** The store of this jest project: `EXWALLET_STORE` from jest.config.ts, `memory` by default. */
export const STORE: ContractStore = contractStore((globalThis as { EXWALLET_STORE?: string }).EXWALLET_STORE);

function contractStore(name: string | undefined): ContractStore {
  return name === 'journal' || name === 'postgres' ? name : 'memory';
}

/**
 * `title` with this run's store in front, `[memory] title`, `[journal] title` or `[postgres] title`:
 * the title of every top-level describe of the contract files, so that each test's full name says
 * which store it ran on (`-t '^\[journal\]'` picks one store's tests).
 */
export function onStore(title: string): string {
  return `[${STORE}] ${title}`;
}

/**
 * Property-test runs for this store: every run in memory, a fifth with a journal (each engine
 * opens a directory and syncs each commit), a tenth on PostgreSQL (each step is a database round
 * trip); `npm run test:soak` multiplies them all.
 */
export function runs(memoryRuns: number): number {
  const share = { memory: 1, journal: 5, postgres: 10 }[STORE];
  return share === 1 ? memoryRuns : Math.max(10, Math.ceil(memoryRuns / share));
}

const opened: Wallet[] = [];
const directories: string[] = [];
afterAll(async () => {
  await Promise.all(opened.splice(0).map((w) => w.stop()));
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** `start` of the library, on this run's store. */
export function start(options: WalletOptions = {}): Wallet {
  if (STORE === 'memory' || options.journal !== undefined || options.database !== undefined) return startEngine(options);
  if (STORE === 'journal') {
    const directory = mkdtempSync(join(tmpdir(), 'exwallet-contract-'));
    directories.push(directory);
    const w = startEngine({ ...options, journal: directory });
    opened.push(w);
    return w;
  }
  // Random, not counted: jest loads this module afresh for every test file of a worker.
  const schema = `contract_${randomBytes(8).toString('hex')}`;
  // PostgreSQL keeps its retention in its own settings: an engine's retentionDays goes there.
  const retention = options.retentionDays === undefined ? {} : { retentionDays: options.retentionDays };
  const w = startEngine({ ...options, database: { url: testServerUrl(), schema, poolSize: 2, ...retention } });
  opened.push(w);
  return w;
}
