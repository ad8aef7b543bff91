import { afterEach, describe, expect, it } from '@jest/globals';
import { start } from '../../../lib/index.js';
import { FAULTS } from './faults.js';
import { checkWallet, failed } from './run.js';
import { PLAYERS, serveWallet, type ServedWallet } from './wallets.js';

let served: ServedWallet | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

describe("the kit fails exactly the checks that concern a wallet's one fault", () => {
  it.each(FAULTS.map((fault) => [fault.name, fault] as const))('%s', async (_name, fault) => {
    const wallet = start();
    await wallet.createUsers([...PLAYERS]);
    served = await serveWallet(wallet, { signed: true, fault });

    const report = await checkWallet(served, true);

    expect(failed(report)).toEqual([...fault.breaks].sort());
    expect(report.skipped).toBe(0);
    for (const result of report.results.filter((r) => r.outcome === 'fail')) {
      // The evidence: what was sent and what came back, and the balances around the check.
      expect(result.failedExchange?.sent).toEqual(expect.any(String));
      expect(result.balances.map((b) => b.user)).toEqual([...PLAYERS]);
    }
  });
});
