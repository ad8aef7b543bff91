import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { start, Status, type Wallet } from '../../lib/index.js';
import { balanceOf, betBody, Ids, rollbackBody, winBody } from '../support/helpers.js';
import { journalDirectory } from '../support/journal-directory.js';

const DAY = 86_400_000;

/** A clock the test moves by hand. */
class FakeClock {
  now = Date.UTC(2026, 0, 1);
  readonly read = (): number => this.now;
  pass(days: number): void {
    this.now += days * DAY;
  }
}

const data = journalDirectory('retention');
/** Engines without a journal, stopped after each test like the journaled ones. */
let unjournaled: Wallet[] = [];
afterEach(async () => {
  await Promise.all(unjournaled.map((w) => w.stop()));
  unjournaled = [];
});

async function engine(clock: FakeClock, options: { journal?: boolean; retentionDays?: number } = {}): Promise<Wallet> {
  const settings = { clock: clock.read, retentionDays: options.retentionDays ?? 120 };
  const w = options.journal === true ? data.open(settings) : start(settings);
  if (options.journal !== true) unjournaled.push(w);
  await w.createUsers(['alice', 'bob']);
  return w;
}

describe('the embedded store drops records older than retentionDays, never an open bet', () => {
  it('drops settled records past the period and keeps younger ones and open bets', async () => {
    const clock = new FakeClock();
    const ids = new Ids();
    const w = await engine(clock);
    const settled = betBody(ids);
    const openBet = betBody(ids);
    expect((await w.bet(settled)).status).toBe(Status.OK);
    expect((await w.bet(openBet)).status).toBe(Status.OK);
    expect((await w.win(winBody(ids, settled.transaction_uuid))).status).toBe(Status.OK);
    clock.pass(100);
    const young = betBody(ids, { amount: 1 });
    expect((await w.bet(young)).status).toBe(Status.OK);
    expect(await w.purge()).toBe(0);
    clock.pass(21); // the first three are 121 days old, the young bet 21
    expect(w.transactionCount).toBe(4);
    expect(await w.purge()).toBe(2); // the settled bet and its win; the open bet stays
    expect(w.transactionCount).toBe(2);
    // The open bet is still known: a win settles it, a retry replays.
    expect((await w.bet(openBet)).status).toBe(Status.OK);
    expect((await w.win(winBody(ids, openBet.transaction_uuid, { amount: 0 }))).status).toBe(Status.OK);
    expect(await balanceOf(w)).toBe(100_000 - 100 + 250 - 100 - 1);
  });

  it('judges a retry of a dropped id afresh, as a new request', async () => {
    const clock = new FakeClock();
    const ids = new Ids();
    const w = await engine(clock);
    const bet = betBody(ids);
    await w.bet(bet);
    await w.win(winBody(ids, bet.transaction_uuid, { amount: 0 }));
    clock.pass(121);
    expect(await w.purge()).toBe(2);
    // Unknown again: the same bet is taken a second time, and a win for it finds no bet.
    const again = await w.bet(bet);
    expect(again).toMatchObject({ status: Status.OK, balance: 100_000 - 200 });
    const rollback = rollbackBody(ids, ids.next());
    expect((await w.rollback(rollback)).status).toBe(Status.OK);
  });

  it('keeps every record with retentionDays 0', async () => {
    const clock = new FakeClock();
    const ids = new Ids();
    const w = await engine(clock, { retentionDays: 0 });
    const bet = betBody(ids);
    await w.bet(bet);
    await w.win(winBody(ids, bet.transaction_uuid));
    clock.pass(10_000);
    expect(await w.purge()).toBe(0);
    expect(w.transactionCount).toBe(2);
  });

  it('refuses a negative or fractional retentionDays', () => {
    expect(() => start({ retentionDays: -1 })).toThrow(RangeError);
    expect(() => start({ retentionDays: 1.5 })).toThrow(RangeError);
  });
});

describe('with a journal, a retention pass is a snapshot, and recovery reaches the same state', () => {
  it('recovers without the dropped records, keeping their ages, and serves a reused id as it was served', async () => {
    const clock = new FakeClock();
    const ids = new Ids();
    const w = await engine(clock, { journal: true });
    const old = betBody(ids);
    const openBet = betBody(ids);
    await w.bet(old);
    await w.bet(openBet);
    await w.win(winBody(ids, old.transaction_uuid, { amount: 0 }));
    clock.pass(60);
    const middle = betBody(ids, { amount: 5 });
    await w.bet(middle);
    await w.win(winBody(ids, middle.transaction_uuid, { amount: 0 }));
    clock.pass(61);
    expect(await w.purge()).toBe(2);
    // The dropped bet's id is used again; it is journaled after the snapshot that dropped it.
    const reused = await w.bet(old);
    expect(reused.status).toBe(Status.OK);
    const balance = await balanceOf(w);
    expect(w.transactionCount).toBe(4);
    await data.shutDown(w);

    const again = data.open({ clock: clock.read });
    expect(again.transactionCount).toBe(4);
    expect(await balanceOf(again)).toBe(balance);
    expect(await again.bet(old)).toEqual(reused); // replays the afresh answer
    // Ages survive the restart: 60 days on, the middle bet and its win go, the open bet stays.
    clock.pass(60);
    expect(await again.purge()).toBe(2);
    expect((await again.bet(openBet)).status).toBe(Status.OK);
    expect(again.transactionCount).toBe(2);
  });

  it('drops nothing when the snapshot of the pass cannot be written, and recovers what it served', async () => {
    const clock = new FakeClock();
    const ids = new Ids();
    const w = await engine(clock, { journal: true });
    const old = betBody(ids, { amount: 10 });
    const first = await w.bet(old);
    await w.win(winBody(ids, old.transaction_uuid, { amount: 0 }));
    clock.pass(121);
    // The new journal opens, then the snapshot file cannot be written (EISDIR): every journal is kept.
    mkdirSync(join(data.path, 'snapshot-000001.log.tmp'));
    expect(await w.purge()).toBe(0);
    expect(w.journal?.snapshotError?.message).toMatch(/EISDIR/);
    expect(w.transactionCount).toBe(2);
    // The old records still judge requests, as recovery from the journals will judge them.
    expect(await w.bet(old)).toEqual(first);
    const cancel = rollbackBody(ids, old.transaction_uuid);
    expect(await w.rollback(cancel)).toMatchObject({ status: Status.UNKNOWN }); // a won bet cannot be cancelled
    await data.shutDown(w);

    const again = data.open({ clock: clock.read });
    expect(again.journal?.recovery?.snapshot).toBeUndefined();
    expect(await again.bet(old)).toEqual(first);
    expect(await again.rollback(cancel)).toMatchObject({ status: Status.UNKNOWN });
    // Replayed from the journal, they keep the times it gives: 121 days old, the next pass drops them.
    expect(await again.purge()).toBe(2);
    expect(again.transactionCount).toBe(0);
  });

  it('drops only what its snapshot left out: a bet settled while the snapshot is written waits for the next pass', async () => {
    const clock = new FakeClock();
    const ids = new Ids();
    const w = await engine(clock, { journal: true });
    const settled = betBody(ids, { amount: 10 });
    const open = betBody(ids, { amount: 20 });
    await w.bet(settled);
    await w.win(winBody(ids, settled.transaction_uuid, { amount: 0 }));
    await w.bet(open);
    clock.pass(121);
    // The pass begins (the open bet is kept), then the bet is settled before its snapshot is on disk.
    const pass = w.purge();
    const win = winBody(ids, open.transaction_uuid, { amount: 5 });
    const won = await w.win(win);
    expect(won.status).toBe(Status.OK);
    expect(await pass).toBe(2);
    expect(w.transactionCount).toBe(2);
    // A rollback of the bet is refused live, and after recovery from the pass's snapshot alike.
    const cancel = rollbackBody(ids, open.transaction_uuid);
    expect(await w.rollback(cancel)).toMatchObject({ status: Status.UNKNOWN });
    await data.shutDown(w);
    const again = data.open({ clock: clock.read });
    expect(again.journal?.recovery?.snapshot).toBe('snapshot-000001.log');
    expect(again.transactionCount).toBe(2);
    expect(await again.rollback(cancel)).toMatchObject({ status: Status.UNKNOWN });
    expect(await again.win(win)).toEqual(won);
  });
});

describe('a record ages from its last change: a bet from its win or rollback, an id reserved as cancelled from the rollback', () => {
  const MINUTE = 60_000;

  it.each([
    ['without a journal', false],
    ['with a journal', true],
  ])('%s, refuses a late copy of a bet cancelled after being open longer than retentionDays, for retentionDays after the rollback', async (_, journal) => {
    const clock = new FakeClock();
    const ids = new Ids();
    const w = await engine(clock, { journal, retentionDays: 1 });
    const bet = betBody(ids);
    const taken = await w.bet(bet);
    clock.pass(3);
    expect((await w.rollback(rollbackBody(ids, bet.transaction_uuid))).status).toBe(Status.OK);
    expect(await w.purge()).toBe(0);
    expect(await w.bet(bet)).toEqual(taken); // the late copy replays: nothing is taken again
    expect(await balanceOf(w)).toBe(100_000);
    clock.now += DAY - MINUTE;
    expect(await w.purge()).toBe(0);
    clock.now += 2 * MINUTE;
    expect(await w.purge()).toBe(2); // the bet and its rollback, a day after the rollback
  });

  it('keeps an id reserved by a rollback that came first for retentionDays after the rollback', async () => {
    const clock = new FakeClock();
    const ids = new Ids();
    const w = await engine(clock, { journal: true, retentionDays: 1 });
    const bet = betBody(ids);
    clock.pass(3);
    await w.rollback(rollbackBody(ids, bet.transaction_uuid));
    clock.now += DAY - MINUTE;
    expect(await w.purge()).toBe(0);
    expect((await w.bet(bet)).status).toBe(Status.TRANSACTION_ROLLED_BACK);
    const again = await data.restart(w, { clock: clock.read, retentionDays: 1 });
    expect(await again.purge()).toBe(0);
    expect((await again.bet(bet)).status).toBe(Status.TRANSACTION_ROLLED_BACK);
    clock.now += 2 * MINUTE;
    expect(await again.purge()).toBe(2); // the rollback and the reservation
    expect((await again.bet(bet)).status).toBe(Status.OK);
  });

  it('recovery rebuilds the times the engine had, from the snapshot and from the journals after it', async () => {
    const clock = new FakeClock();
    const ids = new Ids();
    const w = await engine(clock, { journal: true, retentionDays: 1 });
    const first = betBody(ids);
    await w.bet(first);
    clock.pass(3);
    await w.rollback(rollbackBody(ids, first.transaction_uuid)); // changed on day 3
    await w.journal?.snapshot();
    clock.pass(0.5);
    const second = betBody(ids);
    await w.bet(second);
    await w.win(winBody(ids, second.transaction_uuid)); // on day 3.5, in the journal after the snapshot
    await data.shutDown(w);

    clock.pass(0.7); // day 4.2: the first pair is older than a day, the second is not
    const again = data.open({ clock: clock.read, retentionDays: 1 });
    expect(again.journal?.recovery?.snapshot).toBe('snapshot-000001.log');
    expect(await again.purge()).toBe(2);
    expect(await again.bet(first)).toMatchObject({ status: Status.OK, balance: 100_000 + 150 - 100 }); // judged afresh, once dropped
    clock.pass(0.4); // day 4.6
    expect(await again.purge()).toBe(2);
  });
});

describe('times last until the year 9999, and a clock outside 1970-9999 is refused', () => {
  it.each([
    ['without a journal', false],
    ['with a journal', true],
  ])('%s, keeps records stamped after 2106 for their whole retention period', async (_, journal) => {
    const clock = new FakeClock();
    clock.now = Date.UTC(2107, 0, 1);
    const ids = new Ids();
    const w = await engine(clock, { journal, retentionDays: 1 });
    const bet = betBody(ids);
    const taken = await w.bet(bet);
    await w.win(winBody(ids, bet.transaction_uuid, { amount: 0 }));
    expect(await w.purge()).toBe(0);
    expect(await w.bet(bet)).toEqual(taken);
    expect(await balanceOf(w)).toBe(100_000 - 100);
    clock.pass(1.01);
    expect(await w.purge()).toBe(2);
  });

  it('serves with a clock in the last minute of 9999, and keeps its times across a restart', async () => {
    const clock = new FakeClock();
    clock.now = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    const ids = new Ids();
    const w = await engine(clock, { journal: true, retentionDays: 1 });
    const bet = betBody(ids);
    const taken = await w.bet(bet);
    await w.win(winBody(ids, bet.transaction_uuid, { amount: 0 }));
    await w.journal?.snapshot();
    const again = await data.restart(w, { clock: clock.read, retentionDays: 1 });
    expect(await again.purge()).toBe(0);
    expect(await again.bet(bet)).toEqual(taken);
  });

  it.each([
    ['before 1970', -1],
    ['after 9999', Date.UTC(10_000, 0, 1)],
    ['not a number', Number.NaN],
  ])('start refuses a clock reading %s with RangeError', (_, time) => {
    expect(() => start({ clock: () => time })).toThrow(RangeError);
    expect(() => start({ clock: () => time, journal: data.path })).toThrow(RangeError);
  });

  it("throws RangeError from the clock's first bad reading, and changes nothing", async () => {
    const clock = new FakeClock();
    const ids = new Ids();
    const w = await engine(clock, { journal: true });
    clock.now = Date.UTC(10_000, 0, 1);
    await expect(w.bet(betBody(ids))).rejects.toThrow(RangeError);
    await expect(w.purge()).rejects.toThrow(RangeError);
    expect(w.transactionCount).toBe(0);
    clock.now = Date.UTC(2026, 0, 2);
    expect(await balanceOf(w)).toBe(100_000);
    expect((await w.bet(betBody(ids))).status).toBe(Status.OK);
    const again = await data.restart(w, { clock: clock.read });
    expect(await balanceOf(again)).toBe(100_000 - 100);
  });
});
