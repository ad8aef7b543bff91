import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKS } from '../../../lib/conform/index.js';
import { start, type Wallet } from '../../../lib/index.js';
import { freshDatabase } from '../../../test-support/postgres.js';
import { checkWallet, failed } from './run.js';
import { PLAYERS, serveWallet } from './wallets.js';

/** Clean-ups of the current test, last first. */
let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

const STORES: ReadonlyArray<readonly [string, () => Promise<Wallet>]> = [
  ['the embedded in-memory store', async () => start()],
  [
    'the embedded store with its journal',
    async () => {
      const directory = mkdtempSync(join(tmpdir(), 'exwallet-kit-'));
      cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
      return start({ journal: directory });
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const database = await freshDatabase();
      cleanups.push(() => database.drop());
      return start({ database: { url: database.url, poolSize: 4 } });
    },
  ],
];

const SIGNATURE_CHECKS = CHECKS.filter((check) => check.category === 'signatures').map((check) => check.name);

describe('exwallet passes every check of the kit, on every store, signed and unsigned', () => {
  it('has at least 45 checks, with unique names', () => {
    expect(CHECKS.length).toBeGreaterThanOrEqual(45);
    expect(new Set(CHECKS.map((check) => check.name)).size).toBe(CHECKS.length);
  });

  describe.each(STORES)('on %s', (_store, open) => {
    it.each([
      ['signed', true],
      ['unsigned', false],
    ] as const)('%s: nothing fails, the kit moves no money, and only the signature checks are skipped unsigned', async (_how, signed) => {
      const wallet = await open();
      await wallet.createUsers([...PLAYERS]);
      const served = await serveWallet(wallet, { signed });
      cleanups.push(() => served.close());

      const report = await checkWallet(served, signed);

      expect(failed(report)).toEqual([]);
      expect(report.passed + report.skipped).toBe(CHECKS.length);
      const skipped = report.results.filter((result) => result.outcome === 'skip').map((result) => result.name);
      expect(skipped).toEqual(signed ? [] : SIGNATURE_CHECKS);
      expect(report.players.map(({ user, net }) => [user, net])).toEqual(PLAYERS.map((user) => [user, 0]));
    });
  });
});
