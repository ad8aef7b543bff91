/** Copies sent at once apply once; parallel calls of one player keep the balance exact. */
import { CheckFailure, type Check, type Exchange } from '../check.js';
import type { Route } from '../client.js';
import { expectStatus, type CheckContext } from '../context.js';

/** Sends the same body `count` times at once. */
function copies(context: CheckContext, route: Route, body: unknown, count: number): Promise<Exchange[]> {
  return Promise.all(Array.from({ length: count }, () => context.send(route, body)));
}

/** Fails unless every answer is RS_OK with one and the same balance. */
function expectOneAnswer(answers: readonly Exchange[], balance: number, rule: string): void {
  for (const answer of answers) {
    expectStatus(answer, 'RS_OK', rule);
    if (answer.answer?.balance !== balance) throw new CheckFailure(`${rule}: every copy carries the balance ${balance}, one carries ${JSON.stringify(answer.answer?.balance)}`, answer);
  }
}

/** Places `count` bets of `amount` one after the other: their ids. */
async function placeBets(context: CheckContext, count: number, amount: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await context.placeBet(context.player(), amount));
  return ids;
}

export const concurrency: readonly Check[] = [
  {
    name: 'concurrency.bet-copies',
    category: 'concurrency',
    rule: 'copies of one bet sent at once take the amount once and all answer the same balance',
    async run(context) {
      const player = context.player();
      const answers = await copies(context, '/transaction/bet', context.betBody(player, 6000), context.settings.copies);
      expectOneAnswer(answers, context.atStart(player) - 6000, 'each copy answers the one bet');
      await context.expectMoved(player, -6000, 'the bet is applied once');
    },
  },
  {
    name: 'concurrency.win-copies',
    category: 'concurrency',
    rule: 'copies of one win sent at once pay once and all answer the same balance',
    async run(context) {
      const player = context.player();
      const bet = await context.placeBet(player, 6100);
      const answers = await copies(context, '/transaction/win', context.winBody(player, bet, 6100), context.settings.copies);
      expectOneAnswer(answers, context.atStart(player), 'each copy answers the one win');
      await context.expectMoved(player, 0, 'the win is paid once');
    },
  },
  {
    name: 'concurrency.rollback-copies',
    category: 'concurrency',
    rule: 'copies of one rollback sent at once refund once and all answer the same balance',
    async run(context) {
      const player = context.player();
      const bet = await context.placeBet(player, 6200);
      const answers = await copies(context, '/transaction/rollback', context.rollbackBody(player, bet), context.settings.copies);
      expectOneAnswer(answers, context.atStart(player), 'each copy answers the one rollback');
      await context.expectMoved(player, 0, 'the bet is refunded once');
    },
  },
  {
    name: 'concurrency.distinct-bets-one-user',
    category: 'concurrency',
    rule: "distinct bets of one player sent at once are applied one after another: each answers a balance of the sequence, the end balance is exact",
    async run(context) {
      const player = context.player();
      const count = context.settings.copies;
      const answers = await Promise.all(Array.from({ length: count }, () => context.bet(player, 100)));
      const expected = new Set(Array.from({ length: count }, (_, i) => context.atStart(player) - 100 * (i + 1)));
      for (const answer of answers) {
        expectStatus(answer, 'RS_OK', 'every bet is accepted');
        if (!expected.delete(answer.answer?.balance as number)) {
          throw new CheckFailure(`each bet answers its own balance of the sequence ${context.atStart(player)} - 100 x k: ${JSON.stringify(answer.answer?.balance)} is not one or came twice`, answer);
        }
      }
      await context.expectMoved(player, -100 * count, 'every bet is applied once');
    },
  },
  {
    name: 'concurrency.mixed-calls-one-user',
    category: 'concurrency',
    rule: 'wins and rollbacks of one player sent at once all apply: the end balance is exact',
    async run(context) {
      const player = context.player();
      const bets = await placeBets(context, Math.max(2, Math.min(context.settings.copies, 20)), 150);
      const answers = await Promise.all(bets.map((bet, i) => (i % 2 === 0 ? context.win(player, bet, 150) : context.rollback(player, bet))));
      for (const answer of answers) expectStatus(answer, 'RS_OK', 'every win and rollback is accepted');
      await context.expectMoved(player, 0, 'every bet is settled once');
    },
  },
  {
    name: 'concurrency.same-id-two-users',
    category: 'concurrency',
    rule: 'one transaction id sent by two players at once is claimed once: one RS_OK, one RS_ERROR_DUPLICATE_TRANSACTION',
    players: 2,
    async run(context) {
      const [first, second] = [context.player(0), context.player(1)];
      const id = context.id();
      const answers = await Promise.all([context.bet(first, 6300, { transaction_uuid: id }), context.bet(second, 6300, { transaction_uuid: id })]);
      const statuses = answers.map((answer) => answer.answer?.status).sort();
      if (statuses.join() !== 'RS_ERROR_DUPLICATE_TRANSACTION,RS_OK') {
        throw new CheckFailure(`one bet is RS_OK and the other RS_ERROR_DUPLICATE_TRANSACTION, got ${statuses.join(' and ')}`, answers.find((a) => a.answer?.status === 'RS_OK') ?? answers[1]);
      }
      const winner = answers[0]?.answer?.status === 'RS_OK' ? 0 : 1;
      await context.expectMoved(context.player(winner), -6300, 'the claimed bet is applied once');
      await context.expectMoved(context.player(1 - winner), 0, 'the duplicate takes nothing');
    },
  },
];
