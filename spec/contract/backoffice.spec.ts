/**
 * The back office's library calls (SPEC 13) on this run's store (memory, journal, PostgreSQL):
 * a transaction's record, a user's history and its paging, rounds, stuck rounds, the daily
 * report, retention and reconciliation. Every engine has an injected clock.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { BadCursorError, dailyReport, history, QueryError, reconcile, round, Status, start as startEngine, stuckRounds, transaction, type TransactionRecord, type Wallet } from '../../lib/index.js';
import { onStore, start, STORE } from '../support/stores.js';
import { testServerUrl } from '../../test-support/postgres.js';
import { seededRandom } from '../../test-support/random.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 10, 9, 30, 0, 0);

/** A deterministic UUID from a tag and a number. */
function uuid(tag: number, n: number): string {
  const hex = (tag * 1_000_000 + n).toString(16).padStart(12, '0');
  return `0000${tag.toString(16).padStart(4, '0')}-0000-4000-8000-${hex}`;
}

class Clock {
  constructor(public now = T0) {}
  readonly read = (): number => this.now;
  tick(ms = 1_000): void {
    this.now += ms;
  }
}

const opened: Wallet[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((w) => w.stop()));
});

/** An engine of this run's store with `clock`, and retention if asked. */
async function open(clock: Clock, users: Array<string | { user: string; currency: string }> = ['alice', 'bob'], retentionDays?: number): Promise<Wallet> {
  const retention = retentionDays === undefined ? {} : { retentionDays };
  const w =
    STORE === 'postgres'
      ? startEngine({ database: { url: testServerUrl(), schema: `bo_${randomBytes(6).toString('hex')}`, poolSize: 2, clock: clock.read, ...retention } })
      : start({ clock: clock.read, ...retention });
  opened.push(w);
  await w.createUsers(users);
  return w;
}

let serial = 0;
function ids(): { tx: string; req: string } {
  serial += 1;
  return { tx: uuid(1, serial), req: uuid(2, serial) };
}

async function bet(w: Wallet, user: string, amount: number, extra: Record<string, unknown> = {}, currency = 'USD'): Promise<string> {
  const { tx, req } = ids();
  const response = await w.bet({ user, transaction_uuid: tx, request_uuid: req, currency, amount, ...extra } as never);
  expect(response.status).toBe(Status.OK);
  return tx;
}

async function win(w: Wallet, user: string, reference: string, amount: number, extra: Record<string, unknown> = {}, currency = 'USD'): Promise<string> {
  const { tx, req } = ids();
  const response = await w.win({ user, transaction_uuid: tx, request_uuid: req, reference_transaction_uuid: reference, currency, amount, ...extra } as never);
  expect(response.status).toBe(Status.OK);
  return tx;
}

async function rollback(w: Wallet, user: string, reference: string, extra: Record<string, unknown> = {}): Promise<string> {
  const { tx, req } = ids();
  const response = await w.rollback({ user, transaction_uuid: tx, request_uuid: req, reference_transaction_uuid: reference, ...extra } as never);
  expect(response.status).toBe(Status.OK);
  return tx;
}

/** Every page of a user's history with `limit`, each id once. */
async function allPages(w: Wallet, user: string, query: Record<string, unknown> = {}, between?: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await w.history(user, { ...query, ...(cursor === undefined ? {} : { cursor }) });
    if (page === undefined) throw new Error('unknown user');
    seen.push(...page.items.map((r) => r.transaction_uuid));
    if (page.next_cursor === null) return seen;
    cursor = page.next_cursor;
    await between?.();
  }
}

describe(onStore("a transaction's record keeps every field SPEC 13 lists"), () => {
  it('answers bet, win, rollback, deposit and withdraw with amount, balance, round, game, free flag, request and time', async () => {
    const clock = new Clock();
    const w = await open(clock);
    const round = '7d0b3c52-7a3e-4c1e-9b1a-3f2e1d0c9b8a';
    const b = await bet(w, 'alice', 500, { round, game_code: 'slots-1', is_free: true });
    clock.tick(1_500);
    const wn = await win(w, 'alice', b, 800, { round, round_closed: true });
    clock.tick();
    const open2 = await bet(w, 'alice', 300, { round: 'R-42' });
    clock.tick();
    const rb = await rollback(w, 'alice', open2, { round: 'R-42' });
    clock.tick();
    const dep = ids();
    expect((await w.deposit({ user: 'bob', transaction_uuid: dep.tx, request_uuid: dep.req, currency: 'USD', amount: 70 })).status).toBe(Status.OK);

    expect(await w.transaction(b.toUpperCase())).toEqual({
      transaction_uuid: b,
      kind: 'bet',
      user: 'alice',
      amount: 500,
      currency: 'USD',
      balance: 99_500,
      reference_transaction_uuid: null,
      round,
      round_closed: false,
      game_code: 'slots-1',
      is_free: true,
      request_uuid: uuid(2, Number.parseInt(b.slice(-12), 16) - 1_000_000),
      created_at: new Date(T0).toISOString(),
      state: 'won',
    });
    expect(await w.transaction(wn)).toMatchObject({ kind: 'win', amount: 800, balance: 100_300, reference_transaction_uuid: b, round, round_closed: true, game_code: null, is_free: false, created_at: new Date(T0 + 1_500).toISOString() });
    expect(await w.transaction(open2)).toMatchObject({ kind: 'bet', amount: 300, state: 'cancelled', round: 'R-42' });
    expect(await w.transaction(rb)).toMatchObject({ kind: 'rollback', amount: 300, balance: 100_300, reference_transaction_uuid: open2 });
    expect(await w.transaction(dep.tx)).toMatchObject({ kind: 'deposit', user: 'bob', amount: 70, balance: 100_070 });
  });

  it('answers undefined for an unknown id and for text that is no UUID', async () => {
    const w = await open(new Clock());
    expect(await w.transaction(uuid(9, 1))).toBeUndefined();
    expect(await w.transaction('not-a-uuid')).toBeUndefined();
  });

  it('keeps a round or game code as sent, whatever it holds', async () => {
    const w = await open(new Clock());
    const odd = 'r\u0000und "quoted", \u00e9\ud83c\udfb2 ' + 'x'.repeat(40);
    const upper = '7D0B3C52-7A3E-4C1E-9B1A-3F2E1D0C9B8A';
    const a = await bet(w, 'alice', 1, { round: odd, game_code: 'g\u0000\u0001' });
    const b = await bet(w, 'alice', 1, { round: upper });
    expect(await w.transaction(a)).toMatchObject({ round: odd, game_code: 'g\u0000\u0001' });
    expect(await w.transaction(b)).toMatchObject({ round: upper });
    expect((await w.round(odd))?.transactions.map((r) => r.transaction_uuid)).toEqual([a]);
    expect((await w.round(upper))?.transactions.map((r) => r.transaction_uuid)).toEqual([b]);
  });
});

describe(onStore("a user's history pages newest first with an opaque cursor"), () => {
  it('returns every transaction once, newest first, and null as the last next_cursor', async () => {
    const clock = new Clock();
    const w = await open(clock);
    const made: string[] = [];
    for (let i = 0; i < 23; i += 1) {
      made.push(await bet(w, 'alice', i));
      clock.tick();
    }
    await bet(w, 'bob', 1);
    const first = await w.history('alice', { limit: 10 });
    expect(first?.items).toHaveLength(10);
    expect(typeof first?.next_cursor).toBe('string');
    expect(await allPages(w, 'alice', { limit: 10 })).toEqual([...made].reverse());
    expect((await w.history('alice'))?.items).toHaveLength(23);
  });

  it('filters by kind, round and time (to exclusive)', async () => {
    const clock = new Clock();
    const w = await open(clock);
    const b1 = await bet(w, 'alice', 10, { round: 'A' });
    clock.tick(60_000);
    const w1 = await win(w, 'alice', b1, 5, { round: 'A' });
    clock.tick(60_000);
    const b2 = await bet(w, 'alice', 10, { round: 'B' });
    expect((await w.history('alice', { kind: 'win' }))?.items.map((r) => r.transaction_uuid)).toEqual([w1]);
    expect((await w.history('alice', { round: 'A' }))?.items.map((r) => r.transaction_uuid)).toEqual([w1, b1]);
    expect((await w.history('alice', { from: new Date(T0 + 60_000).toISOString(), to: T0 + 120_000 }))?.items.map((r) => r.transaction_uuid)).toEqual([w1]);
    expect((await w.history('alice', { from: T0 + 120_000 }))?.items.map((r) => r.transaction_uuid)).toEqual([b2]);
  });

  it('answers undefined for an unknown user and an empty page for a user without transactions', async () => {
    const w = await open(new Clock());
    expect(await w.history('nobody')).toBeUndefined();
    expect(await w.history('bob')).toEqual({ items: [], next_cursor: null });
  });

  it('refuses a bad parameter by name, and a cursor it did not give', async () => {
    const w = await open(new Clock());
    await expect(w.history('alice', { limit: 0 })).rejects.toMatchObject({ parameter: 'limit' });
    await expect(w.history('alice', { limit: 1001 })).rejects.toBeInstanceOf(QueryError);
    await expect(w.history('alice', { kind: 'jackpot' })).rejects.toMatchObject({ parameter: 'kind' });
    await expect(w.history('alice', { from: 'yesterday' })).rejects.toMatchObject({ parameter: 'from' });
    await expect(w.history('alice', { cursor: 'garbage' })).rejects.toBeInstanceOf(BadCursorError);
  });
});

describe(onStore('paging while bets keep arriving returns every record that existed when paging began exactly once'), () => {
  it('sees the 40 first bets once each, whatever arrives between pages', async () => {
    const clock = new Clock();
    const w = await open(clock);
    const before: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      before.push(await bet(w, 'alice', 1));
      clock.tick(7);
    }
    const seen = await allPages(w, 'alice', { limit: 7 }, async () => {
      for (let i = 0; i < 3; i += 1) {
        await bet(w, 'alice', 1);
        clock.tick(7);
      }
    });
    const expected = new Set(before);
    const counted = seen.filter((id) => expected.has(id));
    expect(counted).toHaveLength(40);
    expect(new Set(counted).size).toBe(40);
    expect(new Set(seen).size).toBe(seen.length);
  });
});

describe(onStore("a round gathers one user's transactions carrying its value"), () => {
  it('totals bets, wins and refunds, and is closed once a transaction said so', async () => {
    const clock = new Clock();
    const w = await open(clock);
    const b1 = await bet(w, 'alice', 100, { round: 'game-7' });
    clock.tick();
    const b2 = await bet(w, 'alice', 40, { round: 'game-7' });
    clock.tick();
    await rollback(w, 'alice', b2, { round: 'game-7' });
    clock.tick();
    const open1 = await w.round('game-7');
    expect(open1).toMatchObject({ round: 'game-7', user: 'alice', status: 'open', bet_amount: 140, win_amount: 0, refunded_amount: 40, first_at: new Date(T0).toISOString(), last_at: new Date(T0 + 2_000).toISOString() });
    await win(w, 'alice', b1, 250, { round: 'game-7', round_closed: true });
    const closed = await w.round('game-7', 'alice');
    expect(closed).toMatchObject({ status: 'closed', win_amount: 250 });
    expect(closed?.transactions.map((r) => r.kind)).toEqual(['bet', 'bet', 'rollback', 'win']);
  });

  it('needs the user when two users share the value, and answers undefined for none', async () => {
    const w = await open(new Clock());
    await bet(w, 'alice', 1, { round: 'shared' });
    await bet(w, 'bob', 2, { round: 'shared' });
    await expect(w.round('shared')).rejects.toMatchObject({ parameter: 'user' });
    expect(await w.round('shared', 'bob')).toMatchObject({ user: 'bob', bet_amount: 2 });
    expect(await w.round('nothing')).toBeUndefined();
    expect(await w.round('shared', 'nobody')).toBeUndefined();
  });
});

describe(onStore('stuck rounds are open rounds idle for the time asked'), () => {
  it('lists them longest idle first, a page at a time, leaving out closed and recent ones', async () => {
    const clock = new Clock();
    const w = await open(clock);
    await bet(w, 'alice', 1, { round: 'old-1' });
    clock.tick(60_000);
    await bet(w, 'bob', 1, { round: 'old-2' });
    const closing = await bet(w, 'alice', 1, { round: 'closed' });
    await win(w, 'alice', closing, 0, { round: 'closed', round_closed: true });
    clock.tick(2 * 3_600_000);
    await bet(w, 'alice', 1, { round: 'recent' });
    const first = await w.stuckRounds({ idle_minutes: 60, limit: 1 });
    expect(first.items.map((r) => [r.round, r.user, r.status])).toEqual([['old-1', 'alice', 'open']]);
    const second = await w.stuckRounds({ idle_minutes: '60', limit: 1, cursor: first.next_cursor });
    expect(second.items.map((r) => r.round)).toEqual(['old-2']);
    expect(second.next_cursor).toBeNull();
    expect((await w.stuckRounds({ idle_minutes: 0 })).items.map((r) => r.round)).toEqual(['old-1', 'old-2', 'recent']);
    await expect(w.stuckRounds({ status: 'closed' })).rejects.toMatchObject({ parameter: 'status' });
  });
});

describe(onStore('a round of any length is kept and found like a short one'), () => {
  it('takes a 9,000-character round in a batch with another user, and answers it from the round, the history filter and stuck rounds', async () => {
    const random = seededRandom(9_000);
    const printable = (length: number): string => Array.from({ length }, () => String.fromCharCode(33 + Math.floor(random() * 94))).join('');
    const long = printable(9_000);
    // Another long round that differs from it in its last character only.
    const other = long.slice(0, -1) + (long.endsWith('!') ? '"' : '!');
    const clock = new Clock();
    const w = await open(clock);
    const stuck = await bet(w, 'alice', 3, { round: other });
    clock.tick(60_000);
    const [a, b] = [ids(), ids()];
    const answers = await Promise.all([
      w.bet({ user: 'alice', transaction_uuid: a.tx, request_uuid: a.req, currency: 'USD', amount: 10, round: long } as never),
      w.bet({ user: 'bob', transaction_uuid: b.tx, request_uuid: b.req, currency: 'USD', amount: 4, round: 'short' } as never),
    ]);
    expect(answers.map((r) => [r.user, r.status])).toEqual([['alice', Status.OK], ['bob', Status.OK]]);
    clock.tick(60_000);
    const paid = await win(w, 'alice', a.tx, 25, { round: long, round_closed: true });
    clock.tick(2 * 3_600_000);

    expect(await w.transaction(a.tx)).toMatchObject({ round: long, round_closed: false });
    expect(await w.round(long)).toMatchObject({ round: long, user: 'alice', status: 'closed', bet_amount: 10, win_amount: 25, first_at: new Date(T0 + 60_000).toISOString() });
    expect((await w.round(long, 'alice'))?.transactions.map((r) => r.transaction_uuid)).toEqual([a.tx, paid]);
    expect((await w.history('alice', { round: long }))?.items.map((r) => r.transaction_uuid)).toEqual([paid, a.tx]);
    expect((await w.history('alice', { round: other }))?.items.map((r) => r.transaction_uuid)).toEqual([stuck]);
    expect(await w.round(other)).toMatchObject({ round: other, status: 'open', bet_amount: 3 });
    expect(await w.round(long.slice(0, -1))).toBeUndefined();
    // Stuck rounds, a page at a time: the cursor after the long round leads to the next one.
    const first = await w.stuckRounds({ idle_minutes: 60, limit: 1 });
    expect(first.items.map((r) => [r.round, r.user, r.bet_amount])).toEqual([[other, 'alice', 3]]);
    const second = await w.stuckRounds({ idle_minutes: 60, limit: 1, cursor: first.next_cursor });
    expect(second.items.map((r) => [r.round, r.user, r.bet_amount])).toEqual([['short', 'bob', 4]]);
    expect(second.next_cursor).toBeNull();
    // Closed with a win, the other long round leaves the stuck rounds too.
    await win(w, 'alice', stuck, 0, { round: other, round_closed: true });
    expect((await w.stuckRounds({ idle_minutes: 0 })).items.map((r) => r.round)).toEqual(['short']);
  });
});

describe(onStore('the daily report totals a UTC day per currency'), () => {
  it('counts bets, wins, refunds, cashier operations and free bets, with ggr = bets - refunds - wins', async () => {
    const clock = new Clock(Date.UTC(2026, 2, 10, 23, 59, 0));
    const w = await open(clock, ['alice', { user: 'eve', currency: 'EUR' }]);
    const b = await bet(w, 'alice', 1_000);
    await win(w, 'alice', b, 300);
    const c = await bet(w, 'alice', 200);
    await rollback(w, 'alice', c);
    await bet(w, 'alice', 50, { is_free: true });
    const d = ids();
    await w.deposit({ user: 'alice', transaction_uuid: d.tx, request_uuid: d.req, currency: 'USD', amount: 5 });
    const x = ids();
    await w.withdraw({ user: 'alice', transaction_uuid: x.tx, request_uuid: x.req, currency: 'USD', amount: 7 });
    await bet(w, 'eve', 10, {}, 'EUR');
    clock.tick(60_000); // the next day
    await bet(w, 'alice', 99_999 - 1_000);
    const report = await w.dailyReport('2026-03-10');
    expect(report).toEqual({
      date: '2026-03-10',
      currencies: [
        { currency: 'EUR', bets: { count: 1, amount: 10 }, wins: { count: 0, amount: 0 }, refunds: { count: 0, amount: 0 }, deposits: { count: 0, amount: 0 }, withdrawals: { count: 0, amount: 0 }, free_bets: { count: 0 }, ggr: 10 },
        { currency: 'USD', bets: { count: 3, amount: 1_250 }, wins: { count: 1, amount: 300 }, refunds: { count: 1, amount: 200 }, deposits: { count: 1, amount: 5 }, withdrawals: { count: 1, amount: 7 }, free_bets: { count: 1 }, ggr: 750 },
      ],
    });
    expect((await w.dailyReport('2026-03-09')).currencies).toEqual([]);
    await expect(w.dailyReport('2026-02-30')).rejects.toMatchObject({ parameter: 'date' });
  });
});

describe(onStore('records dropped by retention are gone from every view'), () => {
  it('drops settled records from the lookup, history, round, report, stuck rounds and export, and keeps an open bet', async () => {
    const clock = new Clock();
    const w = await open(clock, ['alice'], 1);
    const settled = await bet(w, 'alice', 10, { round: 'gone' });
    const paid = await win(w, 'alice', settled, 3, { round: 'gone' });
    const openBet = await bet(w, 'alice', 20, { round: 'kept' });
    clock.tick(3 * DAY);
    const fresh = await bet(w, 'alice', 1, { round: 'new' });
    expect(await w.purge()).toBe(2);
    expect(await w.transaction(settled)).toBeUndefined();
    expect(await w.transaction(paid)).toBeUndefined();
    expect(await w.transaction(openBet)).toMatchObject({ state: 'open' });
    expect(await allPages(w, 'alice', { limit: 1 })).toEqual([fresh, openBet]);
    expect(await w.round('gone')).toBeUndefined();
    expect((await w.dailyReport('2026-03-10')).currencies).toEqual([expect.objectContaining({ bets: { count: 1, amount: 20 }, wins: { count: 0, amount: 0 } })]);
    expect((await w.stuckRounds({ idle_minutes: 0 })).items.map((r) => r.round).sort()).toEqual(['kept', 'new']);
    const exported: string[] = [];
    for await (const record of w.transactionsBetween()) exported.push(record.transaction_uuid);
    expect(exported.sort()).toEqual([fresh, openBet].sort());
    // A new record may take a dropped one's place in memory: the views stay right.
    const later = await bet(w, 'alice', 2);
    expect(await allPages(w, 'alice', { limit: 2 })).toEqual([later, fresh, openBet]);
  });
});

describe(onStore("reconciliation lists exactly the differences with the aggregator's file"), () => {
  it('counts the matches and names the ids missing on either side and the fields that differ', async () => {
    const clock = new Clock();
    const w = await open(clock);
    const made: TransactionRecord[] = [];
    for (let i = 0; i < 8; i += 1) {
      const id = await bet(w, i % 2 === 0 ? 'alice' : 'bob', 10 + i);
      made.push((await w.transaction(id)) as TransactionRecord);
      clock.tick();
    }
    const file = made.map((r) => ({ transaction_uuid: r.transaction_uuid.toUpperCase(), kind: r.kind.toUpperCase(), user: r.user, amount: String(r.amount), currency: r.currency, extra: 'ignored' }));
    const omitted = file.splice(7, 1)[0]?.transaction_uuid.toLowerCase();
    (file[2] as { amount: string }).amount = '999';
    (file[4] as { user: string }).user = 'mallory';
    (file[5] as { currency: string }).currency = 'EUR';
    const stranger = uuid(7, 1);
    file.push({ transaction_uuid: stranger, kind: 'win', user: 'alice', amount: '1', currency: 'USD', extra: '' });
    const result = await w.reconcile(file);
    expect(result.matched).toBe(4);
    expect(result.missing_in_wallet).toEqual([stranger]);
    expect(result.missing_in_file).toEqual([omitted]);
    expect(result.mismatched).toEqual([
      { transaction_uuid: made[2]?.transaction_uuid, differences: [{ field: 'amount', wallet: 12, file: '999' }] },
      { transaction_uuid: made[4]?.transaction_uuid, differences: [{ field: 'user', wallet: 'alice', file: 'mallory' }] },
      { transaction_uuid: made[5]?.transaction_uuid, differences: [{ field: 'currency', wallet: 'USD', file: 'EUR' }] },
    ]);
  });

  it('compares only the window asked for on the wallet side', async () => {
    const clock = new Clock();
    const w = await open(clock);
    const early = await bet(w, 'alice', 1);
    clock.tick(DAY);
    const late = await bet(w, 'alice', 2);
    const result = await w.reconcile([{ transaction_uuid: late, kind: 'bet', user: 'alice', amount: 2, currency: 'USD' }], { from: T0 + DAY });
    expect(result).toEqual({ matched: 1, missing_in_wallet: [], missing_in_file: [], mismatched: [] });
    expect((await w.reconcile([])).missing_in_file.sort()).toEqual([early, late].sort());
  });
});

describe(onStore("the package's functions answer as the wallet's methods"), () => {
  it('transaction, history, round, stuckRounds, dailyReport and reconcile', async () => {
    const clock = new Clock();
    const w = await open(clock);
    const id = await bet(w, 'alice', 5, { round: 'f-1' });
    expect(await transaction(w, id)).toEqual(await w.transaction(id));
    expect(await history(w, 'alice', { limit: 1 })).toEqual(await w.history('alice', { limit: 1 }));
    expect(await round(w, 'f-1')).toEqual(await w.round('f-1'));
    expect(await stuckRounds(w, { idle_minutes: 0 })).toEqual(await w.stuckRounds({ idle_minutes: 0 }));
    expect(await dailyReport(w, '2026-03-10')).toEqual(await w.dailyReport('2026-03-10'));
    expect(await reconcile(w, [{ transaction_uuid: id, kind: 'bet', user: 'alice', amount: 5, currency: 'USD' }])).toEqual({ matched: 1, missing_in_wallet: [], missing_in_file: [], mismatched: [] });
  });
});
