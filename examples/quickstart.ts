/**
 * A tour of the wallet API: start an engine, create users, bet, win, retry, roll back.
 * Run it with `npm run example`.
 */
import { randomUUID } from 'node:crypto';
import { balance, bet, createUsers, rollback, start, stop, win, type WalletResponse } from '../lib/index.js';

function show(step: string, response: WalletResponse): void {
  const money = 'balance' in response ? `  balance ${response.balance} ${response.currency}` : '';
  console.log(`${step.padEnd(44)} ${response.status.padEnd(32)}${money}`);
}

const wallet = start();
await createUsers(wallet, ['alice', 'bob']);
show('alice asks for her balance', await balance(wallet, { user: 'alice', request_uuid: randomUUID() }));

const spin = { user: 'alice', transaction_uuid: randomUUID(), request_uuid: randomUUID(), currency: 'USD', amount: 2_500 };
show('alice bets 2500', await bet(wallet, spin));
show('the same bet is retried', await bet(wallet, { ...spin, request_uuid: randomUUID() }));
show('its id is reused for 9999', await bet(wallet, { ...spin, amount: 9_999, request_uuid: randomUUID() }));

const payout = {
  user: 'alice',
  transaction_uuid: randomUUID(),
  request_uuid: randomUUID(),
  reference_transaction_uuid: spin.transaction_uuid,
  currency: 'USD',
  amount: 10_000,
};
show('alice wins 10000 on it', await win(wallet, payout));
show('a rollback of the settled bet', await rollback(wallet, { ...payout, transaction_uuid: randomUUID() }));

const timedOut = { user: 'bob', transaction_uuid: randomUUID(), request_uuid: randomUUID(), currency: 'USD', amount: 700 };
show('bob bets 700', await bet(wallet, timedOut));
const cancel = { user: 'bob', transaction_uuid: randomUUID(), request_uuid: randomUUID(), reference_transaction_uuid: timedOut.transaction_uuid };
show('the aggregator rolls it back', await rollback(wallet, cancel));
show('bob bets 200000 he does not have', await bet(wallet, { ...timedOut, transaction_uuid: randomUUID(), amount: 200_000 }));
show('a bet in euros', await bet(wallet, { ...timedOut, transaction_uuid: randomUUID(), currency: 'EUR' }));
show('a body that is not an object', await bet(wallet, 'garbage'));

await stop(wallet);
