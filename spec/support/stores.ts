/**
 * The store the contract suite runs against. jest runs the contract spec files twice (see
 * jest.config.ts): once on the embedded store and once on PostgreSQL, where every engine gets a
 * schema of its own on the shared test server, so engines share nothing there either.
 */
import { afterAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { start as startEngine, type Wallet, type WalletOptions } from '../../lib/index.js';
import { testServerUrl } from './postgres.js';

/** `postgres` in the jest project that runs the contract on PostgreSQL, else `memory`. */
export const STORE: 'memory' | 'postgres' = (globalThis as { EXWALLET_STORE?: string }).EXWALLET_STORE === 'postgres' ? 'postgres' : 'memory';

/**
 * Property-test runs for this store: every run of the embedded store, a tenth on PostgreSQL
 * (each step there is a database round trip); `npm run test:soak` multiplies both.
 */
export function runs(memoryRuns: number): number {
  return STORE === 'memory' ? memoryRuns : Math.max(10, Math.ceil(memoryRuns / 10));
}

const opened: Wallet[] = [];
afterAll(async () => {
  await Promise.all(opened.splice(0).map((w) => w.stop()));
});

/** `start` of the library, on this run's store. */
export function start(options: WalletOptions = {}): Wallet {
  if (STORE === 'memory' || options.journal !== undefined) return startEngine(options);
  // Random, not counted: jest loads this module afresh for every test file of a worker.
  const schema = `contract_${randomBytes(8).toString('hex')}`;
  const w = startEngine({ ...options, database: { url: testServerUrl(), schema, poolSize: 2 } });
  opened.push(w);
  return w;
}
