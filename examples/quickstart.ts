/**
 * A tour of the wallet API that meets every status the wallet can answer: start an engine,
 * create users, bet, win, retry, roll back, get refused for each reason, and finally serve the
 * same engine over HTTP, where unsigned requests are refused. Run it with `npm run example`.
 *
 * Amounts are integers in the smallest unit; through Hub88 that is 1/100000 of the currency,
 * so 2500 here is 0.025 USD and the starting balance of 100000 is 1.00 USD.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { balance, bet, createUsers, deposit, handle, rollback, setUserDisabled, start, stop, win, withdraw, type WalletResponse } from '../lib/index.js';
import { buildServer, signBody, SIGNATURE_HEADER } from '../lib/http/index.js';

function show(step: string, response: WalletResponse): void {
  const money = 'balance' in response ? `  balance ${response.balance} ${response.currency}` : '';
  console.log(`${step.padEnd(48)} ${response.status.padEnd(36)}${money}`.trimEnd());
}

const wallet = start();
await createUsers(wallet, ['alice', 'bob']);

console.log('-- a round that wins');
show('alice asks for her balance', await balance(wallet, { user: 'alice', request_uuid: randomUUID() }));
const spin = { user: 'alice', transaction_uuid: randomUUID(), request_uuid: randomUUID(), currency: 'USD', amount: 2_500 };
show('alice bets 2500', await bet(wallet, spin));
show('the same bet is retried: its first answer', await bet(wallet, { ...spin, request_uuid: randomUUID() }));
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
show('a second win on the same bet', await win(wallet, { ...payout, transaction_uuid: randomUUID() }));
show('a rollback of the settled bet', await rollback(wallet, { ...payout, transaction_uuid: randomUUID() }));
show('a win for a bet that was never placed', await win(wallet, { ...payout, transaction_uuid: randomUUID(), reference_transaction_uuid: randomUUID() }));

console.log('-- a bet that timed out');
const timedOut = { user: 'bob', transaction_uuid: randomUUID(), request_uuid: randomUUID(), currency: 'USD', amount: 700 };
show('bob bets 700', await bet(wallet, timedOut));
const cancel = { user: 'bob', transaction_uuid: randomUUID(), request_uuid: randomUUID(), reference_transaction_uuid: timedOut.transaction_uuid };
show('the aggregator rolls it back: 700 refunded', await rollback(wallet, cancel));
show('a win for the cancelled bet', await win(wallet, { ...cancel, transaction_uuid: randomUUID(), currency: 'USD', amount: 1_000 }));
const lost = randomUUID();
show('a rollback of a bet that never arrived', await rollback(wallet, { ...cancel, transaction_uuid: randomUUID(), reference_transaction_uuid: lost }));
show('that bet arrives late', await bet(wallet, { ...timedOut, transaction_uuid: lost }));

console.log('-- refusals: nothing changes');
show('bob bets 200000 he does not have', await bet(wallet, { ...timedOut, transaction_uuid: randomUUID(), amount: 200_000 }));
show('a bet in euros', await bet(wallet, { ...timedOut, transaction_uuid: randomUUID(), currency: 'EUR' }));
show('a bet whose id is not a UUID', await bet(wallet, { ...timedOut, transaction_uuid: 'bet-42' }));
show('a bet for a user nobody created', await bet(wallet, { ...timedOut, user: 'carol', transaction_uuid: randomUUID() }));
// A body of unknown shape (parsed JSON, say) goes through the untyped door.
show('a body that is not an object', await handle(wallet, 'bet', 'garbage'));

console.log('-- the operator: cashier and self-exclusion');
await createUsers(wallet, [{ user: 'dana', currency: 'EUR', balance: 0 }]);
const cash = { user: 'dana', transaction_uuid: randomUUID(), request_uuid: randomUUID(), currency: 'EUR', amount: 50_000 };
show('dana (EUR, opened with 0) deposits 50000', await deposit(wallet, cash));
show('dana withdraws 80000', await withdraw(wallet, { ...cash, transaction_uuid: randomUUID(), amount: 80_000 }));
await setUserDisabled(wallet, 'dana', true);
show('dana, self-excluded, bets', await bet(wallet, { ...cash, transaction_uuid: randomUUID(), amount: 100 }));

console.log('-- over HTTP, as Hub88 calls it');
// Hub88 hands the operator its public key during integration; a stand-in pair is made here.
// Signatures are the HTTP layer's: RS_ERROR_INVALID_SIGNATURE never comes from the library.
const hub88 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const server = buildServer({ wallet, hub88PublicKey: hub88.publicKey, logLevel: 'silent' });
async function post(step: string, path: string, body: object, signature?: string): Promise<void> {
  const payload = JSON.stringify(body);
  const headers = signature === undefined ? {} : { [SIGNATURE_HEADER]: signature };
  const reply = await server.inject({ method: 'POST', url: path, payload, headers: { 'content-type': 'application/json', ...headers } });
  show(step, reply.json<WalletResponse>());
}
const ask = { user: 'alice', request_uuid: randomUUID() };
await post('a balance request signed by Hub88', '/user/balance', ask, signBody(JSON.stringify(ask), hub88.privateKey));
await post('an unsigned bet: refused before the engine', '/transaction/bet', { ...spin, transaction_uuid: randomUUID() });
await server.close();

await stop(wallet);
