import { describe, expect, it } from '@jest/globals';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { start, Status, type WalletLogger } from '../../lib/index.js';
import { balanceOf, betBody, Ids } from '../support/helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function usedHeap(): number {
  gc();
  gc();
  return getHeapStatistics().used_heap_size;
}

describe('new transactions are refused while the heap is nearly full, and accepted again once it is freed', () => {
  it('refuses bets with RS_ERROR_UNKNOWN and a warning, still replays and answers balances, then resumes', async () => {
    const warnings: string[] = [];
    const logger: WalletLogger = { warn: (_details, message) => warnings.push(message), error: () => {} };
    // The limit: 64 MiB above what the heap holds now.
    const heapLimitRatio = (usedHeap() + 64 * 2 ** 20) / getHeapStatistics().heap_size_limit;
    const w = start({ heapLimitRatio, logger });
    await w.createUsers(['alice']);
    const ids = new Ids();
    const first = betBody(ids, { amount: 1 });
    const answered = await w.bet(first);
    expect(answered.status).toBe(Status.OK);

    // 160 MiB of live data pushes the heap past the limit.
    let ballast: number[] | undefined = new Array<number>(20 * 2 ** 20).fill(0.5);
    let refused: Awaited<ReturnType<typeof w.bet>> | undefined;
    let sent = 0;
    // The heap is looked at every 1,000 new transactions: one of the next 1,000 is refused.
    while (refused === undefined && sent < 1_001) {
      const response = await w.bet(betBody(ids, { amount: 1 }));
      sent += 1;
      if (response.status !== Status.OK) refused = response;
    }
    expect(refused).toMatchObject({ status: Status.UNKNOWN, balance: 100_000 - sent });
    expect(warnings).toEqual([expect.stringMatching(/memory nearly full/)]);
    // Still refused, still answering replays and balance calls.
    expect((await w.bet(betBody(ids, { amount: 1 }))).status).toBe(Status.UNKNOWN);
    expect(await w.bet(first)).toEqual(answered);
    expect(await balanceOf(w)).toBe(100_000 - sent);

    expect(ballast.length).toBeGreaterThan(0);
    ballast = undefined;
    usedHeap();
    // While refusing, the heap is looked at on every request: the next bet is taken.
    expect((await w.bet(betBody(ids, { amount: 1 }))).status).toBe(Status.OK);
    expect(warnings).toEqual([expect.stringMatching(/memory nearly full/), expect.stringMatching(/accepted/)]);
    expect(await balanceOf(w)).toBe(100_000 - sent - 1);
    await w.stop();
  });

  it('refuses a heapLimitRatio outside (0, 1]', () => {
    expect(() => start({ heapLimitRatio: 0 })).toThrow(RangeError);
    expect(() => start({ heapLimitRatio: 1.5 })).toThrow(RangeError);
  });
});
