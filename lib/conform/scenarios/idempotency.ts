/** Replays answer the stored original and apply nothing; reused ids with other parameters are duplicates. */
import type { Check } from '../check.js';
import { expectBalance, expectSameBytes, expectStatus } from '../context.js';
import { otherCurrency } from './basics.js';

const DUPLICATE = 'RS_ERROR_DUPLICATE_TRANSACTION';

export const idempotency: readonly Check[] = [
  {
    name: 'idempotency.bet-replay',
    category: 'idempotency',
    rule: 'an exact replay of a bet gets the original answer byte for byte and takes the amount once',
    async run(context) {
      const player = context.player();
      const body = context.betBody(player, 1200);
      const original = await context.send('/transaction/bet', body);
      expectStatus(original, 'RS_OK', 'the bet is accepted');
      expectSameBytes(await context.send('/transaction/bet', body), original, 'the replay answers the original');
      await context.expectMoved(player, -1200, 'the bet is applied once');
    },
  },
  {
    name: 'idempotency.win-replay',
    category: 'idempotency',
    rule: 'an exact replay of a win gets the original answer byte for byte and pays once',
    async run(context) {
      const player = context.player();
      const bet = await context.placeBet(player, 1300);
      const body = context.winBody(player, bet, 1300);
      const original = await context.send('/transaction/win', body);
      expectStatus(original, 'RS_OK', 'the win is accepted');
      expectSameBytes(await context.send('/transaction/win', body), original, 'the replay answers the original');
      await context.expectMoved(player, 0, 'the win is paid once');
    },
  },
  {
    name: 'idempotency.rollback-replay',
    category: 'idempotency',
    rule: 'an exact replay of a rollback gets the original answer byte for byte and refunds once',
    async run(context) {
      const player = context.player();
      const bet = await context.placeBet(player, 1400);
      const body = context.rollbackBody(player, bet);
      const original = await context.send('/transaction/rollback', body);
      expectStatus(original, 'RS_OK', 'the rollback is accepted');
      expectSameBytes(await context.send('/transaction/rollback', body), original, 'the replay answers the original');
      await context.expectMoved(player, 0, 'the bet is refunded once');
    },
  },
  {
    name: 'idempotency.bet-retry-new-request-uuid',
    category: 'idempotency',
    rule: 'a retry of a bet with a new request_uuid answers RS_OK with the original balance and takes the amount once',
    async run(context) {
      const player = context.player();
      const body = context.betBody(player, 1500);
      const original = await context.send('/transaction/bet', body);
      expectStatus(original, 'RS_OK', 'the bet is accepted');
      const retry = await context.send('/transaction/bet', { ...body, request_uuid: context.id() });
      expectStatus(retry, 'RS_OK', 'the retry is answered as the original');
      expectBalance(retry, original.answer?.balance as number, 'the retry carries the original balance');
      await context.expectMoved(player, -1500, 'the bet is applied once');
    },
  },
  {
    name: 'idempotency.bet-replay-after-balance-fell',
    category: 'idempotency',
    rule: 'an exact replay of a bet after the balance fell below its amount still gets the original answer',
    async run(context) {
      const player = context.player();
      const start = context.atStart(player);
      const first = Math.floor(start * 0.6);
      const body = context.betBody(player, first);
      const original = await context.send('/transaction/bet', body);
      expectStatus(original, 'RS_OK', 'the first bet is accepted');
      // The rest of the balance: what is left is 0, below the first bet's amount.
      await context.placeBet(player, start - first);
      expectSameBytes(await context.send('/transaction/bet', body), original, 'the replay answers the original, not the balance now');
      await context.expectMoved(player, -start, 'the first bet is applied once');
    },
  },
  {
    name: 'idempotency.duplicate-other-amount',
    category: 'idempotency',
    rule: 'a bet reusing an id with another amount is RS_ERROR_DUPLICATE_TRANSACTION and changes nothing',
    async run(context) {
      const player = context.player();
      const body = context.betBody(player, 1600);
      expectStatus(await context.send('/transaction/bet', body), 'RS_OK', 'the bet is accepted');
      const reused = await context.send('/transaction/bet', { ...body, request_uuid: context.id(), amount: 1700 });
      expectStatus(reused, DUPLICATE, 'the reused id is a duplicate');
      await context.expectMoved(player, -1600, 'only the first bet is applied', reused);
    },
  },
  {
    name: 'idempotency.duplicate-other-user',
    category: 'idempotency',
    rule: "a bet reusing another player's bet id is RS_ERROR_DUPLICATE_TRANSACTION and changes nothing",
    players: 2,
    async run(context) {
      const [first, second] = [context.player(0), context.player(1)];
      const body = context.betBody(first, 1800);
      expectStatus(await context.send('/transaction/bet', body), 'RS_OK', 'the bet is accepted');
      const reused = await context.send('/transaction/bet', { ...body, user: second.user, currency: second.currency, request_uuid: context.id() });
      expectStatus(reused, DUPLICATE, 'the reused id is a duplicate');
      await context.expectMoved(second, 0, "the second player's balance is unchanged", reused);
      await context.expectMoved(first, -1800, 'only the first bet is applied', reused);
    },
  },
  {
    name: 'idempotency.duplicate-other-currency',
    category: 'idempotency',
    rule: 'a bet reusing an id with another currency is RS_ERROR_DUPLICATE_TRANSACTION and changes nothing',
    async run(context) {
      const player = context.player();
      const body = context.betBody(player, 1900);
      expectStatus(await context.send('/transaction/bet', body), 'RS_OK', 'the bet is accepted');
      const reused = await context.send('/transaction/bet', { ...body, request_uuid: context.id(), currency: otherCurrency(player.currency) });
      expectStatus(reused, DUPLICATE, 'the reused id is a duplicate');
      await context.expectMoved(player, -1900, 'only the first bet is applied', reused);
    },
  },
  {
    name: 'idempotency.duplicate-win-other-reference',
    category: 'idempotency',
    rule: 'a win reusing an id with another reference is RS_ERROR_DUPLICATE_TRANSACTION and pays nothing',
    async run(context) {
      const player = context.player();
      const [one, two] = [await context.placeBet(player, 2000), await context.placeBet(player, 2100)];
      const body = context.winBody(player, one, 2000);
      expectStatus(await context.send('/transaction/win', body), 'RS_OK', 'the win is accepted');
      const reused = await context.send('/transaction/win', { ...body, request_uuid: context.id(), reference_transaction_uuid: two });
      expectStatus(reused, DUPLICATE, 'the reused id is a duplicate');
      await context.expectMoved(player, -2100, 'only the first win is paid', reused);
    },
  },
  {
    name: 'idempotency.duplicate-win-other-amount',
    category: 'idempotency',
    rule: 'a win reusing an id with another amount is RS_ERROR_DUPLICATE_TRANSACTION and pays nothing',
    async run(context) {
      const player = context.player();
      const bet = await context.placeBet(player, 2200);
      const body = context.winBody(player, bet, 2200);
      expectStatus(await context.send('/transaction/win', body), 'RS_OK', 'the win is accepted');
      const reused = await context.send('/transaction/win', { ...body, request_uuid: context.id(), amount: 2300 });
      expectStatus(reused, DUPLICATE, 'the reused id is a duplicate');
      await context.expectMoved(player, 0, 'only the first win is paid', reused);
    },
  },
  {
    name: 'idempotency.duplicate-across-operations',
    category: 'idempotency',
    rule: "a win reusing its own bet's id is RS_ERROR_DUPLICATE_TRANSACTION: ids are unique across operations",
    async run(context) {
      const player = context.player();
      const bet = await context.placeBet(player, 2400);
      const reused = await context.win(player, bet, 2400, { transaction_uuid: bet });
      expectStatus(reused, DUPLICATE, 'the reused id is a duplicate');
      await context.expectMoved(player, -2400, 'nothing is paid', reused);
    },
  },
  {
    name: 'idempotency.duplicate-rollback-other-reference',
    category: 'idempotency',
    rule: 'a rollback reusing an id with another reference is RS_ERROR_DUPLICATE_TRANSACTION and refunds nothing',
    async run(context) {
      const player = context.player();
      const [one, two] = [await context.placeBet(player, 2500), await context.placeBet(player, 2600)];
      const body = context.rollbackBody(player, one);
      expectStatus(await context.send('/transaction/rollback', body), 'RS_OK', 'the rollback is accepted');
      const reused = await context.send('/transaction/rollback', { ...body, request_uuid: context.id(), reference_transaction_uuid: two });
      expectStatus(reused, DUPLICATE, 'the reused id is a duplicate');
      await context.expectMoved(player, -2600, 'the second bet stays open', reused);
    },
  },
  {
    name: 'idempotency.failed-id-reusable',
    category: 'idempotency',
    rule: "a refused bet's id may be sent again with other parameters and is judged afresh",
    async run(context) {
      const player = context.player();
      const body = context.betBody(player, context.atStart(player) + 1);
      expectStatus(await context.send('/transaction/bet', body), 'RS_ERROR_NOT_ENOUGH_MONEY', 'a bet above the balance is refused');
      const again = await context.send('/transaction/bet', { ...body, request_uuid: context.id(), amount: 2700 });
      expectStatus(again, 'RS_OK', 'the same id with an affordable amount is accepted');
      await context.expectMoved(player, -2700, 'the second bet is applied', again);
    },
  },
  {
    name: 'idempotency.upper-case-retry',
    category: 'idempotency',
    rule: 'a retry with the transaction_uuid upper-cased is the same bet: the original balance, applied once',
    async run(context) {
      const player = context.player();
      const body = context.betBody(player, 2800);
      const original = await context.send('/transaction/bet', body);
      expectStatus(original, 'RS_OK', 'the bet is accepted');
      const retry = await context.send('/transaction/bet', { ...body, request_uuid: context.id(), transaction_uuid: (body.transaction_uuid as string).toUpperCase() });
      expectStatus(retry, 'RS_OK', 'the upper-cased retry is answered as the original');
      expectBalance(retry, original.answer?.balance as number, 'the retry carries the original balance');
      await context.expectMoved(player, -2800, 'the bet is applied once', retry);
    },
  },
  {
    name: 'idempotency.upper-case-reference',
    category: 'idempotency',
    rule: 'a win naming its bet by the upper-cased id pays that bet',
    async run(context) {
      const player = context.player();
      const bet = await context.placeBet(player, 2900);
      const win = await context.win(player, bet.toUpperCase(), 2900);
      expectStatus(win, 'RS_OK', 'the upper-cased reference names the bet');
      await context.expectMoved(player, 0, 'the win is paid once', win);
    },
  },
];

