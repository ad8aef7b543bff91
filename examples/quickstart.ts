/**
 * A tour of the wallet API that meets every status the wallet can answer: start an engine,
 * create users, bet, win, retry, roll back, get refused for each reason, require session tokens,
 * set a responsible-gambling limit, and finally serve the same engine over HTTP, where unsigned
 * requests are refused. Run it with `npm run example`.
 *
 * Amounts are integers in the smallest unit; through Hub88 that is 1/100000 of the currency,
 * so 2500 here is 0.025 USD and the starting balance of 100000 is 1.00 USD.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import {
  balance,
  bet,
  closeSession,
  createUsers,
  deposit,
  getLimits,
  handle,
  openSession,
  rollback,
  setLimits,
  setUserDisabled,
  start,
  stop,
  userInfo,
  win,
  withdraw,
  type Session,
  type WalletResponse,
} from '../lib/index.js';
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

console.log('-- sessions: an engine that requires a token on bets');
// The clock is injected so that the tour can move time on; by default it is Date.now.
const time = { now: Date.UTC(2026, 11, 4, 20, 0, 0) };
const strict = start({ requireToken: true, clock: () => time.now });
await createUsers(strict, [{ user: 'erin', info: { country: 'EE', jurisdiction: 'MGA', tags: ['vip'] } }]);
function opened(session: Session | undefined): Session {
  if (session === undefined) throw new Error('erin exists, so her session opens');
  return session;
}
const session = opened(await openSession(strict, { user: 'erin', game_code: 'slots-7', ttl_seconds: 600 }));
console.log(`the operator opens erin's session: a token of ${session.token.length} characters, expiring ${session.expires_at}`);
const play = { user: 'erin', transaction_uuid: randomUUID(), request_uuid: randomUUID(), currency: 'USD', amount: 1_000 };
show('erin bets 1000 without a token', await bet(strict, play));
show('the same bet with her session token', await bet(strict, { ...play, token: session.token }));
time.now += 600_000;
show('ten minutes on, the session has expired', await bet(strict, { ...play, transaction_uuid: randomUUID(), token: session.token }));
const erinWins = { user: 'erin', transaction_uuid: randomUUID(), request_uuid: randomUUID(), reference_transaction_uuid: play.transaction_uuid, currency: 'USD', amount: 3_000 };
show('her win is paid all the same: wins need none', await win(strict, erinWins));
const info = await userInfo(strict, { user: 'erin', request_uuid: randomUUID() });
show(`Hub88 asks who she is: ${info.country ?? '?'}, ${info.jurisdiction ?? '?'}`, info);

console.log('-- responsible gambling: a daily wager limit');
const next = opened(await openSession(strict, { user: 'erin' }));
await setLimits(strict, 'erin', { wager_day: 1_500 });
const stake = { user: 'erin', request_uuid: randomUUID(), currency: 'USD', token: next.token };
show('with 1000 staked today, erin bets 400', await bet(strict, { ...stake, transaction_uuid: randomUUID(), amount: 400 }));
show('and 200 more: past her 1500 a day', await bet(strict, { ...stake, transaction_uuid: randomUUID(), amount: 200 }));
const raised = await setLimits(strict, 'erin', { wager_day: 5_000 });
console.log(`she asks for 5000 a day: it applies at ${raised?.pending.wager_day?.applies_at ?? '?'}, 24 hours on`);
const report = await getLimits(strict, 'erin');
console.log(`today: wagered ${report?.usage.wager_day ?? '?'}, lost ${report?.usage.loss_day ?? '?'} (her win counts against the loss)`);
await closeSession(strict, next.token);
show('the operator closed the session; she bets', await bet(strict, { ...stake, transaction_uuid: randomUUID(), amount: 100 }));
await stop(strict);

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
await post("Hub88 asks for alice's details, signed", '/user/info', ask, signBody(JSON.stringify(ask), hub88.privateKey));
await post('an unsigned bet: refused before the engine', '/transaction/bet', { ...spin, transaction_uuid: randomUUID() });
await server.close();

await stop(wallet);
