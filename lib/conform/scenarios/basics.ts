/** Each call's answer: its shape and key order, request_uuid echoed, the balance after the call. */
import { CheckFailure, type Check, type Exchange } from '../check.js';
import { expectBalance, expectStatus, type CheckContext, type Player } from '../context.js';

const USER_KEYS = ['user', 'status', 'request_uuid', 'currency', 'balance'];
const UNKNOWN_USER_KEYS = ['user', 'status', 'request_uuid'];

/**
 * Fails unless the answer is HTTP 200 JSON holding exactly `user, status, request_uuid, currency,
 * balance` in that order, with this status and balance, the player's user and currency, and the
 * request's own request_uuid.
 */
function expectAnswer(exchange: Exchange, body: Readonly<Record<string, unknown>>, player: Player, status: string, balance: number): void {
  expectStatus(exchange, status, `the answer is ${status}`);
  expectJson(exchange);
  expectKeys(exchange, USER_KEYS);
  const answer = exchange.answer as Record<string, unknown>;
  if (answer.user !== player.user) throw new CheckFailure(`the answer names the request's user ${JSON.stringify(player.user)}, got ${JSON.stringify(answer.user)}`, exchange);
  if (answer.currency !== player.currency) throw new CheckFailure(`the answer carries the player's currency ${player.currency}, got ${JSON.stringify(answer.currency)}`, exchange);
  expectEcho(exchange, body);
  expectBalance(exchange, balance, 'the answer carries the balance after the call');
}

function expectJson(exchange: Exchange): void {
  if (!/^application\/json\b/i.test(exchange.contentType ?? '')) {
    throw new CheckFailure(`the answer is sent as application/json, got Content-Type ${exchange.contentType ?? 'none'}`, exchange);
  }
}

function expectKeys(exchange: Exchange, keys: readonly string[]): void {
  const actual = Object.keys(exchange.answer ?? {});
  if (actual.join() !== keys.join()) throw new CheckFailure(`the answer's keys are ${keys.join(', ')} in that order, got ${actual.join(', ') || 'none'}`, exchange);
}

function expectEcho(exchange: Exchange, body: Readonly<Record<string, unknown>>): void {
  if (exchange.answer?.request_uuid !== body.request_uuid) {
    throw new CheckFailure(`the answer echoes request_uuid ${JSON.stringify(body.request_uuid)}, got ${JSON.stringify(exchange.answer?.request_uuid)}`, exchange);
  }
}

async function bet(context: CheckContext, player: Player, amount: number, balance: number): Promise<string> {
  const body = context.betBody(player, amount);
  expectAnswer(await context.send('/transaction/bet', body), body, player, 'RS_OK', balance);
  return body.transaction_uuid as string;
}

export const basics: readonly Check[] = [
  {
    name: 'basics.balance',
    category: 'basics',
    rule: 'a balance call answers RS_OK with user, status, request_uuid, currency, balance in that order',
    async run(context) {
      const player = context.player();
      const body = context.balanceBody(player);
      expectAnswer(await context.send('/user/balance', body), body, player, 'RS_OK', context.atStart(player));
    },
  },
  {
    name: 'basics.bet',
    category: 'basics',
    rule: 'a bet answers RS_OK with the balance less its amount, and the balance call agrees',
    async run(context) {
      const player = context.player();
      const reference = await bet(context, player, 700, context.atStart(player) - 700);
      await context.expectMoved(player, -700, 'a bet takes its amount once');
      await context.rollback(player, reference);
    },
  },
  {
    name: 'basics.win',
    category: 'basics',
    rule: 'a win answers RS_OK with the balance plus its amount',
    async run(context) {
      const player = context.player();
      const reference = await bet(context, player, 900, context.atStart(player) - 900);
      const body = context.winBody(player, reference, 900);
      expectAnswer(await context.send('/transaction/win', body), body, player, 'RS_OK', context.atStart(player));
      await context.expectMoved(player, 0, 'a win pays its amount once');
    },
  },
  {
    name: 'basics.rollback',
    category: 'basics',
    rule: 'a rollback of an open bet answers RS_OK with the bet refunded',
    async run(context) {
      const player = context.player();
      const reference = await bet(context, player, 1100, context.atStart(player) - 1100);
      const body = context.rollbackBody(player, reference);
      expectAnswer(await context.send('/transaction/rollback', body), body, player, 'RS_OK', context.atStart(player));
      await context.expectMoved(player, 0, 'a rollback refunds the bet once');
    },
  },
  {
    name: 'basics.free-bet',
    category: 'basics',
    rule: 'a bet of 0 (a free bet) answers RS_OK and leaves the balance as it was',
    async run(context) {
      const player = context.player();
      const reference = await bet(context, player, 0, context.atStart(player));
      await context.rollback(player, reference);
    },
  },
  {
    name: 'basics.losing-win',
    category: 'basics',
    rule: "a win of 0 (a losing round's closing win) answers RS_OK and leaves the balance as it was",
    async run(context) {
      const player = context.player();
      // On a free bet, so that the round costs the player nothing.
      const reference = await bet(context, player, 0, context.atStart(player));
      const body = context.winBody(player, reference, 0);
      expectAnswer(await context.send('/transaction/win', body), body, player, 'RS_OK', context.atStart(player));
    },
  },
  {
    name: 'basics.error-answer',
    category: 'basics',
    rule: 'an error for a known player (wrong currency) has the same five keys, echoes request_uuid and carries the balance',
    async run(context) {
      const player = context.player();
      const body = context.betBody(player, 100, { currency: otherCurrency(player.currency) });
      expectAnswer(await context.send('/transaction/bet', body), body, player, 'RS_ERROR_WRONG_CURRENCY', context.atStart(player));
    },
  },
  {
    name: 'basics.unknown-user-answer',
    category: 'basics',
    rule: 'an answer for an unknown player starts user, status, request_uuid and echoes request_uuid',
    async run(context) {
      const body = { user: `conform-nobody-${context.id()}`, request_uuid: context.id() };
      const exchange = await context.send('/user/balance', body);
      expectStatus(exchange, 'error', 'an unknown player is refused');
      expectJson(exchange);
      const keys = Object.keys(exchange.answer ?? {}).slice(0, 3);
      if (keys.join() !== UNKNOWN_USER_KEYS.join()) throw new CheckFailure(`the answer starts ${UNKNOWN_USER_KEYS.join(', ')}, got ${keys.join(', ')}`, exchange);
      expectEcho(exchange, body);
    },
  },
];

/** A currency that is not the player's. */
export function otherCurrency(currency: string): string {
  return currency === 'EUR' ? 'USD' : 'EUR';
}
