import { afterEach, describe, expect, it } from '@jest/globals';
import { start, Status, type Wallet } from '../../lib/index.js';
import { balanceOf, betBody, Ids, winBody } from '../support/helpers.js';
import { journalDirectory } from '../support/journal-directory.js';

const DAY = 86_400_000;

const data = journalDirectory('free-bets');
let unjournaled: Wallet[] = [];
afterEach(async () => {
  await Promise.all(unjournaled.map((w) => w.stop()));
  unjournaled = [];
});

/** An engine whose clock starts on 2026-01-01 and moves only when `pass` says. */
function engine(journal: boolean): { w: Wallet; pass(days: number): void; reopen(): Promise<Wallet> } {
  let now = Date.UTC(2026, 0, 1);
  const settings = { clock: () => now, retentionDays: 120 };
  const w = journal ? data.open(settings) : start(settings);
  if (!journal) unjournaled.push(w);
  return {
    w,
    pass(days) {
      now += days * DAY;
    },
    reopen: () => data.restart(w, settings),
  };
}

/**
 * An open free bet (Hub88 sends them with amount 0) and a settled bet of 100, 121 days old: the
 * retention pass drops the settled bet and its win, and keeps the free bet.
 */
async function freeBetPastRetention(w: Wallet, pass: (days: number) => void, ids: Ids): Promise<{ free: ReturnType<typeof betBody> }> {
  await w.createUsers(['alice']);
  const free = betBody(ids, { amount: 0 });
  const settled = betBody(ids, { amount: 100 });
  expect((await w.bet(free)).status).toBe(Status.OK);
  expect((await w.bet(settled)).status).toBe(Status.OK);
  expect((await w.win(winBody(ids, settled.transaction_uuid, { amount: 0 }))).status).toBe(Status.OK);
  pass(121);
  expect(await w.purge()).toBe(2);
  expect(w.transactionCount).toBe(1);
  return { free };
}

describe('retention never drops an open bet of amount 0: a free bet past retentionDays is still paid', () => {
  it('embedded store: keeps the free bet, replays it, and pays its win', async () => {
    const ids = new Ids();
    const { w, pass } = engine(false);
    const { free } = await freeBetPastRetention(w, pass, ids);
    expect(await w.bet(free)).toMatchObject({ status: Status.OK, balance: 100_000 }); // a replay of its answer, not a new bet
    expect(await w.win(winBody(ids, free.transaction_uuid, { amount: 500 }))).toMatchObject({ status: Status.OK, balance: 100_400 });
  });

  it('with a journal: the snapshot of the pass keeps the free bet, and after a restart its win is paid', async () => {
    const ids = new Ids();
    const { w, pass, reopen } = engine(true);
    const { free } = await freeBetPastRetention(w, pass, ids);
    const again = await reopen();
    expect(again.journal?.recovery?.snapshot).toBe('snapshot-000001.log');
    expect(again.transactionCount).toBe(1);
    expect(await again.win(winBody(ids, free.transaction_uuid, { amount: 500 }))).toMatchObject({ status: Status.OK, balance: 100_400 });
    expect(await balanceOf(again)).toBe(100_400);
  });
});
