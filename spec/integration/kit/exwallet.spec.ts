import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKS, runConformance } from '../../../lib/conform/index.js';
import { start, type Wallet } from '../../../lib/index.js';
import { freshDatabase } from '../../../test-support/postgres.js';
import { checkWallet, failed, LOAD_SECONDS } from './run.js';
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

describe('a wallet that requires session tokens is checked with the players\' tokens (--tokens)', () => {
  it('with each player\'s token, exwallet with requireToken passes every check and the kit moves no money', async () => {
    const wallet = start({ requireToken: true });
    await wallet.createUsers([...PLAYERS]);
    const tokens: Record<string, string> = {};
    for (const user of PLAYERS) tokens[user] = (await wallet.openSession({ user }))?.token as string;
    const served = await serveWallet(wallet, { signed: false });
    cleanups.push(() => served.close());

    const report = await runConformance({ url: served.url, users: [...PLAYERS], loadSeconds: LOAD_SECONDS, tokens });

    expect(failed(report)).toEqual([]);
    expect(report.passed).toBe(CHECKS.length - SIGNATURE_CHECKS.length);
    expect(report.players.map(({ user, net }) => [user, net])).toEqual(PLAYERS.map((user) => [user, 0]));
  });

  it('without tokens, the run stops before any check with a usage error that asks for --tokens', async () => {
    const wallet = start({ requireToken: true });
    await wallet.createUsers([...PLAYERS]);
    const served = await serveWallet(wallet, { signed: false });
    cleanups.push(() => served.close());

    const run = runConformance({ url: served.url, users: [...PLAYERS], loadSeconds: LOAD_SECONDS });

    await expect(run).rejects.toMatchObject({ code: 'CONFORM_USAGE', message: expect.stringMatching(/RS_ERROR_INVALID_TOKEN: give an open session's token in --tokens/) });
  });

  it('an expired token is a usage error too, naming the status', async () => {
    let now = Date.UTC(2026, 11, 5);
    const wallet = start({ requireToken: true, clock: () => now });
    await wallet.createUsers([...PLAYERS]);
    const tokens: Record<string, string> = {};
    for (const user of PLAYERS) tokens[user] = (await wallet.openSession({ user, ttl_seconds: 60 }))?.token as string;
    now += 60_000;
    const served = await serveWallet(wallet, { signed: false });
    cleanups.push(() => served.close());

    await expect(runConformance({ url: served.url, users: [...PLAYERS], tokens })).rejects.toMatchObject({ message: expect.stringContaining('RS_ERROR_TOKEN_EXPIRED') });
  });
});
