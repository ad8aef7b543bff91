import { describe, expect, it } from '@jest/globals';
import { idsOf, judgeBatch, usersOf, type AccountRow, type BatchItem, type EntryRow } from '../../lib/pg/batch.js';
import { Status, type TransactionOperation } from '../../lib/index.js';
import { parseCommand, readBody, type Command } from '../../lib/validation.js';
import { betBody, Ids, rollbackBody, winBody } from '../support/helpers.js';

/** A request of a batch, parsed as the store parses it. */
function item<B extends { user: string; request_uuid: string }>(operation: TransactionOperation | 'balance', body: B): BatchItem {
  if (operation === 'balance') return { user: body.user, request: { operation: 'balance', token: undefined }, requestUuid: body.request_uuid };
  return { user: body.user, request: command(operation, body), requestUuid: body.request_uuid };
}

function command(operation: TransactionOperation, body: object): Command {
  const parsed = parseCommand(operation, readBody(body) as NonNullable<ReturnType<typeof readBody>>);
  if (typeof parsed === 'string') throw new Error(`not a valid ${operation}: ${parsed}`);
  return parsed;
}

/** A request_uuid as some aggregators send it: upper case (case-insensitive equal, byte-wise distinct). */
const UPPER = 'ABCDEF01-2345-4678-89AB-CDEF01234567';

const account = (name: string, balance: number, fields: Partial<AccountRow> = {}): AccountRow => ({ id: name === 'alice' ? '1' : '2', name, currency: 'USD', balance: String(balance), disabled: false, limits: null, usage: null, ...fields });

/** The balances a batch writes, without the period sums written beside them. */
function moneyOf({ walletIds, balances }: { walletIds: string[]; balances: string[] }): { walletIds: string[]; balances: string[] } {
  return { walletIds, balances };
}

/** The time every batch of this file is judged at. */
const NOW = Date.UTC(2026, 0, 5, 12);

/** The stored row of a transaction `body` made, as the batch reads it back. */
function stored(kind: number, body: { transaction_uuid: string; request_uuid: string; user: string }, fields: Partial<EntryRow>, operation: TransactionOperation = 'bet'): EntryRow {
  return {
    transaction_uuid: body.transaction_uuid,
    name: body.user,
    kind,
    state: 0,
    amount: '0',
    balance: '0',
    request_uuid: body.request_uuid,
    request_uuid_text: null,
    fingerprint: Buffer.from(command(operation, body).fingerprint, 'latin1'),
    is_free: false,
    at: NOW,
    ...fields,
  };
}

describe('a batch reads the ids its requests name and locks their users in one order', () => {
  it('reads each transaction id and the id a win or rollback refers to, once each, and nothing for a balance', () => {
    const ids = new Ids();
    const bet = betBody(ids);
    const win = winBody(ids, bet.transaction_uuid);
    const rollback = rollbackBody(ids, ids.next(), { user: 'bob' });
    const items = [item('bet', bet), item('win', win), item('rollback', rollback), item('bet', bet), item('balance', { user: 'carol', request_uuid: ids.next() })];
    expect(idsOf(items)).toEqual([bet.transaction_uuid, win.transaction_uuid, rollback.transaction_uuid, rollback.reference_transaction_uuid]);
    // A win of a bet stored earlier: the bet is read too.
    const alone = winBody(ids, ids.next());
    expect(idsOf([item('win', alone)])).toEqual([alone.transaction_uuid, alone.reference_transaction_uuid]);
  });

  it('locks every user once', () => {
    const ids = new Ids();
    const items = [item('bet', betBody(ids, { user: 'carol' })), item('bet', betBody(ids, { user: 'alice' })), item('balance', { user: 'bob', request_uuid: '' }), item('bet', betBody(ids, { user: 'carol' }))];
    expect(usersOf(items).sort()).toEqual(['alice', 'bob', 'carol']);
  });
});

describe('a batch judges its requests in order, as the embedded store does', () => {
  it('answers an unknown user RS_ERROR_UNKNOWN and a balance with the balance the batch reached', () => {
    const ids = new Ids();
    const bet = betBody(ids, { amount: 30 });
    const balance = { user: 'alice', request_uuid: ids.next() };
    const { responses, writes } = judgeBatch([item('bet', betBody(ids, { user: 'nobody' })), item('bet', bet), item('balance', balance)], [account('alice', 1_000)], [], NOW);
    expect(responses[0]).toMatchObject({ user: 'nobody', status: Status.UNKNOWN });
    expect(responses[0]).not.toHaveProperty('balance');
    expect(responses[1]).toEqual({ user: 'alice', status: Status.OK, request_uuid: bet.request_uuid, currency: 'USD', balance: 970 });
    expect(responses[2]).toEqual({ user: 'alice', status: Status.OK, request_uuid: balance.request_uuid, currency: 'USD', balance: 970 });
    expect(moneyOf(writes.balances)).toEqual({ walletIds: ['1'], balances: ['970'] });
    // The bet's amount joins the wager of the day, week and month it was made in.
    expect(JSON.parse(writes.balances.usages[0] as string)).toMatchObject({ wagerDay: 30, wagerWeek: 30, wagerMonth: 30, winsDay: 0 });
  });

  it('settles a bet placed earlier in the same batch in its own new row, and replays a copy of it', () => {
    const ids = new Ids();
    const bet = betBody(ids, { amount: 100 });
    const win = winBody(ids, bet.transaction_uuid, { amount: 250 });
    const { responses, writes } = judgeBatch([item('bet', bet), item('win', win), item('bet', { ...bet, request_uuid: ids.next() })], [account('alice', 1_000)], [], NOW);
    expect(responses.map((r) => [r.status, 'balance' in r ? r.balance : undefined, r.request_uuid])).toEqual([
      [Status.OK, 900, bet.request_uuid],
      [Status.OK, 1_150, win.request_uuid],
      [Status.OK, 900, bet.request_uuid],
    ]);
    // Rows in id order: the bet (won: state 1), then the win.
    expect(writes.inserted).toEqual({
      ids: [bet.transaction_uuid, win.transaction_uuid],
      walletIds: ['1', '1'],
      kinds: [1, 2],
      states: [1, 0],
      amounts: ['-100', '250'],
      balances: ['900', '1150'],
      requestUuids: [bet.request_uuid, win.request_uuid],
      requestTexts: [null, null],
      fingerprints: [bet, win].map((body, i) => Buffer.from(command(i === 0 ? 'bet' : 'win', body).fingerprint, 'latin1').toString('hex')),
      references: [null, bet.transaction_uuid],
      frees: [false, false],
      rounds: [null, null],
      roundTexts: [null, null],
      roundCloseds: [false, false],
      gameCodes: [null, null],
    });
    expect(writes.settled).toEqual({ ids: [], states: [] });
    expect(moneyOf(writes.balances)).toEqual({ walletIds: ['1'], balances: ['1150'] });
  });

  it('settles a stored open bet by its state, and cancels one with its amount given back', () => {
    const ids = new Ids();
    const won = betBody(ids, { amount: 100 });
    const cancelled = betBody(ids, { amount: 40, user: 'bob' });
    const free = betBody(ids, { amount: 0 });
    const rows = [stored(1, won, { amount: '-100' }), stored(1, cancelled, { amount: '-40' }), stored(1, free, {})];
    const win = winBody(ids, won.transaction_uuid, { amount: 5 });
    const rollback = rollbackBody(ids, cancelled.transaction_uuid, { user: 'bob' });
    const freeWin = winBody(ids, free.transaction_uuid, { amount: 70 });
    const { responses, writes } = judgeBatch([item('win', win), item('rollback', rollback), item('win', freeWin)], [account('alice', 500), account('bob', 60)], rows, NOW);
    expect(responses.map((r) => [r.status, 'balance' in r ? r.balance : undefined])).toEqual([
      [Status.OK, 505],
      [Status.OK, 100],
      [Status.OK, 575],
    ]);
    expect(writes.settled).toEqual({ ids: [won.transaction_uuid, cancelled.transaction_uuid, free.transaction_uuid], states: [1, 2, 1] });
    const moved = new Map([[win.transaction_uuid, '5'], [rollback.transaction_uuid, '40'], [freeWin.transaction_uuid, '70']]);
    expect(writes.inserted.amounts).toEqual([...moved.keys()].sort().map((id) => moved.get(id)));
    expect(moneyOf(writes.balances)).toEqual({ walletIds: ['1', '2'], balances: ['575', '100'] });
  });

  it('reads stored states back: a won bet is not won again, a cancelled one refuses its win, a reservation refuses its bet', () => {
    const ids = new Ids();
    const won = betBody(ids);
    const cancelled = betBody(ids);
    const reserved = betBody(ids);
    const rows = [stored(1, won, { state: 1, amount: '-100' }), stored(1, cancelled, { state: 2, amount: '-100' }), stored(6, reserved, { request_uuid: null, fingerprint: null })];
    const items = [item('win', winBody(ids, won.transaction_uuid)), item('win', winBody(ids, cancelled.transaction_uuid)), item('bet', reserved), item('rollback', rollbackBody(ids, won.transaction_uuid))];
    const { responses, writes } = judgeBatch(items, [account('alice', 1_000)], rows, NOW);
    expect(responses.map((r) => r.status)).toEqual([Status.UNKNOWN, Status.TRANSACTION_ROLLED_BACK, Status.TRANSACTION_ROLLED_BACK, Status.UNKNOWN]);
    expect(writes).toEqual({
      inserted: expect.objectContaining({ ids: [] }),
      settled: { ids: [], states: [] },
      balances: { walletIds: [], balances: [], usages: [] },
      rounds: { walletIds: [], uuids: [], texts: [], closeds: [] },
    });
  });

  it('writes a bet left open as open, and answers a win or rollback naming a stored reservation as the reservation it is', () => {
    const ids = new Ids();
    const open = betBody(ids, { amount: 25 });
    const reserved = betBody(ids);
    const rows = [stored(6, reserved, { request_uuid: null, fingerprint: null })];
    const win = winBody(ids, reserved.transaction_uuid);
    const rollback = rollbackBody(ids, reserved.transaction_uuid);
    const { responses, writes } = judgeBatch([item('bet', open), item('win', win), item('rollback', rollback)], [account('alice', 100)], rows, NOW);
    // The win finds a cancelled bet; the rollback of a cancelled bet succeeds and moves nothing.
    expect(responses.map((r) => [r.status, 'balance' in r ? r.balance : undefined])).toEqual([
      [Status.OK, 75],
      [Status.TRANSACTION_ROLLED_BACK, 75],
      [Status.OK, 75],
    ]);
    const at = writes.inserted.ids.indexOf(open.transaction_uuid);
    expect([writes.inserted.kinds[at], writes.inserted.states[at], writes.inserted.amounts[at]]).toEqual([1, 0, '-25']);
    expect(writes.settled).toEqual({ ids: [], states: [] });
  });

  it('replays a stored transaction with its original answer, and refuses one with other parameters as a duplicate', () => {
    const ids = new Ids();
    const bet = betBody(ids, { amount: 100 });
    const upper = betBody(ids, { amount: 7, request_uuid: UPPER });
    const rows = [stored(1, bet, { amount: '-100', balance: '900' }), stored(1, upper, { amount: '-7', balance: '893', request_uuid: null, request_uuid_text: upper.request_uuid })];
    const items = [item('bet', { ...bet, request_uuid: ids.next() }), item('bet', { ...upper, request_uuid: ids.next() }), item('bet', { ...bet, amount: 101, request_uuid: ids.next() })];
    const { responses } = judgeBatch(items, [account('alice', 893)], rows, NOW);
    expect(responses[0]).toEqual({ user: 'alice', status: Status.OK, request_uuid: bet.request_uuid, currency: 'USD', balance: 900 });
    expect(responses[1]).toEqual({ user: 'alice', status: Status.OK, request_uuid: upper.request_uuid, currency: 'USD', balance: 893 });
    expect(responses[2]).toMatchObject({ status: Status.DUPLICATE_TRANSACTION, balance: 893 });
  });

  it('writes a reservation for a rollback of a bet never seen, and keeps a request_uuid that is not lower-case as text', () => {
    const ids = new Ids();
    const rollback = rollbackBody(ids, ids.next(), { request_uuid: UPPER });
    const { responses, writes } = judgeBatch([item('rollback', rollback)], [account('alice', 10)], [], NOW);
    expect(responses[0]).toMatchObject({ status: Status.OK, balance: 10, request_uuid: rollback.request_uuid });
    // In id order: the reserved id was made first.
    expect(writes.inserted).toEqual({
      ids: [rollback.reference_transaction_uuid, rollback.transaction_uuid],
      walletIds: ['1', '1'],
      kinds: [6, 3],
      states: [2, 0],
      amounts: ['0', '0'],
      balances: ['0', '10'],
      requestUuids: [null, null],
      requestTexts: [null, rollback.request_uuid],
      fingerprints: [null, Buffer.from(command('rollback', rollback).fingerprint, 'latin1').toString('hex')],
      references: [null, rollback.reference_transaction_uuid],
      frees: [false, false],
      rounds: [null, null],
      roundTexts: [null, null],
      roundCloseds: [false, false],
      gameCodes: [null, null],
    });
    // The account's balance did not move, but it took part: it is written as it stands.
    expect(moneyOf(writes.balances)).toEqual({ walletIds: ['1'], balances: ['10'] });
  });

  it('refuses a bet of a disabled user, in another currency or beyond the balance, and writes nothing', () => {
    const ids = new Ids();
    const items = [item('bet', betBody(ids, { user: 'bob' })), item('bet', betBody(ids, { currency: 'EUR' })), item('bet', betBody(ids, { amount: 1_001 }))];
    const { responses, writes } = judgeBatch(items, [account('alice', 1_000), account('bob', 1_000, { disabled: true })], [], NOW);
    expect(responses.map((r) => r.status)).toEqual([Status.USER_DISABLED, Status.WRONG_CURRENCY, Status.NOT_ENOUGH_MONEY]);
    expect(writes.inserted.ids).toEqual([]);
    expect(moneyOf(writes.balances)).toEqual({ walletIds: [], balances: [] });
  });
});

describe('a batch tells the table of open rounds which rounds its rows carry', () => {
  it('names each (user, round) once, as a UUID or as text, closed if one of its rows said so, and never a reservation', () => {
    const ids = new Ids();
    const shared = '0a0b0c0d-1111-4222-8333-444455556666';
    const aliceBet = betBody(ids, { round: shared });
    const bobBet = betBody(ids, { user: 'bob', round: shared });
    const textBet = betBody(ids, { round: 'Game-7' });
    const aliceWin = winBody(ids, aliceBet.transaction_uuid, { round: shared, round_closed: true });
    const lateRollback = rollbackBody(ids, ids.next(), { round: 'Game-7' }); // reserves the id it names, which carries no round
    const plain = betBody(ids);
    const items = [item('bet', aliceBet), item('bet', bobBet), item('bet', textBet), item('win', aliceWin), item('rollback', lateRollback), item('bet', plain)];
    const { responses, writes } = judgeBatch(items, [account('alice', 1_000), account('bob', 1_000)], [], NOW);
    expect(responses.map((r) => r.status)).toEqual([Status.OK, Status.OK, Status.OK, Status.OK, Status.OK, Status.OK]);
    expect(writes.inserted.ids).toHaveLength(7);
    // In the order the inserted rows (id order) first carry each round.
    const firsts = [aliceBet, bobBet, textBet].sort((a, b) => (a.transaction_uuid < b.transaction_uuid ? -1 : 1));
    const expected = firsts.map((body) =>
      body === aliceBet
        ? { walletId: '1', uuid: shared, text: null, closed: true }
        : body === bobBet
          ? { walletId: '2', uuid: shared, text: null, closed: false }
          : { walletId: '1', uuid: null, text: 'Game-7', closed: false },
    );
    expect(writes.rounds).toEqual({
      walletIds: expected.map((r) => r.walletId),
      uuids: expected.map((r) => r.uuid),
      texts: expected.map((r) => r.text),
      closeds: expected.map((r) => r.closed),
    });
  });

  it('names no round for a batch whose rows carry none', () => {
    const ids = new Ids();
    const { writes } = judgeBatch([item('bet', betBody(ids)), item('rollback', rollbackBody(ids, ids.next()))], [account('alice', 1_000)], [], NOW);
    expect(writes.inserted.ids).toHaveLength(3);
    expect(writes.rounds).toEqual({ walletIds: [], uuids: [], texts: [], closeds: [] });
  });
});
