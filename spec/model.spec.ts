import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { type UserSpec, type Wallet } from '../lib/index.js';
import { runs, start } from './support/stores.js';
import { OPENING_USERS, recased, RUN_FACTOR, SEED, step, type Json, type MoneyOperation, type Step } from './model/arbitraries.js';
import { ReferenceWallet } from './model/reference-wallet.js';
import { uuid } from './helpers.js';

const INITIAL = 100_000;

function send(w: Wallet, operation: MoneyOperation, body: Json): Promise<unknown> {
  return w.handle(operation, body);
}

/** Runs the steps against the engine and the model; every answer must be the same, byte for byte. */
async function runBoth(steps: readonly Step[]): Promise<{ w: Wallet; model: ReferenceWallet }> {
  const w = start();
  const model = new ReferenceWallet(INITIAL);
  await w.createUsers(OPENING_USERS as UserSpec[]);
  model.createUsers(OPENING_USERS);
  const history: Array<{ operation: MoneyOperation; body: Json }> = [];

  for (const current of steps) {
    let calls: Array<{ operation: MoneyOperation; body: Json }> = [];
    switch (current.kind) {
      case 'create':
        await w.createUsers(current.users as UserSpec[]);
        model.createUsers(current.users);
        break;
      case 'disable':
        expect(await w.setUserDisabled(current.user, current.disabled)).toBe(model.setUserDisabled(current.user, current.disabled));
        break;
      case 'balance':
        expect(JSON.stringify(await w.handle('balance', current.body))).toBe(JSON.stringify(model.balance(current.body)));
        break;
      case 'call':
        calls = [current];
        break;
      case 'burst':
        calls = [...current.calls];
        break;
      case 'repeat': {
        const earlier = history[history.length - 1 - (current.back % Math.max(history.length, 1))];
        if (earlier === undefined) break;
        const body = current.requestUuid === undefined ? earlier.body : { ...earlier.body, request_uuid: current.requestUuid };
        calls = [{ operation: earlier.operation, body: recased(body, current.recase) }];
        break;
      }
    }
    // Sent together; the engine applies them in arrival order, the model one after another.
    const answers = await Promise.all(calls.map(({ operation, body }) => send(w, operation, body)));
    calls.forEach(({ operation, body }, i) => {
      expect(JSON.stringify(answers[i])).toBe(JSON.stringify(model.call(operation, body)));
    });
    history.push(...calls);
  }
  return { w, model };
}

async function balances(w: Wallet, users: Iterable<string>): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  for (const user of users) {
    const response = await w.balance({ user, request_uuid: '' });
    if ('balance' in response) result.set(user, response.balance);
  }
  return result;
}

/** The invariants that must hold after any sequence. */
async function checkInvariants(w: Wallet, model: ReferenceWallet): Promise<void> {
  const users = [...model.balances.keys()];
  const before = await balances(w, users);
  expect(before).toEqual(model.balances);
  for (const balance of before.values()) expect(balance).toBeGreaterThanOrEqual(0);
  // Money is conserved: what the users hold is what they opened with plus what was moved.
  const total = [...before.values()].reduce((sum, balance) => sum + BigInt(balance), 0n);
  expect(total).toBe(model.opened + model.moved());
  expect((await w.stats()).transactions).toBe(model.transactions.size);
  // Every recorded transaction replays byte for byte and moves nothing.
  for (const transaction of model.transactions.values()) {
    const replay = await send(w, transaction.operation, { ...transaction.body, request_uuid: '00000000-0000-0000-0000-000000000000' });
    expect(JSON.stringify(replay)).toBe(JSON.stringify(transaction.response));
  }
  expect(await balances(w, users)).toEqual(before);
}

describe('the engine answers every request sequence exactly as the reference model', () => {
  it('conserves money when balances together pass 2^53 (found by the soak run)', async () => {
    const steps: Step[] = [
      { kind: 'call', operation: 'bet', body: { user: 'u1', transaction_uuid: uuid(6), request_uuid: uuid(1000), currency: 'USD', amount: 100_000 } },
      {
        kind: 'call',
        operation: 'win',
        body: { user: 'u1', transaction_uuid: uuid(1), request_uuid: uuid(1000), reference_transaction_uuid: uuid(6), currency: 'USD', amount: Number.MAX_SAFE_INTEGER },
      },
      { kind: 'call', operation: 'bet', body: { user: 'u3', transaction_uuid: uuid(19), request_uuid: uuid(1000), currency: 'USD', amount: 2577 } },
    ];
    const { w, model } = await runBoth(steps);
    await checkInvariants(w, model);
  });

  it('agrees on every response, conserves money and replays every transaction', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 200, size: 'max' }), async (steps) => {
        const { w, model } = await runBoth(steps);
        await checkInvariants(w, model);
        await w.stop();
      }),
      { seed: SEED, numRuns: runs(500) * RUN_FACTOR },
    );
  });
});
