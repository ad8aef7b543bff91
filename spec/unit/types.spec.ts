/**
 * The typed API checks bodies at compile time; `handle` is the one door for bodies of unknown
 * shape. `npm test` type-checks this file (`tsc --noEmit`): each `@ts-expect-error` fails the
 * build if its line compiles, so a loosened request type cannot go unnoticed. The calls also run,
 * to show that what the compiler refuses is still answered, never thrown.
 */
import { describe, expect, it } from '@jest/globals';
import {
  balance,
  bet,
  handle,
  rollback,
  start,
  Status,
  win,
  type BetRequest,
  type Wallet,
  type WinRequest,
} from '../../lib/index.js';
import { uuid } from '../support/helpers.js';

const BET = uuid(1);

async function engine(): Promise<Wallet> {
  const w = start();
  await w.createUsers(['alice']);
  return w;
}

describe('the typed calls refuse wrong bodies at compile time', () => {
  it('refuses a body that is no object', async () => {
    const w = await engine();
    // @ts-expect-error a number is not a bet
    expect((await bet(w, 42)).status).toBe(Status.WRONG_SYNTAX);
    // @ts-expect-error a string is not a win
    expect((await w.win('text')).status).toBe(Status.WRONG_SYNTAX);
  });

  it('refuses a known field of the wrong type, even among extra fields', async () => {
    const w = await engine();
    // @ts-expect-error amount is a number, not a string
    expect((await bet(w, { user: 'alice', transaction_uuid: BET, request_uuid: uuid(2), currency: 'USD', amount: '2500' })).status).toBe(Status.WRONG_TYPES);
    // @ts-expect-error currency is a string
    expect((await w.bet({ user: 'alice', transaction_uuid: BET, request_uuid: uuid(2), currency: 840, amount: 1 })).status).toBe(Status.WRONG_TYPES);
    // @ts-expect-error game_code is a string, extra fields or not
    expect((await bet(w, { user: 'alice', transaction_uuid: BET, request_uuid: uuid(2), currency: 'USD', amount: 1, game_code: 7, spins: 3 })).status).toBe(Status.OK);
  });

  it('refuses a body without a required field', async () => {
    const w = await engine();
    // @ts-expect-error transaction_uuid is missing
    expect((await bet(w, { user: 'alice', request_uuid: uuid(2), currency: 'USD', amount: 1 })).status).toBe(Status.WRONG_TYPES);
    // @ts-expect-error a win names its bet in reference_transaction_uuid
    expect((await win(w, { user: 'alice', transaction_uuid: uuid(3), request_uuid: uuid(4), currency: 'USD', amount: 1 })).status).toBe(Status.WRONG_TYPES);
    // @ts-expect-error so does a rollback
    expect((await w.rollback({ user: 'alice', transaction_uuid: uuid(3), request_uuid: uuid(4) })).status).toBe(Status.WRONG_TYPES);
    // @ts-expect-error a balance request names its user
    expect((await balance(w, { request_uuid: uuid(4) })).status).toBe(Status.UNKNOWN);
  });

  it('refuses an operation that does not exist', async () => {
    const w = await engine();
    // @ts-expect-error there is no transfer operation
    expect(() => handle(w, 'transfer', {})).toThrow(TypeError);
  });
});

describe('the typed calls accept every well-formed Hub88 body, extra fields included', () => {
  it('accepts bet, win, rollback and balance with the fields Hub88 sends', async () => {
    const w = await engine();
    const body: BetRequest = {
      user: 'alice',
      transaction_uuid: BET,
      request_uuid: uuid(2),
      currency: 'USD',
      amount: 500,
      token: 't-1',
      game_code: 'clt_dragonrising',
      round: 'r-1',
      round_closed: false,
      meta: { selection: 'home_team', odds: 2.5 },
      bet: 'zero',
      is_free: false,
    };
    expect(await bet(w, body)).toMatchObject({ status: Status.OK, balance: 99_500 });
    const payout: WinRequest = { ...body, transaction_uuid: uuid(3), request_uuid: uuid(4), reference_transaction_uuid: BET, amount: 1000 };
    expect(await w.win(payout)).toMatchObject({ status: Status.OK, balance: 100_500 });
    const cancel = { user: 'alice', transaction_uuid: uuid(5), request_uuid: uuid(6), reference_transaction_uuid: uuid(7), round: 'r-2' };
    expect(await rollback(w, cancel)).toMatchObject({ status: Status.OK, balance: 100_500 });
    expect(await balance(w, { user: 'alice', request_uuid: uuid(8), token: 't-1' })).toMatchObject({ status: Status.OK, balance: 100_500 });
  });
});

describe('handle is the door for bodies of unknown shape', () => {
  it('takes any value and answers it as the typed call would', async () => {
    const w = await engine();
    const parsed: unknown = JSON.parse(`{"user":"alice","transaction_uuid":"${BET}","request_uuid":"${uuid(2)}","currency":"USD","amount":100}`);
    expect(await handle(w, 'bet', parsed)).toMatchObject({ status: Status.OK, balance: 99_900 });
    expect(await w.handle('balance', { user: 'alice', request_uuid: 5 })).toMatchObject({ status: Status.OK, request_uuid: '' });
    expect(await w.handle('win', 42)).toEqual({ user: '', status: Status.WRONG_SYNTAX, request_uuid: '' });
  });
});
