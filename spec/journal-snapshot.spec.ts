import { describe, expect, it } from '@jest/globals';
import { Status } from '../lib/index.js';
import { uuid } from './helpers.js';
import { journalDirectory } from './support/journal-directory.js';

const data = journalDirectory('snapshot');

const bet = (n: number, amount = 1): { user: string; transaction_uuid: string; request_uuid: string; currency: string; amount: number } => ({
  user: `p${n % 100}`,
  transaction_uuid: uuid(1_000_000 + n),
  request_uuid: uuid(3_000_000 + n),
  currency: 'USD',
  amount,
});

describe('a snapshot is written a slice at a time, and holds the state of the moment it began', () => {
  it('serves requests while it writes 200,000 records, and recovers to the state served', async () => {
    const w = data.open();
    await w.createUsers(Array.from({ length: 100 }, (_, n) => `p${n}`));
    for (let n = 0; n < 200_000; n += 1_000) await Promise.all(Array.from({ length: 1_000 }, (_, i) => w.bet(bet(n + i))));
    // The event loop's longest pause while the snapshot is written; requests sent meanwhile
    // settle old bets and add new ones, which the snapshot must not see half of.
    let longest = 0;
    let last = performance.now();
    let ticking = true;
    const tick = (): void => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const snapshot = w.snapshot();
    const during: Array<Promise<unknown>> = [];
    for (let n = 0; n < 2_000; n += 1) {
      during.push(w.win({ ...bet(n, 0), transaction_uuid: uuid(5_000_000 + n), request_uuid: uuid(6_000_000 + n), reference_transaction_uuid: uuid(1_000_000 + n) }));
      during.push(w.bet(bet(200_000 + n)));
      if (n % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await snapshot;
    ticking = false;
    expect((await Promise.all(during)).every((r) => (r as { status: string }).status === Status.OK)).toBe(true);
    // Encoding 200,000 records in one go takes about a second; a slice takes about 10 ms.
    expect(longest).toBeLessThan(250);
    const balances = await Promise.all(Array.from({ length: 100 }, (_, n) => w.balance({ user: `p${n}`, request_uuid: uuid(0) })));
    await data.shutDown(w);

    const again = data.open();
    expect(again.recovery?.snapshot).toBe('snapshot-000001.log');
    expect(again.transactionCount).toBe(204_000);
    expect(await Promise.all(Array.from({ length: 100 }, (_, n) => again.balance({ user: `p${n}`, request_uuid: uuid(0) })))).toEqual(balances);
    // A bet settled during the snapshot is settled after recovery too; one left open is still open.
    expect((await again.win({ ...bet(0, 0), transaction_uuid: uuid(7_000_000), request_uuid: uuid(7_000_001), reference_transaction_uuid: uuid(1_000_000) })).status).toBe(Status.UNKNOWN);
    expect((await again.win({ ...bet(3_000, 0), transaction_uuid: uuid(7_000_002), request_uuid: uuid(7_000_003), reference_transaction_uuid: uuid(1_003_000) })).status).toBe(Status.OK);
  });
});
