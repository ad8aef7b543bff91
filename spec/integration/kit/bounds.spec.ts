import { afterEach, describe, expect, it } from '@jest/globals';
import { runConformance } from '../../../lib/conform/index.js';
import { start, Status, type WalletResponse } from '../../../lib/index.js';
import { failed } from './run.js';
import { PLAYERS, serveWallet, type ServedWallet } from './wallets.js';

let served: ServedWallet | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

describe('every check is bounded in time: one the wallet does not answer fails at its limit, and the run goes on', () => {
  it('fails the checks whose wins hang, passes the others, and rolls back the bets they left open', async () => {
    const wallet = start();
    await wallet.createUsers([...PLAYERS]);
    // Wins are held until the run is over, long after the kit has given up on them.
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const held: Array<Promise<WalletResponse>> = [];
    served = await serveWallet(wallet, {
      signed: false,
      fault: {
        name: 'wins hang',
        breaks: [],
        engine: (next) => (operation, body) => {
          if (operation !== 'win') return next(operation, body);
          const answer = released.then(() => next(operation, body));
          held.push(answer);
          return answer;
        },
      },
    });

    const report = await runConformance({ url: served.url, users: [...PLAYERS], only: ['basics'], checkTimeoutMs: 2_000 });

    expect(failed(report)).toEqual(['basics.losing-win', 'basics.win']);
    for (const result of report.results.filter((r) => r.outcome === 'fail')) expect(result.detail).toBe('no verdict within 2 s');
    expect(report.passed).toBe(6);
    // The bets of those checks were rolled back once the checks gave up, so the late wins are refused.
    release();
    expect((await Promise.all(held)).map((answer) => answer.status)).toEqual([Status.TRANSACTION_ROLLED_BACK, Status.TRANSACTION_ROLLED_BACK]);
    expect(await wallet.balance({ user: PLAYERS[0], request_uuid: 'balance' })).toMatchObject({ balance: 100_000 });
  });
});
