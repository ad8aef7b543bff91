/** Rollbacks cancel bets whether they arrived or not, once, and never a settled bet or another player's. */
import type { Check } from '../check.js';
import { expectStatus } from '../context.js';

export const rollback: readonly Check[] = [
  {
    name: 'rollback.before-bet',
    category: 'rollback',
    rule: 'a rollback of a bet the wallet never saw answers RS_OK and changes nothing',
    async run(context) {
      const player = context.player();
      const answer = await context.rollback(player, context.id());
      expectStatus(answer, 'RS_OK', 'the rollback of an unseen bet is accepted');
      await context.expectNothingMoved('nothing is refunded', answer);
    },
  },
  {
    name: 'rollback.late-bet-refused',
    category: 'rollback',
    rule: 'a bet arriving after its rollback is RS_ERROR_TRANSACTION_ROLLED_BACK and takes nothing',
    async run(context) {
      const player = context.player();
      const id = context.id();
      // Only the late bet is judged here; the rollback's own answer is rollback.before-bet's.
      await context.rollback(player, id);
      const late = await context.bet(player, 3000, { transaction_uuid: id });
      expectStatus(late, 'RS_ERROR_TRANSACTION_ROLLED_BACK', 'the late bet is refused');
      await context.expectNothingMoved('the late bet takes nothing', late);
    },
  },
  {
    name: 'rollback.win-after-rollback',
    category: 'rollback',
    rule: 'a win for a rolled-back bet is RS_ERROR_TRANSACTION_ROLLED_BACK and pays nothing',
    async run(context) {
      const player = context.player();
      const bet = await context.placeBet(player, 3100);
      expectStatus(await context.rollback(player, bet), 'RS_OK', 'the rollback is accepted');
      const win = await context.win(player, bet, 3100);
      expectStatus(win, 'RS_ERROR_TRANSACTION_ROLLED_BACK', 'the win is refused');
      await context.expectNothingMoved('the bet is refunded and nothing paid', win);
    },
  },
  {
    name: 'rollback.after-win',
    category: 'rollback',
    rule: 'a rollback of a bet that already has a win is refused with an RS_ERROR_* status and refunds nothing',
    async run(context) {
      const player = context.player();
      const bet = await context.placeBet(player, 3200);
      expectStatus(await context.win(player, bet, 3200), 'RS_OK', 'the win is accepted');
      const late = await context.rollback(player, bet);
      expectStatus(late, 'error', 'a settled bet cannot be cancelled');
      await context.expectNothingMoved('nothing is refunded', late);
    },
  },
  {
    name: 'rollback.double',
    category: 'rollback',
    rule: 'a second rollback (another id) of a cancelled bet answers RS_OK and refunds nothing',
    async run(context) {
      const player = context.player();
      const bet = await context.placeBet(player, 3300);
      expectStatus(await context.rollback(player, bet), 'RS_OK', 'the first rollback is accepted');
      const second = await context.rollback(player, bet);
      expectStatus(second, 'RS_OK', 'the second rollback is accepted');
      await context.expectNothingMoved('the bet is refunded once', second);
    },
  },
  {
    name: 'rollback.other-users-bet',
    category: 'rollback',
    rule: "a rollback of another player's bet is RS_ERROR_TRANSACTION_DOES_NOT_EXIST and refunds nothing",
    players: 2,
    async run(context) {
      const [owner, other] = [context.player(0), context.player(1)];
      const bet = await context.placeBet(owner, 3400);
      const answer = await context.rollback(other, bet);
      expectStatus(answer, 'RS_ERROR_TRANSACTION_DOES_NOT_EXIST', "the bet is not the player's");
      await context.expectMoved(other, 0, 'the other player gets nothing', answer);
      await context.expectMoved(owner, -3400, "the owner's bet stays open", answer);
    },
  },
  {
    name: 'rollback.only-named-bet',
    category: 'rollback',
    rule: 'of two bets in one round a rollback cancels only the bet it names; the other can still win',
    async run(context) {
      const player = context.player();
      const round = context.id();
      const [one, two] = [await context.placeBet(player, 3500, { round }), await context.placeBet(player, 3600, { round })];
      expectStatus(await context.rollback(player, one, { round }), 'RS_OK', 'the rollback is accepted');
      await context.expectMoved(player, -3600, 'only the named bet is refunded');
      const win = await context.win(player, two, 3600, { round });
      expectStatus(win, 'RS_OK', 'the other bet still wins');
      await context.expectMoved(player, 0, 'the win is paid', win);
    },
  },
  {
    name: 'rollback.of-a-win',
    category: 'rollback',
    rule: 'a rollback naming a win is RS_ERROR_TRANSACTION_DOES_NOT_EXIST and changes nothing',
    async run(context) {
      const player = context.player();
      const bet = await context.placeBet(player, 3700);
      const body = context.winBody(player, bet, 3700);
      expectStatus(await context.send('/transaction/win', body), 'RS_OK', 'the win is accepted');
      const answer = await context.rollback(player, body.transaction_uuid as string);
      expectStatus(answer, 'RS_ERROR_TRANSACTION_DOES_NOT_EXIST', 'wins are never rolled back');
      await context.expectNothingMoved('nothing changes', answer);
    },
  },
];
