/** Refusals: an RS_* status with HTTP 200, the balance carried where the player is known, nothing moved. */
import type { Check } from '../check.js';
import { RawBody } from '../client.js';
import { expectBalance, expectStatus, type CheckContext, type Player } from '../context.js';
import { otherCurrency } from './basics.js';

/** Above any 64-bit integer: no wallet may read it as an amount. */
const HUGE = '99999999999999999999999';

/** A check that a bet body altered by `alter` is refused and moves nothing. */
function refusedBet(name: string, rule: string, alter: (context: CheckContext, player: Player) => unknown): Check {
  return {
    name,
    category: 'errors',
    rule,
    async run(context) {
      const answer = await context.send('/transaction/bet', alter(context, context.player()));
      expectStatus(answer, 'error', 'the bet is refused');
      await context.expectNothingMoved('nothing moves', answer);
    },
  };
}

/** A check that a win for an open bet, altered by `alter`, is refused and pays nothing. */
function refusedWin(name: string, rule: string, alter: (context: CheckContext, player: Player, bet: string) => unknown): Check {
  return {
    name,
    category: 'errors',
    rule,
    async run(context) {
      const player = context.player();
      const bet = await context.placeBet(player, 4000);
      const answer = await context.send('/transaction/win', alter(context, player, bet));
      expectStatus(answer, 'error', 'the win is refused');
      await context.expectMoved(player, -4000, 'nothing is paid', answer);
    },
  };
}

/** A bet body with one field replaced by raw JSON text. */
function withRaw(context: CheckContext, body: Record<string, unknown>, field: string, json: string): RawBody {
  const marker = `"${context.id()}"`;
  return new RawBody(JSON.stringify({ ...body, [field]: JSON.parse(marker) as string }).replace(marker, json));
}

export const errors: readonly Check[] = [
  {
    name: 'errors.not-enough-money',
    category: 'errors',
    rule: 'a bet above the balance is RS_ERROR_NOT_ENOUGH_MONEY, carries the balance and takes nothing',
    async run(context) {
      const player = context.player();
      const answer = await context.bet(player, context.atStart(player) + 1);
      expectStatus(answer, 'RS_ERROR_NOT_ENOUGH_MONEY', 'the bet is refused');
      expectBalance(answer, context.atStart(player), 'the refusal carries the balance');
      await context.expectNothingMoved('nothing moves', answer);
    },
  },
  {
    name: 'errors.wrong-currency',
    category: 'errors',
    rule: "a bet in another currency than the player's is RS_ERROR_WRONG_CURRENCY and takes nothing",
    async run(context) {
      const player = context.player();
      const answer = await context.bet(player, 100, { currency: otherCurrency(player.currency) });
      expectStatus(answer, 'RS_ERROR_WRONG_CURRENCY', 'the bet is refused');
      await context.expectNothingMoved('nothing moves', answer);
    },
  },
  refusedBet('errors.unknown-user', 'a bet of an unknown player is refused', (context, player) =>
    context.betBody(player, 100, { user: `conform-nobody-${context.id()}` }),
  ),
  refusedBet('errors.malformed-json', 'a body that is not JSON is refused', (context, player) => {
    const text = JSON.stringify(context.betBody(player, 100));
    return new RawBody(text.slice(0, text.length - 7));
  }),
  refusedBet('errors.empty-body', 'an empty body is refused', () => new RawBody('')),
  refusedBet('errors.not-an-object', 'a JSON body that is not an object (an array of a bet) is refused', (context, player) =>
    new RawBody(JSON.stringify([context.betBody(player, 100)])),
  ),
  refusedBet('errors.amount-string', 'an amount sent as a string is refused', (context, player) => context.betBody(player, '100')),
  refusedBet('errors.amount-fraction', 'an amount that is not an integer is refused', (context, player) => context.betBody(player, 100.5)),
  refusedBet('errors.negative-bet', 'a negative bet (which would credit the player) is refused', (context, player) => context.betBody(player, -5000)),
  refusedBet('errors.huge-bet', 'a bet amount beyond any 64-bit integer is refused', (context, player) => withRaw(context, context.betBody(player, 0), 'amount', HUGE)),
  refusedBet('errors.missing-transaction-uuid', 'a bet without a transaction_uuid is refused', (context, player) => {
    const { transaction_uuid: _omitted, ...body } = context.betBody(player, 100);
    return body;
  }),
  refusedBet('errors.transaction-uuid-number', 'a bet whose transaction_uuid is a number is refused', (context, player) =>
    context.betBody(player, 100, { transaction_uuid: 12345 }),
  ),
  refusedBet('errors.user-number', 'a bet whose user is a number is refused', (context, player) => context.betBody(player, 100, { user: 42 })),
  refusedWin('errors.negative-win', 'a negative win (which would debit the player) is refused', (context, player, bet) => context.winBody(player, bet, -4000)),
  refusedWin('errors.huge-win', 'a win amount beyond any 64-bit integer is refused', (context, player, bet) =>
    withRaw(context, context.winBody(player, bet, 0), 'amount', HUGE),
  ),
  {
    name: 'errors.win-unknown-bet',
    category: 'errors',
    rule: 'a win for a bet the wallet never saw is RS_ERROR_TRANSACTION_DOES_NOT_EXIST and pays nothing',
    async run(context) {
      const player = context.player();
      const answer = await context.win(player, context.id(), 4100);
      expectStatus(answer, 'RS_ERROR_TRANSACTION_DOES_NOT_EXIST', 'the win is refused');
      await context.expectNothingMoved('nothing is paid', answer);
    },
  },
  {
    name: 'errors.win-other-users-bet',
    category: 'errors',
    rule: "a win for another player's bet is RS_ERROR_TRANSACTION_DOES_NOT_EXIST and pays nothing",
    players: 2,
    async run(context) {
      const [owner, other] = [context.player(0), context.player(1)];
      const bet = await context.placeBet(owner, 4200);
      const answer = await context.win(other, bet, 4200);
      expectStatus(answer, 'RS_ERROR_TRANSACTION_DOES_NOT_EXIST', 'the win is refused');
      await context.expectMoved(other, 0, 'the other player is paid nothing', answer);
      await context.expectMoved(owner, -4200, "the owner's bet stays open", answer);
    },
  },
];
