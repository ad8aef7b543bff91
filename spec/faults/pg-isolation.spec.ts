import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import postgres from 'postgres';
import { start, Status, type Wallet } from '../../lib/index.js';
import { PostgresStore } from '../../lib/pg/store.js';
import { parseCommand, readBody, type Command, type Fields } from '../../lib/validation.js';
import { balanceOf, betBody, Ids, winBody } from '../support/helpers.js';
import { freshDatabase, type FreshDatabase } from '../../test-support/postgres.js';

// SPEC 9, "one request never fails another", on the PostgreSQL store: a request the database
// refuses fails alone, and a user row held by another session delays only that user.

let database: FreshDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  await database.drop();
});

describe('a request the database refuses fails alone; the rest of its batch commits', () => {
  it('answers 40 bets batched with requests naming a user PostgreSQL text cannot hold, and fails only those', async () => {
    // The store is driven directly: the engine refuses such a name before it reaches a store,
    // and this is about any request the database cannot take.
    const store = new PostgresStore({ url: database.url, schema: 'refused', commitTimeout: 3_000 });
    try {
      const users = Array.from({ length: 40 }, (_, i) => `u${i}`);
      await store.createUsers(users.map((user) => ({ user, currency: 'USD', balance: 1_000 })));
      const ids = new Ids();
      const serve = (user: string) => {
        const body = betBody(ids, { user, amount: 10 });
        return store.serve(user, parseCommand('bet', readBody(body) as Fields) as Command, body.request_uuid);
      };
      const bad = ['x\u0000y', 'u1\u0000', '\u0000'];
      // One event-loop turn: one batch, the refused requests among the others.
      const answers = await Promise.all([...users.slice(0, 10).map(serve), serve(bad[0] as string), ...users.slice(10, 30).map(serve), serve(bad[1] as string), serve(bad[2] as string), ...users.slice(30).map(serve)]);
      const refused = answers.filter((a) => bad.includes(a.user));
      expect(refused.map((a) => a.status)).toEqual([Status.UNKNOWN, Status.UNKNOWN, Status.UNKNOWN]);
      const served = answers.filter((a) => !bad.includes(a.user));
      expect(served).toHaveLength(40);
      for (const answer of served) expect(answer).toMatchObject({ status: Status.OK, balance: 990 });
      expect((await store.stats()).transactions).toBe(40);
    } finally {
      await store.close();
    }
  });
});

describe('a user row held by another session delays only that user', () => {
  // Commit timeouts are long enough for a batch to commit on a loaded machine: the others must be
  // answered RS_OK within one, while the held user waits it out.
  const COMMIT_TIMEOUT = 1_500;
  const opened: Wallet[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((w) => w.stop()));
  });

  /** A second session holding `SELECT ... FOR UPDATE` on `user`'s row until `release()`. */
  function holdRow(schema: string, user: string): Promise<{ release: () => Promise<void> }> {
    return hold(`SELECT 1 FROM ${schema}.wallets WHERE name = $1 FOR UPDATE`, user);
  }

  /** A second session that runs `query` with `parameter` in a transaction and keeps it open until `release()`. */
  async function hold(query: string, parameter: string): Promise<{ release: () => Promise<void> }> {
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const held = sql.begin(async (tx) => {
      await tx.unsafe(query, [parameter]);
      locked();
      await released;
    });
    await isLocked;
    return {
      release: async () => {
        release();
        await held;
        await sql.end();
      },
    };
  }

  it('answers the other users of its batches at once and the held user RS_ERROR_UNKNOWN after the commit timeout, more times than the pool has connections, and serves it once the row is free', async () => {
    const w = start({ database: { url: database.url, schema: 'held', poolSize: 3, commitTimeout: COMMIT_TIMEOUT } });
    opened.push(w);
    const others = ['u0', 'u1', 'u2', 'u3', 'u4'];
    await w.createUsers(['carol', ...others]);
    const ids = new Ids();
    const holder = await holdRow('held', 'carol');
    try {
      // Four commit timeouts of carol's: each attempt that waited on her row would keep a
      // connection of the three, so without release the pool would be gone after three.
      for (let round = 0; round < 4; round += 1) {
        let carolAnswered = false;
        const sent = performance.now();
        const carol = w.bet(betBody(ids, { user: 'carol', amount: 1 })).then((answer) => {
          carolAnswered = true;
          return answer;
        });
        const answers = await Promise.all(others.map((user) => w.bet(betBody(ids, { user, amount: 1 }))));
        expect(answers.map((a) => a.status)).toEqual(others.map(() => Status.OK));
        expect(carolAnswered).toBe(false); // the others did not wait for her
        expect((await carol).status).toBe(Status.UNKNOWN);
        expect(performance.now() - sent).toBeGreaterThanOrEqual(COMMIT_TIMEOUT); // she waited out her commit timeout
      }
      // Held again, then freed while her request waits: it is served, once.
      const carol = w.bet(betBody(ids, { user: 'carol', amount: 1 }));
      expect((await w.bet(betBody(ids, { user: 'u0', amount: 1 }))).status).toBe(Status.OK);
      await holder.release();
      expect((await carol).status).toBe(Status.OK);
    } finally {
      await holder.release();
    }
    expect(await balanceOf(w, 'carol')).toBe(99_999);
    expect(await balanceOf(w, 'u0')).toBe(100_000 - 5);
  });

  it('gives up an operator\'s disable of a held user after the commit timeout, and its connection serves again', async () => {
    const w = start({ database: { url: database.url, schema: 'held_disable', poolSize: 2, commitTimeout: COMMIT_TIMEOUT } });
    opened.push(w);
    await w.createUsers(['carol', 'dave']);
    const ids = new Ids();
    const holder = await holdRow('held_disable', 'carol');
    try {
      for (let attempt = 0; attempt < 3; attempt += 1) await expect(w.setUserDisabled('carol', true)).rejects.toThrow(/statement timeout/);
      expect((await w.bet(betBody(ids, { user: 'dave', amount: 1 }))).status).toBe(Status.OK);
    } finally {
      await holder.release();
    }
    expect(await w.setUserDisabled('carol', true)).toBe(true);
    expect((await w.bet(betBody(ids, { user: 'carol', amount: 1 }))).status).toBe(Status.USER_DISABLED);
  }, 20_000);

  it('cancels an attempt still waiting at its commit timeout (a bet\'s row held), so its connection serves the next batch', async () => {
    const w = start({ database: { url: database.url, schema: 'held_bet', poolSize: 3, commitTimeout: COMMIT_TIMEOUT } });
    opened.push(w);
    await w.createUsers(['carol', 'dave']);
    const ids = new Ids();
    const bet = betBody(ids, { user: 'carol', amount: 10 });
    expect((await w.bet(bet)).status).toBe(Status.OK);
    // A win settles the bet by rewriting its row, which the other session holds.
    const holder = await hold('SELECT 1 FROM held_bet.transactions WHERE transaction_uuid = $1 FOR UPDATE', bet.transaction_uuid);
    try {
      for (let attempt = 0; attempt < 4; attempt += 1) {
        expect((await w.win(winBody(ids, bet.transaction_uuid, { user: 'carol' }))).status).toBe(Status.UNKNOWN);
      }
      expect((await w.bet(betBody(ids, { user: 'dave', amount: 1 }))).status).toBe(Status.OK);
    } finally {
      await holder.release();
    }
    expect((await w.win(winBody(ids, bet.transaction_uuid, { user: 'carol', amount: 30 }))).status).toBe(Status.OK);
    expect(await balanceOf(w, 'carol')).toBe(100_000 - 10 + 30);
  });
});
